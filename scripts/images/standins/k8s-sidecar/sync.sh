#!/usr/bin/env bash
# Loads the ConfigMaps labelled LABEL=LABEL_VALUE in NAMESPACE into FOLDER, a file per
# data key, and keeps them in step: changed files rewritten, files of vanished keys
# removed, REQ_METHOD REQ_URL called after any change (until it succeeds). Files are written aside and
# renamed, so a reader never sees half of one.
set -uo pipefail
: "${LABEL:?LABEL is required}" "${FOLDER:?FOLDER is required}"
: "${LABEL_VALUE:=}" "${NAMESPACE:=default}" "${RESOURCE:=configmap}" "${REQ_METHOD:=GET}" "${REQ_URL:=}" "${SLEEP_TIME:=5}"
[ "$RESOURCE" = configmap ] || { echo "stand-in: only RESOURCE=configmap is supported, not $RESOURCE" >&2; exit 1; }
account=/var/run/secrets/kubernetes.io/serviceaccount
api="https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}"
selector=$LABEL${LABEL_VALUE:+=$LABEL_VALUE}
if [ "$NAMESPACE" = ALL ]; then path=/api/v1/configmaps; else path=/api/v1/namespaces/$NAMESPACE/configmaps; fi
mkdir -p "$FOLDER"
owned="$FOLDER/.stand-in-files"
touch "$owned"

log() { printf '{"time":"%s","level":"%s","msg":"%s"}\n' "$(date -u +%FT%TZ)" "$1" "$2"; }

sync_once() {
  local list changed=0 key
  list=$(curl -fsS --max-time 10 --cacert "$account/ca.crt" -H "Authorization: Bearer $(cat "$account/token")" \
    --get --data-urlencode "labelSelector=$selector" "$api$path") || { log warn "listing ConfigMaps failed"; return; }
  local wanted="$FOLDER/.stand-in-wanted"
  # Pipes, not here-strings: bash writes those to a temporary file, and the root file system is read-only.
  printf '%s' "$list" | jq -r '[.items[].data // {} | keys[]] | unique[]' > "$wanted"
  while IFS= read -r key; do
    case $key in */* | .* | '') log warn "skipping data key $key"; continue ;; esac
    printf '%s' "$list" | jq -j --arg key "$key" '[.items[].data // {} | select(has($key)) | .[$key]][0]' > "$FOLDER/.$key.new"
    if cmp -s "$FOLDER/.$key.new" "$FOLDER/$key"; then rm -f "$FOLDER/.$key.new"; else mv -f "$FOLDER/.$key.new" "$FOLDER/$key"; changed=1; log info "wrote $key"; fi
  done < "$wanted"
  while IFS= read -r key; do
    grep -qxF -- "$key" "$wanted" || { rm -f "$FOLDER/$key"; changed=1; log info "removed $key"; }
  done < "$owned"
  mv -f "$wanted" "$owned"
  [ "$changed" = 1 ] && pending=1
  # A failed call (the reader not up yet) is retried on the next round.
  if [ "$pending" = 1 ] && [ -n "$REQ_URL" ]; then
    if curl -fsS --max-time 10 -X "$REQ_METHOD" "$REQ_URL" >/dev/null; then pending=0; log info "called $REQ_METHOD $REQ_URL"; else log warn "$REQ_METHOD $REQ_URL failed; retrying"; fi
  fi
}

pending=0

while true; do
  sync_once
  sleep "$SLEEP_TIME"
done

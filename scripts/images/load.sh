#!/usr/bin/env bash
# Imports OCI archives (from build.sh) into a containerd, namespace k8s.io, where the
# kubelet finds them: an image imported under the reference a manifest names runs with
# the default IfNotPresent pull policy.
#   scripts/images/load.sh <archive>...
#   scripts/images/build.sh transaction payment | scripts/images/load.sh
# (on stdin: build.sh's `<reference> <archive>` lines). CONTAINERD_ADDRESS is the
# containerd socket (default /run/containerd/containerd.sock). An archive whose image
# is already there with the same digest is skipped. Prints `<reference> <digest>` a line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
require_tools ctr flock
address=${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}
[ -S "$address" ] || { log "no containerd socket at $address (set CONTAINERD_ADDRESS)"; exit 1; }
k8s() { ctr --address "$address" --namespace k8s.io "$@"; }

archives=("$@")
if [ ${#archives[@]} -eq 0 ]; then
  while read -r first second _; do
    [ -n "$first" ] && archives+=("${second:-$first}")
  done
fi
[ ${#archives[@]} -gt 0 ] || { log "usage: $0 <archive>...  (or build.sh's output on stdin)"; exit 2; }

# One import at a time into one containerd.
lock "load-$(printf '%s' "$address" | sha256sum | cut -c1-12)"
for archive in "${archives[@]}"; do
  [ -f "$archive" ] || { log "no such archive: $archive"; exit 1; }
  # The archive's index names one image: its manifest digest and reference.
  index=$(tar -xOf "$archive" index.json)
  digest=$(grep -o '"digest":"sha256:[0-9a-f]*"' <<<"$index" | head -n 1 | cut -d'"' -f4)
  ref=$(grep -o '"org.opencontainers.image.ref.name":"[^"]*"' <<<"$index" | head -n 1 | cut -d'"' -f4)
  if [ -z "$digest" ] || [ -z "$ref" ]; then log "$archive names no image (not an archive of build.sh?)"; exit 1; fi
  present=$(k8s images ls "name==$ref" | awk -v ref="$ref" '$1 == ref { print $3 }')
  if [ "$present" = "$digest" ]; then
    log "$ref: already imported ($digest)"
  else
    started=$SECONDS
    # --base-name: only the image of that name is taken from the archive, under its full name.
    k8s images import --base-name "${ref%:*}" "$archive" >/dev/null
    present=$(k8s images ls "name==$ref" | awk -v ref="$ref" '$1 == ref { print $3 }')
    [ "$present" = "$digest" ] || { log "$ref: import of $archive did not take (found '${present:-nothing}')"; exit 1; }
    log "$ref: imported in $((SECONDS - started)) s"
  fi
  echo "$ref $digest"
done

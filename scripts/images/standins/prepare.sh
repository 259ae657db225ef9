#!/usr/bin/env bash
# Stages the build contexts of the stand-in images whose software is built from Go
# modules (jaeger, otel-collector, prometheus): the binary from its cached build (built
# first when missing) next to the component's files from this folder, under
# .metrox/images/standins/<component>/, the context scripts/images/components.ts names
# for them. postgres, rabbitmq, alertmanager and k8s-sidecar (Debian's packages) build from this folder directly
# and need nothing staged. Idempotent; a context whose files are current is untouched.
#
# Usage: scripts/images/standins/prepare.sh [component...]   (default: all stand-ins)
# Progress goes to stderr; nothing is printed on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { printf '[standins] %s\n' "$*" >&2; }
. "$here/../../lib.sh"
. "$here/versions.sh"
staging="$metrox_repo/.metrox/images/standins"

# stage COMPONENT FILE DEST: FILE into the component's context as DEST, when it differs:
# a hard link where the file system allows it (the binaries take no second copy), else
# a copy.
stage() {
  local to="$staging/$1/$3"
  mkdir -p "$(dirname "$to")"
  if ! cmp -s "$2" "$to"; then
    rm -f "$to.tmp"
    ln "$2" "$to.tmp" 2>/dev/null || cp -p "$2" "$to.tmp"
    mv -f "$to.tmp" "$to"
  fi
}

# stage_tree COMPONENT DIR DEST: every file under DIR into the context under DEST.
stage_tree() {
  local f
  while IFS= read -r -d '' f; do stage "$1" "$f" "$3/${f#"$2"/}"; done < <(find "$2" -type f -print0)
}

prepare() {
  local component=$1 binary
  case $component in
    postgres | rabbitmq | alertmanager | k8s-sidecar) return ;;
    jaeger)
      binary=$(bash "$metrox_repo/scripts/observability/build.sh" | tail -n 1)
      stage jaeger "$binary" jaeger
      ;;
    otel-collector)
      binary=$(bash "$here/build-otelcol.sh" | tail -n 1)
      # The Dockerfile's description names the versions: it must match the build.
      local version=${binary%/otelcol-contrib}
      version=${version##*/otelcol-contrib-}
      grep -q "collector-contrib $version" "$here/otel-collector/Dockerfile" ||
        { log "otel-collector/Dockerfile's description does not name collector-contrib $version: update it"; exit 1; }
      stage otel-collector "$binary" otelcol-contrib
      stage otel-collector "$here/otel-collector/config.yaml" config.yaml
      ;;
    prometheus)
      binary=$(bash "$here/build-prometheus.sh" | tail -n 1)
      local src
      src=$(cd "$METROX_CACHE" && GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION" |
        sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
      [ -d "$src/consoles" ] || { log "the Prometheus module has no consoles/ folder at $src"; exit 1; }
      stage prometheus "$binary" prometheus
      stage prometheus "$here/prometheus/prometheus.yml" prometheus.yml
      stage_tree prometheus "$src/consoles" consoles
      stage_tree prometheus "$src/console_libraries" console_libraries
      ;;
    *) log "unknown stand-in $component (postgres rabbitmq prometheus alertmanager k8s-sidecar jaeger otel-collector)"; exit 2 ;;
  esac
  log "$component: context staged in $staging/$component"
}

[ $# -gt 0 ] || set -- postgres rabbitmq prometheus alertmanager k8s-sidecar jaeger otel-collector
for c in "$@"; do prepare "$c"; done

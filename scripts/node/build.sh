#!/usr/bin/env bash
# Builds what a real node needs beyond the control plane's binaries: CoreDNS (its Go
# module) and the Pod sandbox's pause binary (the C source inside the Kubernetes
# module, linked statically). Cached per version outside the work tree; idempotent;
# concurrent callers wait on the shared build lock.
#
# Prints two lines: the CoreDNS binary, then the pause binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../control-plane/versions.sh"

log() { printf '[node] %s\n' "$*" >&2; }
quiet_go() { go "$@" 2> >(grep -v '^go: downloading' >&2); }

coredns="$METROX_CACHE/bin/coredns-$COREDNS_VERSION/coredns"
pause="$METROX_CACHE/bin/pause-$K8S_VERSION/pause"
if [ -x "$coredns" ] && [ -x "$pause" ]; then printf '%s\n%s\n' "$coredns" "$pause"; exit 0; fi

command -v go >/dev/null || { log "Go is required to build CoreDNS and pause"; exit 1; }
mkdir -p "$(dirname "$coredns")" "$(dirname "$pause")"
exec 9>"$METROX_CACHE/build.lock"
flock 9
export CGO_ENABLED=0

if [ ! -x "$pause" ]; then
  command -v gcc >/dev/null || { log "gcc and libc6-dev are required to build the pause binary"; exit 1; }
  src=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/build/pause/linux/pause.c
  log "building pause from $src"
  gcc -Os -static -Wall -Werror -DVERSION="$K8S_VERSION" -o "$pause.tmp" "$src"
  strip "$pause.tmp"
  mv "$pause.tmp" "$pause"
fi

# CoreDNS is a plain main module: `go install` works.
if [ ! -x "$coredns" ]; then
  log "building coredns $COREDNS_VERSION (first run only, cached in $(dirname "$coredns"); about 8 min cold on 2 cores)"
  start=$SECONDS
  tmp=$(dirname "$coredns")/.gobin
  GOBIN="$tmp" GOFLAGS= quiet_go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  mv "$tmp/coredns" "$coredns"
  rmdir "$tmp"
  log "built coredns in $((SECONDS - start)) s"
fi
printf '%s\n%s\n' "$coredns" "$pause"

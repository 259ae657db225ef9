#!/usr/bin/env bash
# Builds Jaeger v2 (cmd/jaeger of the github.com/jaegertracing/jaeger module) from
# the Go module proxy into a per-version cache outside the work tree. Idempotent:
# a cached binary is reused at once; concurrent callers wait on one lock.
#
# JAEGER_BINARY (a path to an existing jaeger v2 binary) skips the build.
# Prints the path of the binary on its last line; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

log() { printf '[observability] %s\n' "$*" >&2; }
. "$here/../go-lib.sh"

if [ -n "${JAEGER_BINARY:-}" ]; then
  [ -x "$JAEGER_BINARY" ] || { log "JAEGER_BINARY=$JAEGER_BINARY is not an executable"; exit 1; }
  echo "$JAEGER_BINARY"
  exit 0
fi

bin="$METROX_CACHE/bin/jaeger-$JAEGER_VERSION"
target="$bin/jaeger"
if [ -x "$target" ]; then echo "$target"; exit 0; fi

command -v go >/dev/null || { log "Go is required to build Jaeger (install golang, or set JAEGER_BINARY)"; exit 1; }

work="$METROX_CACHE/build/jaeger-$JAEGER_MODULE_VERSION"
mkdir -p "$bin" "$work"
exec 9>"$METROX_CACHE/build.lock"
flock 9
# Another caller may have finished the build while we waited for the lock.
if [ -x "$target" ]; then echo "$target"; exit 0; fi

export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod"
module=github.com/jaegertracing/jaeger

command_wrapper "$work" "$module" "$JAEGER_MODULE_VERSION" "$module/cmd/jaeger"

log "building jaeger $JAEGER_VERSION (first run only, cached in $bin; takes several minutes on 2 cores)"
start=$SECONDS
ldflags="-s -w -X $module/internal/version.latestVersion=$JAEGER_VERSION -X $module/internal/version.commitSHA=module-$JAEGER_MODULE_VERSION"
( cd "$work" && go build -trimpath -ldflags "$ldflags" -o "$target.tmp" "$module/cmd/jaeger" )
mv "$target.tmp" "$target"
log "built jaeger in $((SECONDS - start)) s"
echo "$target"

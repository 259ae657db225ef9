#!/usr/bin/env bash
# Builds the OpenTelemetry Collector of the otel-collector stand-in image: a wrapper
# module of ours (generated under $METROX_CACHE/build) whose main,
# otel-collector/distribution/main.go, registers exactly the components the chart's
# Collector configuration uses. Its requirements are those of the Jaeger module that
# scripts/observability/build.sh builds (collector v0.140.0, collector-contrib
# v0.140.1 for Jaeger v1.76.0), plus the contrib health_check extension at the same
# version, so the two builds share the Go module and build caches.
#
# Idempotent: a cached binary built from the same main.go is reused at once;
# concurrent callers wait on the build lock every MetroX Go build takes.
# Prints the path of the binary on its last line; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
log() { printf '[standins] %s\n' "$*" >&2; }
. "$here/../../go-lib.sh"
require_go "the OpenTelemetry Collector"

main_go="$here/otel-collector/distribution/main.go"
jaeger_module=github.com/jaegertracing/jaeger
contrib=github.com/open-telemetry/opentelemetry-collector-contrib
jaeger_mod=$(module_file "$jaeger_module" "$JAEGER_MODULE_VERSION" GoMod)
jaeger_src=$(module_file "$jaeger_module" "$JAEGER_MODULE_VERSION" Dir)
[ -f "$jaeger_mod" ] && [ -f "$jaeger_src/go.sum" ] || { log "the Go module proxy did not serve $jaeger_module@$JAEGER_MODULE_VERSION"; exit 1; }
required() { awk -v m="$1" '$1 == m { print $2; exit }' "$jaeger_mod"; }
contrib_version=$(required "$contrib/connector/spanmetricsconnector")
core_version=$(required go.opentelemetry.io/collector/otelcol)
[ -n "$contrib_version" ] && [ -n "$core_version" ] || { log "cannot read the collector versions from $jaeger_module@$JAEGER_MODULE_VERSION's go.mod"; exit 1; }

bin="$METROX_CACHE/bin/otelcol-contrib-$contrib_version"
target="$bin/otelcol-contrib"
recipe=$(cat "$main_go" "$0" | sha256sum | cut -c1-16)
current() { [ -x "$target" ] && [ "$(cat "$target.recipe" 2>/dev/null)" = "$recipe" ]; }
if current; then echo "$target"; exit 0; fi
work="$METROX_CACHE/build/otelcol-contrib-$contrib_version"
mkdir -p "$bin" "$work"
go_build_lock
if current; then echo "$target"; exit 0; fi

export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod"
if [ "$(cat "$work/.ready" 2>/dev/null)" != "$recipe" ]; then
  log "preparing the Collector wrapper module (collector $core_version, contrib $contrib_version, as $jaeger_module@$JAEGER_MODULE_VERSION pins them)"
  rm -f "$work/.ready"
  # Jaeger's go.sum covers every module both builds share; the checksum database does
  # not answer for all of them (collector-contrib v0.140.1), Jaeger's own hash does.
  install -m 0644 "$jaeger_src/go.sum" "$work/go.sum"
  install -m 0644 "$main_go" "$work/main.go"
  {
    echo "module metrox.local/otelcol-build"
    echo
    grep -m1 '^go ' "$jaeger_mod"
    echo
    require_block "$jaeger_mod" | sed "\$i\\	$contrib/extension/healthcheckextension $contrib_version"
    echo
    directives "$jaeger_mod"
  } > "$work/go.mod"
  ( cd "$work" && go mod tidy >&2 && go mod download >&2 )
  echo "$recipe" > "$work/.ready"
fi

log "building otelcol-contrib $contrib_version (cached in $bin)"
start=$SECONDS
ldflags="-s -w -X main.version=${contrib_version#v} -X main.contribVersion=$contrib_version"
( cd "$work" && go build -trimpath -ldflags "$ldflags" -o "$target.tmp" . )
mv "$target.tmp" "$target"
echo "$recipe" > "$target.recipe"
log "built otelcol-contrib in $((SECONDS - start)) s"
echo "$target"

#!/usr/bin/env bash
# Builds Prometheus (cmd/prometheus of the github.com/prometheus/prometheus module,
# PROMETHEUS_MODULE_VERSION, published as PROMETHEUS_VERSION) from the Go module proxy
# into a per-version cache outside the work tree, for the Prometheus stand-in image.
# Debian's prometheus package is compiled without Kubernetes service discovery, which
# the chart's scrape configuration relies on; this build has every discovery mechanism
# of the upstream release. Idempotent: a cached binary is reused at once; concurrent
# callers wait on the build lock every MetroX Go build takes.
#
# The web UI's compiled assets are not part of the Go module (they come from a separate
# JavaScript build), so the UI pages are absent; the HTTP API and /-/ready, /-/healthy are
# complete. Prints the path of the binary on its last line; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
log() { printf '[standins] %s\n' "$*" >&2; }
. "$here/../../go-lib.sh"

bin="$METROX_CACHE/bin/prometheus-$PROMETHEUS_VERSION"
target="$bin/prometheus"
if [ -x "$target" ]; then echo "$target"; exit 0; fi
require_go Prometheus
work="$METROX_CACHE/build/prometheus-$PROMETHEUS_MODULE_VERSION"
mkdir -p "$bin" "$work"
go_build_lock
if [ -x "$target" ]; then echo "$target"; exit 0; fi

export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod"
module=github.com/prometheus/prometheus

command_wrapper "$work" "$module" "$PROMETHEUS_MODULE_VERSION" "$module/cmd/prometheus"

log "building prometheus $PROMETHEUS_VERSION (first run only, cached in $bin; several minutes on 2 cores)"
start=$SECONDS
v=github.com/prometheus/common/version
ldflags="-s -w -X $v.Version=${PROMETHEUS_VERSION#v} -X $v.Revision=module-$PROMETHEUS_MODULE_VERSION -X $v.Branch=HEAD -X $v.BuildUser=metrox"
# stringlabels is the label representation the release binaries are built with.
( cd "$work" && go build -trimpath -tags netgo,stringlabels -ldflags "$ldflags" -o "$target.tmp" "$module/cmd/prometheus" )
mv "$target.tmp" "$target"
log "built prometheus in $((SECONDS - start)) s"
echo "$target"

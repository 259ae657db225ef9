#!/usr/bin/env bash
# Starts MetroX's local trace backend: Jaeger v2 (built from its Go module, see
# build.sh) with OTLP/HTTP and OTLP/gRPC receivers, in-memory storage and the
# query API, all on loopback. Idempotent: a healthy Jaeger is left alone.
# JAEGER_URL in the environment means the user's own Jaeger: nothing is started
# and the given URLs (JAEGER_URL, OTEL_EXPORTER_OTLP_ENDPOINT) are recorded.
#
# Writes .metrox/observability/endpoints.json and prints on stdout the names of
# the components this call started (so a caller can stop only those).
set -euo pipefail
. "$(dirname "$0")/env.sh"
mkdir -p "$obs"
started=()

start_jaeger() {
  [ -n "${JAEGER_URL:-}" ] && return
  jaeger_healthy && return
  local binary dir="$obs/jaeger"
  binary=$(bash "$here_obs/build.sh")
  mkdir -p "$dir"
  log "starting Jaeger $JAEGER_VERSION: OTLP http 127.0.0.1:$METROX_JAEGER_OTLP_HTTP_PORT grpc :$METROX_JAEGER_OTLP_GRPC_PORT, query http://127.0.0.1:$METROX_JAEGER_QUERY_PORT"
  start_daemon jaeger "$dir" "$binary" --config "file:$here_obs/jaeger.yaml"
  if ! wait_for Jaeger jaeger_healthy 60 "$dir/jaeger.log"; then tail -n 20 "$dir/jaeger.log" >&2; exit 1; fi
  started+=(jaeger)
}

# Jaeger's own metrics (spans received, refused, stored) for infra's Prometheus.
register_scrape_target() {
  [ -n "${JAEGER_URL:-}" ] && return
  [ -n "$prometheus_targets" ] && [ -d "$prometheus_targets" ] || return 0
  printf '[{"targets":["127.0.0.1:%s"],"labels":{"job":"jaeger","service":"jaeger"}}]\n' "$METROX_JAEGER_METRICS_PORT" \
    > "$prometheus_targets/jaeger.json.tmp"
  mv "$prometheus_targets/jaeger.json.tmp" "$prometheus_targets/jaeger.json"
}

write_endpoints() {
  local tmp="$obs/endpoints.json.tmp"
  cat > "$tmp" <<JSON
{
  "JAEGER_URL": "${JAEGER_URL:-http://127.0.0.1:$METROX_JAEGER_QUERY_PORT}",
  "OTEL_EXPORTER_OTLP_ENDPOINT": "${OTEL_EXPORTER_OTLP_ENDPOINT:-http://127.0.0.1:$METROX_JAEGER_OTLP_HTTP_PORT}",
  "OTEL_EXPORTER_OTLP_GRPC_ENDPOINT": "${OTEL_EXPORTER_OTLP_GRPC_ENDPOINT:-http://127.0.0.1:$METROX_JAEGER_OTLP_GRPC_PORT}"
}
JSON
  mv "$tmp" "$obs/endpoints.json"
}

start_jaeger
register_scrape_target
write_endpoints
[ ${#started[@]} -gt 0 ] && log "ready: ${started[*]} (endpoints in $obs/endpoints.json)"
echo "${started[*]}"

# Shared settings for the observability scripts. Sourced, not run.
# Ports are loopback-only and away from Jaeger's defaults (4317/4318/16686), so a
# developer's own Jaeger or collector never collides; override any from the environment.
here_obs=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[observability] %s\n' "$*" >&2; }
. "$here_obs/../lib.sh"
repo=$metrox_repo
. "$here_obs/versions.sh"
obs="$METROX_STATE/observability"
: "${METROX_JAEGER_OTLP_GRPC_PORT:=21317}"
: "${METROX_JAEGER_OTLP_HTTP_PORT:=21318}"
: "${METROX_JAEGER_QUERY_PORT:=21686}"
: "${METROX_JAEGER_QUERY_GRPC_PORT:=21685}"
: "${METROX_JAEGER_HEALTH_PORT:=21133}"
: "${METROX_JAEGER_METRICS_PORT:=21888}"
: "${METROX_JAEGER_MAX_TRACES:=50000}"
export METROX_JAEGER_OTLP_GRPC_PORT METROX_JAEGER_OTLP_HTTP_PORT METROX_JAEGER_QUERY_PORT \
  METROX_JAEGER_QUERY_GRPC_PORT METROX_JAEGER_HEALTH_PORT METROX_JAEGER_METRICS_PORT METROX_JAEGER_MAX_TRACES
# Where the running Prometheus picks up file_sd targets: the environment, else what
# scripts/infra/up.sh recorded (it may watch another checkout's folder), else none.
prometheus_targets=${PROMETHEUS_TARGETS_DIR:-$(sed -n 's/.*"PROMETHEUS_TARGETS_DIR": "\(.*\)".*/\1/p' "$METROX_STATE/infra/endpoints.json" 2>/dev/null || true)}


# Ready means: health check green and the query API answering.
jaeger_healthy() {
  curl -fsS -m 2 "http://127.0.0.1:$METROX_JAEGER_HEALTH_PORT/status" >/dev/null 2>&1 &&
    curl -fsS -m 2 "http://127.0.0.1:$METROX_JAEGER_QUERY_PORT/api/services" >/dev/null 2>&1
}


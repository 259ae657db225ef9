# Shared settings for the local infrastructure scripts. Sourced, not run.
# Every port is loopback-only, away from the servers' defaults (a system Postgres
# or RabbitMQ is never touched) and below Linux's ephemeral range (32768+), where
# outgoing connections and "free port" picks could take them. MetroX uses 21xxx;
# override any of them from the environment.
log() { printf '[infra] %s\n' "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
infra="$METROX_STATE/infra"
: "${METROX_PG_PORT:=21432}"
: "${METROX_AMQP_PORT:=21672}"
: "${METROX_AMQP_MGMT_PORT:=21673}"
: "${METROX_AMQP_DIST_PORT:=21674}"
: "${METROX_EPMD_PORT:=21675}"
: "${METROX_AMQP_METRICS_PORT:=21692}"
: "${METROX_NATS_PORT:=21422}"
: "${METROX_NATS_MONITOR_PORT:=21822}"
: "${METROX_PROMETHEUS_PORT:=21090}"
: "${METROX_ALERTMANAGER_PORT:=21093}"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_ADMIN_PASSWORD=metrox

# RabbitMQ's own scripts read these; the node lives entirely under $infra/rabbitmq.
export RABBITMQ_NODENAME=metrox@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$METROX_AMQP_PORT
export RABBITMQ_DIST_PORT=$METROX_AMQP_DIST_PORT
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=$METROX_EPMD_PORT
export RABBITMQ_MNESIA_BASE=$infra/rabbitmq/mnesia
export RABBITMQ_LOG_BASE=$infra/rabbitmq/log
export RABBITMQ_CONFIG_FILE=$infra/rabbitmq/rabbitmq
export RABBITMQ_ENABLED_PLUGINS_FILE=$infra/rabbitmq/enabled_plugins
export RABBITMQ_PID_FILE=$infra/rabbitmq/rabbitmq.pid
rabbit_home=$infra/rabbitmq/home
rabbit() { HOME=$rabbit_home "/usr/lib/rabbitmq/bin/$1" "${@:2}"; }


as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Fast health checks, used both to skip work and to wait for readiness.
pg_healthy() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$METROX_PG_PORT" 2>/dev/null; }
rabbit_healthy() { curl -fsS -m 2 -u guest:guest "http://127.0.0.1:$METROX_AMQP_MGMT_PORT/api/health/checks/alarms" >/dev/null 2>&1; }
nats_healthy() { curl -fsS -m 2 "http://127.0.0.1:$METROX_NATS_MONITOR_PORT/healthz?js-enabled-only=true" >/dev/null 2>&1; }
prometheus_healthy() { curl -fsS -m 2 "http://127.0.0.1:$METROX_PROMETHEUS_PORT/-/ready" >/dev/null 2>&1; }
alertmanager_healthy() { curl -fsS -m 2 "http://127.0.0.1:$METROX_ALERTMANAGER_PORT/-/ready" >/dev/null 2>&1; }

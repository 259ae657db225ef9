#!/usr/bin/env bash
# Starts MetroX's local infrastructure: PostgreSQL, RabbitMQ (+ management),
# NATS with JetStream, Prometheus and Alertmanager, bound to loopback, data under
# .metrox/infra.
# Idempotent: healthy components are left alone. A component whose URL is already
# in the environment (DATABASE_URL, AMQP_URL, NATS_URL, PROMETHEUS_URL,
# ALERTMANAGER_URL) is the user's own and is not started.
#
# Writes .metrox/infra/endpoints.json for the tests, and prints on stdout the
# names of the components this call started (so a caller can stop only those).
set -euo pipefail
. "$(dirname "$0")/env.sh"
mkdir -p "$infra"
started=()

need() { # component command debian-package
  command -v "$2" >/dev/null 2>&1 || [ -x "$2" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing $3 from Debian's packages"
    if [ ! -f "$infra/.apt-updated" ]; then apt-get update -qq >/dev/null && touch "$infra/.apt-updated"; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$3" >/dev/null
  else
    log "$1 is missing: install the Debian/Ubuntu package '$3' (or set its URL variable to use your own server)"
    exit 1
  fi
}

start_postgres() {
  [ -n "${DATABASE_URL:-}" ] && return
  pg_healthy && return
  need postgres "${PG_BIN:-/usr/lib/postgresql/15/bin}/postgres" postgresql
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local data="$infra/postgres"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL in $data"
    mkdir -p "$data"
    local pw="$infra/.pgpass-init"
    echo "$PG_ADMIN_PASSWORD" > "$pw"
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$data"; chown postgres "$pw"; fi
    as_pg_user "$PG_BIN/initdb" -D "$data" -U postgres --pwfile="$pw" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pw"
  fi
  # A development instance trades speed for durability only where no commit a client was
  # told about can be lost. With fsync and full_page_writes off, a crash of the server
  # (pg_ctl stop -m immediate, the OOM killer) loses nothing: what it wrote is in the OS's
  # cache. An OS crash or power loss can lose commits and corrupt the data folder (delete
  # .metrox/infra/postgres to start afresh). synchronous_commit stays on: off, a server crash
  # loses the last commits already acknowledged.
  local settings="-c max_connections=400 -c shared_buffers=256MB -c fsync=off -c full_page_writes=off -c synchronous_commit=on"
  log "starting PostgreSQL on 127.0.0.1:$METROX_PG_PORT"
  # Address, port, socket folder and settings on the command line, so a changed port takes
  # effect and they override what an older version wrote into postgresql.conf.
  as_pg_user "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $METROX_PG_PORT -k $data $settings" start >/dev/null
  started+=(postgres)
}

start_rabbitmq() {
  [ -n "${AMQP_URL:-}" ] && return
  rabbit_healthy && return
  need rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server rabbitmq-server
  mkdir -p "$infra/rabbitmq"/{mnesia,log,home}
  echo "[rabbitmq_management,rabbitmq_prometheus]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  cat > "$RABBITMQ_CONFIG_FILE.conf" <<CONF
management.tcp.ip = 127.0.0.1
management.tcp.port = $METROX_AMQP_MGMT_PORT
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $METROX_AMQP_METRICS_PORT
loopback_users = none
vm_memory_high_watermark.relative = 0.4
disk_free_limit.absolute = 200MB
CONF
  log "starting RabbitMQ on 127.0.0.1:$METROX_AMQP_PORT (management :$METROX_AMQP_MGMT_PORT, metrics :$METROX_AMQP_METRICS_PORT)"
  # epmd must be ours (its port differs from a system one), started before the node.
  HOME=$rabbit_home epmd -daemon -address 127.0.0.1 -port "$METROX_EPMD_PORT"
  rabbit rabbitmq-server -detached >/dev/null 2>&1
  wait_for RabbitMQ rabbit_healthy 90 "$infra/rabbitmq/log/"
  started+=(rabbitmq)
}

start_nats() {
  [ -n "${NATS_URL:-}" ] && return
  nats_healthy && return
  need nats nats-server nats-server
  mkdir -p "$infra/nats/store"
  log "starting NATS (JetStream) on 127.0.0.1:$METROX_NATS_PORT"
  start_daemon nats "$infra/nats" nats-server -js -a 127.0.0.1 -p "$METROX_NATS_PORT" -m "$METROX_NATS_MONITOR_PORT" \
    -sd "$infra/nats/store" -l "$infra/nats/nats.log"
  wait_for NATS nats_healthy 30 "$infra/nats/nats.log"
  started+=(nats)
}

# Prometheus' configuration: targets and rule files are folders that tests and
# `npm run local` drop files into (targets are picked up by themselves, rules on
# POST /-/reload); alerts go to the local Alertmanager.
write_prometheus_config() {
  local dir=$1
  cat > "$dir/prometheus.yml.tmp" <<CONF
global:
  scrape_interval: 2s
  evaluation_interval: 2s
rule_files: ['$dir/rules/*.yaml']
alerting:
  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:$METROX_ALERTMANAGER_PORT'] }] }]
scrape_configs:
  - job_name: prometheus
    static_configs: [{ targets: ['127.0.0.1:$METROX_PROMETHEUS_PORT'] }]
  # Per-queue depths (dead-letter queues included), as the cluster's Prometheus scrapes them.
  - job_name: rabbitmq-queues
    metrics_path: /metrics/detailed
    params: { family: [queue_coarse_metrics] }
    static_configs: [{ targets: ['127.0.0.1:$METROX_AMQP_METRICS_PORT'], labels: { service: rabbitmq } }]
  - job_name: metrox
    file_sd_configs:
      - files: ['$dir/targets/*.json']
        refresh_interval: 1s
CONF
  mv "$dir/prometheus.yml.tmp" "$dir/prometheus.yml"
}

start_prometheus() {
  [ -n "${PROMETHEUS_URL:-}" ] && return
  local dir="$infra/prometheus"
  if prometheus_healthy; then
    # A Prometheus started by an older checkout's script: bring its configuration up to
    # date (rule files, Alertmanager) when it reads this checkout's file.
    if [ -f "$dir/prometheus.yml" ] && ! grep -q "^rule_files:" "$dir/prometheus.yml"; then
      mkdir -p "$dir/rules"
      write_prometheus_config "$dir"
      curl -fsS -m 10 -X POST "http://127.0.0.1:$METROX_PROMETHEUS_PORT/-/reload" >/dev/null || true
    fi
    return
  fi
  need prometheus prometheus prometheus
  mkdir -p "$dir/targets" "$dir/rules" "$dir/data"
  write_prometheus_config "$dir"
  log "starting Prometheus on 127.0.0.1:$METROX_PROMETHEUS_PORT"
  # Exemplar storage keeps the trace ids the services attach to latency histograms.
  start_daemon prometheus "$dir" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$METROX_PROMETHEUS_PORT" --web.enable-lifecycle \
    --storage.tsdb.retention.time=2d --enable-feature=exemplar-storage
  wait_for Prometheus prometheus_healthy 30 "$dir/prometheus.log"
  started+=(prometheus)
}

# Alertmanager receives Prometheus' alerts; its API (/api/v2/alerts) shows them. No
# receiver sends anything anywhere: this is a development instance.
start_alertmanager() {
  [ -n "${ALERTMANAGER_URL:-}" ] && return
  alertmanager_healthy && return
  need alertmanager prometheus-alertmanager prometheus-alertmanager
  local dir="$infra/alertmanager"
  mkdir -p "$dir/data"
  cat > "$dir/alertmanager.yml" <<CONF
route:
  receiver: local
  group_by: [alertname, namespace, service, slo]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
receivers:
  - name: local
CONF
  log "starting Alertmanager on 127.0.0.1:$METROX_ALERTMANAGER_PORT"
  # No peers: an empty cluster address turns gossip off.
  start_daemon alertmanager "$dir" prometheus-alertmanager --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
    --web.listen-address="127.0.0.1:$METROX_ALERTMANAGER_PORT" --cluster.listen-address=
  wait_for Alertmanager alertmanager_healthy 30 "$dir/alertmanager.log"
  started+=(alertmanager)
}

# The targets folder of the Prometheus that is actually running: it may have been
# started from another checkout, whose folder is the one it watches.
prometheus_targets_dir() {
  [ -n "${PROMETHEUS_URL:-}" ] && return
  curl -fsS -m 2 "http://127.0.0.1:$METROX_PROMETHEUS_PORT/api/v1/status/config" 2>/dev/null \
    | grep -o '/[^ "\\]*/targets/\*\.json' | head -n 1 | sed 's#/\*\.json$##'
}

# Its rules folder, likewise.
prometheus_rules_dir() {
  [ -n "${PROMETHEUS_URL:-}" ] && return
  curl -fsS -m 2 "http://127.0.0.1:$METROX_PROMETHEUS_PORT/api/v1/status/config" 2>/dev/null \
    | grep -o '/[^ "\\]*/rules/\*\.yaml' | head -n 1 | sed 's#/\*\.yaml$##'
}

write_endpoints() {
  local tmp="$infra/endpoints.json.tmp" targets rules
  targets=$(prometheus_targets_dir)
  rules=$(prometheus_rules_dir)
  cat > "$tmp" <<JSON
{
  "DATABASE_URL": "${DATABASE_URL:-postgres://postgres:$PG_ADMIN_PASSWORD@127.0.0.1:$METROX_PG_PORT/postgres}",
  "AMQP_URL": "${AMQP_URL:-amqp://guest:guest@127.0.0.1:$METROX_AMQP_PORT}",
  "RABBITMQ_MANAGEMENT_URL": "${RABBITMQ_MANAGEMENT_URL:-http://guest:guest@127.0.0.1:$METROX_AMQP_MGMT_PORT}",
  "NATS_URL": "${NATS_URL:-nats://127.0.0.1:$METROX_NATS_PORT}",
  "PROMETHEUS_URL": "${PROMETHEUS_URL:-http://127.0.0.1:$METROX_PROMETHEUS_PORT}",
  "PROMETHEUS_TARGETS_DIR": "$targets",
  "PROMETHEUS_RULES_DIR": "$rules",
  "ALERTMANAGER_URL": "${ALERTMANAGER_URL:-http://127.0.0.1:$METROX_ALERTMANAGER_PORT}"
}
JSON
  mv "$tmp" "$infra/endpoints.json"
}

start_postgres
start_rabbitmq
start_nats
start_prometheus
start_alertmanager
write_endpoints
[ ${#started[@]} -gt 0 ] && log "ready: ${started[*]} (endpoints in $infra/endpoints.json)"
echo "${started[*]}"

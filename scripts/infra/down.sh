#!/usr/bin/env bash
# Stops the local infrastructure started by up.sh; data stays in .metrox/infra.
#   down.sh                 stop everything
#   down.sh postgres nats   stop only those
set -uo pipefail
. "$(dirname "$0")/env.sh"
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(alertmanager prometheus nats rabbitmq postgres)

for c in "${which[@]}"; do
  case $c in
    postgres)
      [ -f "$infra/postgres/postmaster.pid" ] && as_pg_user "$PG_BIN/pg_ctl" -D "$infra/postgres" -m fast -w stop >/dev/null 2>&1 && log "stopped PostgreSQL" ;;
    rabbitmq)
      if [ -f "$RABBITMQ_PID_FILE" ] || rabbit_healthy; then
        rabbit rabbitmqctl -q stop >/dev/null 2>&1 || stop_pidfile "$RABBITMQ_PID_FILE" || true
        HOME=$rabbit_home epmd -port "$METROX_EPMD_PORT" -kill >/dev/null 2>&1 || true
        rm -f "$RABBITMQ_PID_FILE"
        log "stopped RabbitMQ"
      fi ;;
    nats) stop_pidfile "$infra/nats/nats.pid" && log "stopped NATS" ;;
    prometheus) stop_pidfile "$infra/prometheus/prometheus.pid" && log "stopped Prometheus" ;;
    alertmanager) stop_pidfile "$infra/alertmanager/alertmanager.pid" && log "stopped Alertmanager" ;;
    *) log "unknown component: $c" ;;
  esac
done
exit 0

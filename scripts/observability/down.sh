#!/usr/bin/env bash
# Stops the trace backend started by up.sh. Traces are in memory: they go with it.
set -uo pipefail
. "$(dirname "$0")/env.sh"
pidfile="$obs/jaeger/jaeger.pid"
[ -f "$pidfile" ] || exit 0
[ -n "$prometheus_targets" ] && rm -f "$prometheus_targets/jaeger.json"
pid=$(cat "$pidfile")
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  log "stopped Jaeger"
fi
rm -f "$pidfile"
exit 0

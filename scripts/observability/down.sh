#!/usr/bin/env bash
# Stops the trace backend started by up.sh. Traces are in memory: they go with it.
set -uo pipefail
. "$(dirname "$0")/env.sh"
[ -f "$obs/jaeger/jaeger.pid" ] || exit 0
[ -n "$prometheus_targets" ] && rm -f "$prometheus_targets/jaeger.json"
stop_pidfile "$obs/jaeger/jaeger.pid" && log "stopped Jaeger"
exit 0

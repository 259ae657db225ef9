#!/usr/bin/env bash
# Stops the local cluster and deletes its state (like deleting a kind cluster).
set -uo pipefail
. "$(dirname "$0")/env.sh"
stopped=false
for ((i=${#components[@]}-1; i>=0; i--)); do
  c=${components[$i]}
  [ -f "$cluster/$c.pid" ] || continue
  pid=$(cat "$cluster/$c.pid")
  if kill "$pid" 2>/dev/null; then
    stopped=true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
done
rm -rf "$cluster"
$stopped && log "stopped and deleted the local cluster"
exit 0

#!/usr/bin/env bash
# Stops the local cluster and deletes its state (like deleting a kind cluster).
set -uo pipefail
. "$(dirname "$0")/env.sh"
stopped=false
for ((i=${#components[@]}-1; i>=0; i--)); do
  stop_pidfile "$cluster/${components[$i]}.pid" && stopped=true
done
rm -rf "$cluster"
$stopped && log "stopped and deleted the local cluster"
exit 0

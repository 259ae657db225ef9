#!/usr/bin/env bash
# Stops the local cluster and deletes its state (like deleting a kind cluster).
set -uo pipefail
. "$(dirname "$0")/env.sh"
stopped=false
# The real node, also one left half-started (its runtime files name the checkout that owns it).
if [ "$(cat "$node_run/owner" 2>/dev/null)" = "$cluster" ]; then
  . "$repo/scripts/node/lib.sh"
  bin=$(cat "$cluster/bin" 2>/dev/null || true)
  node_down
  stopped=true
fi
read -ra running <<<"$(cluster_components)"
for ((i=${#running[@]}-1; i>=0; i--)); do
  stop_pidfile "$cluster/${running[$i]}.pid" && stopped=true
done
rm -rf "$cluster"
$stopped && log "stopped and deleted the local cluster"
exit 0

#!/usr/bin/env bash
# Exit 0 (and print the kubeconfig path) when the local cluster is fully up, with
# the kind of node METROX_CLUSTER_NODE asks for (kwok unless told otherwise).
set -uo pipefail
. "$(dirname "$0")/env.sh"
[ -f "$cluster/node-kind" ] && [ "$(cat "$cluster/node-kind")" = "$METROX_CLUSTER_NODE" ] || exit 1
for c in $(cluster_components); do alive "$c" || exit 1; done
api_ready || exit 1
echo "$kubeconfig"

#!/usr/bin/env bash
# Exit 0 (and print the kubeconfig path) when the local cluster is fully up.
set -uo pipefail
. "$(dirname "$0")/env.sh"
for c in "${components[@]}"; do alive "$c" || exit 1; done
api_ready || exit 1
echo "$kubeconfig"

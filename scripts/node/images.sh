#!/usr/bin/env bash
# Builds every image the committed manifests run on the real node (MetroX's images
# from our Dockerfiles, stand-ins for the upstream platform images) and imports them
# into its containerd under the exact references k8s/ names. Both steps are cached
# by content: a warm call builds and imports nothing.
#   images.sh         the production images
#   images.sh --dev   the Tiltfile's development images instead of MetroX's production ones
set -euo pipefail
. "$(dirname "$0")/../cluster/env.sh"
node24="$repo/node_modules/node/bin/node"
[ -x "$node24" ] || { log "run 'npm ci' first"; exit 1; }
[ -S "$containerd_sock" ] || { log "the real node is not running: npm run cluster:up -- --real-node"; exit 1; }
mapfile -t wanted < <("$node24" "$repo/scripts/node/manifest-images.ts" "$@")
bash "$repo/scripts/images/build.sh" "${wanted[@]}" | CONTAINERD_ADDRESS=$containerd_sock bash "$repo/scripts/images/load.sh" >/dev/null

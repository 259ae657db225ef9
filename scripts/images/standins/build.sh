#!/usr/bin/env bash
# Builds the stand-in images of the platform's upstream images (README.md here) into OCI
# archives, tagged with the exact references k8s/ names, through the generic image
# engine, scripts/images/build.sh, which stages the Go-built binaries (prepare.sh) and
# caches archives by content under
# $METROX_CACHE/images and prints `<reference> <archive>` a line (for
# scripts/images/load.sh).
#
# Usage: scripts/images/standins/build.sh [component...]
#   components: postgres rabbitmq prometheus alertmanager k8s-sidecar jaeger otel-collector (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- postgres rabbitmq prometheus alertmanager k8s-sidecar jaeger otel-collector
exec "$here/../build.sh" "$@"

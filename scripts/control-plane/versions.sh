# Versions of the control-plane binaries MetroX builds from Go modules.
# Sourced by the build and start scripts; override any of them from the environment.
: "${K8S_VERSION:=v1.36.3}"
: "${ETCD_VERSION:=v3.6.8}"
: "${KWOK_VERSION:=v0.8.0}"
# A real node (cluster:up --real-node) also needs cluster DNS.
: "${COREDNS_VERSION:=v1.14.7}"
: "${METROX_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/metrox}"
export K8S_VERSION ETCD_VERSION KWOK_VERSION COREDNS_VERSION METROX_CACHE

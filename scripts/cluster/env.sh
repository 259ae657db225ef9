# Shared settings for the local cluster scripts. Sourced, not run.
log() { printf '[cluster] %s\n' "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
repo=$metrox_repo
cluster="$METROX_STATE/cluster"
: "${METROX_CLUSTER_ETCD_PORT:=21379}"
: "${METROX_CLUSTER_ETCD_PEER_PORT:=21380}"
: "${METROX_CLUSTER_API_PORT:=21443}"
: "${METROX_CLUSTER_NODES:=3}"
# kwok: fake nodes that run no containers (scale tests); real: one real node on this
# machine (containerd, kubelet, kube-proxy, CoreDNS) that runs MetroX's images.
# `up.sh --real-node` sets it; a running cluster records its own in $cluster/node-kind.
: "${METROX_CLUSTER_NODE:=kwok}"
kubeconfig="$cluster/kubeconfig"
control_plane=(etcd kube-apiserver kube-controller-manager kube-scheduler)
. "$repo/scripts/node/env.sh"
# The components of the cluster that is running (or, before it runs, of the one asked for).
cluster_components() {
  local kind=$METROX_CLUSTER_NODE
  [ -f "$cluster/node-kind" ] && kind=$(cat "$cluster/node-kind")
  if [ "$kind" = real ]; then echo "${control_plane[*]} ${node_components[*]}"; else echo "${control_plane[*]} kwok"; fi
}

alive() { [ -f "$cluster/$1.pid" ] && kill -0 "$(cat "$cluster/$1.pid")" 2>/dev/null; }
api_ready() {
  local ca="$cluster/certs/ca.crt"
  [ -f "$ca" ] || ca="$cluster/certs/apiserver.crt"
  [ -f "$cluster/token" ] && curl -fsS -m 2 --cacert "$ca" \
    -H "Authorization: Bearer $(cat "$cluster/token")" "https://127.0.0.1:$METROX_CLUSTER_API_PORT/readyz" >/dev/null 2>&1
}

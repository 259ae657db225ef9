# Shared settings for the local cluster scripts. Sourced, not run.
log() { printf '[cluster] %s\n' "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
repo=$metrox_repo
cluster="$METROX_STATE/cluster"
: "${METROX_CLUSTER_ETCD_PORT:=21379}"
: "${METROX_CLUSTER_ETCD_PEER_PORT:=21380}"
: "${METROX_CLUSTER_API_PORT:=21443}"
: "${METROX_CLUSTER_NODES:=3}"
kubeconfig="$cluster/kubeconfig"
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

alive() { [ -f "$cluster/$1.pid" ] && kill -0 "$(cat "$cluster/$1.pid")" 2>/dev/null; }
api_ready() {
  [ -f "$cluster/token" ] && curl -fsS -m 2 --cacert "$cluster/certs/apiserver.crt" \
    -H "Authorization: Bearer $(cat "$cluster/token")" "https://127.0.0.1:$METROX_CLUSTER_API_PORT/readyz" >/dev/null 2>&1
}

#!/usr/bin/env bash
# A whole local Kubernetes cluster: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, and either
#   - KWOK (default): fake Nodes that accept the scheduled Pods and mark them Ready
#     without running containers; Deployments roll out, garbage collection runs and
#     kubectl behaves as on any cluster (scale tests, 1,000s of MetroXServices);
#   - --real-node (or METROX_CLUSTER_NODE=real): one real node on this machine
#     (containerd + runc, a CNI bridge, the kubelet, kube-proxy, CoreDNS) that runs
#     Pods from images imported into its containerd. Needs root.
# Idempotent; prints the kubeconfig path.
set -euo pipefail
for arg in "$@"; do
  case "$arg" in
    --real-node) export METROX_CLUSTER_NODE=real ;;
    --kwok) export METROX_CLUSTER_NODE=kwok ;;
    *) echo "usage: up.sh [--real-node|--kwok]" >&2; exit 2 ;;
  esac
done
. "$(dirname "$0")/env.sh"
real=false
case "$METROX_CLUSTER_NODE" in
  real) real=true ;;
  kwok) ;;
  *) log "METROX_CLUSTER_NODE must be kwok or real, not '$METROX_CLUSTER_NODE'"; exit 2 ;;
esac

bash "$(dirname "$0")/status.sh" >/dev/null && { echo "$kubeconfig"; exit 0; }
if [ -f "$cluster/node-kind" ] && [ "$(cat "$cluster/node-kind")" != "$METROX_CLUSTER_NODE" ] && api_ready; then
  log "a cluster with $(cat "$cluster/node-kind") nodes is running: stop it first with 'npm run cluster:down'"
  exit 1
fi
# Half-running from an earlier attempt: start over cleanly.
bash "$(dirname "$0")/down.sh" >/dev/null 2>&1 || true

for port in "$METROX_CLUSTER_ETCD_PORT" "$METROX_CLUSTER_ETCD_PEER_PORT" "$METROX_CLUSTER_API_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is already in use (another checkout's cluster?): stop it with its 'npm run cluster:down', or move this one with METROX_CLUSTER_ETCD_PORT, METROX_CLUSTER_ETCD_PEER_PORT and METROX_CLUSTER_API_PORT"
    exit 1
  fi
done

started=$SECONDS
if $real; then
  . "$repo/scripts/node/lib.sh"
  bin=$(bash "$repo/scripts/control-plane/build.sh" --node | tail -n 1)
  node_preflight
else
  bin=$(bash "$repo/scripts/control-plane/build.sh" --cluster | tail -n 1)
fi
mkdir -p "$cluster/certs" "$cluster/tokens"
cd "$cluster"
echo "$bin" > bin
echo "$METROX_CLUSTER_NODE" > node-kind

start() { start_daemon "$1" "$cluster" "${@:2}"; }
kubectl() { "$bin/kubectl" --kubeconfig="$kubeconfig" "$@"; }
token_of() { cat "$cluster/tokens/$1"; }

openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
new_token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
new_token > token
echo "$(cat token),metrox-admin,metrox-admin,system:masters" > tokens.csv

api_flags=()
if $real; then
  node_certificates
  node_network_up
  # The node's identities: the kubelet as system:node:<name> (the Node authorizer),
  # kube-proxy and CoreDNS as the users their RBAC names.
  for who in kubelet kube-proxy coredns; do new_token > "tokens/$who"; done
  {
    echo "$(token_of kubelet),system:node:$METROX_NODE_NAME,kubelet,system:nodes"
    echo "$(token_of kube-proxy),system:kube-proxy,kube-proxy"
    echo "$(token_of coredns),metrox:coredns,coredns"
  } >> tokens.csv
  # Pods reach the API server through the `kubernetes` Service at the node's address,
  # get ServiceAccount tokens, and kubectl logs/exec/port-forward reach the kubelet.
  api_flags=(--bind-address=0.0.0.0 --advertise-address="$METROX_NODE_IP"
    --tls-cert-file="$cluster/certs/apiserver.crt" --tls-private-key-file="$cluster/certs/apiserver.key"
    --client-ca-file="$cluster/certs/ca.crt"
    --kubelet-client-certificate="$cluster/certs/apiserver-kubelet-client.crt"
    --kubelet-client-key="$cluster/certs/apiserver-kubelet-client.key"
    --kubelet-preferred-address-types=InternalIP,Hostname)
  log "starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a real node from $bin"
else
  api_flags=(--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --cert-dir="$cluster/certs"
    --disable-admission-plugins=ServiceAccount --endpoint-reconciler-type=none)
  log "starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok from $bin"
fi

start etcd "$bin/etcd" --data-dir="$cluster/etcd" \
  --listen-client-urls="http://127.0.0.1:$METROX_CLUSTER_ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$METROX_CLUSTER_ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$METROX_CLUSTER_ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$METROX_CLUSTER_ETCD_PEER_PORT" \
  --initial-cluster="default=http://127.0.0.1:$METROX_CLUSTER_ETCD_PEER_PORT" --unsafe-no-fsync --log-level=warn

start kube-apiserver "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$METROX_CLUSTER_ETCD_PORT" \
  --secure-port="$METROX_CLUSTER_API_PORT" --service-cluster-ip-range="$METROX_SERVICE_CIDR" --allow-privileged=true \
  --authorization-mode=Node,RBAC --service-account-issuer=https://kubernetes.default.svc \
  --service-account-key-file="$cluster/sa.pub" --service-account-signing-key-file="$cluster/sa.key" \
  --token-auth-file="$cluster/tokens.csv" "${api_flags[@]}"
wait_for kube-apiserver api_ready 90 "$cluster/kube-apiserver.log" || exit 1

ca_file="$cluster/certs/ca.crt"
[ -f "$ca_file" ] || ca_file="$cluster/certs/apiserver.crt"
cat > "$kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: metrox-local
  cluster:
    server: https://127.0.0.1:$METROX_CLUSTER_API_PORT
    certificate-authority-data: $(base64 -w0 < "$ca_file")
users:
- name: metrox-admin
  user:
    token: $(cat token)
contexts:
- name: metrox-local
  context: { cluster: metrox-local, user: metrox-admin }
current-context: metrox-local
KC

start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$kubeconfig" \
  --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
  --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false --controllers='*' \
  --service-account-private-key-file="$cluster/sa.key" --root-ca-file="$ca_file" \
  --cluster-cidr=10.244.0.0/16 --service-cluster-ip-range="$METROX_SERVICE_CIDR" --concurrent-deployment-syncs=10 \
  --concurrent-replicaset-syncs=10 --kube-api-qps=200 --kube-api-burst=400
start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$kubeconfig" \
  --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
  --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false --kube-api-qps=200 --kube-api-burst=400

if $real; then
  node_containerd_up
  node_start
  ready="a real node ($METROX_NODE_NAME) in $((SECONDS - started)) s"
else
  start kwok "$bin/kwok" --kubeconfig="$kubeconfig" --config="$bin/kwok-stages.yaml" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=10.0.0.1 --cidr=10.244.0.0/16 --node-lease-duration-seconds=40 --server-address=127.0.0.1:0
  for i in $(seq 1 "$METROX_CLUSTER_NODES"); do
    kubectl apply -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }
  labels: { type: kwok, kubernetes.io/os: linux, kubernetes.io/arch: amd64, kubernetes.io/hostname: kwok-node-$i }
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110" }
NODE
  done
  nodes_ready() { [ "$(kubectl get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" -ge "$METROX_CLUSTER_NODES" ]; }
  wait_for "$METROX_CLUSTER_NODES KWOK nodes" nodes_ready 60 "$cluster/kwok.log" || exit 1
  ready="$METROX_CLUSTER_NODES KWOK nodes"
fi
mkdir -p "$METROX_STATE/bin" && ln -sf "$bin/kubectl" "$METROX_STATE/bin/kubectl"
log "ready: $ready"
log "try: export KUBECONFIG=$kubeconfig PATH=$METROX_STATE/bin:\$PATH; kubectl get nodes"
echo "$kubeconfig"

#!/usr/bin/env bash
# A whole local Kubernetes cluster without containers: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and KWOK, whose fake Nodes accept the
# scheduled Pods and mark them Ready. Deployments roll out, garbage collection
# runs and kubectl behaves as on any cluster. Idempotent; prints the kubeconfig path.
set -euo pipefail
. "$(dirname "$0")/env.sh"

bash "$(dirname "$0")/status.sh" && exit 0
# Half-running from an earlier attempt: start over cleanly.
bash "$(dirname "$0")/down.sh" >/dev/null 2>&1 || true

for port in "$METROX_CLUSTER_ETCD_PORT" "$METROX_CLUSTER_ETCD_PEER_PORT" "$METROX_CLUSTER_API_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is already in use (another checkout's cluster?): stop it with its 'npm run cluster:down', or move this one with METROX_CLUSTER_ETCD_PORT, METROX_CLUSTER_ETCD_PEER_PORT and METROX_CLUSTER_API_PORT"
    exit 1
  fi
done

bin=$(bash "$repo/scripts/control-plane/build.sh" --cluster | tail -n 1)
mkdir -p "$cluster/certs"
cd "$cluster"

start() { start_daemon "$1" "$cluster" "${@:2}"; }

log "starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok from $bin"
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > token
echo "$(cat token),metrox-admin,metrox-admin,system:masters" > tokens.csv

start etcd "$bin/etcd" --data-dir="$cluster/etcd" \
  --listen-client-urls="http://127.0.0.1:$METROX_CLUSTER_ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$METROX_CLUSTER_ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$METROX_CLUSTER_ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$METROX_CLUSTER_ETCD_PEER_PORT" \
  --initial-cluster="default=http://127.0.0.1:$METROX_CLUSTER_ETCD_PEER_PORT" --unsafe-no-fsync --log-level=warn

start kube-apiserver "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$METROX_CLUSTER_ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$METROX_CLUSTER_API_PORT" \
  --cert-dir="$cluster/certs" --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true \
  --authorization-mode=Node,RBAC --disable-admission-plugins=ServiceAccount \
  --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$cluster/sa.pub" \
  --service-account-signing-key-file="$cluster/sa.key" --endpoint-reconciler-type=none \
  --token-auth-file="$cluster/tokens.csv"
wait_for kube-apiserver api_ready 90 "$cluster/kube-apiserver.log" || exit 1

ca=$(base64 -w0 < certs/apiserver.crt)
cat > "$kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: metrox-local
  cluster:
    server: https://127.0.0.1:$METROX_CLUSTER_API_PORT
    certificate-authority-data: $ca
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
  --service-account-private-key-file="$cluster/sa.key" --root-ca-file="$cluster/certs/apiserver.crt" \
  --cluster-cidr=10.244.0.0/16 --service-cluster-ip-range=10.96.0.0/16 --concurrent-deployment-syncs=10 \
  --concurrent-replicaset-syncs=10 --kube-api-qps=200 --kube-api-burst=400
start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$kubeconfig" \
  --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
  --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false --kube-api-qps=200 --kube-api-burst=400
start kwok "$bin/kwok" --kubeconfig="$kubeconfig" --config="$bin/kwok-stages.yaml" --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-ip=10.0.0.1 --cidr=10.244.0.0/16 --node-lease-duration-seconds=40 --server-address=127.0.0.1:0

kubectl() { "$bin/kubectl" --kubeconfig="$kubeconfig" "$@"; }
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
mkdir -p "$METROX_STATE/bin" && ln -sf "$bin/kubectl" "$METROX_STATE/bin/kubectl"
log "ready: $METROX_CLUSTER_NODES KWOK nodes"
log "try: export KUBECONFIG=$kubeconfig PATH=$METROX_STATE/bin:\$PATH; kubectl get nodes"
echo "$kubeconfig"

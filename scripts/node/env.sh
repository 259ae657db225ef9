# Settings of the real node (`npm run cluster:up -- --real-node`). Sourced by the
# cluster scripts after scripts/cluster/env.sh, not run on its own.
#
# Everything the node touches outside .metrox/ is named here, so `down.sh` can put
# the machine back as it found it.
. "$(dirname "${BASH_SOURCE[0]}")/../control-plane/versions.sh"
: "${METROX_NODE_NAME:=metrox-node}"
# The Pods' bridge. Its gateway address is the node's IP: the API server, the
# kubelet and CoreDNS are reached there, and nothing on it is routed off the machine.
: "${METROX_NODE_BRIDGE:=metrox0}"
: "${METROX_NODE_POD_CIDR:=10.244.0.0/24}"
: "${METROX_NODE_IP:=10.244.0.1}"
: "${METROX_SERVICE_CIDR:=10.96.0.0/16}"
: "${METROX_NODE_KUBELET_HEALTH_PORT:=21248}"
: "${METROX_NODE_PROXY_HEALTH_PORT:=21256}"
: "${METROX_NODE_PROXY_METRICS_PORT:=21249}"
: "${METROX_NODE_DNS_HEALTH_PORT:=21253}"
# Runtime state (sockets, containerd's state, IPAM leases, kubelet's volumes): gone after down.
node_run=/run/metrox-node
node_root=/var/lib/metrox-node
node_state="$cluster/node"
containerd_sock="$node_run/containerd.sock"
# containerd's content and snapshots persist between clusters, so an imported image
# is imported once; kubelet image GC is off, since nothing here can be pulled again.
containerd_root="$METROX_CACHE/containerd"
cni_network=metrox
# The iptables chain that keeps Pod traffic on the bridge (no masquerade, no way off the machine).
egress_chain=METROX-NODE-EGRESS
# Kernel settings the kubelet, kube-proxy or the bridge change; saved before, restored after.
node_sysctls=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.ipv4.conf.all.route_localnet
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
node_components=(containerd coredns kubelet kube-proxy)
# Runs ctr against the node's containerd, in the namespace the kubelet uses.
node_ctr() { ctr --address "$containerd_sock" --namespace k8s.io "$@"; }

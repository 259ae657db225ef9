# The real node's steps, used by scripts/cluster/up.sh and down.sh when the cluster
# runs with --real-node: containerd + runc, a CNI bridge, the kubelet, kube-proxy in
# iptables mode and CoreDNS, all on this machine. Sourced after scripts/cluster/env.sh
# and scripts/node/env.sh; the functions use $cluster, $bin and $kubeconfig.

# node_preflight: root, the Debian packages, and the node's binaries (built once per version).
node_preflight() {
  if [ "$(id -u)" != 0 ]; then
    log "a real node needs root (containerd, mounts, iptables, a bridge): run as root, or use the KWOK nodes (npm run cluster:up)"
    exit 1
  fi
  local missing=() pair
  for pair in containerd:containerd runc:runc /usr/lib/cni/bridge:containernetworking-plugins \
              iptables:iptables conntrack:conntrack ip:iproute2 openssl:openssl buildah:buildah; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "${pair%%:*}" ] || missing+=("${pair#*:}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || { log "missing: ${missing[*]} (install these Debian/Ubuntu packages)"; exit 1; }
    log "installing ${missing[*]} from Debian's packages"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ -f "$node_run/owner" ] && [ "$(cat "$node_run/owner")" != "$cluster" ]; then
    local owner; owner=$(cat "$node_run/owner")
    if pidfile_alive "$owner/containerd.pid" || pidfile_alive "$owner/kubelet.pid"; then
      log "a real node of another checkout is running ($owner): stop it with its 'npm run cluster:down'"
      exit 1
    fi
    # Its processes are gone (a killed run): what it changed on the machine is not.
    log "a real node of $owner was left behind, not running: clearing its mounts, bridge, iptables chains and kernel settings"
    (set +e; cluster=$owner; bin=""; node_down)  # best effort, as in down.sh
  fi
  local extra; extra=$(bash "$repo/scripts/node/build.sh")
  coredns_bin=$(sed -n 1p <<<"$extra")
  pause_bin=$(sed -n 2p <<<"$extra")
}

# node_certificates: a cluster CA, the API server's serving certificate (valid for
# 127.0.0.1, the node's address and the `kubernetes` Service), the kubelet's serving
# certificate and the API server's client certificate for the kubelet.
node_certificates() {
  local d="$cluster/certs" service_ip
  service_ip=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1])[1])" "$METROX_SERVICE_CIDR")
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=metrox-local-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  issue() { # name subject SANs extendedKeyUsage
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s' \
      "$4" "${3:+subjectAltName=$3}" > "$d/$1.ext"
    openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 30 \
      -extfile "$d/$1.ext" -out "$d/$1.crt" 2>/dev/null
    rm -f "$d/$1.csr" "$d/$1.ext"
  }
  issue apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:$METROX_NODE_IP,IP:$service_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" serverAuth
  issue kubelet "/CN=$METROX_NODE_NAME" "IP:$METROX_NODE_IP,DNS:$METROX_NODE_NAME" serverAuth
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "" clientAuth
}

# node_network_up: kernel settings (saved first), the bridge with the node's address,
# and the guard that drops anything a Pod sends off the bridge.
node_network_up() {
  mkdir -p "$node_run"
  echo "$cluster" > "$node_run/owner"
  [ -d /var/log/containers ] || touch "$node_run/created-log-dir"
  [ -d /var/lib/cni ] || touch "$node_run/created-cni-dir"
  if [ ! -f "$node_run/sysctls.saved" ]; then
    local key
    for key in "${node_sysctls[@]}"; do printf '%s=%s\n' "$key" "$(sysctl -n "$key")"; done > "$node_run/sysctls.saved"
  fi
  # Forwarding, for Pod → Service → Pod on the bridge; bridged frames through
  # iptables, so a Service's replies are translated back without masquerading.
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  if ! ip link show "$METROX_NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$METROX_NODE_BRIDGE" type bridge
    ip addr add "$METROX_NODE_IP/${METROX_NODE_POD_CIDR#*/}" dev "$METROX_NODE_BRIDGE"
  fi
  ip link set "$METROX_NODE_BRIDGE" up
  iptables -N "$egress_chain" 2>/dev/null || iptables -F "$egress_chain"
  iptables -A "$egress_chain" -i "$METROX_NODE_BRIDGE" ! -o "$METROX_NODE_BRIDGE" -j DROP
  iptables -C FORWARD -j "$egress_chain" 2>/dev/null || iptables -I FORWARD 1 -j "$egress_chain"
}

# node_containerd_up: containerd with the CRI settings a node without CAP_SYS_RESOURCE
# needs, the CNI bridge network, and the pause image the sandboxes run.
node_containerd_up() {
  mkdir -p "$node_state/cni" "$containerd_root" "$node_run"
  cat > "$node_state/cni/10-$cni_network.conflist" <<CNI
{
  "cniVersion": "0.4.0",
  "name": "$cni_network",
  "plugins": [
    { "type": "bridge", "bridge": "$METROX_NODE_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$node_run/ipam", "ranges": [[{ "subnet": "$METROX_NODE_POD_CIDR", "gateway": "$METROX_NODE_IP" }]],
                "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CNI
  # Images are imported, never pulled: every registry (named or not) points at a closed
  # loopback port, so a missing image fails at once instead of reaching for the internet.
  local host
  for host in _default docker.io quay.io ghcr.io registry.k8s.io; do
    mkdir -p "$node_state/registries/$host"
    printf 'server = "http://127.0.0.1:9"\n' > "$node_state/registries/$host/hosts.toml"
  done
  pause_image="localhost/metrox/pause:$K8S_VERSION"
  cat > "$node_state/containerd.toml" <<TOML
version = 2
root = "$containerd_root"
state = "$node_run/containerd"
[grpc]
  address = "$containerd_sock"
[debug]
  level = "warn"
[plugins."io.containerd.internal.v1.opt"]
  path = "$node_run/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  # runc cannot lower oom_score_adj without CAP_SYS_RESOURCE: every Pod would fail.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$node_state/registries"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$node_state/cni"
TOML
  start containerd containerd --config "$node_state/containerd.toml"
  containerd_ready() { [ -S "$containerd_sock" ] && node_ctr version >/dev/null 2>&1; }
  wait_for containerd containerd_ready 30 "$cluster/containerd.log" || exit 1
  node_pause_image
}

# The pause binary as a FROM-scratch image, imported once into containerd's persistent store.
node_pause_image() {
  node_ctr images ls -q | grep -qx "$pause_image" && return
  local archive="$METROX_CACHE/images/pause-$K8S_VERSION.oci.tar"
  if [ ! -f "$archive" ]; then
    mkdir -p "$(dirname "$archive")"
    local ctr; ctr=$(buildah from scratch)
    buildah copy --quiet "$ctr" "$pause_bin" /pause >/dev/null
    buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
    buildah commit --quiet "$ctr" "$pause_image" >/dev/null
    buildah rm "$ctr" >/dev/null
    buildah push --quiet "$pause_image" "oci-archive:$archive.tmp:$pause_image"
    mv "$archive.tmp" "$archive"
  fi
  node_ctr images import --no-unpack=false "$archive" >/dev/null
}

# node_start: CoreDNS on the node's address, the kubelet and kube-proxy; waits for the node to be Ready.
node_start() {
  node_kubeconfig() { # file user token
    cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: metrox-local
  cluster: { server: "https://127.0.0.1:$METROX_CLUSTER_API_PORT", certificate-authority: "$cluster/certs/ca.crt" }
users:
- name: $2
  user: { token: "$3" }
contexts:
- name: default
  context: { cluster: metrox-local, user: $2 }
current-context: default
KC
  }
  node_kubeconfig "$node_state/kubelet.kubeconfig" "system:node:$METROX_NODE_NAME" "$(token_of kubelet)"
  node_kubeconfig "$node_state/kube-proxy.kubeconfig" system:kube-proxy "$(token_of kube-proxy)"
  node_kubeconfig "$node_state/coredns.kubeconfig" metrox:coredns "$(token_of coredns)"

  # CoreDNS reads Services and EndpointSlices: the same rights its upstream manifest grants.
  kubectl apply -f - >/dev/null <<RBAC
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "metrox:coredns" }
rules:
- { apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch] }
- { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "metrox:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "metrox:coredns" }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: "metrox:coredns" }]
RBAC
  # No upstream forwarder: names outside the cluster do not resolve, nothing leaves the machine.
  cat > "$node_state/Corefile" <<DNS
.:53 {
    bind $METROX_NODE_IP
    errors
    health 127.0.0.1:$METROX_NODE_DNS_HEALTH_PORT
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $node_state/coredns.kubeconfig default
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
DNS
  start coredns "$coredns_bin" -conf "$node_state/Corefile"

  # Pods get the cluster's DNS only, never the machine's resolver.
  echo "options ndots:5" > "$node_state/resolv.conf"
  cat > "$node_state/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $METROX_NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $METROX_NODE_KUBELET_HEALTH_PORT
tlsCertFile: $cluster/certs/kubelet.crt
tlsPrivateKeyFile: $cluster/certs/kubelet.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $cluster/certs/ca.crt }
authorization: { mode: Webhook }
containerRuntimeEndpoint: unix://$containerd_sock
# This machine has cgroup v1 (Kubernetes >= 1.35 refuses it unless told) and no systemd.
failCgroupV1: false
cgroupDriver: cgroupfs
clusterDNS: [$METROX_NODE_IP]
clusterDomain: cluster.local
resolvConf: $node_state/resolv.conf
podLogsDir: $node_root/pod-logs
podCIDR: $METROX_NODE_POD_CIDR
failSwapOn: false
serializeImagePulls: false
# Images are imported, not pulled: the kubelet must never delete one to free disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2% }
YAML
  start kubelet "$bin/kubelet" --config="$node_state/kubelet.yaml" --kubeconfig="$node_state/kubelet.kubeconfig" \
    --root-dir="$node_root/kubelet" --hostname-override="$METROX_NODE_NAME" --node-ip="$METROX_NODE_IP" --v=1

  cat > "$node_state/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $node_state/kube-proxy.kubeconfig }
hostnameOverride: $METROX_NODE_NAME
mode: iptables
clusterCIDR: $METROX_NODE_POD_CIDR
healthzBindAddress: 127.0.0.1:$METROX_NODE_PROXY_HEALTH_PORT
metricsBindAddress: 127.0.0.1:$METROX_NODE_PROXY_METRICS_PORT
# Leave the machine's conntrack limits and timeouts alone.
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
# NodePorts on loopback would need route_localnet; tests reach Services by port-forward.
iptables: { localhostNodePorts: false }
nodePortAddresses: ["$METROX_NODE_IP/32"]
YAML
  start kube-proxy "$bin/kube-proxy" --config="$node_state/kube-proxy.yaml"

  node_ready() { kubectl get node "$METROX_NODE_NAME" --no-headers 2>/dev/null | grep -q ' Ready '; }
  wait_for "the real node" node_ready 90 "$cluster/kubelet.log" || exit 1
  dns_ready() { curl -fsS -m 2 "http://127.0.0.1:$METROX_NODE_DNS_HEALTH_PORT/health" >/dev/null 2>&1; }
  wait_for CoreDNS dns_ready 30 "$cluster/coredns.log" || exit 1
}

# The kubelet's own chains (KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT) are
# not kube-proxy's to clean up: remove every KUBE- chain left, after the rules jumping to it.
node_remove_kube_chains() {
  local ipt table chain rule
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for table in filter nat mangle; do
      while IFS= read -r rule; do
        # shellcheck disable=SC2086 # the rule's words, as iptables printed them
        "$ipt" -t "$table" ${rule/-A/-D} 2>/dev/null || true
      done < <("$ipt" -t "$table" -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' | grep -vE '^-A KUBE-')
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
        "$ipt" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
        "$ipt" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# node_down: stops every Pod's containers and the node's processes, unmounts what the
# kubelet and containerd mounted, and undoes the network and kernel changes.
node_down() {
  stop_pidfile "$cluster/kube-proxy.pid"
  stop_pidfile "$cluster/kubelet.pid"
  stop_pidfile "$cluster/coredns.pid"
  if [ -S "$containerd_sock" ] && node_ctr version >/dev/null 2>&1; then
    local id
    for id in $(node_ctr tasks ls -q 2>/dev/null); do node_ctr tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    for id in $(node_ctr tasks ls -q 2>/dev/null); do node_ctr tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(node_ctr containers ls -q 2>/dev/null); do node_ctr containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop_pidfile "$cluster/containerd.pid"
  pkill -f "containerd-shim-runc-v2 -namespace k8s.io -id .* -address $containerd_sock" 2>/dev/null || true
  # Pod network namespaces, volumes (tmpfs Secrets, projected tokens) and rootfs mounts.
  local mnt
  for mnt in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^($node_root|$node_run|/run/netns/cni-|$containerd_root/)" | sort -r); do
    umount -l "$mnt" 2>/dev/null || true
  done
  rm -f /run/netns/cni-* 2>/dev/null || true
  [ -n "${bin:-}" ] && [ -x "$bin/kube-proxy" ] && "$bin/kube-proxy" --cleanup >/dev/null 2>&1 || true
  node_remove_kube_chains
  if iptables -C FORWARD -j "$egress_chain" 2>/dev/null; then iptables -D FORWARD -j "$egress_chain"; fi
  iptables -F "$egress_chain" 2>/dev/null && iptables -X "$egress_chain" 2>/dev/null || true
  ip link delete "$METROX_NODE_BRIDGE" 2>/dev/null || true
  local cgroup
  for cgroup in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/unified/kubepods; do
    [ -d "$cgroup" ] && find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [ -f "$node_run/sysctls.saved" ]; then
    local line
    while IFS= read -r line; do sysctl -qw "$line" 2>/dev/null || true; done < "$node_run/sysctls.saved"
  fi
  # The kubelet links every container's log into /var/log/containers (a fixed path).
  find /var/log/containers -maxdepth 1 -lname "$node_root/*" -delete 2>/dev/null || true
  [ -f "$node_run/created-log-dir" ] && rmdir /var/log/containers 2>/dev/null
  # containerd caches each Pod's CNI result there (a fixed path in libcni).
  rm -f /var/lib/cni/results/"$cni_network"-* /var/lib/cni/results/cni-loopback-* 2>/dev/null
  [ -f "$node_run/created-cni-dir" ] && rm -rf /var/lib/cni
  rm -rf "$node_run" "$node_root"
}

#!/usr/bin/env bash
# Builds etcd, kube-apiserver (and, with --cluster, kube-controller-manager,
# kube-scheduler and kwok) from their Go modules into a per-version cache outside
# the work tree. Idempotent: a cached binary is reused at once.
#
#   build.sh            etcd + kube-apiserver (what envtest needs)
#   build.sh --cluster  also kube-controller-manager, kube-scheduler, kubectl, kwok
#   build.sh --node     also kubelet and kube-proxy (a real node; implies --cluster;
#                       scripts/node/build.sh adds CoreDNS and the pause image)
#
# Prints the directory holding the binaries on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

want_cluster=false want_node=false
case "${1:-}" in
  --cluster) want_cluster=true ;;
  --node) want_cluster=true want_node=true ;;
esac

log() { printf '[control-plane] %s\n' "$*" >&2; }
# Module downloads are expected on a first build; keep only real diagnostics.
quiet_go() { go "$@" 2> >(grep -v '^go: downloading' >&2); }

# KUBEBUILDER_ASSETS (the envtest convention) wins when it has what we need.
if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/etcd" ] && [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ]; then
  if ! $want_cluster || { [ -x "$KUBEBUILDER_ASSETS/kube-controller-manager" ] && [ -x "$KUBEBUILDER_ASSETS/kube-scheduler" ] && [ -x "$KUBEBUILDER_ASSETS/kubectl" ] && [ -x "$KUBEBUILDER_ASSETS/kwok" ]; } && { ! $want_node || { [ -x "$KUBEBUILDER_ASSETS/kubelet" ] && [ -x "$KUBEBUILDER_ASSETS/kube-proxy" ]; }; }; then
    log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    echo "$KUBEBUILDER_ASSETS"
    exit 0
  fi
fi

command -v go >/dev/null || { echo "Go is required to build the control plane (install golang, or set KUBEBUILDER_ASSETS)" >&2; exit 1; }

bin="$METROX_CACHE/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
work="$METROX_CACHE/build"
mkdir -p "$bin" "$work"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod"

# One build at a time per cache: concurrent test runs wait instead of racing.
exec 9>"$METROX_CACHE/build.lock"
flock 9

build_etcd() {
  [ -x "$bin/etcd" ] && return
  local dir="$work/etcd-$ETCD_VERSION"
  mkdir -p "$dir"
  log "building etcd $ETCD_VERSION (first run only; cached in $bin)"
  ( cd "$dir"
    [ -f go.mod ] || { go mod init metrox.local/etcd-build >/dev/null 2>&1; }
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1
    quiet_go build -trimpath -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3 )
  mv "$bin/etcd.tmp" "$bin/etcd"
}

# k8s.io/kubernetes replaces its staging modules with local paths, so it cannot be
# `go install`ed: a wrapper module of ours requires it and points every staging
# module at its published v0.Y.Z twin. The list comes from the served go.mod.
k8s_wrapper() {
  local dir="$work/kubernetes-$K8S_VERSION"
  # .ready-node: the tools file names the node binaries too (older wrappers lack them).
  if [ ! -f "$dir/.ready-node" ]; then
    mkdir -p "$dir"
    log "preparing the Kubernetes $K8S_VERSION wrapper module"
    local modfile
    modfile=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    local staging="v0.${K8S_VERSION#v1.}"
    local goline godebug
    goline=$(grep -m1 '^go ' "$modfile")
    godebug=$(grep -m1 '^godebug ' "$modfile" || true)
    {
      echo "module metrox.local/kubernetes-build"
      echo
      echo "$goline"
      [ -n "$godebug" ] && echo "$godebug"
      echo
      echo "require k8s.io/kubernetes $K8S_VERSION"
      echo
      grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging' "$modfile" | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
    } > "$dir/go.mod"
    cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
    ( cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true; go mod download >/dev/null )
    touch "$dir/.ready-node"
  fi
  echo "$dir"
}

build_k8s() {
  local targets=()
  [ -x "$bin/kube-apiserver" ] || targets+=(kube-apiserver)
  if $want_cluster; then
    [ -x "$bin/kube-controller-manager" ] || targets+=(kube-controller-manager)
    [ -x "$bin/kube-scheduler" ] || targets+=(kube-scheduler)
    [ -x "$bin/kubectl" ] || targets+=(kubectl)
  fi
  if $want_node; then
    [ -x "$bin/kubelet" ] || targets+=(kubelet)
    [ -x "$bin/kube-proxy" ] || targets+=(kube-proxy)
  fi
  [ ${#targets[@]} -eq 0 ] && return
  local dir minor
  dir=$(k8s_wrapper)
  minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  for t in "${targets[@]}"; do
    log "building $t $K8S_VERSION (first run only, cached in $bin; the first Kubernetes binary takes 4-10 min on 2 cores, the rest reuse its build cache)"
    local start=$SECONDS
    ( cd "$dir" && quiet_go build -trimpath -ldflags "$ldflags" -o "$bin/$t.tmp" "k8s.io/kubernetes/cmd/$t" )
    mv "$bin/$t.tmp" "$bin/$t"
    log "built $t in $((SECONDS - start)) s"
  done
}

build_kwok() {
  [ -x "$bin/kwok" ] && [ -f "$bin/kwok-stages.yaml" ] && return
  local dir="$work/kwok-$KWOK_VERSION"
  mkdir -p "$dir"
  log "building kwok $KWOK_VERSION"
  ( cd "$dir"
    [ -f go.mod ] || go mod init metrox.local/kwok-build >/dev/null 2>&1
    go get "sigs.k8s.io/kwok@$KWOK_VERSION" >/dev/null 2>&1
    quiet_go build -trimpath -ldflags "-s -w" -o "$bin/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok
    # The kwok binary ships no default behaviour: its "fast" stages (nodes become
    # Ready with a lease heartbeat, pods become Ready at once) are YAML in its module.
    local src; src=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      echo "---"; cat "$src/$f"
    done > "$bin/kwok-stages.yaml" )
  mv "$bin/kwok.tmp" "$bin/kwok"
}

build_etcd
build_k8s
$want_cluster && build_kwok
echo "$bin"

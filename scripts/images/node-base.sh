#!/usr/bin/env bash
# Builds the Node.js base image of MetroX's images, localhost/metrox/node:<version>,
# on top of the Debian base (debian-base.sh), from no registry image: the Node binary
# of the repository's pinned npm `node` devDependency (installed by `npm ci` at the
# root), the npm CLI that Node release ships (fetched with `npm pack`, cached), and the
# contract of the official node images that our Dockerfiles rely on: a `node` user and
# group with uid/gid 1000 and home /home/node, node/npm/npx on PATH, NODE_VERSION in the
# environment. npm trusts the host's CA bundle (the base image's) through its global
# config, /usr/local/etc/npmrc; the Node runtime's own trust store is left as it is.
#
# Usage: scripts/images/node-base.sh   (root; run `npm ci` at the repository root first)
# METROX_NPM_VERSION overrides the npm version (default: the one the Node release
# bundles, read from its CHANGELOG, else the host's npm).
# Prints the image reference on stdout; progress goes to stderr. A run whose image is
# current (same base image, Node binary, npm and recipe) takes well under a second.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
require_tools buildah flock sha256sum npm

base=$("$here/debian-base.sh")

wait_for_npm_ci
modules="$metrox_repo/node_modules"

# The real binary, not the `node` package's bin shim: the platform package it installs.
case $(uname -m) in x86_64) platform=linux-x64 ;; aarch64) platform=linux-arm64 ;; *) platform=linux-$(uname -m) ;; esac
node_pkg=""
for d in "$modules/node/node_modules/node-$platform" "$modules/node-$platform"; do
  [ -f "$d/package.json" ] && [ -x "$d/bin/node" ] && { node_pkg=$d; break; }
done
[ -n "$node_pkg" ] || { log "no node-$platform package under $modules: is the npm 'node' devDependency installed?"; exit 1; }
node_bin="$node_pkg/bin/node"
[ "$(head -c 4 "$node_bin" | od -An -c | tr -d ' ')" = '177ELF' ] || { log "$node_bin is not an ELF executable"; exit 1; }
node_version=$("$node_bin" -p process.versions.node)
node_image="localhost/metrox/node:$node_version"

# The npm a Node release bundles is the last "upgrade npm to X" at or below its
# section of the CHANGELOG the binary package ships.
npm_version=${METROX_NPM_VERSION:-}
if [ -z "$npm_version" ] && [ -f "$node_pkg/CHANGELOG.md" ]; then
  npm_version=$(awk -v v="$node_version" '
    index($0, "<a id=\"" v "\"></a>") == 1 { found = 1 }
    found && match($0, /upgrade npm to [0-9]+\.[0-9]+\.[0-9]+/) { print substr($0, RSTART + 15, RLENGTH - 15); exit }
  ' "$node_pkg/CHANGELOG.md")
fi
[ -n "$npm_version" ] || npm_version=$(npm --version)

# The recipe, whose text (comments aside, as `declare -f` prints it) is part of the
# cache key. build_node_image NPM_DIR: the image, from the base, the Node binary and npm.
build_node_image() {
  local ctr
  ctr=$(buildah from --pull-never "$base")
  cleanup_containers+=("$ctr")
  buildah copy --quiet --chmod 0755 "$ctr" "$node_bin" /usr/local/bin/node >/dev/null
  buildah copy --quiet "$ctr" "$1" /usr/local/lib/node_modules/npm >/dev/null
  # The official images' contract: user and group node (1000:1000, home /home/node).
  buildah run --network none "$ctr" -- sh -euc '
    groupadd --gid 1000 node
    useradd --uid 1000 --gid node --shell /bin/bash --create-home --home-dir /home/node node
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
    mkdir -p /usr/local/etc
    printf "cafile=/etc/ssl/certs/ca-certificates.crt\nupdate-notifier=false\n" > /usr/local/etc/npmrc
    node --version >/dev/null
    npm --version >/dev/null
  '
  buildah config \
    --env NODE_VERSION="$node_version" \
    --cmd node \
    --label io.metrox.image.key="$key" \
    --label org.opencontainers.image.description="Node.js $node_version and npm $npm_version on $base" \
    "$ctr"
  buildah commit --quiet --rm "$ctr" "$node_image" >/dev/null
  cleanup_containers=()
}

node_hash=$(sha256sum "$node_bin" | cut -c1-16)
key=$(printf '%s\n' "base=$(image_id "$base")" "node=$node_hash" "npm=$npm_version" \
  "$(declare -f build_node_image)" | sha256sum | cut -c1-16)
current() { [ "$(image_label "$node_image" io.metrox.image.key)" = "$key" ]; }
if current; then echo "$node_image"; exit 0; fi
lock "node-$node_version"
if current; then echo "$node_image"; exit 0; fi

started=$SECONDS
npm_tgz="$images_cache/npm-$npm_version.tgz"
if [ ! -s "$npm_tgz" ]; then
  log "fetching npm $npm_version"
  work=$(mktemp -d "$images_cache/.npm.XXXXXX")
  cleanup_dirs+=("$work")
  (cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null)
  mv "$work/npm-$npm_version.tgz" "$npm_tgz"
fi
work=$(mktemp -d "$images_cache/.node.XXXXXX")
cleanup_dirs+=("$work")
mkdir "$work/npm"
tar -xzf "$npm_tgz" -C "$work/npm" --strip-components=1 --no-same-owner

log "building $node_image (Node $node_version, npm $npm_version) on $base"
previous=$(image_id "$node_image")
build_node_image "$work/npm"
if [ -n "$previous" ]; then buildah rmi "$previous" >/dev/null 2>&1 || true; fi
log "built $node_image in $((SECONDS - started)) s"
echo "$node_image"

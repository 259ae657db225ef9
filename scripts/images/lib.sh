# Shared settings and helpers of the image scripts (debian-base, node-base, build, load).
# Sourced, not run. Images are built with buildah (no Docker engine needed) and cached
# by content under $METROX_CACHE/images, outside the work tree.
log() { printf '[images] %s\n' "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
: "${METROX_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/metrox}"
images_cache="$METROX_CACHE/images"
export METROX_CACHE

# The local base images every build starts from; other image scripts name them, so
# these references are part of the scripts' interface.
: "${METROX_DEBIAN_SUITE:=bookworm}"
debian_image="localhost/metrox/debian:$METROX_DEBIAN_SUITE"

# require_tools COMMAND...: root, and each command, installed from Debian's packages
# when missing (a fresh machine has neither buildah nor debootstrap).
require_tools() {
  if [ "$(id -u)" != 0 ]; then log "building images needs root (buildah's storage and debootstrap)"; exit 1; fi
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$(tool_package "$c")"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { log "missing: ${missing[*]} (install these Debian/Ubuntu packages)"; exit 1; }
  log "installing ${missing[*]} from Debian's packages"
  # Two image scripts may start at once: one installs, the other waits for dpkg's lock.
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >/dev/null
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || { log "$c is still missing after installing ${missing[*]}"; exit 1; }; done
}
tool_package() {
  case $1 in ctr) echo containerd ;; sha256sum) echo coreutils ;; flock) echo util-linux ;; *) echo "$1" ;; esac
}

# wait_for_npm_ci: returns once the repository's node_modules is installed (`npm ci` at
# the root may be running in another shell right now); fails after 10 minutes.
wait_for_npm_ci() {
  local marker="$metrox_repo/node_modules/.package-lock.json"
  [ -f "$marker" ] || log "waiting for 'npm ci' at $metrox_repo to finish"
  for _ in $(seq 600); do [ -f "$marker" ] && return 0; sleep 1; done
  log "run 'npm ci' at $metrox_repo first (no node_modules)"
  return 1
}

# lock NAME: holds $images_cache/locks/NAME.lock on fd 8 until the calling process
# exits (or takes another lock), so concurrent callers of one step wait for each other.
lock() {
  mkdir -p "$images_cache/locks"
  exec 8>"$images_cache/locks/$1.lock"
  flock 8
}

# image_label IMAGE LABEL: the label's value on a local image, empty when the image or
# the label is missing.
image_label() {
  buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$2\"}}" "$1" 2>/dev/null || true
}

# image_id IMAGE: the local image's id (sha256 hex), empty when it is missing.
image_id() {
  buildah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true
}

# untagged_images [--filter F]...: ids of the untagged images, sorted.
untagged_images() {
  buildah images -a --noheading --no-trunc --filter dangling=true --format '{{.ID}}' "$@" 2>/dev/null | sort -u
}

# prune_superseded IMAGE...: removes the untagged images (bases, cached build steps)
# that were made on another version of the base images named: our base images label
# themselves io.metrox.image.key and every image built on them inherits the label.
# Images still in use (by a container, or under a tagged image) stay.
prune_superseded() {
  local current=() image key id
  for image in "$@"; do
    key=$(image_label "$image" io.metrox.image.key)
    [ -n "$key" ] && current+=("$key")
  done
  [ ${#current[@]} -gt 0 ] || return 0
  local keep=""
  for key in "${current[@]}"; do keep+=$(untagged_images --filter "label=io.metrox.image.key=$key")$'\n'; done
  for _ in 1 2; do # a parent goes once its children have
    for id in $(comm -23 <(untagged_images --filter label=io.metrox.image.key) <(sort -u <<<"$keep")); do
      buildah rmi "$id" >/dev/null 2>&1 || true
    done
  done
}

# Working containers and temporary directories to remove when the script exits.
cleanup_containers=()
cleanup_dirs=()
# buildah's network library creates /etc/cni/net.d on first use, though every build here
# runs with the host's network or none: an empty one it created goes again.
[ -e /etc/cni ] && cni_dir_existed=1 || cni_dir_existed=0
cleanup() {
  local c d
  for c in "${cleanup_containers[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
  for d in "${cleanup_dirs[@]}"; do rm -rf "$d"; done
  if [ "$cni_dir_existed" = 0 ]; then rm -f /etc/cni/net.d/cni.lock; rmdir /etc/cni/net.d /etc/cni 2>/dev/null || true; fi
}
trap cleanup EXIT

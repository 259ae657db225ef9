#!/usr/bin/env bash
# Builds MetroX's images with buildah (no Docker engine, no registry) into OCI archives
# cached by content under $METROX_CACHE/images:
#   scripts/images/build.sh <component>...
# A component is one of scripts/images/components.ts (`--list` prints them): the
# production images (operator transaction payment operations notification cipher,
# from their Dockerfiles) and the development images of the Tiltfile's recipe
# (dev-operator, dev-transaction, …, from dev.Dockerfile). Every build starts from
# the local base images (debian-base.sh, node-base.sh), built or refreshed first.
#
# Each archive is <component>-<hash>.oci.tar, <hash> covering everything the build
# reads (scripts/images/plan.ts): an unchanged component is not rebuilt. The archive
# holds one image tagged with the reference the manifests name (a dev image the same
# as its production image: it replaces it on the node). Prints `<reference> <archive>`
# a line on stdout, in the order asked, for load.sh; progress goes to stderr.
# Concurrent builds of one component wait for each other.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
require_tools buildah flock sha256sum

# The repository's Node 24 (the npm `node` devDependency) runs the planner's TypeScript.
wait_for_npm_ci
node24="$metrox_repo/node_modules/node/bin/node"
[ -x "$node24" ] || { log "no $node24: is the npm 'node' devDependency installed?"; exit 1; }
plan() { "$node24" "$here/plan.ts" "$@"; }

case ${1:---help} in
  --list) plan --list; exit 0 ;;
  -h|--help) log "usage: $0 <component>...  (one of: $(plan --list | tr '\n' ' '))"; exit 2 ;;
esac
known=$(plan --list)
for c in "$@"; do
  grep -qxF -- "$c" <<<"$known" || { log "unknown component $c (one of: $(tr '\n' ' ' <<<"$known"))"; exit 2; }
done

# Contexts staged from cached builds (the Go-built stand-ins) are staged before the
# planner hashes them, so a fresh clone builds them as any other component.
mapfile -t staged < <(plan --staged "$@")
[ ${#staged[@]} -eq 0 ] || "$here/standins/prepare.sh" "${staged[@]}"

METROX_DEBIAN_IMAGE=$("$here/debian-base.sh")
METROX_NODE_IMAGE=$("$here/node-base.sh")
export METROX_DEBIAN_IMAGE METROX_NODE_IMAGE
# Dockerfiles the planner derives (build-arg labels, plan.ts) live for this run only.
METROX_DOCKERFILES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/metrox-dockerfiles.XXXXXX")
cleanup_dirs+=("$METROX_DOCKERFILES_DIR")
export METROX_DOCKERFILES_DIR
plans=$(plan "$@")

# How many archives of a component to keep (the newest): switching branches back
# and forth finds its builds again.
keep=${METROX_IMAGES_KEEP:-2}
mkdir -p "$images_cache/logs"

build_one() { # component image hash dockerfile context ignorefile [KEY=VALUE...]
  local name=$1 image=$2 hash=$3 dockerfile=$4 context=$5 ignorefile=$6
  shift 6
  local archive="$images_cache/$name-$hash.oci.tar"
  if [ -f "$archive" ]; then
    log "$name: unchanged ($hash)"
    echo "$image $archive"
    return
  fi
  lock "build-$name"
  if [ -f "$archive" ]; then log "$name: built meanwhile by another caller"; echo "$image $archive"; return; fi

  local started=$SECONDS args=() arg
  for arg in "$@"; do args+=(--build-arg "$arg"); done
  [ "$ignorefile" = - ] || args+=(--ignorefile "$metrox_repo/$ignorefile")
  # A tag of our own, one per component, never the reference the manifests name (that
  # is written into the archive only): builds of a production and a dev image do not
  # race for it. Keeping the last build tagged keeps its steps as --layers' cache.
  local tag="localhost/metrox-build/$name:latest" previous
  previous=$(image_id "$tag")
  log "$name: building $image"
  # --layers: a change to the sources reuses the npm ci step of the last build.
  # The npm cache is not mounted from the host: the Dockerfiles clean it.
  if ! buildah bud --pull-never --layers --force-rm --network host \
      --file "$(cd "$metrox_repo" && realpath "$dockerfile")" "${args[@]}" --tag "$tag" \
      "$metrox_repo/$context" >"$images_cache/logs/$name.log" 2>&1; then
    tail -n 30 "$images_cache/logs/$name.log" >&2
    log "$name: build failed (full log: $images_cache/logs/$name.log)"
    exit 1
  fi
  local partial="$archive.$$.partial"
  cleanup_dirs+=("$partial")
  buildah push --quiet "$tag" "oci-archive:$partial:$image" >/dev/null
  mv "$partial" "$archive"
  # The build this one replaces, with the cached steps only it used.
  if [ -n "$previous" ] && [ "$previous" != "$(image_id "$tag")" ]; then
    buildah rmi "$previous" >/dev/null 2>&1 || true
  fi
  built=$((built + 1))
  log "$name: built in $((SECONDS - started)) s, $(du -h "$archive" | cut -f1) ($archive)"
  # Older archives of this component beyond the newest $keep.
  find "$images_cache" -maxdepth 1 -regextype posix-extended -regex ".*/$name-[0-9a-f]{20}\.oci\.tar" \
    -printf '%T@ %p\n' | sort -rn | tail -n +$((keep + 1)) | cut -d' ' -f2- | xargs -r rm -f
  echo "$image $archive"
}

built=0
while IFS=$'\t' read -r -a fields; do
  build_one "${fields[@]}"
done <<<"$plans"
# After a build: what earlier builds left on superseded base images goes.
[ "$built" = 0 ] || prune_superseded "$METROX_DEBIAN_IMAGE" "$METROX_NODE_IMAGE"

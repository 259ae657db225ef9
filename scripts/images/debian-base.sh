#!/usr/bin/env bash
# Builds the Debian base image of MetroX's images, localhost/metrox/debian:<suite>
# (bookworm unless METROX_DEBIAN_SUITE says otherwise), without pulling anything from
# a container registry: `debootstrap --variant=minbase` from the Debian mirror this
# machine's apt is configured with, brought up to date from the same sources (updates,
# security), imported with `buildah from scratch` + `add` + `commit`. The host's CA
# bundle is /etc/ssl/certs/ca-certificates.crt in the image, so TLS from inside a build
# trusts what the host trusts.
#
# The root file system is cached as a tarball under $METROX_CACHE/images, keyed by what
# determines it (suite, mirror and apt sources, architecture, debootstrap's version,
# this script); the image carries the key (plus the CA bundle's hash) in a label. A
# run whose image is current does nothing; a missing image is re-imported from the
# tarball in seconds. Concurrent callers wait on one lock.
#
# Usage: scripts/images/debian-base.sh   (root; needs buildah and debootstrap)
# Prints the image reference on stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
require_tools buildah debootstrap flock sha256sum
suite=$METROX_DEBIAN_SUITE
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || { log "the host has no CA bundle at $ca_bundle (Debian package ca-certificates)"; exit 1; }

# The host's apt sources for this suite and its companions (bookworm-updates,
# bookworm-security), as "URI SUITE COMPONENT..." lines: from deb822 .sources files
# and one-line .list files alike. Only Debian's own entries (those naming the suite).
apt_sources() {
  local files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v suite="$suite" '
    function want(s) { return s == suite || index(s, suite "-") == 1 }
    function flush(   n, m, i, j, us, ss) {
      if (types ~ /(^| )deb( |$)/ && uris != "" && enabled != "no") {
        n = split(uris, us, " "); m = split(suites, ss, " ")
        for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (want(ss[j])) print us[i], ss[j], comps
      }
      types = uris = suites = comps = enabled = ""
    }
    FNR == 1 { flush() }
    FILENAME ~ /[.]sources$/ {
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      if ($0 ~ /^[#\t ]/) next
      key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
      if (key == "types") types = $0; else if (key == "uris") uris = $0
      else if (key == "suites") suites = $0; else if (key == "components") comps = $0
      else if (key == "enabled") enabled = tolower($0)
      next
    }
    /^[ \t]*deb[ \t]/ {
      gsub(/[[][^]]*[]]/, ""); $1 = ""; $0 = $0
      uri = $1; s = $2; $1 = $2 = ""; sub(/^ +/, "")
      if (want(s)) print uri, s, $0
    }
    END { flush() }
  ' "${files[@]}" | sed 's#/* # #' | awk '!seen[$0]++'
}
sources=$(apt_sources)
mirror=$(awk -v suite="$suite" '$2 == suite { print $1; exit }' <<<"$sources")
if [ -z "$mirror" ]; then
  log "no Debian '$suite' entry in /etc/apt/sources.list(.d): cannot tell which mirror to bootstrap from"
  exit 1
fi
arch=$(dpkg --print-architecture)

# The recipe, in two functions whose text (comments aside, as `declare -f` prints it)
# is part of the cache keys: a change to either rebuilds what it makes.

# bootstrap_rootfs DIR: Debian in DIR/root, written to DIR/rootfs.tar.
bootstrap_rootfs() {
  local work=${1:?} root=${1:?}/root keyring=()
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
  if ! debootstrap --variant=minbase "${keyring[@]}" --arch="$arch" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 20 "$root/debootstrap/debootstrap.log" >&2
    log "debootstrap failed"
    return 1
  fi
  # The image's apt uses the same sources as the host (one-line format, which
  # minbase's apt reads without extra configuration), then takes their updates.
  awk '{ uri = $1; s = $2; $1 = $2 = ""; sub(/^ +/, ""); print "deb", uri, s, ($0 == "" ? "main" : $0) }' \
    <<<"$sources" > "$root/etc/apt/sources.list"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  log "applying $suite's updates and security updates"
  if ! { chroot "$root" apt-get update -qq && DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get -qq -y upgrade; } \
    >"$work/upgrade.log" 2>&1; then
    tail -n 20 "$work/upgrade.log" >&2
    log "updating the bootstrapped system failed"
    return 1
  fi
  chroot "$root" apt-get clean
  # What a container image does not need or must not carry from this host.
  rm -rf "${root:?}"/var/lib/apt/lists/* "${root:?}"/var/cache/apt/*.bin "${root:?}"/var/cache/debconf/*-old \
    "${root:?}"/var/log/* "${root:?}"/dev/* "${root:?}"/proc/* "${root:?}"/sys/* "${root:?}"/run/* "${root:?}"/tmp/* \
    "${root:?}"/etc/resolv.conf "${root:?}"/etc/hostname
  : > "$root/etc/machine-id"
  tar --numeric-owner --xattrs --one-file-system -C "$root" -cf "$work/rootfs.tar" .
}

# import_rootfs TARBALL KEY: the image, from the root file system and the host's CA bundle.
import_rootfs() {
  local ctr
  ctr=$(buildah from --pull-never scratch)
  cleanup_containers+=("$ctr")
  buildah add --quiet "$ctr" "$1" / >/dev/null
  buildah add --quiet --chmod 0644 "$ctr" "$ca_bundle" /etc/ssl/certs/ca-certificates.crt >/dev/null
  buildah config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 \
    --cmd bash \
    --label io.metrox.image.key="$2" \
    --label org.opencontainers.image.description="Debian $suite (minbase) from $mirror, with the build host's CA bundle" \
    "$ctr"
  buildah commit --quiet --rm "$ctr" "$debian_image" >/dev/null
  cleanup_containers=()
}

rootfs_key=$(printf '%s\n' "suite=$suite" "variant=minbase" "arch=$arch" "mirror=$mirror" "$sources" \
  "debootstrap=$(dpkg-query -W -f '${Version}' debootstrap)" "$(declare -f bootstrap_rootfs)" | sha256sum | cut -c1-16)
image_key=$(printf '%s\n' "$rootfs_key" "$(sha256sum "$ca_bundle")" "$(declare -f import_rootfs)" | sha256sum | cut -c1-16)
rootfs="$images_cache/debian-$suite-rootfs-$rootfs_key.tar"

current() { [ "$(image_label "$debian_image" io.metrox.image.key)" = "$image_key" ]; }
if current; then echo "$debian_image"; exit 0; fi
lock "debian-$suite"
if current; then echo "$debian_image"; exit 0; fi

if [ ! -f "$rootfs" ]; then
  started=$SECONDS
  log "bootstrapping Debian $suite (minbase) from $mirror"
  work=$(mktemp -d "$images_cache/.debian-$suite.XXXXXX")
  cleanup_dirs+=("$work")
  bootstrap_rootfs "$work"
  mv "$work/rootfs.tar" "$rootfs"
  rm -rf "$work"
  # Older root file systems of this suite are superseded.
  for old in "$images_cache/debian-$suite-rootfs-"*.tar; do [ "$old" = "$rootfs" ] || rm -f "$old"; done
  log "bootstrapped in $((SECONDS - started)) s: $(du -h "$rootfs" | cut -f1)"
fi

started=$SECONDS
previous=$(image_id "$debian_image")
import_rootfs "$rootfs" "$image_key"
# The image it replaced is untagged now: drop it (kept while images built on it exist).
if [ -n "$previous" ]; then buildah rmi "$previous" >/dev/null 2>&1 || true; fi
log "imported $debian_image in $((SECONDS - started)) s"
echo "$debian_image"

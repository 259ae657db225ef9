# Helpers of MetroX's builds of other projects' Go commands (Jaeger, Prometheus, the
# Collector). Sourced after the caller has set METROX_CACHE and defined log(); not run
# on its own.

require_go() {
  command -v go >/dev/null || { log "Go is required to build $1 (Debian: golang, or go.dev/dl)"; exit 1; }
}

# go_build_lock: every MetroX Go build (control plane, Jaeger, these) takes this one
# lock, so a 2-core machine compiles one thing at a time. Held on fd 9 until exit.
go_build_lock() {
  mkdir -p "$METROX_CACHE"
  exec 9>"$METROX_CACHE/build.lock"
  flock 9
}

# module_file MODULE VERSION KEY: KEY of `go mod download -json` (GoMod: the module's
# go.mod, Dir: its unpacked source), downloaded through the module proxy.
module_file() {
  local info
  info=$(cd "$METROX_CACHE" && GOFLAGS=-mod=mod go mod download -json "$1@$2")
  sed -n "s/.*\"$3\": \"\(.*\)\".*/\1/p" <<<"$info"
}

# directives GOMOD: the replace and exclude directives of a go.mod, single-line and
# block forms alike. They only take effect in the main module, so a wrapper module
# that builds someone else's command must repeat them.
directives() {
  awk '
    /^(replace|exclude)[ \t]*\($/ { block = 1; print; next }
    block { print; if ($0 ~ /^\)/) block = 0; next }
    /^(replace|exclude)[ \t]/ { print }
  ' "$1"
}

# require_block GOMOD: every requirement of a go.mod (direct and indirect) as one
# require block, so a wrapper selects exactly the versions that module selects.
require_block() {
  awk '
    /^require[ \t]*\($/ { block = 1; next }
    block && /^\)/ { block = 0; next }
    block && NF >= 2 { print "\t" $1 " " $2; next }
    /^require[ \t]/ && $2 != "(" { print "\t" $2 " " $3 }
  ' "$1" | awk 'BEGIN { print "require (" } { print } END { print ")" }'
}

# command_wrapper WORK MODULE VERSION PACKAGE: prepares WORK as a wrapper module that
# builds PACKAGE (a command of MODULE@VERSION) with exactly MODULE's dependency
# versions. A module whose go.mod has replace or exclude directives cannot be
# `go install`ed; the wrapper requires it and repeats them. MODULE's own go.sum comes
# along: the checksum database does not answer for every dependency (collector-contrib
# v0.140.1 is a 404 there), and those hashes are verified through MODULE's own. Once
# per WORK (it keeps a .ready marker).
command_wrapper() {
  local work=$1 module=$2 version=$3 package=$4 modfile srcdir
  [ -f "$work/.ready" ] && return
  mkdir -p "$work"
  log "preparing a wrapper module for $package ($module@$version)"
  modfile=$(module_file "$module" "$version" GoMod)
  srcdir=$(module_file "$module" "$version" Dir)
  [ -f "$modfile" ] && [ -f "$srcdir/go.sum" ] || { log "the Go module proxy did not serve $module@$version"; exit 1; }
  install -m 0644 "$srcdir/go.sum" "$work/go.sum"
  {
    echo "module metrox.local/$(basename "$package")-build"
    echo
    grep -m1 '^go ' "$modfile"
    echo
    echo "require $module $version"
    echo
    directives "$modfile"
  } > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$package" > "$work/tools.go"
  ( cd "$work" && GOFLAGS=-mod=mod go mod tidy >&2 && GOFLAGS=-mod=mod go mod download >&2 )
  touch "$work/.ready"
}

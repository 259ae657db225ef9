# Helpers of the stand-ins' Go builds. Sourced after versions.sh and after the caller
# has defined log(); not run on its own.

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

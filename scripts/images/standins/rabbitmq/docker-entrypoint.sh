#!/bin/bash
# Entrypoint of MetroX's local stand-in for the official rabbitmq management image
# (Debian's RabbitMQ 3.10.8 underneath). It keeps the parts of the official image's
# contract that MetroX's manifests use:
#   - no arguments, or arguments starting with '-', run the broker in the foreground
#     (`rabbitmq-server`); any other command runs as given;
#   - RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS / RABBITMQ_DEFAULT_VHOST name the user
#     (an administrator with every permission on the vhost) created when the node is
#     first initialised; RABBITMQ_CONFIG_FILES (a conf.d directory, or a glob),
#     RABBITMQ_ENABLED_PLUGINS_FILE and RABBITMQ_NODENAME are RabbitMQ's own and work
#     as they do upstream; logs go to stdout;
#   - data, the Erlang cookie and everything else written live under
#     RABBITMQ_DATA_DIR (= HOME, /var/lib/rabbitmq), so a read-only root works (files
#     3.10 logs to regardless of log.file go to $RABBITMQ_DATA_DIR/log when
#     /var/log/rabbitmq is not writable); started as root, it continues as the rabbitmq
#     user (uid 999).
#
# One translation: `default_queue_type` (the default type of queues declared without
# `x-queue-type`, a rabbitmq.conf key since 3.13) is unknown to 3.10, which would refuse
# to boot on it. 3.10 keeps the same setting per virtual host: a vhost whose metadata has
# a default queue type gives it to every queue declared there without an explicit type
# that the type can hold (durable, not exclusive, not auto-delete: for quorum), as 3.13
# does. So the key is taken out of the files RabbitMQ reads (copies under the data
# directory) and, when the node is first initialised, the default vhost is created with
# it, through definitions imported at boot before any listener opens.
set -Eeuo pipefail

log() { printf '%s [standin-entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*" >&2; }
fail() { log "error: $*"; exit 1; }

if [ $# -eq 0 ] || [ "${1:0:1}" = '-' ]; then set -- rabbitmq-server "$@"; fi
if [ "$1" != rabbitmq-server ]; then exec "$@"; fi

data=${RABBITMQ_DATA_DIR:-/var/lib/rabbitmq}
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$data"
  chown rabbitmq:rabbitmq "$data"
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "${BASH_SOURCE[0]}" "$@"
fi

getent passwd "$(id -u)" >/dev/null ||
  fail "uid $(id -u) has no account in this image; run it as uid 999 (rabbitmq) or as root"
export HOME=${HOME:-$data}
[ -w "$HOME" ] || fail "HOME=$HOME is not writable by uid $(id -u): the Erlang cookie and the node's data live there"

# The official image's deprecated way to set the cookie, still honoured.
if [ -n "${RABBITMQ_ERLANG_COOKIE:-}" ]; then
  cookie="$HOME/.erlang.cookie"
  [ -f "$cookie" ] && chmod 0600 "$cookie"
  printf '%s' "$RABBITMQ_ERLANG_COOKIE" > "$cookie"
  chmod 0400 "$cookie"
  unset RABBITMQ_ERLANG_COOKIE
fi

# 3.10 writes its upgrade log (and a crash dump, should the VM die) to files under
# RABBITMQ_LOG_BASE even when logging goes to the console; with a read-only root they
# go to the data directory instead.
log_base=${RABBITMQ_LOG_BASE:-/var/log/rabbitmq}
if [ ! -w "$log_base" ]; then
  export RABBITMQ_LOG_BASE="$data/log"
  mkdir -p "$RABBITMQ_LOG_BASE"
fi

nodename=${RABBITMQ_NODENAME:-rabbit}
[[ $nodename == *@* ]] || nodename="$nodename@$(hostname -s)"
mnesia_base=${RABBITMQ_MNESIA_BASE:-$data/mnesia}
first_boot=false
[ -d "$mnesia_base/$nodename" ] || first_boot=true

# The configuration files RabbitMQ would read: RABBITMQ_CONFIG_FILES is a directory
# (its *.conf files, in name order) or a glob.
config_files=()
source_spec=${RABBITMQ_CONFIG_FILES:-/etc/rabbitmq/conf.d}
if [ -d "$source_spec" ]; then
  for f in "$source_spec"/*.conf; do [ -f "$f" ] && config_files+=("$f"); done
else
  for f in $source_spec; do [ -f "$f" ] && config_files+=("$f"); done
fi

# conf_value KEY FILE...: the last value the files give KEY (cuttlefish syntax).
conf_value() {
  local key=$1; shift
  [ $# -gt 0 ] || return 0
  awk -v key="$key" '
    { line = $0; sub(/^[ \t]+/, "", line) }
    line ~ /^#/ { next }
    index(line, key) == 1 {
      rest = substr(line, length(key) + 1)
      if (rest ~ /^[ \t]*=/) { sub(/^[ \t]*=[ \t]*/, "", rest); sub(/[ \t]+$/, "", rest); value = rest }
    }
    END { if (value != "") print value }
  ' "$@"
}

json_string() {
  local s=$1
  [[ $s != *[[:cntrl:]]* ]] || fail "control characters are not supported in RabbitMQ user names, passwords or vhosts here"
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

default_queue_type=$(conf_value default_queue_type "${config_files[@]}")
if [ -n "$default_queue_type" ]; then
  case $default_queue_type in classic | quorum | stream) ;; *) fail "default_queue_type = $default_queue_type: expected classic, quorum or stream" ;; esac
  runtime="$data/.standin"
  rm -rf "$runtime"
  mkdir -p "$runtime/conf.d"
  for f in "${config_files[@]}"; do
    grep -Ev '^[[:space:]]*default_queue_type[[:space:]]*=' "$f" > "$runtime/conf.d/$(basename "$f")" || true
  done
  if $first_boot; then
    user=${RABBITMQ_DEFAULT_USER:-$(conf_value default_user "${config_files[@]}")}
    pass=${RABBITMQ_DEFAULT_PASS:-$(conf_value default_pass "${config_files[@]}")}
    vhost=${RABBITMQ_DEFAULT_VHOST:-$(conf_value default_vhost "${config_files[@]}")}
    user=${user:-guest} pass=${pass:-guest} vhost=${vhost:-/}
    # With definitions to import, RabbitMQ creates no default user or vhost: they are here.
    cat > "$runtime/definitions.json" <<JSON
{
  "users": [{ "name": $(json_string "$user"), "password": $(json_string "$pass"), "tags": "administrator" }],
  "vhosts": [{ "name": $(json_string "$vhost"), "metadata": { "description": "Default virtual host", "tags": [], "default_queue_type": "$default_queue_type" } }],
  "permissions": [{ "user": $(json_string "$user"), "vhost": $(json_string "$vhost"), "configure": ".*", "write": ".*", "read": ".*" }]
}
JSON
    chmod 0600 "$runtime/definitions.json"
    printf 'load_definitions = %s\n' "$runtime/definitions.json" > "$runtime/conf.d/zz-standin-definitions.conf"
    log "first start: vhost '$vhost' gets default queue type '$default_queue_type' (default_queue_type is a 3.13 key; 3.10 keeps it per vhost)"
  else
    log "default_queue_type = $default_queue_type was given to the vhost when the node was first initialised"
  fi
  export RABBITMQ_CONFIG_FILES="$runtime/conf.d"
fi

exec "$@"

#!/bin/bash
# Entrypoint of MetroX's local stand-in for the official postgres image (Debian's
# PostgreSQL 15 underneath). It keeps the parts of the official image's contract that
# MetroX's manifests use:
#   - arguments starting with '-' are options of the server: `-c max_connections=300`
#     runs `postgres -c max_connections=300`; any other command runs as given;
#   - on first start, an empty $PGDATA is initialised with initdb: superuser
#     $POSTGRES_USER (default postgres) with password $POSTGRES_PASSWORD, database
#     $POSTGRES_DB (default: the user's name), local socket connections trusted and TCP
#     connections from anywhere authenticated with $POSTGRES_HOST_AUTH_METHOD (default
#     scram-sha-256); *.sh and *.sql files in /docker-entrypoint-initdb.d run once;
#   - POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB and POSTGRES_INITDB_ARGS may instead
#     be read from the file named by the same variable with a _FILE suffix;
#   - started as root, it prepares $PGDATA and the socket directory and continues as the
#     postgres user (uid 70); started as uid 70 (the chart's securityContext) it writes
#     only to $PGDATA, /var/run/postgresql and /tmp, so a read-only root works.
set -Eeuo pipefail

log() { printf '%s [standin-entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*" >&2; }
fail() { log "error: $*"; exit 1; }

# from_env_or_file NAME [DEFAULT]: NAME from the environment, else from the file that
# NAME_FILE names, else DEFAULT; exported, and NAME_FILE unset.
from_env_or_file() {
  local name=$1 default=${2:-} file_name="${1}_FILE" value
  if [ -n "${!name:-}" ] && [ -n "${!file_name:-}" ]; then fail "$name and $file_name are both set; set one"; fi
  value=$default
  if [ -n "${!name:-}" ]; then
    value=${!name}
  elif [ -n "${!file_name:-}" ]; then
    value=$(< "${!file_name}")
  fi
  export "$name=$value"
  unset "$file_name"
}

# Options first: they are the server's.
if [ $# -eq 0 ] || [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

socket_dir=/var/run/postgresql
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" "$socket_dir"
  chown postgres:postgres "$PGDATA" "$socket_dir"
  chmod 0700 "$PGDATA"
  chmod 3777 "$socket_dir"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

getent passwd "$(id -u)" >/dev/null ||
  fail "uid $(id -u) has no account in this image; run it as uid 70 (postgres) or as root"
mkdir -p "$PGDATA" || fail "cannot create PGDATA=$PGDATA: is its parent directory writable by uid $(id -u)?"
chmod 0700 "$PGDATA" 2>/dev/null || true

run_init_scripts() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh)
        # shellcheck disable=SC1090
        if [ -x "$f" ]; then log "running $f"; "$f"; else log "sourcing $f"; . "$f"; fi ;;
      *.sql)
        log "running $f"
        psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$f" ;;
      */\*) ;;
      *) log "ignoring $f (only *.sh and *.sql are run)" ;;
    esac
  done
}

initialise() {
  from_env_or_file POSTGRES_USER postgres
  from_env_or_file POSTGRES_PASSWORD
  from_env_or_file POSTGRES_DB "$POSTGRES_USER"
  from_env_or_file POSTGRES_INITDB_ARGS
  local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
    fail "the database is uninitialised and POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust to allow connections without one)"
  fi

  log "initialising a PostgreSQL $PG_MAJOR cluster in $PGDATA for superuser $POSTGRES_USER"
  local waldir=()
  [ -n "${POSTGRES_INITDB_WALDIR:-}" ] && waldir=(--waldir "$POSTGRES_INITDB_WALDIR")
  # POSTGRES_INITDB_ARGS is a list of initdb options, split on white space.
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${waldir[@]}" $POSTGRES_INITDB_ARGS
  printf '\n# Added by the image entrypoint: TCP connections from anywhere.\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

  local scripts=(/docker-entrypoint-initdb.d/*)
  if [ "$POSTGRES_DB" != postgres ] || [ -e "${scripts[0]}" ]; then
    # A server on the socket only, so nothing connects before initialisation is over.
    pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses='' -p ${PGPORT:-5432}" start >/dev/null
    if [ "$POSTGRES_DB" != postgres ]; then
      log "creating database $POSTGRES_DB"
      psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
        --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
    fi
    run_init_scripts
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  log "initialisation complete"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initialise
else
  log "PostgreSQL data in $PGDATA found; skipping initialisation"
fi
unset POSTGRES_PASSWORD
exec "$@"

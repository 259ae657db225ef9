# Helpers shared by MetroX's shell scripts (infra, cluster, observability).
# Sourced after the caller has defined log(); not run on its own.
metrox_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${METROX_STATE:=$metrox_repo/.metrox}"

# wait_for DESCRIPTION CHECK TIMEOUT_SECONDS WHERE: polls CHECK until it succeeds;
# after TIMEOUT_SECONDS says where to look and returns 1.
wait_for() {
  local deadline=$((SECONDS + $3))
  until $2; do
    if [ $SECONDS -ge $deadline ]; then log "$1 did not become ready in $3 s; see $4"; return 1; fi
    sleep 0.2
  done
}

# start_daemon NAME DIR COMMAND...: runs COMMAND in its own session, logs to
# DIR/NAME.log, and records its pid in DIR/NAME.pid.
start_daemon() {
  local name=$1 dir=$2; shift 2
  setsid "$@" </dev/null >"$dir/$name.log" 2>&1 &
  echo $! > "$dir/$name.pid"
}

# pidfile_alive FILE: whether FILE names a running process.
pidfile_alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop_pidfile FILE: TERM the process it names, KILL it after 10 s, remove FILE.
# Returns 1 when no such process was running.
stop_pidfile() {
  [ -f "$1" ] || return 1
  local pid; pid=$(cat "$1")
  rm -f "$1"
  kill "$pid" 2>/dev/null || return 1
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

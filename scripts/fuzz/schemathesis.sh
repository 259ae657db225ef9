#!/usr/bin/env bash
# Installs Schemathesis (the schema-based API fuzzer, from PyPI) with the exact
# packages of requirements.txt into a virtual environment cached per version under
# $METROX_CACHE/schemathesis-<version>, outside the work tree. Idempotent: a ready
# environment is reused at once; concurrent callers wait on one lock, and a new one
# is built in a temporary folder and renamed into place, so no caller ever sees half
# an install.
#
# Prints on its last line the path of a command that runs Schemathesis's CLI
# (`<path> run --checks all …`); progress goes to stderr. PYTHON picks the
# interpreter (default python3, 3.10 or newer, with the venv module and pip).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { printf '[fuzz] %s\n' "$*" >&2; }

requirements="$here/requirements.txt"
version=$(sed -n 's/^schemathesis==//p' "$requirements")
[ -n "$version" ] || { log "$requirements pins no schemathesis version"; exit 1; }
: "${METROX_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/metrox}"
env_dir="$METROX_CACHE/schemathesis-$version"
runner="$env_dir/schemathesis"
# The marker holds the hash of the requirements it was built from: a changed pin of a
# dependency (same Schemathesis version) rebuilds the environment.
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
ready() { [ -x "$runner" ] && [ "$(cat "$env_dir/.ready" 2>/dev/null)" = "$wanted" ]; }

if ready; then echo "$runner"; exit 0; fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { log "$python is required to install Schemathesis (Debian: python3 python3-venv)"; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  { log "Schemathesis $version needs Python 3.10 or newer; $python is $("$python" -V 2>&1)"; exit 1; }
"$python" -c 'import venv, ensurepip' 2>/dev/null ||
  { log "$python cannot create virtual environments with pip (Debian: apt-get install python3-venv)"; exit 1; }

mkdir -p "$METROX_CACHE"
exec 9>"$METROX_CACHE/schemathesis.lock"
flock 9
# Another caller may have finished the install while we waited for the lock.
if ready; then echo "$runner"; exit 0; fi

work=$(mktemp -d "$METROX_CACHE/.schemathesis-$version.XXXXXX")
stale=""
cleanup() { rm -rf "$work" ${stale:+"$stale"}; }
trap cleanup EXIT

log "installing Schemathesis $version into $env_dir (first run only)"
started=$SECONDS
"$python" -m venv "$work"
# pip runs as a module: a virtual environment's own scripts name its folder in their
# first line, and this one is renamed below. `python -m` works from anywhere.
PIP_DISABLE_PIP_VERSION_CHECK=1 "$work/bin/python" -m pip install --quiet --no-input --require-virtualenv -r "$requirements" >&2 ||
  { log "pip could not install $requirements (is PyPI reachable?)"; exit 1; }
cat > "$work/schemathesis" <<'SH'
#!/bin/sh
# Schemathesis's CLI from the virtual environment beside this file, wherever it lies.
exec "$(dirname "$0")/bin/python" -m schemathesis.cli "$@"
SH
chmod +x "$work/schemathesis"
installed=$("$work/schemathesis" --version 2>&1) || { log "the installed Schemathesis does not run: $installed"; exit 1; }
case $installed in
  *"$version"*) ;;
  *) log "expected Schemathesis $version, the environment reports: $installed"; exit 1 ;;
esac
echo "$wanted" > "$work/.ready"

# An environment from other requirements is moved aside first: rename does not
# replace a folder that has files.
if [ -e "$env_dir" ]; then
  stale="$METROX_CACHE/.schemathesis-$version.stale.$$"
  mv -T "$env_dir" "$stale"
fi
mv -T "$work" "$env_dir"
log "installed Schemathesis $version in $((SECONDS - started)) s"
echo "$runner"

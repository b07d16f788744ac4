#!/usr/bin/env bash
# End-to-end tests: drive `opendrs serve --demo` with the official Huawei Cloud Python SDK.
#
#   scripts/sdk-tests.sh [pytest args...]      e.g. scripts/sdk-tests.sh -k paging -x
#
# Creates (or reuses) a virtualenv at <repo>/.venv-sdk, installs tests/sdk/requirements.txt into it only when
# that file changed since the last successful install, builds the server with `cargo build --bin opendrs` unless
# OPENDRS_BIN names a binary already, then runs `pytest -q tests/sdk`.
#
# Environment: OPENDRS_BIN (server binary; skips the build), PYTHON (interpreter for the venv, default python3),
# OPENDRS_SDK_VENV (venv location), OPENDRS_START_TIMEOUT (seconds to wait for the server, default 30).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPENDRS_SDK_VENV:-$repo_root/.venv-sdk}"
requirements="$repo_root/tests/sdk/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

log() { printf 'sdk-tests: %s\n' "$*" >&2; }

# 1. The virtualenv. A venv whose interpreter no longer runs (e.g. the base Python moved) is rebuilt.
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  log "creating virtualenv $venv"
  if ! "$python" -m venv --clear "$venv"; then
    # Debian/Ubuntu without the python3-venv package have no ensurepip: borrow the system pip instead.
    log "python3 -m venv failed; retrying without pip, using the system's pip"
    rm -rf "$venv"
    "$python" -m venv --without-pip --system-site-packages "$venv"
  fi
fi
# Keep the venv out of git whatever the repository's .gitignore says.
[[ -f "$venv/.gitignore" ]] || printf '*\n' >"$venv/.gitignore"

# 2. The pinned packages, only when requirements.txt changed since the last successful install.
want="$("$venv/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
have="$(cat "$stamp" 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
  log "installing $requirements"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet --requirement "$requirements"
  printf '%s\n' "$want" >"$stamp"
fi

# 3. The server binary.
if [[ -z "${OPENDRS_BIN:-}" ]]; then
  (cd "$repo_root" && cargo build --quiet --bin opendrs)
  export OPENDRS_BIN="$repo_root/target/debug/opendrs"
fi

# 4. The suite.
cd "$repo_root"
exec "$venv/bin/python" -m pytest -q tests/sdk "$@"

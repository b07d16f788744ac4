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

log() { printf 'sdk-tests: %s\n' "$*" >&2; }

# 1–2. The virtualenv and the pinned packages (only when requirements.txt changed since the last install).
source "$repo_root/scripts/venv.sh"
ensure_venv "$venv" "$requirements"

# 3. The server binary.
if [[ -z "${OPENDRS_BIN:-}" ]]; then
  (cd "$repo_root" && cargo build --quiet --bin opendrs)
  export OPENDRS_BIN="$repo_root/target/debug/opendrs"
fi

# 4. The suite.
cd "$repo_root"
exec "$venv/bin/python" -m pytest -q tests/sdk "$@"

#!/usr/bin/env bash
# Browser tests of the web console: headless Chromium (Debian's `chromium` and `chromium-driver`)
# driven by Selenium against an `opendrs serve --demo` of their own.
#
#   scripts/console-tests.sh [pytest args...]      e.g. scripts/console-tests.sh -k viewer -x
#
# Creates (or reuses) a virtualenv at <repo>/.venv-console, installs tests/console/requirements.txt into it
# only when that file changed since the last successful install, builds the server with
# `cargo build --bin opendrs` unless OPENDRS_BIN names a binary already, then runs `pytest -q tests/console`.
# A failing test leaves a screenshot in <target>/console-screenshots (OPENDRS_CONSOLE_SCREENSHOTS).
#
# Environment: OPENDRS_BIN (server binary; skips the build), PYTHON (interpreter for the venv, default
# python3), OPENDRS_CONSOLE_VENV (venv location), OPENDRS_CONSOLE_WAIT (seconds each wait may take, default 45),
# OPENDRS_CONSOLE_README_SHOT (a path: also write the README's screenshot there).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPENDRS_CONSOLE_VENV:-$repo_root/.venv-console}"
requirements="$repo_root/tests/console/requirements.txt"

log() { printf 'console-tests: %s\n' "$*" >&2; }

for tool in chromium chromedriver; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "$tool is missing: apt-get install chromium chromium-driver (.ci/run does it)"
    exit 1
  fi
done

source "$repo_root/scripts/venv.sh"
ensure_venv "$venv" "$requirements"

if [[ -z "${OPENDRS_BIN:-}" ]]; then
  (cd "$repo_root" && cargo build --quiet --bin opendrs)
  export OPENDRS_BIN="${CARGO_TARGET_DIR:-$repo_root/target}/debug/opendrs"
fi

# Selenium must not look for drivers or browsers on the network: the tests name Debian's.
export SE_OFFLINE=true
cd "$repo_root"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/console "$@"

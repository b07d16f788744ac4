#!/usr/bin/env bash
# Schema-driven API tests: Schemathesis generates requests from the committed OpenAPI document
# (openapi/opendrs.json) and sends them, authenticated with a demo token in X-Auth-Token, to an
# `opendrs serve --demo` of its own (loopback, a free port, a fresh temporary data directory).
# Every answer must: not be a 5xx, match its documented schema, have a documented status code and
# a documented content type. Bounded (few examples per operation) and deterministic (fixed seed).
#
#   scripts/schema-tests.sh [schemathesis run args...]
#
# Environment: OPENDRS_BIN (server binary; skips the build), OPENDRS_SCHEMA_VENV (venv location,
# default <repo>/.venv-schema), OPENDRS_SCHEMA_EXAMPLES (examples per operation, default 25),
# OPENDRS_SCHEMA_SEED (default 20261207), OPENDRS_START_TIMEOUT (seconds, default 30).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPENDRS_SCHEMA_VENV:-$repo_root/.venv-schema}"
requirements="$repo_root/tests/schema/requirements.txt"
examples="${OPENDRS_SCHEMA_EXAMPLES:-25}"
seed="${OPENDRS_SCHEMA_SEED:-20261207}"
start_timeout="${OPENDRS_START_TIMEOUT:-30}"

log() { printf 'schema-tests: %s\n' "$*" >&2; }

source "$repo_root/scripts/venv.sh"
ensure_venv "$venv" "$requirements"

if [[ -z "${OPENDRS_BIN:-}" ]]; then
  (cd "$repo_root" && cargo build --quiet --bin opendrs)
  OPENDRS_BIN="${CARGO_TARGET_DIR:-$repo_root/target}/debug/opendrs"
fi

work="$(mktemp -d /tmp/opendrs-schema.XXXXXX)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/data"
# Throttling off: Schemathesis sends many requests per second from one project.
NO_COLOR=1 OPENDRS_THROTTLE_RATE=0 OPENDRS_LOG_LEVEL=warn \
  "$OPENDRS_BIN" serve --demo --data-dir "$work/data" --listen 127.0.0.1:0 \
  </dev/null >"$work/server.log" 2>&1 &
server_pid=$!

# demo.json gives the endpoint and the demo account; a token is obtained as the console does.
token_and_endpoint="$("$venv/bin/python" - "$work/data/demo.json" "$start_timeout" "$server_pid" <<'PY'
import json, os, sys, time, urllib.request
path, timeout, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + timeout
last = "no demo.json"
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited before it was ready")
    try:
        d = json.load(open(path))
        endpoint = d["endpoint"].rstrip("/")
        assert endpoint.startswith("http://127.0.0.1:"), endpoint
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": d["user"], "password": d["password"], "domain": {"name": d["domain"]}}}},
            "scope": {"project": {"id": d["project_id"]}}}}
        req = urllib.request.Request(endpoint + "/v3/auth/tokens", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=5) as res:
            print(res.headers["X-Subject-Token"], endpoint, d["project_id"])
            break
    except Exception as exc:  # not written yet, half-written, or not listening yet
        last = repr(exc)
    if time.monotonic() > deadline:
        sys.exit(f"no token after {timeout:.0f} s: {last}")
    time.sleep(0.2)
PY
)" || { log "the server did not come up; its log:"; cat "$work/server.log" >&2; exit 1; }
read -r token endpoint project_id <<<"$token_and_endpoint"
export OPENDRS_SCHEMA_PROJECT_ID="$project_id"
log "server at $endpoint (pid $server_pid); $examples examples per operation, seed $seed"

# Run from the temporary directory: Schemathesis's cache (.schemathesis/) goes there, so no state is
# carried from one run to the next and nothing is left in the repository.
cd "$work"
status=0
"$venv/bin/schemathesis" --config-file "$repo_root/tests/schema/schemathesis.toml" \
  run "$repo_root/openapi/opendrs.json" \
  --url "$endpoint" \
  --header "X-Auth-Token: $token" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$examples" \
  --seed "$seed" \
  --generation-database none \
  --generation-with-security-parameters false \
  --workers 1 \
  --request-timeout 10 \
  --no-color \
  "$@" || status=$?
if ((status != 0)); then
  log "failed (exit $status); the server's log (last 80 lines):"
  tail -n 80 "$work/server.log" >&2
fi
exit "$status"

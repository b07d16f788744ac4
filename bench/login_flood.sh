#!/usr/bin/env bash
# Login flood (issue 9): a release build with demo data; 200 connections send wrong-password
# logins for 20 s while another caller lists jobs with a token. Samples the server's peak RSS
# (VmHWM) and threads, and reports the list's p99. Targets: peak RSS < 300 MiB, list p99 < 20 ms.
# Loopback only, bounded, and never run alongside another benchmark (flock).
#
#   bash bench/login_flood.sh            # DURATION=20 CONCURRENCY=200 by default
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec 9>/tmp/opendrs-bench.lock
flock 9
DURATION=${DURATION:-20}
CONCURRENCY=${CONCURRENCY:-200}
OUT=bench/out/login-flood
mkdir -p "$OUT"
LOG=$OUT/log.txt
: >"$LOG"
# shellcheck source=bench/lib.sh
source bench/lib.sh
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release --quiet --bin opendrs
BIN=$TARGET/release/opendrs
PORT=${PORT:-18099}
if port_in_use "$PORT"; then log "port $PORT is busy"; exit 1; fi
DATA=$(mktemp -d)
# Every login costs an Argon2 check (no lockout shortcut): the worst case for memory.
OPENDRS_LOGIN_MAX_FAILURES=0 OPENDRS_LOGIN_ADDRESS_MAX_FAILURES=0 OPENDRS_LOG_LEVEL=warn \
  "$BIN" serve --demo --listen "127.0.0.1:$PORT" --data-dir "$DATA" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
wait_port "$PORT" 120 || { log "the server did not start"; exit 1; }
read -r PROJECT DOMAIN USER PASSWORD < <(python3 -c '
import json,sys; d=json.load(open(sys.argv[1]));print(d["project_id"],d["domain"],d["user"],d["password"])' "$DATA/demo.json")
TOKEN=$(curl -s -i -X POST "http://127.0.0.1:$PORT/v3/auth/tokens" -H 'Content-Type: application/json' \
  -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$USER\",\"password\":\"$PASSWORD\",\"domain\":{\"name\":\"$DOMAIN\"}}}},\"scope\":{\"project\":{\"id\":\"$PROJECT\"}}}}" \
  | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p' | tr -d '\r')
[[ -n "$TOKEN" ]] || { log "no token"; exit 1; }
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
( peak_threads=0
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    t=$(awk '/Threads/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
    (( t > peak_threads )) && peak_threads=$t && echo "$peak_threads" >"$OUT/threads.txt"
    sleep 0.1
  done ) &
SAMPLER_PID=$!
log "flood: $CONCURRENCY connections for $DURATION s against $BIN"
python3 bench/login_flood.py "$PORT" "$DURATION" "$CONCURRENCY" "$PROJECT" "$TOKEN" "$DOMAIN" >"$OUT/result.json"
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
stop_server opendrs
rm -rf "$DATA"
python3 - "$OUT/result.json" "$rss_before" "$peak_kb" "$(cat "$OUT/threads.txt" 2>/dev/null || echo '?')" <<'PY' | tee "$OUT/summary.txt"
import json, sys
r = json.load(open(sys.argv[1])); before, peak, threads = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f"RSS before {before/1024:.1f} MiB, peak {peak/1024:.1f} MiB (target < 300), peak threads {threads}")
print(f"logins answered: {r['logins']}")
l = r["list"]
print(f"list during the flood: {l['count']} calls {l['statuses']}, p50 {l['p50_ms']:.2f} ms, "
      f"p99 {l['p99_ms']:.2f} ms (target < 20), max {l['max_ms']:.2f} ms")
PY

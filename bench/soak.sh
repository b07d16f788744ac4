#!/usr/bin/env bash
# OpenDRS soak test (issue 12, item 3): SOAK_MINUTES of mixed load at a bounded rate against a
# release `opendrs serve` on a fresh store, sampling the server every minute, then a verdict.
#
#   bash bench/soak.sh                      # 30 minutes, 300 requests/s, SQLite
#   SOAK_MINUTES=2 SOAK_RATE=50 bash bench/soak.sh   # a quick check of the script
#   SOAK_ENGINE=postgres bash bench/soak.sh # the same on a throwaway PostgreSQL cluster
#
# Store: SOAK_JOBS (100,000) jobs over SOAK_STORE_PROJECTS (1,000) projects, the first holding
# SOAK_BIG_JOBS (10,000), made by `opendrs admin generate` (seed 1) in a fresh data dir
# (BENCH_OUT/data, removed first). A bench identity (account/domain soak, user soak) gets
# drs_admin on the first SOAK_PROJECTS (100) generated projects; the load goes to those.
#
# Server: authentication on, page cache at its default, throttle off (OPENDRS_THROTTLE_RATE=0),
# executor on with the wall clock and short steps, so jobs really move: create -> CONFIGURATION
# after SOAK_STEP_MS (2 s), a precheck run 2 s, starting 2 s, full transfer 5x that (10 s),
# releasing 2 s, checked every 500 ms at most.
#
# Load: crates/opendrs-loadgen (built here, release), open loop at SOAK_RATE (300) requests/s:
# each request is scheduled at a fixed time and its latency runs from that time (no coordinated
# omission). 85 % list pages (POST /v3/{project}/jobs: random project, scenario, filter
# (none/status/engine/name) and page 1..5), 10 % batch writes on random projects (create 1-5
# jobs, precheck, start, pause, resume, terminate, delete through the v3 batch API, and v5 tag
# writes, on jobs it created; a job created through the API starts only after a passed
# precheck), 5 % password logins (POST /v3/auth/tokens). Tokens: one login per project
# at the start. Loopback only (127.0.0.1:PORT); the ticker is bounded by count and by time.
#
# Every minute: VmRSS, threads, open fds (/proc/PID), database and WAL size (SQLite: opendrs.db
# and opendrs.db-wal; PostgreSQL: the cluster's base/ and pg_wal/), requests, answers by
# status class, requests without an answer, p50/p99/max latency. Outputs in BENCH_OUT
# (bench/out/soak): soak.csv, soak.txt (the per-minute lines and the verdict), soak.png (memory,
# fds and p50/p99 by minute; matplotlib in a venv, BENCH_OUT/../venv-plot), server.log, run.log.
#
# Verdict (crates/opendrs-loadgen/src/verdict.rs): warm-up is the first 5 of 30 minutes
# (round(M/6) of M, at least 1); of the minutes after it the first and last windows (a fifth of
# them each) are compared by their medians: RSS and fd growth < SOAK_GROWTH_LIMIT (0.10), p99 (all
# requests, and the lists alone) of the last window <= SOAK_P99_FACTOR (2.0) x the first; no
# 5xx and no unanswered request over the whole run. The script exits 1 when a target fails (2 when the load could not run).
#
# Knobs: SOAK_MINUTES [30] SOAK_RATE [300] SOAK_ENGINE [sqlite|postgres] SOAK_JOBS [100000]
#   SOAK_STORE_PROJECTS [1000] SOAK_BIG_JOBS [10000] SOAK_PROJECTS [100] SOAK_STEP_MS [2000]
#   SOAK_GROWTH_LIMIT [0.10] SOAK_P99_FACTOR [2.0] PORT [28085] BENCH_OUT [bench/out/soak]
#   SKIP_BUILD [0] (1: use the binaries in CARGO_TARGET_DIR/release) CARGO_TARGET_DIR [target]
#   SOAK_VENV [bench/out/venv-plot]  PYTHON [python3]
# Never run beside another benchmark: it takes the benchmarks' lock (/tmp/opendrs-bench.lock).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO/bench
OUT=${BENCH_OUT:-$BENCH/out/soak}
SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_RATE=${SOAK_RATE:-300}
SOAK_ENGINE=${SOAK_ENGINE:-sqlite}
SOAK_JOBS=${SOAK_JOBS:-100000}
SOAK_STORE_PROJECTS=${SOAK_STORE_PROJECTS:-1000}
SOAK_BIG_JOBS=${SOAK_BIG_JOBS:-10000}
SOAK_PROJECTS=${SOAK_PROJECTS:-100}
SOAK_STEP_MS=${SOAK_STEP_MS:-2000}
SOAK_GROWTH_LIMIT=${SOAK_GROWTH_LIMIT:-0.10}
SOAK_P99_FACTOR=${SOAK_P99_FACTOR:-2.0}
PORT=${PORT:-28085}
SOAK_VENV=${SOAK_VENV:-$BENCH/out/venv-plot}
[[ $SOAK_ENGINE == sqlite || $SOAK_ENGINE == postgres ]] || { echo "SOAK_ENGINE: sqlite or postgres" >&2; exit 2; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/run.log
: >"$LOG"
# Logging, process tracking and cleanup, ports, stopping the server, PostgreSQL, project IDs.
source "$BENCH/lib.sh"
exec 9>/tmp/opendrs-bench.lock
flock -n 9 || { log "another benchmark holds /tmp/opendrs-bench.lock"; exit 2; }
command -v python3 >/dev/null || { log "python3 is required"; exit 2; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "building opendrs and opendrs-loadgen (release)"
  cargo build --release --manifest-path "$REPO/Cargo.toml" --target-dir "$TARGET_DIR" \
    --bin opendrs --bin opendrs-loadgen 2>>"$OUT/build.log"
fi
# Pinned copies: a later build in the work tree must not change what this run uses.
mkdir -p "$OUT/bin"
for b in opendrs opendrs-loadgen; do
  cp "$TARGET_DIR/release/$b" "$OUT/bin/$b.tmp" && mv "$OUT/bin/$b.tmp" "$OUT/bin/$b"
done
BIN=$OUT/bin/opendrs
LOADGEN=$OUT/bin/opendrs-loadgen
: >"$OUT/server-exits.txt"

# ---------------------------------------------------------------------------------------------
# The store: fresh every run.
DATA=$OUT/data
rm -rf "$DATA"
mkdir -p "$DATA"
STORE=(--data-dir "$DATA")
WATCH=(--watch "db=$DATA/opendrs.db" --watch "wal=$DATA/opendrs.db-wal")
if [[ $SOAK_ENGINE == postgres ]]; then
  pg_start "$OUT/pg"
  pg_recreate_db drs_soak
  STORE+=(--database-url "$(pg_url drs_soak)")
  WATCH=(--watch "db=$OUT/pg/data/base" --watch "wal=$OUT/pg/data/pg_wal")
fi
log "generating $SOAK_JOBS jobs over $SOAK_STORE_PROJECTS projects ($SOAK_ENGINE), the first holding $SOAK_BIG_JOBS"
t0=$EPOCHREALTIME
"$BIN" admin generate "${STORE[@]}" --jobs "$SOAK_JOBS" --projects "$SOAK_STORE_PROJECTS" \
  --big-project-jobs "$SOAK_BIG_JOBS" --seed 1 >"$OUT/generate.json" 2>"$OUT/generate.log"
log "generated in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s"
generated_projects "$BIN" "$SOAK_PROJECTS" "${STORE[@]}" >"$OUT/projects.txt"
PASSWORD=soak-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
"$BIN" admin account "${STORE[@]}" create --name soak >/dev/null
"$BIN" admin user "${STORE[@]}" create --account soak --name soak --password "$PASSWORD" >/dev/null
n=0
while read -r p; do
  "$BIN" admin role "${STORE[@]}" grant --account soak --user soak --project "$p" --role drs_admin >/dev/null
  n=$((n + 1))
done <"$OUT/projects.txt"
log "user soak has drs_admin on $n projects"
[[ $n -gt 0 ]] || { log "no generated projects found"; exit 2; }

# ---------------------------------------------------------------------------------------------
# The server.
if port_in_use "$PORT"; then log "port $PORT is busy; set PORT"; exit 2; fi
env -u OPENDRS_AUTH_DISABLED -u OPENDRS_PAGE_CACHE_ENTRIES -u OPENDRS_DATABASE_URL -u OPENDRS_MASTER_KEY \
  NO_COLOR=1 OPENDRS_LOG_LEVEL=warn OPENDRS_THROTTLE_RATE=0 \
  OPENDRS_EXECUTOR_ENABLED=true OPENDRS_EXECUTOR_CLOCK=wall OPENDRS_EXECUTOR_POLL_MS=500 \
  OPENDRS_STEP_CREATE_MS="$SOAK_STEP_MS" OPENDRS_STEP_START_MS="$SOAK_STEP_MS" \
  OPENDRS_STEP_FULL_TRANSFER_MS=$((SOAK_STEP_MS * 5)) OPENDRS_STEP_RELEASE_MS="$SOAK_STEP_MS" \
  OPENDRS_STEP_PRECHECK_MS="$SOAK_STEP_MS" \
  "$BIN" serve "${STORE[@]}" --listen "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
wait_port "$PORT" 120 || { log "opendrs did not start: $(tail -5 "$OUT/server.log")"; exit 2; }
log "opendrs pid $SERVER_PID on 127.0.0.1:$PORT; load: $SOAK_RATE requests/s for $SOAK_MINUTES min"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc); cpu: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "git: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "engine: $SOAK_ENGINE; jobs: $SOAK_JOBS over $SOAK_STORE_PROJECTS projects (first $SOAK_BIG_JOBS); load projects: $n"
  echo "rate: $SOAK_RATE/s; minutes: $SOAK_MINUTES; step: $SOAK_STEP_MS ms; loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

# ---------------------------------------------------------------------------------------------
# The load (bounded by SOAK_MINUTES and SOAK_MINUTES*60*SOAK_RATE requests) and the verdict.
rc=0
timeout $((SOAK_MINUTES * 60 + 600)) "$LOADGEN" --port "$PORT" --pid "$SERVER_PID" \
  --projects-file "$OUT/projects.txt" --domain soak --user soak --password "$PASSWORD" \
  --minutes "$SOAK_MINUTES" --rate "$SOAK_RATE" "${WATCH[@]}" --csv "$OUT/soak.csv" \
  --growth-limit "$SOAK_GROWTH_LIMIT" --p99-factor "$SOAK_P99_FACTOR" | tee "$OUT/soak.txt" || rc=$?
stop_server opendrs-soak
if grep -Eq 'panicked|ERROR' "$OUT/server.log"; then
  log "PROBLEM: the server log has errors:"
  grep -E 'panicked|ERROR' "$OUT/server.log" | head -5 | tee -a "$LOG" >&2
fi
if grep -qv 'status=0' "$OUT/server-exits.txt"; then
  log "FAIL: the server did not stop cleanly: $(cat "$OUT/server-exits.txt")"
  [[ $rc -ne 0 ]] || rc=1
fi

# ---------------------------------------------------------------------------------------------
# The plot (matplotlib in a venv; a plot failure is reported but does not change the verdict).
source "$REPO/scripts/venv.sh"
if [[ -s $OUT/soak.csv ]] && ensure_venv "$SOAK_VENV" "$BENCH/soak-requirements.txt" >>"$LOG" 2>&1 &&
  "$SOAK_VENV/bin/python" "$BENCH/soak_plot.py" "$OUT/soak.csv" "$OUT/soak.png" >>"$LOG" 2>&1; then
  log "plot: $OUT/soak.png"
else
  log "PROBLEM: no plot (see $LOG)"
fi
log "csv: $OUT/soak.csv; per-minute lines and verdict: $OUT/soak.txt; exit status $rc"
exit "$rc"

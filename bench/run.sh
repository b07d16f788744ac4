#!/usr/bin/env bash
# OpenDRS benchmark: store generation, server-side time per query, throughput against the
# shared ref-axum yardstick, and memory. Writes raw outputs to bench/out/ (gitignored) and a
# summary to bench/out/results.md.
#
# The server keeps rendered list pages in memory (page cache, on by default; served only while
# SQLite's data_version is unchanged). A benchmark that repeats one request measures that cache,
# not the query engine, so every step that matters runs with the cache OFF
# (OPENDRS_PAGE_CACHE_ENTRIES=0), and the cache-on figures are reported beside them:
#   - server time: cache off for every case; cache on (same request repeated) as an extra column
#   - throughput: the small-project page with the cache on and off, each unauthenticated, AK/SK
#     signed and token; the big-project filtered page with the cache off and on
#   - memory: sampled during every opendrs wrk run; the big-project load runs cache off on a
#     fresh process; one all-items stream (never cached) on a fresh cache-off process
#
#   bash bench/run.sh
#
# Engines (ENGINES, default "sqlite postgres"): every step runs on the embedded SQLite store;
# with postgres, the script also starts a throwaway PostgreSQL cluster (scripts/pg.sh, in
# BENCH_OUT/pg, stopped at the end), generates the same stores into it (same generator, same
# seed; database drs_<size>, resumable like the SQLite stores) and runs the server-time cases,
# the cache-off/on small-project page and the big-project filtered page on it too.
#
# The random mixed load (step 5): wrk -t1 -c32 with bench/wrk/random.lua against ref-axum and
# each engine, unauthenticated, default page cache: every request a random project out of the
# first MIX_PROJECTS (1,000) generated projects of the WRK_SIZE store, a random scenario, a random
# filter (none, status, engine_type, name substring) and a random page (1..5, 10 per page).
#
# Resumable: a store whose data dir is complete (bench/out/data/<size>/generate.json) is not
# generated again. Everything binds and talks to 127.0.0.1 only; every load step is bounded
# (wrk -d10s under `timeout`, request loops by count and seconds). Only one load runs at a
# time. Environment knobs (defaults in brackets):
#   PORT [28081]        opendrs port; ref-axum uses 28080 (as in the shared README)
#   SIZES ["10k 1m"]    stores to generate and time
#   WRK_SIZE [1m]       store used for the throughput and memory steps
#   COUNT [300]         requests per server-time case; STREAM_BIG_COUNT [20] for the
#                       all-items stream over the 100,000-job project
#   WRK_RUNS [3]        wrk runs per throughput case
#   SKIP_BUILD [0]      1: use the binaries already in target/
#   BENCH_OUT [bench/out]  output directory (stores go to BENCH_OUT/data; e.g. a smoke run in /tmp)
#   WRK_SECS [10]       wrk duration (only for a quick smoke run)
#   ENGINES ["sqlite postgres"]  storage engines to measure
#   PG_SIZES [$WRK_SIZE]         stores generated into PostgreSQL (the server-time cases run on them)
#   MIX_PROJECTS [1000]  MIX_RUNS [$WRK_RUNS]   the random mixed load (step 5); MIX_RUNS=0 skips it
#   STEPS ["time v5sort wrk mix"]  which measuring steps to run (stores are always made);
#                       STEPS=v5sort runs only the v5 sorted listing (step 2b)
#   V5_KEYS ["create_time name status net_type job_direction pay_mode"]  V5_DEEP_OFFSET [1000]
#                       the v5 sort keys timed, and the offset of the deep page (step 2b)
#   CARGO_TARGET_DIR [target]    where the binaries are built and looked for
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED_BENCH:-$(cd "$REPO/.." && pwd)/shared/bench}
BENCH=$REPO/bench
OUT=${BENCH_OUT:-$BENCH/out}
POST_LUA=$BENCH/wrk/post.lua   # copy of the shared one; see its header
PORT=${PORT:-28081}
REF_PORT=28080
SIZES=${SIZES:-"10k 1m"}
WRK_SIZE=${WRK_SIZE:-1m}
COUNT=${COUNT:-300}
STREAM_BIG_COUNT=${STREAM_BIG_COUNT:-20}
WRK_RUNS=${WRK_RUNS:-3}
WRK_SECS=${WRK_SECS:-10}
SEED=1
ENGINES=${ENGINES:-"sqlite postgres"}
PG_SIZES=${PG_SIZES:-$WRK_SIZE}
MIX_PROJECTS=${MIX_PROJECTS:-1000}
MIX_RUNS=${MIX_RUNS:-$WRK_RUNS}
STEPS=${STEPS:-"time v5sort wrk mix"}
V5_KEYS=${V5_KEYS:-"create_time name status net_type job_direction pay_mode"}
V5_DEEP_OFFSET=${V5_DEEP_OFFSET:-1000}
RANDOM_LUA=$BENCH/wrk/random.lua

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/run.log
# Logging, process tracking and cleanup, ports, stopping servers, ref-axum, PostgreSQL: shared
# with the other benchmark script.
source "$BENCH/lib.sh"
BIN=$TARGET_DIR/release/opendrs
REF=$TARGET_DIR/ref-axum/release/ref-axum
has_engine() { [[ " $ENGINES " == *" $1 "* ]]; }
has_step() { [[ " $STEPS " == *" $1 "* ]]; }

# Store keys: SIZE (SQLite, data dir OUT/data/SIZE) or pg-SIZE (PostgreSQL database drs_SIZE;
# its data dir OUT/data/pg-SIZE holds the master key and the bench identity's files).
store_size() { echo "${1#pg-}"; }
store_args() { # KEY -> the --data-dir/--database-url arguments of the store
  local key=$1
  if [[ $key == pg-* ]]; then
    echo "--data-dir $OUT/data/$key --database-url $(pg_url "drs_${key#pg-}")"
  else
    echo "--data-dir $OUT/data/$key"
  fi
}

# start_opendrs STORE_KEY MODE(auth|unauth) CACHE(on|off) LOGFILE
# CACHE on: the default page cache (OPENDRS_PAGE_CACHE_ENTRIES unset, 256 entries);
# off: OPENDRS_PAGE_CACHE_ENTRIES=0.
start_opendrs() {
  local dir=$1 mode=$2 cache=$3 logf=$4 args
  read -r -a args <<<"$(store_args "$dir")"
  if port_in_use "$PORT"; then log "port $PORT is busy; set PORT"; exit 1; fi
  local envs=(NO_COLOR=1 OPENDRS_LOG_LEVEL=warn OPENDRS_THROTTLE_RATE=0)
  [[ $mode == unauth ]] && envs+=(OPENDRS_AUTH_DISABLED=true)
  [[ $cache == off ]] && envs+=(OPENDRS_PAGE_CACHE_ENTRIES=0)
  env -u OPENDRS_AUTH_DISABLED -u OPENDRS_PAGE_CACHE_ENTRIES -u OPENDRS_DATABASE_URL \
    -u OPENDRS_MASTER_KEY "${envs[@]}" \
    "$BIN" serve "${args[@]}" --listen "127.0.0.1:$PORT" >"$logf" 2>&1 &
  SERVER_PID=$!
  local t0=$EPOCHREALTIME
  if ! wait_port "$PORT" 120; then log "opendrs did not start: $(tail -5 "$logf")"; exit 1; fi
  log "opendrs ($mode, cache $cache, $(basename "$dir")) pid $SERVER_PID listening after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}') s"
}

# token PROJECT_ID: a project-scoped token for the bench user.
token() {
  local body t
  body=$(printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"bench","password":"benchpw","domain":{"name":"bench"}}}},"scope":{"project":{"id":"%s"}}}}' "$1")
  t=$(curl -sS -m 10 -o /dev/null -D - -X POST "http://127.0.0.1:$PORT/v3/auth/tokens" \
    -H 'Content-Type: application/json' --data-binary "$body" |
    awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
  [[ -n "$t" ]] || { log "no token for project $1"; exit 1; }
  printf '%s' "$t"
}

jq_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

proc_mem() { # PID -> "VmRSS_kB VmHWM_kB"
  awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} END{print r, h}' "/proc/$1/status"
}

# ---------------------------------------------------------------------------------------------
log "=== OpenDRS benchmark; output in $OUT"
command -v curl >/dev/null || { log "curl is required"; exit 1; }
command -v python3 >/dev/null || { log "python3 is required"; exit 1; }
ensure_wrk
[[ -f $SHARED/ref-axum/Cargo.toml ]] || { log "missing $SHARED (the shared yardsticks)"; exit 1; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "building opendrs and ref-axum (release)"
  build_binaries "$OUT/build.log"
fi
# Pin the binary for the whole run: a later `cargo build` in the work tree (another engineer)
# must not change what the later steps start.
mkdir -p "$OUT/bin"
cp "$BIN" "$OUT/bin/opendrs.tmp" && mv "$OUT/bin/opendrs.tmp" "$OUT/bin/opendrs"
BIN=$OUT/bin/opendrs

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "mem_total: $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version 2>/dev/null || echo unknown)"
  echo "wrk: $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
  echo "git: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO" diff --quiet 2>/dev/null || echo ' (work tree has uncommitted changes)')"
  echo "uncommitted (tracked files, at build time): $(git -C "$REPO" diff --name-only 2>/dev/null | tr '\n' ' ')"
  echo "opendrs binary: sha256 $(sha256sum "$BIN" | cut -c1-16), built $(date -u -r "$TARGET_DIR/release/opendrs" +%Y-%m-%dT%H:%M:%SZ)"
  echo "engines: $ENGINES"
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
: >"$OUT/server-exits.txt"

# ---------------------------------------------------------------------------------------------
# 1. Stores.
spec() { # size -> "jobs projects big"
  case $1 in
    10k) echo "10000 100 1000" ;;
    1m) echo "1000000 10000 100000" ;;
    *) log "unknown size $1"; exit 1 ;;
  esac
}

make_store() {
  local key=$1 size dir=$OUT/data/$1 jobs projects big D
  size=$(store_size "$key")
  read -r jobs projects big <<<"$(spec "$size")"
  read -r -a D <<<"$(store_args "$key")"
  if [[ -f $dir/generate.json ]] && { [[ $key != pg-* ]] || pg_has_db "drs_$size"; }; then
    log "store $key exists ($dir); not regenerated"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  [[ $key == pg-* ]] && pg_recreate_db "drs_$size"
  log "generating store $key: $jobs jobs over $projects projects, the first holding $big"
  local t0=$EPOCHREALTIME t1
  "$BIN" admin generate "${D[@]}" --jobs "$jobs" --projects "$projects" \
    --big-project-jobs "$big" --seed "$SEED" >"$dir/generate.json.tmp" 2>"$OUT/generate-$key.log"
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" -v n="$jobs" 'BEGIN{printf "{\"seconds\": %.2f, \"jobs_per_second\": %.0f}\n", b-a, n/(b-a)}' \
    >"$dir/generate-time.json"
  du -sb "$dir" | awk '{print $1}' >"$dir/size-bytes.txt"
  [[ $key == pg-* ]] && psql "$(pg_url "drs_$size")" -Atc "SELECT pg_database_size(current_database())" >"$dir/size-bytes.txt"
  log "generated $key in $(jq_field "$dir/generate-time.json" seconds) s"

  # Identity for the bench user: one account, one user, drs_admin on the big and a small project.
  local bigp smallp
  bigp=$(jq_field "$dir/generate.json.tmp" big_project_id)
  smallp=$(jq_field "$dir/generate.json.tmp" small_project_id)
  "$BIN" admin account "${D[@]}" create --name bench >/dev/null
  "$BIN" admin user "${D[@]}" create --account bench --name bench --password benchpw >/dev/null
  for p in "$bigp" "$smallp"; do
    "$BIN" admin role "${D[@]}" grant --account bench --user bench --project "$p" --role drs_admin >/dev/null
  done
  "$BIN" admin key "${D[@]}" create --account bench --user bench --json >"$dir/bench-key.json"
  mv "$dir/generate.json.tmp" "$dir/generate.json"
}

STORES=""
has_engine sqlite && STORES="$SIZES"
if has_engine postgres; then
  pg_start "$OUT/pg"
  for size in $PG_SIZES; do STORES="$STORES pg-$size"; done
fi
for key in $STORES; do make_store "$key"; done

# ---------------------------------------------------------------------------------------------
# 2. Server-side time (Server-Timing p50/p99), token-authenticated server.
#    Pass 1, cache OFF: every case (the engine's real cost; the targets are about this).
#    Pass 2, cache ON: the page cases again (filtered, default, both names); the first warm-up
#    request fills the cache, every recorded one repeats it. The all-items answer is streamed and
#    never cached, so it is not repeated.
server_time() {
  local key=$1 size dir=$OUT/data/$1 res=$OUT/$1 cache sfx cases
  size=$(store_size "$key")
  mkdir -p "$res"
  rm -f "$res"/timing-*.json "$res"/server-*.log
  for cache in off on; do
    if [[ $cache == off ]]; then sfx=""; cases="filtered default name name-broad all"
    else sfx="-cached"; cases="filtered default name name-broad"; fi
    start_opendrs "$key" auth "$cache" "$res/server-timing-cache-$cache.log"
    local which pid tok case n
    for which in small big; do
      pid=$(jq_field "$dir/generate.json" "${which}_project_id")
      tok=$(token "$pid")
      for case in $cases; do
        n=$COUNT
        [[ $case == all && $which == big && $size == 1m ]] && n=$STREAM_BIG_COUNT
        log "server time $key $which $case cache $cache ($n requests)"
        python3 "$BENCH/server_timing.py" --port "$PORT" --project "$pid" \
          --body-file "$BENCH/bodies/$case.json" --header "X-Auth-Token: $tok" \
          --count "$n" --warmup 5 --max-seconds 180 --label "$key/$which/$case/cache-$cache" \
          >"$res/timing-$which-$case$sfx.json"
        kill -0 "$SERVER_PID" || { log "PROBLEM: opendrs died during $key $which $case cache $cache"; break 2; }
      done
    done
    stop_server "opendrs-$key-timing-cache-$cache"
  done
}

if has_step time; then
  for key in $STORES; do server_time "$key"; done
fi

# ---------------------------------------------------------------------------------------------
# 2b. The v5 sorted listing: GET /v5/{project}/jobs?job_type=migration&sort_key=K&sort_dir=D,
#     10 a page, in the big project (100,000 jobs in the 1m store), for every key in V5_KEYS in
#     both directions: the first page (offset 0) and a deep one (offset V5_DEEP_OFFSET). Server
#     time p50/p99 per page (Server-Timing), COUNT sequential requests each, token auth, cache
#     OFF (every request reaches the engine: each key walks its own index). `STEPS=v5sort` runs
#     only this step; its results are OUT/<store>/v5sort-<key>-<dir>-<offset>.json.
v5_sort_time() {
  local key=$1 dir=$OUT/data/$1 res=$OUT/$1 pid tok k d off
  mkdir -p "$res"
  rm -f "$res"/v5sort-*.json
  start_opendrs "$key" auth off "$res/server-v5sort.log"
  pid=$(jq_field "$dir/generate.json" big_project_id)
  tok=$(token "$pid")
  for k in $V5_KEYS; do
    for d in asc desc; do
      for off in 0 "$V5_DEEP_OFFSET"; do
        log "v5 sorted list $key big sort_key=$k sort_dir=$d offset=$off ($COUNT requests)"
        python3 "$BENCH/server_timing.py" --port "$PORT" --project "$pid" --method GET \
          --path "/v5/{project}/jobs?job_type=migration&sort_key=$k&sort_dir=$d&offset=$off&limit=10" \
          --header "X-Auth-Token: $tok" --count "$COUNT" --warmup 5 --max-seconds 120 \
          --label "$key/big/v5-$k-$d-$off" >"$res/v5sort-$k-$d-$off.json"
        kill -0 "$SERVER_PID" || { log "PROBLEM: opendrs died during $key v5 $k $d $off"; break 3; }
      done
    done
  done
  stop_server "opendrs-$key-v5sort"
}

if has_step v5sort; then
  for key in $STORES; do v5_sort_time "$key"; done
fi

# ---------------------------------------------------------------------------------------------
# 3. Throughput (wrk -t1 -c32 -d10s --latency, WRK_RUNS runs each) and 4. memory.
WD=$OUT/wrk
mkdir -p "$WD"
rm -f "$WD"/*.txt "$WD"/*.mem "$WD"/*.after "$WD"/*.log "$WD"/*.json

# sample_mem PID FILE: VmRSS/VmHWM every 0.5 s, bounded to 2*(WRK_SECS+5) samples.
sample_mem() {
  local pid=$1 f=$2 i
  for ((i = 0; i < 2 * (WRK_SECS + 5); i++)); do
    [[ -r /proc/$pid/status ]] || break
    proc_mem "$pid" >>"$f"
    sleep 0.5
  done
}

# run_wrk NAME URL BODY [wrk -H args...]: WRK_RUNS runs, one after another.
run_wrk() {
  local name=$1 url=$2 body=$3 i
  shift 3
  for ((i = 1; i <= WRK_RUNS; i++)); do
    log "wrk $name run $i"
    if [[ -n "$SERVER_PID" && ($name == opendrs-* || $name == pg-* || $name == mix-sqlite* || $name == mix-pg*) ]]; then
      sample_mem "$SERVER_PID" "$WD/$name-$i.mem" &
      SAMPLER_PID=$!
    fi
    BODY_FILE=$body SEED=$i timeout $((WRK_SECS + 20)) \
      wrk -t1 -c32 -d${WRK_SECS}s --latency -s "${WRK_LUA:-$POST_LUA}" "$@" "$url" >"$WD/$name-$i.txt" 2>&1 ||
      log "PROBLEM: wrk $name run $i exited with $?"
    if [[ -n "$SAMPLER_PID" ]]; then
      kill "$SAMPLER_PID" 2>/dev/null || true
      wait "$SAMPLER_PID" 2>/dev/null || true
      SAMPLER_PID=""
    fi
    grep -E '^(CSV|RL|RL_BAD),' "$WD/$name-$i.txt" | tee -a "$LOG" >&2 || true
    if grep -qE '^RL,.*not_200=[1-9]' "$WD/$name-$i.txt"; then
      log "PROBLEM: wrk $name run $i: answers that are not 200"
    fi
    if grep -q 'Non-2xx' "$WD/$name-$i.txt"; then
      log "PROBLEM: wrk $name run $i: $(grep 'Non-2xx' "$WD/$name-$i.txt")"
    fi
    if [[ -n "$SERVER_PID" ]] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "PROBLEM: server died during wrk $name run $i"
      return 1
    fi
  done
}

# The throughput steps use the WRK_SIZE stores (SQLite: WRK_SIZE, PostgreSQL: pg-WRK_SIZE); the
# project IDs are the same in both (same generator, same seed). Only the load steps need them.
if has_step wrk || has_step mix; then
KEY0=$WRK_SIZE
has_engine sqlite || KEY0=pg-$WRK_SIZE
WDIR=$OUT/data/$KEY0
SMALL=$(jq_field "$WDIR/generate.json" small_project_id)
BIG=$(jq_field "$WDIR/generate.json" big_project_id)
PAGE=$BENCH/bodies/page.json
FILTERED=$BENCH/bodies/filtered.json
if has_engine postgres && has_engine sqlite &&
  [[ $(jq_field "$OUT/data/pg-$WRK_SIZE/generate.json" big_project_id) != "$BIG" ]]; then
  log "PROBLEM: the SQLite and PostgreSQL stores differ (big project IDs); regenerate them"; exit 1
fi

# sign_headers URL BODY: fills SIGNED with -H args (one AK/SK signature, valid 15 minutes, replayed).
sign_headers() {
  SIGNED=()
  local h
  while IFS= read -r h; do [[ -n $h ]] && SIGNED+=(-H "$h"); done < <(
    "$BIN" sign --ak "$AK" --sk "$SK" --url "$1" --body-file "$2")
  [[ ${#SIGNED[@]} -gt 0 ]] || { log "opendrs sign printed no headers"; exit 1; }
}

URL_SMALL=http://127.0.0.1:$PORT/v3/$SMALL/jobs
URL_BIG=http://127.0.0.1:$PORT/v3/$BIG/jobs
fi

if has_step wrk; then
# ref-axum: the fixed pre-serialised page (the yardstick for every ratio).
start_ref "$WD/ref-axum.log"
run_wrk ref-fixed "http://127.0.0.1:$REF_PORT/v3/$SMALL/jobs" "$PAGE"
stop_server ref-axum

if has_engine sqlite; then
AK=$(jq_field "$OUT/data/$WRK_SIZE/bench-key.json" ak)
SK=$(jq_field "$OUT/data/$WRK_SIZE/bench-key.json" sk)
# Small-project page, for each cache mode: unauthenticated (its own process), then signed and
# token on one authenticated process. Cache on first (the shipped default), then off.
for cache in on off; do
  sfx=-cache-$cache
  start_opendrs "$WRK_SIZE" unauth "$cache" "$WD/server-unauth$sfx.log"
  run_wrk "opendrs-unauth$sfx" "$URL_SMALL" "$PAGE"
  proc_mem "$SERVER_PID" >"$WD/opendrs-unauth$sfx.after"
  stop_server "opendrs-unauth$sfx"

  start_opendrs "$WRK_SIZE" auth "$cache" "$WD/server-auth$sfx.log"
  sign_headers "$URL_SMALL" "$PAGE"
  run_wrk "opendrs-signed$sfx" "$URL_SMALL" "$PAGE" "${SIGNED[@]}"
  TOK_SMALL=$(token "$SMALL")
  run_wrk "opendrs-token$sfx" "$URL_SMALL" "$PAGE" -H "X-Auth-Token: $TOK_SMALL"
  proc_mem "$SERVER_PID" >"$WD/opendrs-auth$sfx.after"
  stop_server "opendrs-auth$sfx"
done

# Big-project filtered page (token), each on a fresh process so its memory is its own:
# cache off (the engine under load; the memory figure of record), then cache on.
for cache in off on; do
  sfx=-cache-$cache
  start_opendrs "$WRK_SIZE" auth "$cache" "$WD/server-big$sfx.log"
  TOK_BIG=$(token "$BIG")
  run_wrk "opendrs-big-filtered$sfx" "$URL_BIG" "$FILTERED" -H "X-Auth-Token: $TOK_BIG"
  proc_mem "$SERVER_PID" >"$WD/opendrs-big$sfx.after"
  stop_server "opendrs-big$sfx"
done
fi

if has_engine postgres; then
# PostgreSQL: the small-project page unauthenticated, cache off then on; the big-project
# filtered page with a token, cache off then on. Each on a fresh process.
for cache in off on; do
  sfx=-cache-$cache
  start_opendrs "pg-$WRK_SIZE" unauth "$cache" "$WD/server-pg-unauth$sfx.log"
  run_wrk "pg-unauth$sfx" "$URL_SMALL" "$PAGE"
  proc_mem "$SERVER_PID" >"$WD/pg-unauth$sfx.after"
  stop_server "pg-unauth$sfx"
done
for cache in off on; do
  sfx=-cache-$cache
  start_opendrs "pg-$WRK_SIZE" auth "$cache" "$WD/server-pg-big$sfx.log"
  TOK_BIG=$(token "$BIG")
  run_wrk "pg-big-filtered$sfx" "$URL_BIG" "$FILTERED" -H "X-Auth-Token: $TOK_BIG"
  proc_mem "$SERVER_PID" >"$WD/pg-big$sfx.after"
  stop_server "pg-big$sfx"
done
fi

# ref-axum again: how much the machine drifted over the throughput step (not used in ratios).
start_ref "$WD/ref-axum.log"
run_wrk ref-fixed-end "http://127.0.0.1:$REF_PORT/v3/$SMALL/jobs" "$PAGE"
stop_server ref-axum-end

if has_engine sqlite; then
# 4b. Memory growth of one all-items answer over the big project, on a fresh cache-off server
#     (the stream is never cached; off keeps the warm-up requests on the engine).
start_opendrs "$WRK_SIZE" auth off "$WD/server-stream.log"
TOK_BIG=$(token "$BIG")
python3 "$BENCH/server_timing.py" --port "$PORT" --project "$BIG" --body-file "$FILTERED" \
  --header "X-Auth-Token: $TOK_BIG" --count 50 --warmup 0 --label warmup >"$WD/stream-warmup.json"
sleep 1
read -r RSS0 HWM0 <<<"$(proc_mem "$SERVER_PID")"
log "stream over $BIG: VmRSS $RSS0 kB, VmHWM $HWM0 kB before"
curl -sS -m 300 -o /dev/null -X POST "$URL_BIG" \
  -H 'Content-Type: application/json' -H "X-Auth-Token: $TOK_BIG" \
  --data-binary @"$BENCH/bodies/all.json" \
  -w '{"http_code": %{http_code}, "size_download": %{size_download}, "time_starttransfer": %{time_starttransfer}, "time_total": %{time_total}}\n' \
  >"$WD/stream-curl.json"
sleep 1
read -r RSS1 HWM1 <<<"$(proc_mem "$SERVER_PID")"
log "stream: $(cat "$WD/stream-curl.json"); VmRSS $RSS1 kB, VmHWM $HWM1 kB after"
printf '{"rss_before_kb": %s, "hwm_before_kb": %s, "rss_after_kb": %s, "hwm_after_kb": %s}\n' \
  "$RSS0" "$HWM0" "$RSS1" "$HWM1" >"$WD/stream-mem.json"
stop_server opendrs-stream
fi
fi # wrk step

# ---------------------------------------------------------------------------------------------
# 5. The random mixed load: ref-axum, then each engine on a fresh unauthenticated server with the
#    default page cache (256 entries; the random requests rarely repeat), MIX_RUNS runs each;
#    run i uses SEED=i for every target, so each gets the same request sequence.
if has_step mix && [[ $MIX_RUNS -gt 0 ]]; then
  MIXP=$OUT/mix-projects.txt
  # The first MIX_PROJECTS generated projects (gen-project-0.., the 100,000-job one included).
  # shellcheck disable=SC2046
  generated_projects "$BIN" "$MIX_PROJECTS" $(store_args "$KEY0") >"$MIXP"
  log "mixed load over $(wc -l <"$MIXP") projects ($MIXP)"
  WRK_RUNS_SAVED=$WRK_RUNS
  WRK_RUNS=$MIX_RUNS
  export PROJECTS_FILE=$MIXP
  start_ref "$WD/ref-axum.log"
  WRK_LUA=$RANDOM_LUA run_wrk mix-ref "http://127.0.0.1:$REF_PORT/" "$PAGE"
  stop_server ref-axum-mix
  for engine in $ENGINES; do
    key=$WRK_SIZE name=mix-sqlite
    [[ $engine == postgres ]] && key=pg-$WRK_SIZE name=mix-pg
    start_opendrs "$key" unauth on "$WD/server-$name.log"
    WRK_LUA=$RANDOM_LUA run_wrk "$name" "http://127.0.0.1:$PORT/" "$PAGE"
    proc_mem "$SERVER_PID" >"$WD/$name.after"
    stop_server "$name"
  done
  WRK_RUNS=$WRK_RUNS_SAVED
fi

# Problems the servers logged (at warn level and above).
# "authentication is DISABLED" is the expected warning of the unauthenticated mode.
# Each line is prefixed with its log file.
: >"$OUT/server-problems.txt"
LOGS=()
for key in $STORES; do LOGS+=("$OUT/$key"/server-*.log); done
for f in "${LOGS[@]}" "$WD"/server-*.log "$WD"/ref-axum.log; do
  [[ -f $f ]] || continue
  sed 's/\x1b\[[0-9;]*m//g' "$f" | grep -E 'ERROR|WARN|panick' | grep -v 'authentication is DISABLED' |
    sed "s|^|${f#"$OUT"/}: |" >>"$OUT/server-problems.txt" || true
done
echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

python3 "$BENCH/summarize.py" "$OUT" "$WRK_SIZE" "$STORES" >"$OUT/results.md"
log "done: $OUT/results.md"
cat "$OUT/results.md"

# Shared shell helpers of the benchmark scripts (bench/run.sh, bench/lifecycle.sh). Source it
# after setting OUT (the output directory) and LOG (the log file). The processes a script starts
# are tracked in SERVER_PID (one server at a time), SAMPLER_PID and BG_PID, and stopped by PID on
# exit, never by name. Everything binds and talks to 127.0.0.1 only.

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$LOG" >&2; }

SERVER_PID=""
SAMPLER_PID=""
BG_PID=""
PG_DIR=""   # set by pg_start: the throwaway PostgreSQL cluster this script started
cleanup() {
  local pid
  for pid in "$SAMPLER_PID" "$BG_PID"; do
    if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
  done
  if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; fi
  pg_stop
}
trap cleanup EXIT

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if port_in_use "$1"; then return 0; fi
    if [[ -n "$SERVER_PID" ]] && ! kill -0 "$SERVER_PID" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# stop_server NAME: SIGTERM, wait up to 30 s, record the exit status.
stop_server() {
  local name=$1 rc=0 i
  [[ -n "$SERVER_PID" ]] || return 0
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    wait "$SERVER_PID" || rc=$?
    log "PROBLEM: $name had already exited (status $rc) before it was stopped"
    echo "$name exited-early status=$rc" >>"$OUT/server-exits.txt"
    SERVER_PID=""
    return 0
  fi
  kill -TERM "$SERVER_PID"
  for ((i = 0; i < 300; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    log "PROBLEM: $name did not stop within 30 s of SIGTERM; killing it"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" || rc=$?
  echo "$name status=$rc" >>"$OUT/server-exits.txt"
  # ref-axum has no SIGTERM handler: 143 (killed by SIGTERM) is its normal stop.
  [[ $rc -eq 0 || ($name == ref-axum* && $rc -eq 143) ]] || log "PROBLEM: $name exited with status $rc"
  SERVER_PID=""
}

# start_ref LOGFILE: the shared ref-axum yardstick on REF_PORT (binary REF).
start_ref() {
  if port_in_use "$REF_PORT"; then log "port $REF_PORT is busy"; exit 1; fi
  BIND=127.0.0.1:$REF_PORT "$REF" >>"$1" 2>&1 &
  SERVER_PID=$!
  wait_port "$REF_PORT" 30 || { log "ref-axum did not start"; exit 1; }
}

# generated_projects BIN N STORE_ARGS...: the IDs of the first N projects `admin generate` made
# (gen-project-0.., the biggest first), one a line.
generated_projects() {
  local bin=$1 n=$2
  shift 2
  "$bin" admin list projects --json "$@" | python3 -c '
import json, sys
n = int(sys.argv[1])
d = json.load(sys.stdin)
rows = d if isinstance(d, list) else next(v for v in d.values() if isinstance(v, list))
gen = {r["name"]: r["id"] for r in rows if str(r.get("name", "")).startswith("gen-project-")}
ids = [gen["gen-project-%d" % i] for i in range(n) if "gen-project-%d" % i in gen]
print("\n".join(ids))
' "$n"
}

# The binaries: CARGO_TARGET_DIR is honoured (default: the work tree's target/).
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
# Keep CARGO_TARGET_DIR relative paths meaningful whatever the current directory.
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$REPO/$TARGET_DIR

# build_binaries LOGFILE: opendrs and the shared ref-axum, release, into TARGET_DIR.
build_binaries() {
  cargo build --release --bin opendrs --manifest-path "$REPO/Cargo.toml" \
    --target-dir "$TARGET_DIR" 2>>"$1"
  cargo build --release --manifest-path "$SHARED/ref-axum/Cargo.toml" \
    --target-dir "$TARGET_DIR/ref-axum" 2>>"$1"
}

# ensure_wrk: Debian's wrk, installed when missing and we are root.
ensure_wrk() {
  command -v wrk >/dev/null && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing wrk from Debian"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  fi
  command -v wrk >/dev/null || { log "wrk is required (Debian: apt-get install -y wrk)"; exit 1; }
}

# PostgreSQL: a throwaway cluster (scripts/pg.sh: loopback, trust, fsync off) in DIR, started by
# the script and stopped on exit. PG_ADMIN_URL is its admin URL; pg_url NAME a database's URL.
PG_ADMIN_URL=""
pg_start() { # DIR
  PG_ADMIN_URL=$(bash "$REPO/scripts/pg.sh" start "$1") || { log "PostgreSQL did not start"; exit 1; }
  PG_DIR=$1
  log "PostgreSQL cluster in $1: $PG_ADMIN_URL ($(psql "$PG_ADMIN_URL" -Atc 'SHOW server_version' 2>/dev/null))"
}
pg_stop() {
  [[ -n "$PG_DIR" ]] || return 0
  bash "$REPO/scripts/pg.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
  PG_DIR=""
}
pg_url() { printf '%s/%s' "${PG_ADMIN_URL%/*}" "$1"; }
pg_has_db() { [[ $(psql "$PG_ADMIN_URL" -Atc "SELECT 1 FROM pg_database WHERE datname = '$1'") == 1 ]]; }
pg_recreate_db() { # NAME: drop (if any) and create an empty database
  psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" \
    -c "CREATE DATABASE \"$1\"" >/dev/null
}

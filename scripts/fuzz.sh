#!/usr/bin/env bash
# Fuzzing: builds every cargo-fuzz target of fuzz/ (nightly, no sanitizer: the core has no unsafe
# code) and runs each for a bounded time from its committed seeds (fuzz/corpus/<target>/, read
# only: new inputs go to a scratch directory), with its dictionary (fuzz/dict/<target>.dict).
# Prints executions, exec/s, time, coverage (cov: edges) and features (ft) per target; fails if
# any target finds a crash (a panic, a failed property, a timeout or running out of memory),
# whose input is then in fuzz/artifacts/<target>/. See docs/fuzzing.md.
#
#   scripts/fuzz.sh [target...]        (default: every target)
#
# Environment: FUZZ_SECS (seconds per target, default 30), FUZZ_ARGS (more libFuzzer flags, e.g.
# "-runs=10000000" for a long run), CARGO_TARGET_DIR (the build goes to $CARGO_TARGET_DIR/fuzz,
# else fuzz/target).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

secs="${FUZZ_SECS:-30}"
target_dir="${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/fuzz}"
target_dir="${target_dir:-$PWD/fuzz/target}"
triple="$(rustc +nightly -vV | sed -n 's/^host: //p')"
bin_dir="$target_dir/$triple/release"

echo "fuzz: building the targets (cargo +nightly fuzz build)"
build_start=$SECONDS
cargo +nightly fuzz build --sanitizer none --target-dir "$target_dir"
echo "fuzz: built in $((SECONDS - build_start)) s"

if (($#)); then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

work="$(mktemp -d /tmp/opendrs-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failed=()
printf '%-16s %12s %9s %6s %7s %8s %7s  %s\n' target executions exec/s time cov features corpus result
for t in "${targets[@]}"; do
  rm -rf "fuzz/artifacts/$t"
  mkdir -p "$work/$t" "fuzz/artifacts/$t"
  args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="fuzz/artifacts/$t/")
  [[ -f "fuzz/dict/$t.dict" ]] && args+=(-dict="fuzz/dict/$t.dict")
  # shellcheck disable=SC2206 # FUZZ_ARGS is a list of flags
  args+=(${FUZZ_ARGS:-})
  log="$work/$t.log"
  rc=0
  run_start=$SECONDS
  # libFuzzer stops itself after max_total_time; `timeout` is the backstop if it does not.
  timeout --kill-after=10 "$((secs + 120))" \
    "$bin_dir/$t" "${args[@]}" "$work/$t" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  last="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
  field() { sed -n "s/.* $1: \([0-9]*\).*/\1/p" <<<"$last"; }
  result=ok
  if ((rc != 0)); then
    result="FAILED (exit $rc)"
    failed+=("$t")
  fi
  printf '%-16s %12s %9s %6s %7s %8s %7s  %s\n' "$t" "$(final_stat number_of_executed_units)" \
    "$(final_stat average_exec_per_sec)" "$((SECONDS - run_start))s" "$(field cov)" "$(field ft)" \
    "$(field corp)" "$result"
  if ((rc != 0)); then
    echo "---- $t: the end of its log"
    grep -v '^#[0-9]' "$log" | tail -40
    ls -1 "fuzz/artifacts/$t/" | sed "s|^|fuzz/artifacts/$t/|"
    echo "----"
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${secs} s each: no crash"

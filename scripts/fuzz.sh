#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) and runs
# each for a bounded time; fails if any target crashes, leaks, times out or
# breaks one of its invariants.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   default 30 (the CI run)
#   scripts/fuzz.sh 600                    the long run (10 minutes each)
#   scripts/fuzz.sh --regen-corpus         rewrite tests/fuzz/keys and the
#                                          seed corpora (commit the result)
#
# Environment:
#   FUZZ_BUILD_DIR  build directory (default build-fuzz)
#   FUZZ_TARGETS    subset to run, e.g. "jws_verify request_head"
#   FUZZ_PARALLEL   targets run at once (default 1; each uses one core)
#
#   JWTGATE_FUZZ_ALLOW  known findings a target steps around (see
#                   tests/fuzz/fuzz_check.h); never set in CI
#
# Inputs found along the way are kept in $FUZZ_BUILD_DIR/fuzz-corpus/<target>
# (the committed seeds in tests/fuzz/corpus and the regression inputs in
# tests/fuzz/findings/<target> are only read, and run first); a crashing
# input is saved in $FUZZ_BUILD_DIR/fuzz-artifacts/<target>/ and named in
# the output. Reproduce one with: $FUZZ_BUILD_DIR/tests/fuzz/<target>_fuzz FILE
# The long run and its results: tests/fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
ALL_TARGETS="jws_verify jwks_parse config_load request_head response_head"
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}
PARALLEL=${FUZZ_PARALLEL:-1}

regen=0
seconds=30
case "${1:-}" in
  --regen-corpus) regen=1 ;;
  "") ;;
  *[!0-9]* | 0)
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] | --regen-corpus" >&2
    exit 2
    ;;
  *) seconds=$1 ;;
esac

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJWTGATE_FUZZ=ON \
  -DJWTGATE_BUILD_TESTS=OFF -DJWTGATE_BUILD_BENCHMARKS=OFF >/dev/null

if ((regen)); then
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target jwtgate_fuzz_corpus_gen
  rm -rf tests/fuzz/corpus tests/fuzz/keys
  "$BUILD_DIR/tests/fuzz/jwtgate_fuzz_corpus_gen" "$PWD"
  exit 0
fi

build_targets=()
for t in $TARGETS; do build_targets+=("${t}_fuzz"); done
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${build_targets[@]}"

dict_for() {
  case $1 in
    jws_verify) echo jws ;;
    jwks_parse) echo jwks ;;
    config_load) echo ini ;;
    *) echo http ;;
  esac
}
max_len_for() {
  case $1 in
    jws_verify) echo 12288 ;;
    *) echo 8192 ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target; its log goes to $BUILD_DIR/fuzz-logs/<target>.log and its
# exit status to <target>.rc.
run_one() {
  local t=$1 work="$BUILD_DIR/fuzz-corpus/$1" art="$BUILD_DIR/fuzz-artifacts/$1"
  local log="$BUILD_DIR/fuzz-logs/$1.log"
  mkdir -p "$work" "$art" "$BUILD_DIR/fuzz-logs"
  touch "$BUILD_DIR/fuzz-logs/$1.start"
  local inputs=("$work" "tests/fuzz/corpus/$t")
  [[ -d tests/fuzz/findings/$t ]] && inputs+=("tests/fuzz/findings/$t")
  local rc=0
  "$BUILD_DIR/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" \
    -rss_limit_mb=2048 -timeout=10 -max_len="$(max_len_for "$t")" \
    -dict="tests/fuzz/dict/$(dict_for "$t").dict" -artifact_prefix="$art/" \
    -print_final_stats=1 "${inputs[@]}" >"$log" 2>&1 || rc=$?
  echo "$rc" >"$BUILD_DIR/fuzz-logs/$t.rc"
}

echo "fuzz: ${seconds}s per target, ${PARALLEL} at a time: $TARGETS"
for t in $TARGETS; do
  while (($(jobs -rp | wc -l) >= PARALLEL)); do wait -n || true; done
  run_one "$t" &
done
wait

failed=0
printf '%-14s %12s %8s %8s %8s %8s %8s  %s\n' target execs exec/s cov ft \
  corpus crashes result
for t in $TARGETS; do
  log="$BUILD_DIR/fuzz-logs/$t.log"
  rc=$(cat "$BUILD_DIR/fuzz-logs/$t.rc")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  crashes=$(find "$BUILD_DIR/fuzz-artifacts/$t" -type f -newer \
    "$BUILD_DIR/fuzz-logs/$t.start" | wc -l)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  if [[ $rc == 0 ]]; then
    result=ok
  else
    result="FAILED (exit $rc)"
    failed=1
  fi
  printf '%-14s %12s %8s %8s %8s %8s %8s  %s\n' "$t" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" "$result"
done
if ((failed)); then
  for t in $TARGETS; do
    [[ $(cat "$BUILD_DIR/fuzz-logs/$t.rc") == 0 ]] && continue
    echo
    echo "=== $t: end of $BUILD_DIR/fuzz-logs/$t.log"
    tail -n 60 "$BUILD_DIR/fuzz-logs/$t.log"
  done
  exit 1
fi

#!/usr/bin/env bash
# The test command (CI runs it through .ci/run). Three phases, in order:
#
#   normal  configure and build in BUILD_DIR (default build; warnings are
#           errors), run every test with ctest (CTEST_ARGS are added)
#   asan    the whole suite again under ASan + UBSan in build-asan
#           (scripts/test-asan.sh; any report fails its test)
#   fuzz    every libFuzzer target for FUZZ_SECONDS each (default 30) in
#           build-fuzz (scripts/fuzz.sh; any crash fails)
#
# JWTGATE_TEST_PHASES picks phases (default: all three, in that order), e.g.
#   JWTGATE_TEST_PHASES=normal scripts/test.sh
#   JWTGATE_TEST_PHASES="asan fuzz" FUZZ_SECONDS=10 scripts/test.sh
# The first phase that fails stops the run. The wall time of each phase is
# printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

PHASES=${JWTGATE_TEST_PHASES:-normal asan fuzz}
for phase in $PHASES; do
  case $phase in
    normal | asan | fuzz) ;;
    *)
      echo "test.sh: unknown phase '$phase' (phases: normal asan fuzz)" >&2
      exit 2
      ;;
  esac
done

phase_normal() {
  local dir=${BUILD_DIR:-build}
  # shellcheck disable=SC2086  # CMAKE_ARGS and CTEST_ARGS are word lists
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DJWTGATE_WERROR=ON ${CMAKE_ARGS:-}
  cmake --build "$dir" -j"$(nproc)"
  # shellcheck disable=SC2086
  ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" ${CTEST_ARGS:-}
}
# Own build directories, whatever BUILD_DIR says for the normal phase.
phase_asan() { BUILD_DIR=build-asan scripts/test-asan.sh; }
phase_fuzz() { FUZZ_BUILD_DIR=build-fuzz scripts/fuzz.sh "${FUZZ_SECONDS:-30}"; }

timings=()
current=""
start=$SECONDS
summary() {
  local rc=$?
  if [[ -n $current ]]; then
    timings+=("$(printf '%-7s %5d s  FAILED' "$current" $((SECONDS - start)))")
  fi
  if ((rc == 0)); then
    echo "=== test.sh: passed: $PHASES"
  else
    echo "=== test.sh: FAILED (exit $rc)${current:+ in phase $current}"
  fi
  if ((${#timings[@]})); then printf '  %s\n' "${timings[@]}"; fi
}
trap summary EXIT

scripts/setup.sh
for phase in $PHASES; do
  echo "=== test.sh: phase $phase"
  current=$phase
  start=$SECONDS
  "phase_$phase"
  timings+=("$(printf '%-7s %5d s' "$phase" $((SECONDS - start)))")
  current=""
done

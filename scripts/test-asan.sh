#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer, in a
# build directory of its own (g++, -DJWTGATE_SANITIZE=ON). Any report fails
# the test that caused it: leaks are checked, ASan aborts on the first
# error and UBSan halts (the build also uses -fno-sanitize-recover).
#
#   scripts/test-asan.sh                 build everything, run every test
#   scripts/test-asan.sh -R 'jwt|http'   extra arguments go to ctest
#
# Environment: BUILD_DIR (default build-asan), BUILD_TYPE (default
# RelWithDebInfo), BUILD_TARGETS (default: all), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build-asan}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DJWTGATE_SANITIZE=ON \
  -DJWTGATE_WERROR=ON -DJWTGATE_BUILD_BENCHMARKS=OFF
if [[ -n ${BUILD_TARGETS:-} ]]; then
  # shellcheck disable=SC2086  # a list of target names
  cmake --build "$BUILD_DIR" -j"$JOBS" --target $BUILD_TARGETS
else
  cmake --build "$BUILD_DIR" -j"$JOBS"
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$JOBS" "$@"

#!/usr/bin/env bash
# Installs exactly the Debian 12 packages jwtgate needs to build, test and
# benchmark. Idempotent; run as root on a fresh machine.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang
  # libFuzzer and clang's sanitizer runtimes (scripts/fuzz.sh); only a
  # Recommends of clang, which --no-install-recommends leaves out
  libclang-rt-14-dev
  # libraries (SPEC §7)
  liburing-dev node-llhttp libssl-dev libsimdjson-dev libabsl-dev libre2-dev
  libsystemd-dev libgtest-dev libgmock-dev libbenchmark-dev
  # benchmark peer for token verification (perf/verify_bench)
  libjwt-dev
  # test tooling: curl for the quick start, python3 for helper scripts,
  # prometheus for promtool, systemd for systemd-analyze
  curl python3 prometheus systemd
)

exec "$(dirname "$0")/apt-install.sh" "setup" "${PACKAGES[@]}"

#!/usr/bin/env bash
# Installs the Debian 12 packages the load tests (perf/load/run.py) need:
# the peers (HAProxy 2.6, nginx 1.22), the load generator (wrk), the plotter
# (gnuplot) and python3 for the driver. Idempotent; run as root.
#
# Installing nginx/haproxy may try to start their system services; the
# driver never uses those (it runs its own instances on 127.0.0.1 with
# generated configs), and on Docker images /usr/sbin/policy-rc.d keeps them
# from starting at all.
set -euo pipefail

PACKAGES=(haproxy nginx wrk gnuplot-nox python3)

exec "$(dirname "$0")/../../scripts/apt-install.sh" "load setup" "${PACKAGES[@]}"

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

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "load setup: all packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "load setup: need root to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "load setup: installed ${missing[*]}"

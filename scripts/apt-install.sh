#!/usr/bin/env bash
# Installs the given Debian packages that are not installed yet (idempotent;
# needs root only when something is missing). Shared by scripts/setup.sh and
# perf/load/setup.sh.
#
#   scripts/apt-install.sh LABEL PACKAGE...
set -euo pipefail

label=$1
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "$label: all packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "$label: need root to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "$label: installed ${missing[*]}"

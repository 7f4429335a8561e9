#!/usr/bin/env bash
# Bounded soak of jwtgate (issue 8): mixed good/bad tokens, 1 MiB bodies up
# and down, client aborts, keep-alive and new connections; samples jwtgate's
# RSS and fd count to a CSV and fails (exit 1) if either grew after the
# first-minute plateau. Details and settings: perf/soak.py.
#   perf/soak.sh                    5 minutes (SOAK_SECONDS=300)
#   SOAK_SECONDS=60 perf/soak.sh    one minute
set -euo pipefail
exec python3 "$(dirname "$0")/soak.py" "$@"

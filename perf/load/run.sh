#!/usr/bin/env bash
# Load tests of jwtgate against HAProxy 2.6 and nginx 1.22; see
# perf/load/README.md. Needs perf/load/setup.sh once and a built jwtgate.
#   perf/load/run.sh            full run (3 rounds x 10 s): perf/load/RESULTS.md
#   QUICK=1 perf/load/run.sh    smoke run (1 round x 3 s) into a temp dir
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"

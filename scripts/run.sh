#!/usr/bin/env bash
# The quick start: one command on a fresh Debian 12 machine (as root).
#
#   scripts/run.sh
#
# Installs the packages (scripts/setup.sh), configures and builds jwtgate and
# the test upstream, starts the test upstream where config/jwtgate.ini sends
# requests, starts `jwtgate --config config/jwtgate.ini`, mints a token and
# prints two curl lines to paste in another terminal: one with the token
# (200) and one without (401). jwtgate's access log follows on this terminal.
# Ctrl-C (or SIGTERM to this script) stops both programs.
#
# Environment:
#   BUILD_DIR   build directory (default build)
#   JWT_SECRET  the HMAC secret of [key auth0]; a random one when unset
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG=config/jwtgate.ini
BUILD_DIR=${BUILD_DIR:-build}

say() { printf 'run.sh: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

# The first value of KEY inside [SECTION] of the example config (trailing
# comments and blanks dropped).
ini_value() {
  awk -v want="$1" -v key="$2" '
    /^[ \t]*\[/ { gsub(/^[ \t]*\[|\][ \t]*$/, ""); section = $0; next }
    section == want && $0 ~ "^[ \t]*" key "[ \t]*=" {
      sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]+[#;].*$/, ""); sub(/[ \t]+$/, "")
      print; exit
    }' "$CONFIG"
}

# True when something accepts TCP connections on HOST:PORT.
listening() {
  (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null
}

# --- 1. packages, build ------------------------------------------------------
scripts/setup.sh
say "building jwtgate and jwtgate_test_upstream in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target jwtgate jwtgate_test_upstream
JWTGATE=$BUILD_DIR/jwtgate
UPSTREAM=$BUILD_DIR/tests/jwtgate_test_upstream

# --- 2. what the example config expects --------------------------------------
LISTEN=$(ini_value gateway listen)
LISTEN=${LISTEN%%,*}
METRICS=$(ini_value gateway metrics_listen)
UPSTREAM_ADDR=$(ini_value "upstream api" server)
UPSTREAM_ADDR=${UPSTREAM_ADDR%%,*}
SECRET_ENV=$(ini_value "key auth0" secret_env)
[[ -n $LISTEN && -n $UPSTREAM_ADDR && -n $SECRET_ENV ]] ||
  die "$CONFIG no longer has listen, [upstream api] server and [key auth0] secret_env"
for addr in "$LISTEN" "$UPSTREAM_ADDR" ${METRICS:+"$METRICS"}; do
  if listening "$addr"; then
    die "$addr is already in use (an earlier run still going?); stop that program first"
  fi
done

# The secret [key auth0] reads (secret_env = JWT_SECRET, raw encoding).
if [[ -z ${!SECRET_ENV:-} ]]; then
  export "$SECRET_ENV=$(head -c 32 /dev/urandom | base64)"
fi

"$JWTGATE" --check --config "$CONFIG" >/dev/null

# --- 3. start both, stop both on exit ---------------------------------------
UPSTREAM_PID=
GATEWAY_PID=
# shellcheck disable=SC2317  # reached through the EXIT trap
stop() {
  trap - EXIT INT TERM
  local pid stopped=""
  for pid in $GATEWAY_PID $UPSTREAM_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $GATEWAY_PID $UPSTREAM_PID; do
    wait "$pid" 2>/dev/null || true
    stopped+=" $pid"
  done
  if [[ -n $stopped ]]; then say "stopped pid$stopped"; fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$UPSTREAM" --listen "$UPSTREAM_ADDR" --quiet &
UPSTREAM_PID=$!
"$JWTGATE" --config "$CONFIG" &
GATEWAY_PID=$!

for ((i = 0; i < 100; i++)); do
  kill -0 "$UPSTREAM_PID" 2>/dev/null || die "the test upstream exited"
  kill -0 "$GATEWAY_PID" 2>/dev/null || die "jwtgate exited (see its log above)"
  listening "$UPSTREAM_ADDR" && listening "$LISTEN" && break
  sleep 0.1
done
listening "$LISTEN" || die "jwtgate does not accept on $LISTEN after 10s"

# --- 4. a token and the two requests -----------------------------------------
TOKEN=$("$JWTGATE" mint --secret-env "$SECRET_ENV" --sub quickstart-user --ttl 1h)
# [route api] (path_prefix = /, auth = required) takes /api/echo; the test
# upstream answers /echo with the request it received, as JSON.
URL="http://$LISTEN/api/echo"

cat <<EOF

jwtgate (pid $GATEWAY_PID) listens on $LISTEN; the test upstream (pid $UPSTREAM_PID) on $UPSTREAM_ADDR.
Paste in another terminal:

  # with the token: 200, and the upstream's echo shows X-Auth-UserId: quickstart-user
  curl -i -H 'Authorization: Bearer $TOKEN' $URL

  # without a token: 401 with WWW-Authenticate: Bearer realm="jwtgate"
  curl -i $URL
${METRICS:+
  # counters: curl http://$METRICS/metrics
}
The token is valid for 1 hour. Access log (JSON lines) below; Ctrl-C stops both.

EOF

wait "$GATEWAY_PID" || true
GATEWAY_PID=
die "jwtgate exited"

#!/usr/bin/env bash
# End-to-end test of the whole product as a user meets it: starts `avp up`
# (private PostgreSQL and Redis in a temporary data folder, the API server
# serving the built web UI, two workers), adds a non-admin account, drives
# Debian's chromium through web/e2e/run.mjs (that newcomer from an empty
# project to an evaluation against imported ground truth, then the admin's
# operations page), then web/e2e/frames.mjs (chromium's presented frames
# against AVP's on clips of each kind) and stops everything. Screenshots: build/e2e-shots/.
# Usage: scripts/e2e.sh [BUILD_DIR] (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
avp="$build/src/cli/avp"
data=$(mktemp -d /tmp/avp-e2e-XXXXXX)
chmod 755 "$data"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password="e2e-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
log="$build/e2e-avp-up.log"

AVP_ADMIN_PASSWORD="$password" AVP_WEB_DIR="$PWD/web/dist" \
  "$avp" up --data "$data" --port "$port" --workers 2 >"$log" 2>&1 &
up=$!
cleanup() {
  kill -INT "$up" 2>/dev/null || true
  for _ in $(seq 60); do kill -0 "$up" 2>/dev/null || break; sleep 1; done
  kill -KILL "$up" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$up" 2>/dev/null || { echo "e2e: avp up exited"; cat "$log"; exit 1; }
  sleep 1
done

# The run is a newcomer's: an account without admin rights, made the way
# an operator makes one (`avp user add` on the database avp up runs).
newcomer_password="new-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
AVP_PASSWORD="$newcomer_password" \
  AVP_DATABASE_URL="postgresql:///avp?host=$data/pg/run&port=5432&user=avp" \
  "$avp" user add newcomer >/dev/null

rm -rf "$build/e2e-shots"
status=0
(cd web && AVP_URL="http://127.0.0.1:$port" AVP_USER=admin AVP_PASSWORD="$password" \
   AVP_NEW_USER=newcomer AVP_NEW_PASSWORD="$newcomer_password" \
   AVP_SHOTS="$PWD/../$build/e2e-shots" npm run --silent e2e) || status=$?
# Then the player's frames against AVP's on clips of each kind cameras
# write (web/e2e/frames.mjs, ~30 s), on the same server.
if [ $status -eq 0 ]; then
  (cd web && AVP_URL="http://127.0.0.1:$port" AVP_USER=admin AVP_PASSWORD="$password" \
     AVP_FRAMES_TOOL="$PWD/../$build/tests/media/frames_json" npm run --silent e2e:frames) || status=$?
fi
if [ $status -ne 0 ]; then
  echo "e2e: failed; last lines of avp up:"; tail -30 "$log"
fi
exit $status

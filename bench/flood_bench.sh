#!/usr/bin/env bash
# The flood benchmark: smsgated's demo (4 simulated modems, the default [http] limits:
# 16 connections per address, sign-ins limited) on loopback, and bench/flood_bench
# flooding it while another client submits. Not a test (ctest does not run it); the
# test of the same flood, tests/integration/http_flood_test.cpp, checks only that the
# client is never starved.
#
#   bench/flood_bench.sh BUILD_DIR       (a Release build with smsgated and flood_bench)
#
# DURATION=10 in the environment changes how long submissions are measured. The
# database goes to a temp dir under $SMSGATE_BENCH_DIR or $TMPDIR or /tmp. Exit status:
# flood_bench's (0 when p99 < 1 s and every submission was accepted).
set -euo pipefail

BUILD=${1:?usage: bench/flood_bench.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SMSGATED=$BUILD/smsgated
BENCH=$BUILD/bench/flood_bench
DURATION=${DURATION:-10}
for binary in "$SMSGATED" "$BENCH"; do
  [[ -x $binary ]] || { echo "flood_bench.sh: no $binary (build it first)" >&2; exit 1; }
done

BASE=${SMSGATE_BENCH_DIR:-${TMPDIR:-/tmp}}
TMP=$(mktemp -d "$BASE/flood_bench.XXXXXX")
DAEMON_PID=
cleanup() {
  [[ -n $DAEMON_PID ]] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "== flood_bench: $(nproc) CPUs, shared by the flood, the client and the daemon; $(uname -r)"

# The demo prints its port and an API key once it listens.
(cd "$TMP" && exec "$SMSGATED" run --demo --listen 127.0.0.1:0 >"$TMP/demo.out" 2>"$TMP/demo.log") &
DAEMON_PID=$!
for _ in $(seq 300); do
  grep -q '^API key:' "$TMP/demo.out" 2>/dev/null && break
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$TMP/demo.log"; exit 1; }
  sleep 0.1
done
grep -q '^API key:' "$TMP/demo.out" || { echo "smsgated printed no API key" >&2; exit 1; }
PORT=$(sed -n 's|^Admin page: *http://127.0.0.1:\([0-9]*\)/$|\1|p' "$TMP/demo.out")
KEY=$(sed -n 's|^API key: *||p' "$TMP/demo.out")

# Every modem ready first, so that the health of the gateway is not what is measured.
for _ in $(seq 300); do
  health=$(curl -s "http://127.0.0.1:$PORT/api/v1/health" || true)
  [[ $health == *'"status":"ok"'* ]] && break
  sleep 0.1
done

"$BENCH" --port "$PORT" --key "$KEY" --duration "$DURATION"

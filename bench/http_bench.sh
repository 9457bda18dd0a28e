#!/usr/bin/env bash
# The HTTP API load benchmark: smsgated with 8 simulated modems, and bench/http_bench
# submitting over loopback. Not a test (ctest does not run it).
#
#   bench/http_bench.sh BUILD_DIR        (a Release build with smsgated and http_bench)
#
# Scenarios (goals from the issue):
#   a) single POST /api/v1/messages, 64 connections, closed loop   >= 5,000 requests/s
#   b) POST /api/v1/messages/batch, 1000 per request, 4 connections  >= 50,000 messages/s
#   c) single, 64 connections, open loop at 1,000 requests/s          p99 < 20 ms
#   d) as a), without send_at: the 8 modems send while the API takes submissions
# a) to c) set send_at in 2099, so the modems stay idle and the figures are the API's
# and the store's. After each, the database must hold exactly as many messages as
# were answered 202 (a 202 means fsynced: DESIGN.md "Guarantees").
#
# The database goes to a temp dir under $SMSGATE_BENCH_DIR or $TMPDIR or /tmp; put it
# on the disk you care about (tmpfs hides the fsyncs). DURATION=10 and PORT=18089 in
# the environment change the length of each scenario and the port; EXTRA="--quickack"
# passes options to every http_bench run (see http_bench --help); SCENARIOS=b runs only
# the scenarios named (default abcd).
set -euo pipefail

BUILD=${1:?usage: bench/http_bench.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SMSGATED=$BUILD/smsgated
BENCH=$BUILD/bench/http_bench
DURATION=${DURATION:-10}
EXTRA=${EXTRA:-}
PORT=${PORT:-18089}
SCENARIOS=${SCENARIOS:-abcd}
for binary in "$SMSGATED" "$BENCH"; do
  [[ -x $binary ]] || { echo "http_bench.sh: no $binary (build it first)" >&2; exit 1; }
done

BASE=${SMSGATE_BENCH_DIR:-${TMPDIR:-/tmp}}
TMP=$(mktemp -d "$BASE/http_bench.XXXXXX")
SIM_PID=
DAEMON_PID=
cleanup() {
  [[ -n $DAEMON_PID ]] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  [[ -n $SIM_PID ]] && kill -TERM "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

# A free port: PORT unless taken.
if python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $PORT))" 2>/dev/null; then
  :
else
  PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
fi
URL=http://127.0.0.1:$PORT

echo "== http_bench: $TMP on $(df -T "$TMP" | awk 'NR==2 {print $2 " (" $1 ", mounted on " $7 ")"}')"
echo "== $(nproc) CPUs, shared by the load generator and the daemon; $(uname -r)"

# Simulated modems; the simulator prints the control socket's path when they are up.
mkdir -p "$TMP/modems"
"$SMSGATED" sim --modems 8 --dir "$TMP/modems" >"$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do
  grep -q '^control ' "$TMP/sim.log" && break
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$TMP/sim.log"; exit 1; }
  sleep 0.1
done
grep -q '^control ' "$TMP/sim.log" || { echo "simulator not ready" >&2; cat "$TMP/sim.log"; exit 1; }

cat >"$TMP/smsgate.toml" <<EOF
[http]
listen = "127.0.0.1:$PORT"
# Every connection of the benchmark comes from this one address.
max_connections_per_client = 1024

[storage]
path = "$TMP/smsgate.db"

[modems]
ports = ["$TMP/modems/modem*"]
rate_per_minute = 0

[sending]
quiet_hours = ""

[log]
level = "warn"
EOF

KEY=$("$SMSGATED" apikey create --name bench --config "$TMP/smsgate.toml" | tail -n1)

"$SMSGATED" run --config "$TMP/smsgate.toml" >"$TMP/daemon.log" 2>&1 &
DAEMON_PID=$!
ready=
for _ in $(seq 300); do
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$TMP/daemon.log"; exit 1; }
  if health=$(curl -sf "$URL/api/v1/health" 2>/dev/null) &&
    [[ $(python3 -c 'import json,sys; print(json.load(sys.stdin)["modems"]["ready"])' <<<"$health") == 8 ]]; then
    ready=1
    break
  fi
  sleep 0.1
done
[[ -n $ready ]] || { echo "daemon not ready with 8 modems: ${health:-no answer}" >&2; cat "$TMP/daemon.log"; exit 1; }
echo "== smsgated ready with 8 modems at $URL"

ACCEPTED=0  # messages answered 202 so far, over all scenarios
scenario() {
  local name=$1
  shift
  [[ $SCENARIOS == *"$name"* ]] || return 0
  echo
  echo "== ($name) http_bench $* --duration $DURATION $EXTRA"
  local out
  # shellcheck disable=SC2086
  out=$("$BENCH" --url "$URL" --key "$KEY" --duration "$DURATION" "$@" $EXTRA)
  echo "$out" | grep -v '^RESULT '
  local accepted
  accepted=$(sed -n 's/^RESULT .*accepted_messages=\([0-9]*\).*/\1/p' <<<"$out")
  ACCEPTED=$((ACCEPTED + accepted))
  # Every acknowledged message is in the database (a second connection reading the WAL).
  local stored
  stored=$(python3 -c "import sqlite3,sys; c=sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True); print(c.execute('select count(*) from messages').fetchone()[0])" "$TMP/smsgate.db")
  if [[ $stored == "$ACCEPTED" ]]; then
    echo "  durable    database holds $stored messages = $ACCEPTED answered 202"
  else
    echo "  DURABILITY database holds $stored messages, but $ACCEPTED were answered 202" >&2
    FAILED=1
  fi
}
FAILED=0
scenario a --connections 64
scenario b --batch 1000 --connections 4
scenario c --rate 1000 --connections 64
scenario d --connections 64 --send-now

sent=$(python3 -c "import sqlite3,sys; c=sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True); print(c.execute(\"select count(*) from messages where status in ('sent','delivered')\").fetchone()[0])" "$TMP/smsgate.db")
echo
echo "== the modems had sent $sent messages by the end of (d)"

kill -TERM "$DAEMON_PID"
status=0
wait "$DAEMON_PID" || status=$?
DAEMON_PID=
kill -TERM "$SIM_PID"
sim_status=0
wait "$SIM_PID" || sim_status=$?
SIM_PID=
echo "== smsgated exited with $status, simulator with $sim_status"
if ((status != 0 || sim_status != 0)); then
  tail -n 20 "$TMP/daemon.log" >&2
  FAILED=1
fi
exit $FAILED

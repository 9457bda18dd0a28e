#!/bin/bash
# A real full disk under the real daemon: the database lives on a small tmpfs in a
# private mount namespace (root and unshare; skipped, 77, without them), smsgated runs
# there with two simulated modems, and a file fills the filesystem while a client keeps
# submitting over HTTP. While it is full, submissions must answer 503
# storage_unavailable and nothing else but 2xx; once the file is deleted, with no
# restart, every message that was answered 2xx must be sent, none left sending, and
# /metrics must show that the dispatcher saw its writes refused and recovered.
set -u
smsgated=$1
if [[ ${2:-} != --in-namespace ]]; then
  for tool in unshare mount curl python3; do
    command -v $tool >/dev/null || { echo "SKIP no $tool"; exit 77; }
  done
  [[ $(id -u) -eq 0 ]] || { echo "SKIP needs root"; exit 77; }
  unshare -m true 2>/dev/null || { echo "SKIP unshare -m refused"; exit 77; }
  # The rest runs in its own mount namespace: the tmpfs exists only there.
  exec unshare -m --propagation private bash "$0" "$smsgated" --in-namespace
fi

tmp=$(mktemp -d)
failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
pids=()
finish() {
  touch "$tmp/stop"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait
  umount "$tmp/disk" 2>/dev/null
  rm -rf "$tmp"
}
trap finish EXIT

mkdir "$tmp/disk"
mount -t tmpfs -o size=16m,mode=0700 tmpfs "$tmp/disk" 2>/dev/null ||
  { echo "SKIP mount -t tmpfs refused"; exit 77; }

# Two simulated modems that take 50 ms per part, as a network would.
"$smsgated" sim --modems 2 --latency 50 --dir "$tmp/ports" >"$tmp/sim.out" 2>"$tmp/sim.err" &
pids+=($!)
for _ in $(seq 200); do
  grep -q '^control ' "$tmp/sim.out" 2>/dev/null && break
  sleep 0.05
done
grep -q '^control ' "$tmp/sim.out" || { echo "FAIL sim did not start: $(cat "$tmp/sim.err")"; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/smsgate.toml" <<TOML
[http]
listen = "127.0.0.1:$port"
[storage]
path = "$tmp/disk/smsgate.db"
[modems]
ports = ["$tmp/ports/modem*"]
rate_per_minute = 0
TOML
key=$("$smsgated" apikey create --name full-disk --scope send,read,metrics --config "$tmp/smsgate.toml" 2>"$tmp/apikey.err" | tail -n1)
[[ $key == sgk_* ]] || { echo "FAIL apikey create: $(cat "$tmp/apikey.err")"; exit 1; }

# The daemon's log stays off the full disk.
"$smsgated" run --config "$tmp/smsgate.toml" >"$tmp/daemon.out" 2>"$tmp/daemon.err" &
daemon=$!
pids+=($daemon)
api="http://127.0.0.1:$port"

wait_for() {  # wait_for SECONDS COMMAND...: until COMMAND succeeds; false after SECONDS
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
both_ready() { [[ $(curl -s "$api/api/v1/health") == *'"ready":2'* ]]; }
wait_for 30 both_ready || { echo "FAIL not ready: $(tail -n5 "$tmp/daemon.err")"; exit 1; }

metric() {  # metric NAME: its value on /metrics
  curl -s -H "Authorization: Bearer $key" "$api/metrics" | sed -n "s/^$1 //p"
}

# A client submits all along, three-part messages to ten numbers; each answer is kept
# as a line "STATUS ID" (2xx) or "STATUS ERROR-CODE".
: >"$tmp/answers"
submitter() {
  local i=0 tail answer status what
  tail=$(printf 'x%.0s' $(seq 400))
  while [[ ! -e $tmp/stop ]]; do
    i=$((i + 1))
    answer=$(curl -s -m 10 -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      --data "{\"to\":\"+49170$((1000000 + i % 10))\",\"text\":\"Order $i: $tail\"}" \
      -w ' %{http_code}' "$api/api/v1/messages")
    status=${answer##* } what=-
    if [[ $status == 2* && $answer =~ \"id\":([0-9]+) ]]; then
      what=${BASH_REMATCH[1]}
    elif [[ $answer =~ \"code\":\"([a-z_]+)\" ]]; then
      what=${BASH_REMATCH[1]}
    fi
    echo "$status $what" >>"$tmp/answers"
  done
}
submitter &
submitting=$!
pids+=($submitting)

accepted() { grep -c '^2' "$tmp/answers"; }
refused() { grep -c '^503 storage_unavailable$' "$tmp/answers"; }
some_accepted() { (($(accepted) >= 30)); }
some_refused() { (($(refused) >= 5)); }
faults_counted() { local n; n=$(metric smsgate_dispatch_store_faults_total); ((${n:-0} > 0)); }

wait_for 30 some_accepted || fail "submissions were not accepted before the disk filled"
# The disk fills while they go on: a file takes every block left, and whatever SQLite
# frees meanwhile (a truncated WAL) until the file is deleted.
(
  while [[ ! -e $tmp/space ]]; do
    dd if=/dev/zero of="$tmp/disk/filler" bs=4k oflag=append conv=notrunc 2>/dev/null
    sleep 0.05
  done
) &
filling=$!
pids+=($filling)
wait_for 30 some_refused || fail "no submission was refused 503 storage_unavailable"
wait_for 30 faults_counted || fail "the dispatcher saw no refused write (smsgate_dispatch_store_faults_total)"

# Space returns: no restart.
touch "$tmp/space"
wait "$filling"
rm "$tmp/disk/filler"
mark=$(wc -l <"$tmp/answers")
accepted_again() { tail -n +$((mark + 1)) "$tmp/answers" | grep -q '^2'; }
wait_for 30 accepted_again || fail "submissions not accepted again once the file was deleted"
touch "$tmp/stop"
wait "$submitting"
kill -0 "$daemon" 2>/dev/null || fail "the daemon is gone"

# Every answer was a 2xx or that 503; every message answered 2xx is sent, none sending.
others=$(grep -v -e '^2' -e '^503 storage_unavailable$' "$tmp/answers" | sort | uniq -c)
[[ -z $others ]] || fail "other answers: $others"
echo "accepted $(accepted), refused $(refused) with 503," \
  "dispatcher faults $(metric smsgate_dispatch_store_faults_total)"
all_sent() {
  python3 - "$api" "$key" "$tmp/answers" <<'PY'
import json, sys, urllib.request
api, key, answers = sys.argv[1:]
def get(path):
    request = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)
ids = [line.split()[1] for line in open(answers) if line.startswith("2")]
unsent = [i for i in ids if get("/api/v1/messages/" + i)["status"] != "sent"]
sys.exit(1 if unsent or get("/api/v1/messages?status=sending")["items"] else 0)
PY
}
wait_for 40 all_sent || fail "not every accepted message was sent, or some are still sending"
recoveries=$(metric smsgate_dispatch_store_recoveries_total)
((${recoveries:-0} >= 1)) || fail "no recovery counted (smsgate_dispatch_store_recoveries_total)"

kill -TERM "$daemon"
wait "$daemon" || fail "smsgated exited with $? on SIGTERM"
if ((failures > 0)); then
  echo "daemon log:"
  grep -v ' info ' "$tmp/daemon.err" | tail -n 20
  exit 1
fi
echo "PASS"

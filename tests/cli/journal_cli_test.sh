#!/bin/bash
# Under systemd, smsgated's stderr is the journal (JOURNAL_STREAM names it) and its lines
# go to journald natively, each with its priority. Here a stand-in journald listens on
# /run/systemd/journal/socket in a private mount namespace (root and unshare; skipped,
# 77, without them): an info line must arrive as PRIORITY=6, an error as PRIORITY=3,
# under SYSLOG_IDENTIFIER=smsgated, and none of them on stdout or stderr.
set -u
smsgated=$1
command -v unshare >/dev/null && command -v python3 >/dev/null || { echo "SKIP no unshare/python3"; exit 77; }
[[ $(id -u) -eq 0 ]] || { echo "SKIP needs root"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP unshare -m refused"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/smsgate.toml" <<EOF
[http]
listen = "127.0.0.1:0"
[storage]
path = "$tmp/smsgate.db"
[modems]
ports = ["$tmp/no-modems/*"]
EOF

# The journal's native protocol: one datagram per entry, FIELD=value lines (a value
# with a newline comes as FIELD, a 64-bit little-endian length, the bytes).
cat >"$tmp/journald.py" <<'EOF'
import json, socket, struct, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
sock.settimeout(30)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "w") as out:
    while True:
        try:
            data = sock.recv(1 << 20)
        except socket.timeout:
            break
        fields, i = {}, 0
        while i < len(data):
            end = data.find(b"\n", i)
            line = data[i:end if end >= 0 else len(data)]
            if b"=" in line:
                key, value = line.split(b"=", 1)
                i = (end if end >= 0 else len(data)) + 1
            else:
                key = line
                size = struct.unpack("<Q", data[end + 1:end + 9])[0]
                value = data[end + 9:end + 9 + size]
                i = end + 9 + size + 1
            fields[key.decode()] = value.decode(errors="replace")
        out.write(json.dumps(fields) + "\n")
        out.flush()
        if "stopped" in fields.get("MESSAGE", ""):
            break
EOF

# In the namespace: a fresh /run, the stand-in journald, then smsgated with stderr on a
# file that JOURNAL_STREAM names; a reload with a broken file logs an error.
unshare -m --propagation private bash -c '
  set -u
  tmp=$1 smsgated=$2
  mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal || exit 3
  python3 "$tmp/journald.py" /run/systemd/journal/socket "$tmp/entries" &
  for _ in $(seq 100); do [[ -e "$tmp/entries.ready" ]] && break; sleep 0.05; done
  exec 2>"$tmp/stderr"
  export JOURNAL_STREAM=$(stat -c "%d:%i" "$tmp/stderr")
  "$smsgated" run --config "$tmp/smsgate.toml" >"$tmp/stdout" &
  daemon=$!
  for _ in $(seq 300); do grep -q "smsgated running" "$tmp/entries" 2>/dev/null && break; sleep 0.05; done
  echo "[bogus]" >>"$tmp/smsgate.toml"
  kill -HUP $daemon
  for _ in $(seq 300); do grep -q "reload refused" "$tmp/entries" 2>/dev/null && break; sleep 0.05; done
  kill -TERM $daemon
  wait $daemon
  wait
' bash "$tmp" "$smsgated"
status=$?

failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
[[ $status -eq 0 ]] || fail "the namespace run ended with $status"
entry() {  # entry TEXT: the first entry whose MESSAGE contains TEXT, as JSON
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    fields = json.loads(line)
    if sys.argv[2] in fields.get("MESSAGE", ""):
        print(json.dumps(fields)); break' "$tmp/entries" "$1" 2>/dev/null
}
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"; }

running=$(entry "smsgated running")
refused=$(entry "reload refused")
if [[ -z "$running" ]]; then
  fail "no 'smsgated running' entry reached the journal; stdout: $(head -c 300 "$tmp/stdout" 2>/dev/null)"
else
  [[ $(field "$running" PRIORITY) == 6 ]] || fail "info line priority: $running"
  [[ $(field "$running" SYSLOG_IDENTIFIER) == smsgated ]] || fail "identifier: $running"
fi
if [[ -z "$refused" ]]; then
  fail "no 'reload refused' entry reached the journal"
else
  [[ $(field "$refused" PRIORITY) == 3 ]] || fail "error line priority: $refused"
fi
grep -q "smsgated running" "$tmp/stdout" "$tmp/stderr" 2>/dev/null && fail "log lines also went to stdout or stderr"

if [[ $failures -gt 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "journal: info and error lines arrive with their priorities"

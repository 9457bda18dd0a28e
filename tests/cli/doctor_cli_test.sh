#!/bin/bash
# `smsgated doctor` against simulated modems: a healthy gateway passes (exit 0, JSON
# ok true); a database and a port the service user may not use fail; a port another
# process holds fails naming that process; a full SIM store, an unregistered modem and
# a PIN-locked SIM are each reported with their fix; a database that cannot be made
# fails; the API check against nothing (a warning: not running) and against a running
# `smsgated run` over HTTPS (its ports are left alone and its modems' state taken from
# its health answer).
source "$(dirname "$0")/lib.sh"

control() {  # control DIR JSON-LINES...: every reply must be ok
  python3 - "$@" <<'PY' || fail "control $*"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1] + "/control")
replies = s.makefile()
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\n")
    reply = json.loads(replies.readline())
    assert "error" not in reply, reply
PY
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_config() {  # write_config FILE PORTS-TOML [EXTRA-TOML]
  cat >"$1" <<TOML
[http]
listen = "127.0.0.1:$api_port"
[storage]
path = "$tmp/data/smsgate.db"
[modems]
ports = $2
${3:-}
TOML
}

doctor() {  # doctor ARGS...: stdout to $tmp/out, status in $rc
  "$smsgated" doctor --timeout 2 --user "$(id -un)" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}

expect_line() {  # expect_line NAME REGEX: a line of the last report, its runs of spaces as one
  sed -E 's/ +/ /g' "$tmp/out" | grep -Eq "$2" || fail "$1: no line like '$2' in:
$(cat "$tmp/out")"
}

api_port=$(free_port)
start_sim "$tmp/ports" --modems 3
start_sim "$tmp/locked" --modems 1 --pin 1234
wait_sim "$tmp/ports"
wait_sim "$tmp/locked"
# modem1: the SIM store full (30 slots); modem2: off the network.
requests=()
for i in $(seq 30); do
  requests+=("{\"cmd\":\"deliver\",\"modem\":1,\"from\":\"+4917012345$i\",\"text\":\"hi $i\",\"routing\":\"store\"}")
done
control "$tmp/ports" "${requests[@]}" '{"cmd":"registered","modem":2,"on":false}'

# A healthy gateway: one good modem, the database made, nothing running.
write_config "$tmp/healthy.toml" "[\"$tmp/ports/modem0\"]"
mkdir -m 700 "$tmp/data"
"$smsgated" apikey create --name doctor --config "$tmp/healthy.toml" >/dev/null 2>"$tmp/err" ||
  fail "apikey create: $(cat "$tmp/err")"
doctor --config "$tmp/healthy.toml"
[[ $rc -eq 0 ]] || fail "healthy: rc=$rc $(cat "$tmp/err") $(cat "$tmp/out")"
expect_line healthy "^ok config $tmp/healthy.toml loads"
expect_line healthy "^ok database $tmp/data/smsgate.db opens and takes writes"
expect_line healthy "^ok files $tmp/data .*private"
expect_line healthy "^ok disk $tmp/data .* free of "
expect_line healthy "^ok port $tmp/ports/modem0 .* may read and write it; no other process"
expect_line healthy "^ok modem $tmp/ports/modem0 answers AT: smsgate .*IMEI [0-9]{15}"
expect_line healthy "^ok sim $tmp/ports/modem0 ready"
expect_line healthy "^ok network $tmp/ports/modem0 registered \(home\) on SimNet"
expect_line healthy "^ok signal $tmp/ports/modem0 20 of 31 \(-73 dBm\)"
expect_line healthy "^ok storage $tmp/ports/modem0 0 of 30 message slots used"
expect_line healthy "^(ok|warning) clock system clock "
expect_line healthy "^warning api http://127.0.0.1:$api_port/api/v1/health smsgated is not running"
expect_line healthy "^ fix: systemctl start smsgated$"
expect_line healthy "^ok tls 127.0.0.1:$api_port plain HTTP, on this machine only"

doctor --config "$tmp/healthy.toml" --json
[[ $rc -eq 0 ]] || fail "healthy --json: rc=$rc"
python3 - "$tmp/out" <<'PY' || fail "healthy --json: $(cat "$tmp/out")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
report = json.loads(lines[0])
assert report["ok"] is True, report
for check in report["checks"]:
    assert set(check) == {"check", "subject", "status", "detail", "fix"}, check
    assert check["status"] in ("ok", "warning"), check
assert {c["check"] for c in report["checks"]} >= {
    "config", "database", "disk", "port", "modem", "sim", "network", "signal", "storage",
    "clock", "api", "tls"}, report
PY

# The same gateway as a user who may touch neither the database nor the port.
if id nobody >/dev/null 2>&1; then
  "$smsgated" doctor --timeout 2 --user nobody --config "$tmp/healthy.toml" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [[ $rc -eq 1 ]] || fail "nobody: rc=$rc"
  expect_line nobody "^FAILED database $tmp/data/smsgate.db nobody may not read and write it and make files beside it"
  expect_line nobody "^ fix: chown -R nobody $tmp/data"
  expect_line nobody "^FAILED port $tmp/ports/modem0 nobody may not read and write it \("
  expect_line nobody "^ fix: usermod -aG [a-z]+ nobody"
fi

# Every modem (and one whose SIM wants a PIN the config does not give), one port held
# open by another process.
sleep 60 <>"$tmp/ports/modem0" &
holder=$!
pids+=($holder)
write_config "$tmp/all.toml" "[\"$tmp/ports/modem*\", \"$tmp/locked/modem0\"]"
doctor --config "$tmp/all.toml"
[[ $rc -eq 1 ]] || fail "held: rc=$rc"
[[ "$(cat "$tmp/err")" == "smsgated: doctor: 3 checks failed" ]] || fail "held: stderr $(cat "$tmp/err")"
expect_line held "^FAILED port $tmp/ports/modem0 held by sleep \(pid $holder\)$"
expect_line held "^ fix: stop it \(kill $holder\)"
grep -Eq "^ok +modem +$tmp/ports/modem0" "$tmp/out" && fail "held: modem0 was probed"
expect_line full "^warning storage $tmp/ports/modem1 full: 30 of 30 message slots used"
expect_line full "^ fix: start smsgated: it reads the stored texts into its inbox and deletes them"
expect_line unregistered "^FAILED network $tmp/ports/modem2 not registered on a network \(searching\)"
expect_line unregistered "^ fix: check the SIM's coverage"
expect_line locked "^FAILED sim $tmp/locked/modem0 the SIM asks for its PIN"
expect_line locked "^ fix: add a \[\[modem\]\] table with port = \"$tmp/locked/modem0\" and pin = "
doctor --config "$tmp/all.toml" --json
python3 - "$tmp/out" "$tmp/ports/modem0" <<'PY' || fail "held --json: $(cat "$tmp/out")"
import json, sys
report = json.loads(open(sys.argv[1]).read())
assert report["ok"] is False, report
held = [c for c in report["checks"] if c["check"] == "port" and c["subject"] == sys.argv[2]]
assert held and held[0]["status"] == "failed" and "held by sleep" in held[0]["detail"], held
PY
kill "$holder"
wait "$holder" 2>/dev/null

# The database: a directory that cannot be made, and one not made yet.
: >"$tmp/not-a-dir"
sed "s|$tmp/data/smsgate.db|$tmp/not-a-dir/sub/smsgate.db|" "$tmp/healthy.toml" >"$tmp/bad-db.toml"
doctor --config "$tmp/bad-db.toml"
[[ $rc -eq 1 ]] || fail "bad-db: rc=$rc"
expect_line bad-db "^FAILED database $tmp/not-a-dir/sub/smsgate.db $tmp/not-a-dir/sub cannot be made: $tmp/not-a-dir is not a directory"
sed "s|$tmp/data/smsgate.db|$tmp/new/smsgate.db|" "$tmp/healthy.toml" >"$tmp/new-db.toml"
doctor --config "$tmp/new-db.toml"
[[ $rc -eq 0 ]] || fail "new-db: rc=$rc"
expect_line new-db "^warning database $tmp/new/smsgate.db $tmp/new does not exist yet"
[[ -e "$tmp/new" ]] && fail "new-db: doctor made $tmp/new"

# A config that does not load: that error alone.
printf '[modems]\nbaud = 115201\n' >"$tmp/broken.toml"
doctor --config "$tmp/broken.toml"
[[ $rc -eq 1 ]] || fail "broken: rc=$rc"
[[ $(wc -l <"$tmp/out") -eq 2 ]] || fail "broken: more than the config: $(cat "$tmp/out")"
expect_line broken "^FAILED config $tmp/broken.toml $tmp/broken.toml:2:8: "

# The running gateway, over HTTPS with a self-signed certificate: its port is left
# alone, its modems' state asked of its API without verifying the certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=gateway \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null || fail "openssl could not make a certificate"
write_config "$tmp/running.toml" "[\"$tmp/ports/modem0\"]"
sed -i "s|^listen = .*|&\ntls_certificate = \"$tmp/cert.pem\"\ntls_key = \"$tmp/key.pem\"|" "$tmp/running.toml"
"$smsgated" run --config "$tmp/running.toml" >"$tmp/run.out" 2>&1 &
daemon=$!
pids+=($daemon)
for _ in $(seq 200); do
  curl -skf "https://127.0.0.1:$api_port/api/v1/health" >/dev/null 2>&1 && break
  sleep 0.05
done
doctor --config "$tmp/running.toml"
[[ $rc -eq 0 ]] || fail "running: rc=$rc $(cat "$tmp/err") $(cat "$tmp/run.out")"
expect_line running "^ok port $tmp/ports/modem0 in use by smsgated \(pid $daemon\), which reports 1 of 1 modems ready"
expect_line running "^ok api https://127.0.0.1:$api_port/api/v1/health healthy: 1 of 1 modems ready \(certificate not verified\)"
expect_line running "^ok database $tmp/data/smsgate.db opens and takes writes"
expect_line running "^ok tls 127.0.0.1:$api_port the API is served over HTTPS"
grep -Eq "^ok +modem " "$tmp/out" && fail "running: the daemon's port was probed"
kill -TERM "$daemon"
wait "$daemon" 2>/dev/null

exit $((failures > 0))

#!/bin/bash
# `smsgated probe PORT` against `smsgated sim`: the readable report, the JSON report,
# and one stderr line with exit status 1 for a missing port or a silent modem.
source "$(dirname "$0")/lib.sh"

expect_error missing-port "/dev/smsgate-none: No such file or directory" -- probe /dev/smsgate-none
expect_error no-port "port is required" -- probe
expect_error bad-timeout "--timeout" -- probe /dev/null --timeout 0

start_sim "$tmp/ports" --modems 2
wait_sim "$tmp/ports"

text=$("$smsgated" probe "$tmp/ports/modem0" 2>"$tmp/err") || fail "probe: $(cat "$tmp/err")"
for row in "driver        generic" "manufacturer  smsgate" "sim           READY" \
  "signal        20 (-73 dBm)" "registration  home" "operator      SimNet" "pdu mode      yes"; do
  grep -qxF "$row" <<<"$text" || fail "probe text lacks '$row': $text"
done
grep -Eqx "imei          [0-9]{15}" <<<"$text" || fail "probe text: no IMEI: $text"
grep -Eqx "iccid         89[0-9]{17,18}" <<<"$text" || fail "probe text: no ICCID: $text"
imei0=$(sed -n 's/^imei *//p' <<<"$text")

json=$("$smsgated" probe --json "$tmp/ports/modem1" 2>"$tmp/err") || fail "probe --json: $(cat "$tmp/err")"
python3 - "$json" "$imei0" <<'PY' || fail "probe --json: $json"
import json, re, sys
report = json.loads(sys.argv[1])
assert report["driver"] == "generic", report
assert re.fullmatch(r"[0-9]{15}", report["imei"]), report
assert report["imei"] != sys.argv[2], "both modems have one IMEI"
assert re.fullmatch(r"00101[0-9]{10}", report["imsi"]), report
assert report["sim"] == "READY", report
assert report["health"]["registered"] is True, report
assert report["health"]["dbm"] == -73, report
assert report["sms"]["pdu_mode"] is True, report
assert report["sms"]["storage"].startswith("+CPMS:"), report
PY

# A modem that says nothing: an error naming the port, after --timeout.
python3 - "$tmp/ports/control" <<'PY' || fail "could not hang modem0"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"hang","modem":0,"on":true}\n')
reply = json.loads(s.makefile().readline())
assert "error" not in reply, reply
PY
expect_error silent-modem "no modem answers AT" -- probe "$tmp/ports/modem0" --timeout 1

exit $((failures > 0))

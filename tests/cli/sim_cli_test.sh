#!/bin/bash
# `smsgated sim` as DESIGN.md specifies: modems answer AT on the symlinked ptys, the
# control socket delivers messages and reports what was sent, bad requests change
# nothing, bad arguments exit 1 with one line on stderr, SIGTERM cleans up.
source "$(dirname "$0")/lib.sh"

expect_error no-dir "" -- sim --modems 2
expect_error zero-modems "" -- sim --modems 0 --dir "$tmp/x"
expect_error negative-latency "" -- sim --dir "$tmp/x" --latency -5
expect_error bad-pin "" -- sim --dir "$tmp/x" --pin 12ab
touch "$tmp/file"
expect_error dir-is-a-file "" -- sim --dir "$tmp/file/sub"

start_sim "$tmp/ports" --modems 2 --latency 50
wait_sim "$tmp/ports"
grep -Eq "^modem0 $tmp/ports/modem0 -> /dev/pts/[0-9]+$" "$tmp/ports.out" ||
  fail "modem0 line: $(cat "$tmp/ports.out")"
grep -Eq "^modem1 $tmp/ports/modem1 -> /dev/pts/[0-9]+$" "$tmp/ports.out" ||
  fail "modem1 line: $(cat "$tmp/ports.out")"

python3 - "$tmp/ports" <<'PY' || failures=$((failures + 1))
import json, os, select, socket, sys, termios, time, tty

ports = sys.argv[1]
problems = []

def check(name, condition, detail=""):
    if not condition:
        problems.append(f"{name}: {detail}")

class Port:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
    def write(self, data):
        os.write(self.fd, data.encode("latin-1"))
    def read_until(self, needle, timeout=3.0):
        got = ""
        deadline = time.time() + timeout
        while needle not in got and time.time() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                got += os.read(self.fd, 4096).decode("latin-1")
        return got

class Control:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rw")
    def raw(self, line):
        self.file.write(line + "\n")
        self.file.flush()
        return json.loads(self.file.readline())
    def __call__(self, **request):
        return self.raw(json.dumps(request))

modem0 = Port(os.path.join(ports, "modem0"))
modem0.write("AT\r")
got = modem0.read_until("OK\r\n")
check("AT", got == "AT\r\r\nOK\r\n", repr(got))
modem0.write("ATE0\r")
modem0.read_until("OK\r\n")

control = Control(os.path.join(ports, "control"))
reply = control(cmd="deliver", modem=0, **{"from": "+4917012345"}, text="Ja, passt")
check("deliver reply", reply == {"ok": True, "indexes": [1]}, reply)
got = modem0.read_until('+CMTI: "SM",1\r\n')
check("+CMTI", got == '\r\n+CMTI: "SM",1\r\n', repr(got))
modem0.write("AT+CMGR=1\r")
got = modem0.read_until("OK\r\n")
check("CMGR", got.startswith("\r\n+CMGR: 0,,") and got.endswith("\r\n\r\nOK\r\n"), repr(got))

# A send through the port shows up in "sent".
pdu = "0001000A919471103254000002E834"  # "hi" to +4917012345
modem0.write("AT+CMGS=14\r")
check("prompt", modem0.read_until("> ") == "\r\n> ")
modem0.write(pdu + "\x1a")
got = modem0.read_until("OK\r\n")
check("CMGS", got == "\r\n+CMGS: 0\r\n\r\nOK\r\n", repr(got))
reply = control(cmd="sent", modem=0)
check("sent", reply.get("sent") and reply["sent"][0]["to"] == "+4917012345"
      and reply["sent"][0]["text"] == "hi" and reply["sent"][0]["pdu"] == pdu, reply)
check("other modem sent nothing", control(cmd="sent", modem=1) == {"ok": True, "sent": []})

# Injected failure.
check("fail_sends", control(cmd="fail_sends", modem=0, cms=38, count=1) == {"ok": True})
modem0.write("AT+CMEE=1\r")
modem0.read_until("OK\r\n")
modem0.write("AT+CMGS=14\r")
modem0.read_until("> ")
modem0.write(pdu + "\x1a")
got = modem0.read_until("\r\n", 3) + modem0.read_until("\r\n", 1)
check("CMS 38", got == "\r\n+CMS ERROR: 38\r\n", repr(got))

# A scripted USSD answer: a balance after a top-up, then a UCS-2 one after a delay,
# then silence.
check("ussd", control(cmd="ussd", modem=0, code="*100#",
                      text="Your balance is 25.00 EUR") == {"ok": True})
modem0.write('AT+CUSD=1,"*100#",15\r')
got = modem0.read_until("15\r\n")
check("CUSD balance", got == '\r\nOK\r\n\r\n+CUSD: 0,"Your balance is 25.00 EUR",15\r\n', repr(got))
check("ussd ucs2", control(cmd="ussd", modem=0, code="*101#", text="Баланс 10", dcs=72,
                           delay_ms=200) == {"ok": True})
modem0.write('AT+CUSD=1,"*101#",15\r')
got = modem0.read_until(",72\r\n")
check("CUSD ucs2", got.upper() == '\r\nOK\r\n\r\n+CUSD: 0,"04110430043B0430043D0441002000310030",72\r\n',
      repr(got))
check("ussd silent", control(cmd="ussd", modem=0, code="*102#", answer=False) == {"ok": True})
modem0.write('AT+CUSD=1,"*102#",15\r')
got = modem0.read_until("+CUSD", 1.0)
check("CUSD silent", got == "\r\nOK\r\n", repr(got))
modem0.write("AT+CUSD=2\r")
modem0.read_until("OK\r\n")

# Bad requests answer an error and change nothing.
for bad in ['not json', '[]', '{"cmd":"deliver","modem":0,"from":"+491","text":5}',
            '{"cmd":"hang","modem":7}', '{"cmd":"explode","modem":0}',
            '{"cmd":"fail_sends","modem":0}', '{"cmd":"ussd","modem":0,"code":"balance"}',
            '{"cmd":"ussd","modem":0,"code":"*100#","dcs":8}',
            '{"cmd":"ussd","modem":0,"code":"*100#","m":9}']:
    reply = control.raw(bad)
    check("bad request " + bad, list(reply.keys()) == ["error"], reply)
modem0.write("AT\r")
check("still answers", modem0.read_until("OK\r\n") == "\r\nOK\r\n")

# Hang and un-hang.
control(cmd="hang", modem=0, on=True)
modem0.write("AT\r")
check("hung", modem0.read_until("OK\r\n", 0.3) == "")
control(cmd="hang", modem=0, on=False)
modem0.write("AT\r")
check("unhung", modem0.read_until("OK\r\n") == "\r\nOK\r\n")

# Unplug: the port hangs up and the name goes; replug: it comes back and boots.
check("unplug", control(cmd="unplug", modem=0) == {"ok": True})
check("link gone", not os.path.lexists(os.path.join(ports, "modem0")))
# The hang-up reaches the slave side asynchronously in the kernel: wait for it.
hangup = select.poll()
hangup.register(modem0.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
hangup.poll(2000)
try:
    data = os.read(modem0.fd, 100)
    check("EOF after unplug", data == b"", repr(data))
except OSError as e:
    check("EIO after unplug", e.errno == 5, e)
reply = control(cmd="replug", modem=0)
check("replug", reply.get("ok") is True, reply)
again = Port(os.path.join(ports, "modem0"))
check("boot lines", "RDY" in again.read_until("SMS Ready\r\n"))
again.write("AT\r")
check("after replug", again.read_until("OK\r\n") == "AT\r\r\nOK\r\n")

for p in problems:
    print("FAIL " + p)
sys.exit(1 if problems else 0)
PY

kill -TERM "$sim_pid"
wait "$sim_pid"
rc=$?
pids=()
[[ $rc -eq 0 ]] || fail "sim exit status after SIGTERM: $rc"
[[ ! -e "$tmp/ports/modem0" && ! -L "$tmp/ports/modem0" && ! -e "$tmp/ports/control" ]] ||
  fail "symlinks or control socket left behind: $(ls "$tmp/ports")"

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all sim CLI tests passed"

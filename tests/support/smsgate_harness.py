"""What the end-to-end tests in Python share: a daemon and its simulated modems on
loopback, and the HTTP API.

A test starts `smsgated sim` (simulated modems on ptys, a JSON control socket),
writes a configuration whose [modems] ports are those ptys, makes an API key with
`smsgated apikey create` and starts `smsgated run --config`; start_daemon() returns
once the API answers. Every child's output is drained by a thread and kept, so a
failure can show its last lines and a test can wait for a line or look for a secret.

    sim = Sim(binary, os.path.join(directory, "sim"))
    key = make_key(binary, database, "mail", "send,read")
    api = Api(http_port, key)
    write_config(path, gateway_config(http_port, database, sim.modem_glob) + extra)
    daemon = start_daemon(binary, path, api, modems_ready=1)
    sim.control({"cmd": "deliver", "modem": 0, "from": "+4917000000501", "text": "Hi"})
    ...
    stop_all((daemon, "smsgated run"), (sim, "smsgated sim"))

Usage from a test: sys.path.insert(0, <tests/support>); import smsgate_harness.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def log(message):
    print(message, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what, timeout, probe, every=0.2):
    """The first true answer of `probe`, tried every `every` seconds for `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise Failure("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(every)


class Process:
    """A child whose output is drained by a thread (a full pipe would block it)."""

    def __init__(self, argv):
        self.lines = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            with self.changed:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.lines.append(None)  # end of output
            self.changed.notify_all()

    def wait_line(self, pattern, timeout):
        """The first match of `pattern` in a line printed within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines:
                    found = line is not None and re.search(pattern, line)
                    if found:
                        return found
                left = deadline - time.monotonic()
                if None in self.lines or left <= 0:
                    raise Failure("%s printed no line like %r within %ss; its output:\n%s"
                                  % (os.path.basename(self.process.args[0]), pattern, timeout,
                                     self.tail(30)))
                self.changed.wait(left)

    def output(self):
        """Everything printed so far, one line after another."""
        with self.changed:
            return "\n".join(l for l in self.lines if l is not None)

    def stop(self, timeout=20):
        """SIGTERM, then its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise Failure("%s did not stop within %ss of SIGTERM" % (self.process.args[:2], timeout))
        self.reader.join(5)
        return code

    def tail(self, count=20):
        return "\n".join(l for l in self.lines[-count:] if l is not None)


def stop_all(*named):
    """Stops each (process, name) that was started, all of them even when one fails;
    then fails for the first that did not exit cleanly."""
    problems = []
    for process, name in named:
        if process is None:
            continue
        try:
            code = process.stop()
        except Failure as failure:
            problems.append(str(failure))
            continue
        if code != 0:
            problems.append("%s exited with %d after SIGTERM; its last lines:\n%s"
                            % (name, code, process.tail()))
    if problems:
        raise Failure("\n".join(problems))


# --- The simulated modems --------------------------------------------------------------


def control(path, command):
    """One command to `smsgated sim`'s control socket; its JSON answer."""
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(10)
        connection.connect(path)
        connection.sendall((json.dumps(command) + "\n").encode())
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    reply = json.loads(answer or b"{}")
    if not reply.get("ok"):
        raise Failure("sim control %r: %r" % (command, reply))
    return reply


class Sim(Process):
    """`smsgated sim` with `modems` modems on ptys in `directory`."""

    def __init__(self, binary, directory, modems=1):
        super().__init__([binary, "sim", "--modems", str(modems), "--dir", directory])
        self.modem_glob = os.path.join(directory, "modem*")
        self.control_path = None

    def wait_ready(self, timeout=20):
        self.control_path = self.wait_line(r"^control (\S+)", timeout).group(1)
        return self

    def control(self, command):
        return control(self.control_path, command)


# --- The daemon ----------------------------------------------------------------------


def make_key(binary, database, name, *scopes):
    """A new API key in `database` (created if need be), with each of `scopes` given
    as one --scope ("send,read")."""
    argv = [binary, "apikey", "create", "--db", database, "--name", name]
    for scope in scopes:
        argv += ["--scope", scope]
    made = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if made.returncode != 0 or not made.stdout.strip():
        raise Failure("smsgated apikey create: %s%s" % (made.stdout, made.stderr))
    return made.stdout.strip().splitlines()[-1]


def gateway_config(http_port, database, modem_glob, default_region=None):
    """[http], [storage], [modems] and [sending] for a daemon on loopback whose modems
    are the simulator's: no rate limit and no quiet hours, so texts go at once."""
    sending = '[sending]\n'
    if default_region:
        sending += 'default_region = "%s"\n' % default_region
    sending += 'quiet_hours = ""\ntimezone = "UTC"\n'
    return ('[http]\nlisten = "127.0.0.1:%d"\n[storage]\npath = "%s"\n'
            '[modems]\nports = ["%s"]\nrate_per_minute = 0\n' % (http_port, database, modem_glob)
            + sending)


def write_config(path, text):
    with open(path, "w") as out:
        out.write(text)
    return path


class Api:
    """The HTTP API on `host`:`port`, with `key` as the bearer."""

    def __init__(self, port, key, host="127.0.0.1"):
        self.host, self.port, self.key = host, port, key

    def raw(self, method, target, body=None, headers=None, auth=True):
        """One request; answers (status, response, body bytes). A JSON body may be given
        as a value."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=15)
        all_headers = {}
        if auth:
            all_headers["Authorization"] = "Bearer " + self.key
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        try:
            connection.request(method, target, body=body, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, response, data
        except (ConnectionError, http.client.HTTPException) as error:
            if body is not None and len(body) > 1 << 20:
                # The server may answer 413 and close before the whole body is sent.
                raise
            raise Failure("%s %s: %s" % (method, target, error))
        finally:
            connection.close()

    def request(self, method, target, body=None, auth=True):
        """(status, body bytes)."""
        status, _, data = self.raw(method, target, body, auth=auth)
        return status, data

    def json(self, method, target, body=None, expect=200):
        """The parsed answer, which must have status `expect`."""
        status, data = self.request(method, target, body)
        check(status == expect, "%s %s: %d %s, expected %d"
              % (method, target, status, data[:300], expect))
        return json.loads(data) if data else None

    def health(self):
        """GET /api/v1/health's answer, or None while nothing answers."""
        try:
            status, data = self.request("GET", "/api/v1/health", auth=False)
        except Failure:
            return None
        return json.loads(data) if status == 200 else None


def start_daemon(binary, config, api, modems_ready=0, timeout=20):
    """`smsgated run --config`, once `api` answers (with `modems_ready` modems ready)."""
    daemon = Process([binary, "run", "--config", config])

    def ready():
        if daemon.process.poll() is not None:
            raise Failure("smsgated run exited with %d; its output:\n%s"
                          % (daemon.process.returncode, daemon.tail(30)))
        health = api.health()
        return health is not None and health["modems"]["ready"] >= modems_ready
    try:
        wait_until("smsgated run --config to serve with %d modem(s) ready" % modems_ready,
                   timeout, ready)
    except Failure:
        daemon.stop()
        raise
    return daemon


def main(script, what, run):
    """A test's main: run(binary, directory) in a fresh temporary directory, with
    smsgated's path from the command line; the exit status for ctest."""
    if len(sys.argv) != 2:
        print("usage: %s path/to/smsgated" % script, file=sys.stderr)
        return 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="smsgate-test-") as directory:
        try:
            run(sys.argv[1], directory)
        except Failure as failure:
            print("FAIL: %s" % failure, flush=True)
            return 1
    log("%s: all passed in %.1f s" % (what, time.monotonic() - started))
    return 0

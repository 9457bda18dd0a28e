#!/usr/bin/env python3
"""Email to SMS end to end, with real mail clients over loopback.

`smsgated sim` provides a simulated modem on a pty; `smsgated run --config` listens
for HTTP and SMTP on free loopback ports. Python's smtplib and swaks then send plain,
HTML-only, quoted-printable, base64, ISO-8859-1 and Shift_JIS mails (tests/email/mail/)
and one to several recipients, and the texts queued are read back exactly with GET
/api/v1/messages; each refusal is checked for its exact reply code (relaying, no
sign-in, a wrong password, a key without the send scope, a mail over SIZE, too many
parts, an invalid number, an opted-out recipient); STARTTLS is used by smtplib and by
swaks --tls; the origins are in email_origins; /metrics counts it all. Then
`smsgated mail2sms` (the pipe mode) with each of its exit statuses.

The trusted client sends from 127.0.0.2 ([email] allow_networks), the others from
127.0.0.1, which must sign in.
"""

import json
import os
import smtplib
import socket
import sqlite3
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import smsgate_harness  # noqa: E402
from smsgate_harness import (Api, Failure, Sim, check, free_port, gateway_config,  # noqa: E402
                             log, make_key, start_daemon, stop_all, write_config)

DOMAIN = "sms.example"
TRUSTED = ("127.0.0.2", 0)


class GatewayApi(Api):
    def texts_to(self, number):
        status, data = self.request("GET", "/api/v1/messages?to=%s&limit=100"
                                    % number.replace("+", "%2B"))
        check(status == 200, "GET /api/v1/messages: %d %s" % (status, data))
        return [item["text"] for item in reversed(json.loads(data)["items"])]


def mail_file(name):
    with open(os.path.join(HERE, "mail", name), "rb") as f:
        return f.read()


def expect_smtp_error(what, code, call):
    try:
        call()
    except smtplib.SMTPRecipientsRefused as error:
        got = list(error.recipients.values())[0][0]
        check(got == code, "%s: %d, expected %d (%r)" % (what, got, code, error.recipients))
        return
    except smtplib.SMTPResponseException as error:
        check(error.smtp_code == code, "%s: %d %r, expected %d" % (what, error.smtp_code,
                                                                  error.smtp_error, code))
        return
    raise Failure("%s was accepted" % what)


def run(binary, directory):
    sim = Sim(binary, os.path.join(directory, "sim"))
    daemon = None
    try:
        sim.wait_ready()
        database = os.path.join(directory, "smsgate.db")
        key = make_key(binary, database, "mail", "send,read,optouts,metrics")
        read_only = make_key(binary, database, "reader", "read")

        certificate = os.path.join(directory, "cert.pem")
        private_key = os.path.join(directory, "key.pem")
        made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                               "2", "-subj", "/CN=localhost", "-keyout", private_key, "-out",
                               certificate], capture_output=True, timeout=60)
        check(made.returncode == 0, "openssl req: %s" % made.stderr)

        http_port, smtp_port = free_port(), free_port()
        config = write_config(
            os.path.join(directory, "smsgate.toml"),
            gateway_config(http_port, database, sim.modem_glob, default_region="DE") +
            '[email]\nlisten = "127.0.0.1:%d"\ndomain = "%s"\n'
            'allow_networks = ["127.0.0.2/32"]\nmax_message_kb = 16\n'
            'tls_certificate = "%s"\ntls_key = "%s"\n'
            % (smtp_port, DOMAIN, certificate, private_key))
        api = GatewayApi(http_port, key)
        daemon = start_daemon(binary, config, api)
        daemon.wait_line(r"email to SMS: SMTP on 127\.0\.0\.1:%d" % smtp_port, 30)

        def trusted():
            return smtplib.SMTP("127.0.0.1", smtp_port, source_address=TRUSTED, timeout=10)

        def untrusted():
            return smtplib.SMTP("127.0.0.1", smtp_port, timeout=10)

        # Each encoding, from the trusted network, each to its own number.
        expected = {
            "plain.eml": "Your appointment is tomorrow at 10:00.\nSee you soon!",
            "html_only.eml": "Your order #42 has shipped.\nTrack it & smile \u263a \u20ac5",
            "alternative.eml": "Gr\u00fc\u00dfe aus der Praxis: Termin am Montag um 9 Uhr.",
            "base64_utf8.eml": "Ihr Caf\u00e9-Termin: morgen \u2615",
            "latin1.eml": "Bitte best\u00e4tigen Sie Ihren Termin in M\u00fcnchen.",
            "shift_jis.eml": "\u3053\u3093\u306b\u3061\u306f\u3001\u660e\u65e5\u306e\u4e88\u7d04\u3067\u3059\u3002",
        }
        with trusted() as client:
            for i, name in enumerate(sorted(expected)):
                number = "+4917010000%02d" % i
                client.sendmail("desk@practice.example", ["%s@%s" % (number, DOMAIN)],
                                mail_file(name))
                texts = api.texts_to(number)
                check(texts == [expected[name]], "%s: queued %r, expected %r"
                      % (name, texts, [expected[name]]))
        log("ok: plain, HTML-only, quoted-printable, base64, ISO-8859-1 and Shift_JIS")

        # Several recipients, one written nationally; the origin recorded for each.
        with trusted() as client:
            refused = client.sendmail(
                "<desk@practice.example>",
                ["01701000101@%s" % DOMAIN, "+491701000102@SMS.Example"],
                b"From: desk@practice.example\r\nSubject: [reminder] Check-up\r\n"
                b"Message-ID: <many@practice.example>\r\n\r\nTime for your check-up.\r\n")
            check(refused == {}, "several recipients: %r" % refused)
        for number in ("+491701000101", "+491701000102"):
            check(api.texts_to(number) == ["Time for your check-up."], "several: %s" % number)
        with sqlite3.connect(database, timeout=10) as db:
            rows = db.execute(
                "SELECT m.recipient, o.envelope_from, o.mail_message_id, o.subject, m.category "
                "FROM email_origins o JOIN messages m ON m.id = o.message_id "
                "WHERE o.mail_message_id = 'many@practice.example' ORDER BY m.recipient").fetchall()
        check(rows == [("+491701000101", "desk@practice.example", "many@practice.example",
                        "Check-up", "reminder"),
                       ("+491701000102", "desk@practice.example", "many@practice.example",
                        "Check-up", "reminder")], "email_origins: %r" % rows)
        log("ok: several recipients, their origins")

        # Refusals, each with its code.
        with trusted() as client:
            expect_smtp_error("relaying", 550, lambda: client.sendmail(
                "a@b.example", ["+491701000103@elsewhere.example"], b"Subject: x\r\n\r\nx\r\n"))
        with trusted() as client:
            expect_smtp_error("an invalid number", 553, lambda: client.sendmail(
                "a@b.example", ["12@%s" % DOMAIN], b"Subject: x\r\n\r\nx\r\n"))
        status, data = api.request("POST", "/api/v1/optouts", {"number": "+491701000199"})
        check(status in (200, 201, 204), "POST /api/v1/optouts: %d %s" % (status, data))
        with trusted() as client:
            expect_smtp_error("an opted-out recipient", 550, lambda: client.sendmail(
                "a@b.example", ["+491701000199@%s" % DOMAIN], b"Subject: x\r\n\r\nx\r\n"))
        with trusted() as client:
            expect_smtp_error("a mail over SIZE", 552, lambda: client.sendmail(
                "a@b.example", ["+491701000104@%s" % DOMAIN],
                b"Subject: x\r\n\r\n" + b"y" * (17 * 1024) + b"\r\n"))
        with trusted() as client:
            expect_smtp_error("too many parts", 554, lambda: client.sendmail(
                "a@b.example", ["+491701000105@%s" % DOMAIN],
                b"Subject: x\r\n\r\n" + b"long text " * 60 + b"\r\n"))
        check(api.texts_to("+491701000105") == [], "too many parts: something was queued")
        with untrusted() as client:
            expect_smtp_error("no sign-in", 530, lambda: client.sendmail(
                "a@b.example", ["+491701000106@%s" % DOMAIN], b"Subject: x\r\n\r\nx\r\n"))
        with untrusted() as client:
            expect_smtp_error("a wrong key", 535, lambda: client.login("apikey", "sgk_" + "x" * 43))
        with untrusted() as client:
            expect_smtp_error("a key without send", 535, lambda: client.login("apikey", read_only))
        log("ok: relaying 550, invalid number 553, opted out 550, SIZE 552, parts 554, "
            "no sign-in 530, bad key 535")

        # STARTTLS, then AUTH with a key, from outside the trusted network.
        with untrusted() as client:
            client.starttls()
            client.login("apikey", key)
            client.sendmail("desk@practice.example", ["+491701000107@%s" % DOMAIN],
                            b"Subject: tls\r\n\r\nSent over TLS.\r\n")
        check(api.texts_to("+491701000107") == ["Sent over TLS."], "smtplib STARTTLS")
        swaks = subprocess.run(
            ["swaks", "--server", "127.0.0.1", "--port", str(smtp_port), "--tls",
             "--auth", "PLAIN", "--auth-user", "apikey", "--auth-password", key,
             "--from", "desk@practice.example", "--to", "00491701000108@%s" % DOMAIN,
             "--header", "Subject: swaks", "--body", "Hello from swaks"],
            capture_output=True, text=True, timeout=30)
        check(swaks.returncode == 0, "swaks --tls: %s%s" % (swaks.stdout, swaks.stderr))
        check("Ready to start TLS" in swaks.stdout, "swaks did not start TLS:\n" + swaks.stdout)
        check(api.texts_to("+491701000108") == ["Hello from swaks"], "swaks --tls: %r"
              % api.texts_to("+491701000108"))
        swaks = subprocess.run(
            ["swaks", "--server", "127.0.0.1", "--port", str(smtp_port),
             "--auth", "LOGIN", "--auth-user", "apikey", "--auth-password", "wrong",
             "--from", "a@b.example", "--to", "00491701000109@%s" % DOMAIN],
            capture_output=True, text=True, timeout=30)
        check(swaks.returncode != 0 and "535 5.7.8" in swaks.stdout,
              "swaks with a wrong password:\n" + swaks.stdout)
        log("ok: STARTTLS with smtplib and swaks --tls, AUTH PLAIN and LOGIN")

        status, data = api.request("GET", "/metrics")
        check(status == 200, "GET /metrics: %d" % status)
        metrics = data.decode()
        for line in ("smsgate_email_accepted_total 9",
                     'smsgate_email_refused_total{reason="relay"} 1',
                     'smsgate_email_refused_total{reason="invalid_number"} 1',
                     'smsgate_email_refused_total{reason="opted_out"} 1',
                     'smsgate_email_refused_total{reason="size"} 1',
                     'smsgate_email_refused_total{reason="too_many_parts"} 1',
                     'smsgate_email_refused_total{reason="auth_required"} 1',
                     # smtplib's login tries PLAIN, then LOGIN: two for each of its two.
                     'smsgate_email_refused_total{reason="bad_auth"} 5'):
            check(line in metrics.splitlines(), "/metrics has no line %r:\n%s"
                  % (line, "\n".join(l for l in metrics.splitlines() if "email" in l)))
        log("ok: /metrics")

        # max_connections_per_client (4 by default): a fifth from one address is told 421.
        held = []
        try:
            for _ in range(4):
                connection = socket.create_connection(("127.0.0.1", smtp_port), 10,
                                                      source_address=("127.0.0.3", 0))
                held.append(connection)
                check(connection.recv(512).startswith(b"220 "), "a held connection's greeting")
            fifth = socket.create_connection(("127.0.0.1", smtp_port), 10,
                                             source_address=("127.0.0.3", 0))
            with fifth:
                answer = fifth.recv(512)
            check(answer.startswith(b"421 4.7.0"), "a fifth connection got %r" % answer)
            with trusted() as client:  # another address is served meanwhile
                check(client.noop()[0] == 250, "NOOP from another address")
        finally:
            for connection in held:
                connection.close()
        log("ok: connections per client capped")

        run_pipe_mode(binary, directory, config, api)
    finally:
        stop_all((daemon, "smsgated run"), (sim, "smsgated sim"))


def run_pipe_mode(binary, directory, config, api):
    def pipe(recipients, mail, config_file=config):
        argv = [binary, "mail2sms", "--config", config_file, "--sender", "desk@practice.example"]
        for recipient in recipients:
            argv += ["--recipient", recipient]
        return subprocess.run(argv, input=mail, capture_output=True, timeout=30)

    done = pipe(["+491701000201@%s" % DOMAIN, "01701000202@%s" % DOMAIN], mail_file("latin1.eml"))
    check(done.returncode == 0, "mail2sms: %d %s" % (done.returncode, done.stderr))
    for number in ("+491701000201", "+491701000202"):
        check(api.texts_to(number) == ["Bitte best\u00e4tigen Sie Ihren Termin in M\u00fcnchen."],
              "mail2sms queued %r" % api.texts_to(number))
    cases = [
        ("bad mail", 65, ["+491701000203@" + DOMAIN], mail_file("attachment_only.eml"),
         "has no text part"),
        ("too many parts", 65, ["+491701000203@" + DOMAIN],
         b"Subject: x\r\n\r\n" + b"long text " * 60 + b"\r\n", "more than the 3 allowed"),
        ("invalid number", 67, ["12@" + DOMAIN], mail_file("plain.eml"), "'12'"),
        ("relaying", 77, ["+491701000203@elsewhere.example"], mail_file("plain.eml"),
         "relaying denied"),
        ("opted out", 77, ["+491701000199@" + DOMAIN], mail_file("plain.eml"), "opted out"),
    ]
    for what, status, recipients, mail, says in cases:
        done = pipe(recipients, mail)
        stderr = done.stderr.decode()
        check(done.returncode == status and says in stderr and stderr.count("\n") == 1,
              "mail2sms, %s: exit %d (expected %d), stderr %r" % (what, done.returncode, status,
                                                                   stderr))
    broken = os.path.join(directory, "broken.toml")
    with open(broken, "w") as out:
        out.write("[email]\nlisten = 25\n")
    done = pipe(["+491701000203@" + DOMAIN], mail_file("plain.eml"), broken)
    check(done.returncode == 78, "mail2sms, bad config: exit %d %r" % (done.returncode, done.stderr))
    unopenable = os.path.join(directory, "unopenable.toml")
    with open(unopenable, "w") as out:
        out.write('[storage]\npath = "%s"\n[sending]\ndefault_region = "DE"\n[email]\ndomain = "%s"\n'
                  % (os.path.join(directory, "plain-file", "smsgate.db"), DOMAIN))
    with open(os.path.join(directory, "plain-file"), "w") as out:
        out.write("not a directory")
    done = pipe(["+491701000203@" + DOMAIN], mail_file("plain.eml"), unopenable)
    check(done.returncode == 75, "mail2sms, database cannot be opened: exit %d %r"
          % (done.returncode, done.stderr))
    check(api.texts_to("+491701000203") == [], "a refused mail2sms queued something")
    log("ok: mail2sms exit statuses 0, 65, 67, 77, 78, 75")



if __name__ == "__main__":
    sys.exit(smsgate_harness.main("email_to_sms_test.py", "email to SMS", run))

#!/usr/bin/env python3
"""Mail out end to end, with a real SMTP server as the smarthost.

The smarthost is aiosmtpd (Debian's python3-aiosmtpd) in this process on a free
loopback port: it offers STARTTLS with a certificate made here (openssl, subjectAltName
IP:127.0.0.1), takes AUTH PLAIN and LOGIN only over TLS and only with the login the
daemon is given, and records every mail with its envelope. The daemon checks that
certificate against [email] smarthost_ca_file alone: it is in no system store, so a
mail that arrives at all shows the file was used.

- SMS to email: a text the simulated modem delivers matches a [[forward]] rule and
  arrives with its exact From, To, Subject and body; GET /api/v1/mail shows it sent.
- A busy relay: the sink answers the first try 451; the mail arrives once, on the
  second try, and GET /api/v1/mail shows 2 attempts and the 451 kept as the last error.
  (The outbox waits 30 s before it tries again and no key shortens that, so the test
  moves the retry's time to now in the database, as a clock that ran on would.)
- Mail back: a mail with a known Message-ID and Subject goes to the daemon's SMTP
  listener for a number; the simulated modem sends the text and reports it delivered,
  and the delivery report arrives addressed to the mail's envelope sender, in its
  thread (In-Reply-To, References, "Re: " subject), with its exact text; a reply from
  that number then arrives the same way with the reply's text (email/mail_back.h).
- The smarthost password appears neither in GET /api/v1/settings nor anywhere in the
  daemon's output.

Usage: mail_back_test.py path/to/smsgated
"""

import calendar
import email
import email.policy
import logging
import os
import secrets
import smtplib
import sqlite3
import ssl
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import smsgate_harness  # noqa: E402
from smsgate_harness import (Api, Sim, check, free_port, gateway_config,  # noqa: E402
                             log, make_key, start_daemon, stop_all, wait_until, write_config)

DOMAIN = "sms.example"
FROM = "SMS gateway <sms@gateway.example>"
SMARTHOST_USER = "gateway"
FRONT_DESK = "frontdesk@practice.example"
BUSY_DESK = "night@practice.example"
PATIENT = "+4917000000601"  # texts forwarded to FRONT_DESK
NIGHT_CALLER = "+4917000000602"  # texts forwarded to BUSY_DESK, whose first try gets 451
DESK = "desk@practice.example"  # the envelope sender of a mail to SMS
MAILED = "+4917000000603"  # the number it goes to, who then replies
MAIL_MESSAGE_ID = "appointment-42@practice.example"

# aiosmtpd itself sets the deprecated Session.login_data on every AUTH, and says so.
logging.getLogger("mail.log").addFilter(
    lambda record: "login_data is deprecated" not in record.getMessage())


class Received:
    """One mail the sink took: its envelope and the parsed message."""

    def __init__(self, session, envelope):
        self.mail_from = envelope.mail_from
        self.rcpt_tos = list(envelope.rcpt_tos)
        self.message = email.message_from_bytes(envelope.original_content,
                                                policy=email.policy.default)
        self.over_tls = session.ssl is not None
        self.authenticated = bool(session.authenticated)

    def body(self):
        # On the wire every line ends in CRLF (RFC 5322); the texts are written with \n.
        return self.message.get_content().replace("\r\n", "\n")


class Sink:
    """The smarthost, on 127.0.0.1:`port`: STARTTLS required, then AUTH."""

    def __init__(self, certificate, private_key, password):
        self.password = password
        self.mails = []
        self.logins = []  # (mechanism, accepted, over TLS)
        self.refused = []  # (recipients, reply) of each mail answered 4xx
        self.busy_once = {BUSY_DESK}  # recipients whose first mail is answered 451
        self.lock = threading.Lock()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, private_key)
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     tls_context=context, require_starttls=True,
                                     auth_required=True, auth_require_tls=True,
                                     authenticator=self.authenticate)
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        accepted = (isinstance(auth_data, LoginPassword) and
                    auth_data.login == SMARTHOST_USER.encode() and
                    auth_data.password == self.password.encode())
        with self.lock:
            self.logins.append((mechanism, accepted, session.ssl is not None))
        return AuthResult(success=accepted)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            busy = self.busy_once.intersection(envelope.rcpt_tos)
            if busy:
                self.busy_once -= busy
                reply = "451 4.3.0 Busy, try again later"
                self.refused.append((list(envelope.rcpt_tos), reply))
                return reply
            self.mails.append(Received(session, envelope))
        return "250 2.0.0 Queued"

    def mails_to(self, address):
        with self.lock:
            return [mail for mail in self.mails if address in mail.rcpt_tos]


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    certificate = os.path.join(directory, "smarthost.pem")
    private_key = os.path.join(directory, "smarthost.key")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                           "-subj", "/CN=smarthost.test", "-addext",
                           "subjectAltName=IP:127.0.0.1", "-keyout", private_key,
                           "-out", certificate], capture_output=True, timeout=60)
    check(made.returncode == 0, "openssl req: %s" % made.stderr)
    return certificate, private_key


def check_sink_requires_tls(sink):
    """Without STARTTLS the sink takes no login: what the daemon did, it did over TLS."""
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as client:
        client.ehlo()
        check(not client.has_extn("auth"), "the sink offers AUTH before STARTTLS")
        code, reply = client.docmd("AUTH", "PLAIN")
        check(code == 530, "AUTH before STARTTLS: %d %r" % (code, reply))


def mail_items(api):
    return api.json("GET", "/api/v1/mail?limit=100")["items"]


def mail_item(api, to):
    """GET /api/v1/mail's one item to `to`."""
    items = [item for item in mail_items(api) if item["to"] == to]
    check(len(items) == 1, "GET /api/v1/mail to %s: %r" % (to, items))
    return items[0]


def inbound_from(api, number):
    items = api.json("GET", "/api/v1/inbound?from=%s" % number.replace("+", "%2B"))["items"]
    check(len(items) == 1, "GET /api/v1/inbound from %s: %r" % (number, items))
    return items[0]


def received_text(iso_time):
    """"2026-12-06T04:30:07.123Z" as forwarded mail writes it in [sending] timezone UTC."""
    return "%s %s +00:00 (UTC)" % (iso_time[:10], iso_time[11:19])


def check_headers(mail, expected, what):
    for name, value in expected.items():
        check(str(mail.message[name]) == value, "%s: %s is %r, expected %r"
              % (what, name, mail.message[name], value))


def check_forwarded(api, sim, sink):
    """SMS to email: a text from PATIENT arrives at FRONT_DESK, exactly."""
    text = "Can I move my appointment to Friday? Gr\u00fc\u00dfe, Anna"
    sim.control({"cmd": "deliver", "modem": 0, "from": PATIENT, "text": text})
    wait_until("the forwarded text at the smarthost", 20, lambda: sink.mails_to(FRONT_DESK))
    inbound = inbound_from(api, PATIENT)
    mails = sink.mails_to(FRONT_DESK)
    check(len(mails) == 1, "%d mails to %s" % (len(mails), FRONT_DESK))
    mail = mails[0]
    check(mail.mail_from == "sms@gateway.example" and mail.rcpt_tos == [FRONT_DESK],
          "the envelope: from %r to %r" % (mail.mail_from, mail.rcpt_tos))
    check(mail.over_tls and mail.authenticated,
          "the mail came over TLS %s, signed in %s" % (mail.over_tls, mail.authenticated))
    check_headers(mail, {"From": FROM, "To": FRONT_DESK,
                         "Subject": "SMS from %s on %s" % (PATIENT, inbound["modem"])},
                  "the forwarded text")
    expected = "%s\n\nFrom: %s\nReceived: %s\nModem: %s\n" % (
        text, PATIENT, received_text(inbound["received_at"]), inbound["modem"])
    check(mail.body() == expected, "the forwarded text's body is %r, expected %r"
          % (mail.body(), expected))

    def sent():
        item = mail_item(api, FRONT_DESK)
        return item if item["state"] == "sent" else None
    item = wait_until("GET /api/v1/mail to show the forwarded text sent", 10, sent)
    check(item["attempts"] == 1 and item["last_error"] is None
          and item["message_id"] == mail.message["Message-ID"].strip("<>")
          and item["inbound_id"] == inbound["id"],
          "GET /api/v1/mail: %r for the mail with Message-ID %s"
          % (item, mail.message["Message-ID"]))
    log("ok: SMS to email, over STARTTLS with AUTH %s, From, To, Subject and body exact"
        % sorted({mechanism for mechanism, accepted, _ in sink.logins if accepted}))


def check_busy_relay(api, sim, sink, database):
    """The first try answered 451: tried again, arrives once, 2 attempts."""
    sim.control({"cmd": "deliver", "modem": 0, "from": NIGHT_CALLER,
                 "text": "Please call me back."})

    def refused_once():
        item = [i for i in mail_items(api) if i["to"] == BUSY_DESK]
        return item[0] if item and item[0]["attempts"] == 1 else None
    item = wait_until("the first try to be answered 451", 20, refused_once)
    check(item["state"] == "waiting" and item["last_error"] == "451 4.3.0 Busy, try again later"
          and item["next_attempt_at"] is not None,
          "after the 451, GET /api/v1/mail shows %r" % item)
    check(sink.mails_to(BUSY_DESK) == [], "a mail answered 451 was taken")
    with sqlite3.connect(database, timeout=10) as db:
        db.execute("UPDATE mail_outbox SET next_attempt_at = ? WHERE id = ?",
                   (int(time.time() * 1000), item["id"]))

    def sent():
        found = mail_item(api, BUSY_DESK)
        return found if found["state"] == "sent" else None
    item = wait_until("the second try to be taken", 20, sent)
    check(item["attempts"] == 2, "GET /api/v1/mail after the second try: %r" % item)
    mails = sink.mails_to(BUSY_DESK)
    check(len(mails) == 1 and mails[0].body().startswith("Please call me back.\n"),
          "%d mails arrived for %s" % (len(mails), BUSY_DESK))
    check(len(sink.refused) == 1, "the sink refused %r" % sink.refused)
    log("ok: 451, then taken on the second try: one mail, 2 attempts")


def check_thread(mail, what):
    """A mail back: from the gateway to DESK, in the thread of the mail to SMS."""
    check(mail.mail_from == "sms@gateway.example" and mail.rcpt_tos == [DESK],
          "%s: the envelope is from %r to %r" % (what, mail.mail_from, mail.rcpt_tos))
    check_headers(mail, {"From": FROM, "To": DESK, "Subject": "Re: Appointment",
                         "In-Reply-To": "<%s>" % MAIL_MESSAGE_ID}, what)
    references = str(mail.message["References"] or "").split()
    check("<%s>" % MAIL_MESSAGE_ID in references,
          "%s: References %r lacks the mail's Message-ID" % (what, references))


def check_mail_back(api, sim, sink, smtp_port):
    """Email to SMS, then its delivery report and a reply mailed back to its sender."""
    sim.control({"cmd": "status_reports", "modem": 0, "on": True, "status": 0})
    sent_after = time.time()
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        refused = client.sendmail(
            DESK, ["%s@%s" % (MAILED, DOMAIN)],
            ("From: Front desk <%s>\r\nTo: %s@%s\r\nSubject: Appointment\r\n"
             "Message-ID: <%s>\r\n\r\nYour appointment is on Monday at 9:00.\r\n"
             % (DESK, MAILED, DOMAIN, MAIL_MESSAGE_ID)).encode())
    check(refused == {}, "the mail to SMS was refused for %r" % refused)
    reports = wait_until("the delivery report at the smarthost", 30, lambda: sink.mails_to(DESK))
    delivered_before = time.time()
    check(len(reports) == 1, "%d mails to %s, expected the delivery report" % (len(reports), DESK))
    report = reports[0]
    check_thread(report, "the delivery report")
    check(report.over_tls and report.authenticated, "the delivery report came in clear")
    # Delivered while the test waited: the time is known to the second only within that.
    prefix, suffix = "Your text to %s was delivered on " % MAILED, " +00:00 (UTC).\n"
    body = report.body()
    check(body.startswith(prefix) and body.endswith(suffix),
          "the delivery report's body is %r" % body)
    delivered = calendar.timegm(time.strptime(body[len(prefix):-len(suffix)],
                                              "%Y-%m-%d %H:%M:%S"))
    check(int(sent_after) <= delivered <= delivered_before,
          "the delivery report says %r, not between %s and %s"
          % (body, time.strftime("%H:%M:%S", time.gmtime(sent_after)),
             time.strftime("%H:%M:%S", time.gmtime(delivered_before))))

    reply_text = "Yes, see you on Monday. Danke!"
    sim.control({"cmd": "deliver", "modem": 0, "from": MAILED, "text": reply_text})
    wait_until("the reply at the smarthost", 20, lambda: len(sink.mails_to(DESK)) >= 2)
    mails = sink.mails_to(DESK)
    check(len(mails) == 2, "%d mails to %s, expected the report and the reply" % (len(mails), DESK))
    reply = mails[1]
    check_thread(reply, "the reply")
    inbound = inbound_from(api, MAILED)
    expected = "%s\n\nFrom: %s\nReceived: %s\nModem: %s\n" % (
        reply_text, MAILED, received_text(inbound["received_at"]), inbound["modem"])
    check(reply.body() == expected, "the reply's body is %r, expected %r"
          % (reply.body(), expected))

    def both_sent():
        items = [item for item in mail_items(api) if item["to"] == DESK]
        return items if all(item["state"] == "sent" for item in items) else None
    items = wait_until("GET /api/v1/mail to show both sent", 10, both_sent)
    check(sorted((item["kind"], item["message_id"]) for item in items) ==
          sorted([("report", report.message["Message-ID"].strip("<>")),
                  ("reply", reply.message["Message-ID"].strip("<>"))]),
          "GET /api/v1/mail to %s: %r" % (DESK, items))
    log("ok: mail back: the delivery report and the reply in the mail's thread, exact")


def check_password_kept(api, binary, database, daemon, password):
    """The smarthost password in no answer and no log line."""
    admin_password = "settings reader " + secrets.token_hex(8)
    added = subprocess.run([binary, "user", "add", "admin", "--role", "admin", "--db", database],
                           input=admin_password + "\n", capture_output=True, text=True,
                           timeout=30)
    check(added.returncode == 0, "smsgated user add: %s%s" % (added.stdout, added.stderr))
    status, response, _ = api.raw("POST", "/api/v1/admin/session",
                                  {"name": "admin", "password": admin_password}, auth=False)
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    check(status == 204 and cookie.startswith("smsgate_session="),
          "signing in: %d, cookie %r" % (status, cookie))
    status, _, settings = api.raw("GET", "/api/v1/settings", headers={"Cookie": cookie},
                                  auth=False)
    check(status == 200, "GET /api/v1/settings: %d %s" % (status, settings[:200]))
    check(password.encode() not in settings, "GET /api/v1/settings shows the smarthost password")
    check(password not in daemon.output(), "the daemon's output holds the smarthost password")


def run(binary, directory):
    certificate, private_key = make_certificate(directory)
    password = "smarthost-" + secrets.token_urlsafe(16)
    sink = Sink(certificate, private_key, password)
    sim = daemon = None
    try:
        check_sink_requires_tls(sink)
        sim = Sim(binary, os.path.join(directory, "sim"))
        sim.wait_ready()
        database = os.path.join(directory, "smsgate.db")
        key = make_key(binary, database, "mail", "send,read,inbound")
        http_port, smtp_port = free_port(), free_port()
        config = write_config(
            os.path.join(directory, "smsgate.toml"),
            gateway_config(http_port, database, sim.modem_glob, default_region="DE") +
            '[email]\nlisten = "127.0.0.1:%d"\ndomain = "%s"\n'
            'smarthost = "smtp://127.0.0.1:%d"\nsmarthost_user = "%s"\n'
            'smarthost_password = "%s"\nsmarthost_ca_file = "%s"\nfrom = "%s"\n'
            '[[forward]]\nto = "%s"\nfrom_numbers = ["%s"]\nsubject = "SMS from {number} on {modem}"\n'
            '[[forward]]\nto = "%s"\nfrom_numbers = ["%s"]\n'
            % (smtp_port, DOMAIN, sink.port, SMARTHOST_USER, password, certificate, FROM,
               FRONT_DESK, PATIENT, BUSY_DESK, NIGHT_CALLER))
        api = Api(http_port, key)
        daemon = start_daemon(binary, config, api, modems_ready=1)

        check_forwarded(api, sim, sink)
        check_busy_relay(api, sim, sink, database)
        check_mail_back(api, sim, sink, smtp_port)
        check(all(over_tls for _, _, over_tls in sink.logins) and
              all(accepted for _, accepted, _ in sink.logins),
              "logins at the sink: %r" % sink.logins)
        check_password_kept(api, binary, database, daemon, password)
        log("ok: the password in neither GET /api/v1/settings nor the daemon's output")
    finally:
        try:
            stop_all((daemon, "smsgated run"), (sim, "smsgated sim"))
        finally:
            sink.stop()
    # What it printed while stopping too.
    check(password not in daemon.output(), "the daemon's output holds the smarthost password")



if __name__ == "__main__":
    sys.exit(smsgate_harness.main("mail_back_test.py", "mail out", run))

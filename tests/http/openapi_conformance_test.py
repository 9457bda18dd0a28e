#!/usr/bin/env python3
"""Holds the HTTP API to its OpenAPI document (src/http/openapi.json), over real HTTP.

Runs `smsgated run --demo` on a free port, fetches GET /api/v1/openapi.json, calls every
documented operation (successes and the error answers: 400, 401, 404, 409, 413, 429), and
checks each answer: its status must be documented for the operation, its content type
the documented one, its body valid against the documented schema (JSON Schema 2020-12,
$refs resolved in the document). Then the reverse: every path and method in the
document was answered by a route (not 404 "no such endpoint", not 405). Webhook events
are checked too: a local receiver gets them, and both what it receives and what the
deliveries list shows must match the document's `webhooks` section.

The demo receives no SMS, so a second, shorter run covers inbound items: `smsgated sim`
(whose control socket delivers texts) and `smsgated run --config` on its ptys, with a
key from `smsgated apikey create`; a reply to a feedback message must list with
in_reply_to and its rating, and its inbound.received webhook must match too.

Usage: openapi_conformance_test.py path/to/smsgated
Exit status 0 when everything conforms; otherwise each mismatch is printed, naming the
operation, the status and the field, and the exit status is 1.
"""

import hashlib
import hmac
import http.server
import json
import os
import re
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

import jsonschema

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import smsgate_harness  # noqa: E402
from smsgate_harness import (Failure, Process, Sim, free_port, gateway_config, log,  # noqa: E402
                             make_key, start_daemon, stop_all, wait_until, write_config)

# An http-like base, so that "#/components/..." inside resolves with either
# jsonschema API (RefResolver joins with urljoin, which ignores urn: bases).
DOC_URI = "https://smsgate.invalid/api/v1/openapi.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


# --- The daemon ---------------------------------------------------------------------


class Daemon(Process):
    """smsgated run --demo (it logs to stdout too)."""

    def __init__(self, binary, directory):
        super().__init__([binary, "run", "--demo", "--demo-dir", directory, "--demo-modems", "2",
                          "--listen", "127.0.0.1:0"])

    def wait_ready(self, timeout):
        """(host, port, API key, admin password) from what the demo prints."""
        url = self.wait_line(r"^API:\s+(http://127\.0\.0\.1:\d+/api/v1/)", timeout).group(1)
        key = self.wait_line(r"^API key:\s+(sgk_\S+)", timeout).group(1)
        password = self.wait_line(r"^Admin password:\s+(\S+)", timeout).group(1)
        parsed = urllib.parse.urlparse(url)
        return parsed.hostname, parsed.port, key, password


# --- The document -------------------------------------------------------------------


def pointer_escape(token):
    return token.replace("~", "~0").replace("/", "~1")


class Document:
    """The OpenAPI document, and validators of its schemas by JSON pointer."""

    def __init__(self, document):
        self.document = document
        self.validators = {}
        try:  # jsonschema >= 4.18
            import referencing
            import referencing.jsonschema

            resource = referencing.Resource.from_contents(
                document, default_specification=referencing.jsonschema.DRAFT202012)
            registry = referencing.Registry().with_resource(DOC_URI, resource)
            self._make = lambda schema: jsonschema.Draft202012Validator(schema, registry=registry)
        except ImportError:  # Debian's 4.10: RefResolver
            resolver = jsonschema.RefResolver(DOC_URI, document)
            self._make = lambda schema: jsonschema.Draft202012Validator(schema, resolver=resolver)

    def operations(self):
        for path, item in self.document["paths"].items():
            for method in METHODS:
                if method in item:
                    yield path, method.upper(), item[method]

    def operation(self, method, path):
        item = self.document["paths"].get(path)
        if item is None or method.lower() not in item:
            raise Failure("%s %s is not in the document" % (method, path))
        return item[method.lower()]

    def resolve(self, node):
        # Responses and parameters may be $refs into components.
        while isinstance(node, dict) and "$ref" in node:
            target = self.document
            for token in node["$ref"].lstrip("#/").split("/"):
                target = target[token.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def validator(self, pointer):
        """A validator for the schema at `pointer` ("#/paths/..."), refs resolved."""
        if pointer not in self.validators:
            self.validators[pointer] = self._make({"$ref": DOC_URI + pointer})
        return self.validators[pointer]

    def errors(self, pointer, value):
        found = sorted(self.validator(pointer).iter_errors(value), key=lambda e: list(e.path))
        return ["at %s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(body)",
                               e.message) for e in found]


# --- Calling the API ----------------------------------------------------------------


class Api(smsgate_harness.Api):
    def __init__(self, host, port, key, document):
        super().__init__(port, key, host)
        self.doc = document
        self.failures = []
        self.calls = {}  # (METHOD, path template) -> [statuses answered]
        # (METHOD, path template) -> [(status, answered by the router itself?)]
        self.route_answers = {}

    def call(self, method, template, params=None, query=None, body=None, headers=None,
             auth=True, expect=None):
        """Calls the documented operation `method template` and checks the answer
        against the document. Answers (status, parsed JSON body or text)."""
        operation = self.doc.operation(method, template)
        path = template
        for name, value in (params or {}).items():
            path = path.replace("{%s}" % name, urllib.parse.quote(str(value), safe=""))
        target = path + ("?" + urllib.parse.urlencode(query) if query else "")
        status, response, data = self.raw(method, target, body, headers, auth)
        name = "%s %s (%s)" % (method, template, operation.get("operationId"))
        self.calls.setdefault((method, template), []).append(status)
        parsed = self.check(name, method, template, operation, status, response, data)
        error = parsed.get("error", {}) if isinstance(parsed, dict) else {}
        # The router's own answers: no route for the path, or none for the method.
        unrouted = status == 405 or (status == 404 and isinstance(error, dict) and
                                     str(error.get("message", "")).startswith("no such endpoint"))
        self.route_answers.setdefault((method, template), []).append((status, unrouted))
        if expect is not None and status != expect:
            self.fail("%s -> %d, expected %d: %s" % (name, status, expect, data[:300]))
        return status, parsed

    def fail(self, message):
        log("FAIL: " + message)
        self.failures.append(message)

    def check(self, name, method, template, operation, status, response, data):
        responses = operation.get("responses", {})
        key = str(status)
        if key not in responses:
            key = str(status)[0] + "XX"
        if key not in responses:
            key = "default"
        if key not in responses:
            self.fail("%s answered %d, which the document does not list (it lists %s): %s"
                      % (name, status, ", ".join(sorted(responses)), data[:300]))
            return self.decode(response, data)
        documented = self.doc.resolve(responses[key])
        content = documented.get("content", {})
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        if not content:
            if data:
                self.fail("%s %d: the document says no body, got %r" % (name, status, data[:100]))
            return self.decode(response, data)
        if media_type not in content:
            self.fail("%s %d: Content-Type %s, documented %s"
                      % (name, status, media_type, ", ".join(content)))
            return self.decode(response, data)
        for header, spec in self.doc.resolve(documented).get("headers", {}).items():
            spec = self.doc.resolve(spec)
            if spec.get("required") and response.getheader(header) is None:
                self.fail("%s %d: header %s is missing" % (name, status, header))
        body = self.decode(response, data)
        if media_type == "application/json" and not isinstance(body, (dict, list)):
            self.fail("%s %d: the body is not JSON: %r" % (name, status, data[:200]))
            return body
        # Point at the schema through the response as written (a $ref to
        # components/responses stays one), so errors name where it lives.
        if "$ref" in responses[key]:
            base = responses[key]["$ref"]
        else:
            base = "#/paths/%s/%s/responses/%s" % (pointer_escape(template), method.lower(), key)
        pointer = base + "/content/" + pointer_escape(media_type) + "/schema"
        for error in self.doc.errors(pointer, body):
            self.fail("%s %d: the body does not match the schema %s: %s"
                      % (name, status, pointer, error))
        return body

    @staticmethod
    def decode(response, data):
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        if media_type == "application/json":
            try:
                return json.loads(data)
            except ValueError:
                return data.decode("utf-8", "replace")
        return data.decode("utf-8", "replace")


# --- A webhook receiver ---------------------------------------------------------------


class Receiver:
    """Records the webhook requests it gets; answers 200."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                received.append((self.path, dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --- The scenario -------------------------------------------------------------------


def exercise(api, doc, receiver):
    M = "/api/v1/messages"

    # 401 from every operation that needs a key; this also shows each documented path
    # and method is routed (a missing route would be 404 or 405).
    for path, method, operation in doc.operations():
        if operation.get("security", doc.document.get("security")) == []:
            continue
        params = {p: "1" for p in re.findall(r"{(\w+)}", path)}
        body = {} if method in ("POST", "PUT", "PATCH") else None
        api.call(method, path, params=params, body=body, auth=False, expect=401)
        api.call(method, path, params=params, body=body, auth=False, expect=401,
                 headers={"Authorization": "Bearer sgk_not_a_real_key"})

    api.call("GET", "/api/v1/health", auth=False, expect=200)

    # --- Webhooks first, so that later events reach the receiver. ---
    _, hook = api.call("POST", "/api/v1/webhooks", expect=201,
                       body={"url": receiver.url, "events": ["*"], "secret": "s3cret-s3cret-s3cret"})
    _, hook2 = api.call("POST", "/api/v1/webhooks", expect=201,
                        body={"url": receiver.url + "/two",
                              "events": ["message.delivered", "message.sent"]})
    if not str(hook2.get("secret", "")).startswith("whsec_"):
        api.fail("POST /api/v1/webhooks without a secret: no whsec_ secret made: %r" % hook2)
    api.call("POST", "/api/v1/webhooks", body={"url": "ftp://x", "events": ["*"]}, expect=400)
    api.call("POST", "/api/v1/webhooks", body={"url": receiver.url, "events": ["nope"]},
             expect=400)
    api.call("POST", "/api/v1/webhooks", body={"url": receiver.url, "colour": "red"},
             expect=400)
    api.call("GET", "/api/v1/webhooks", expect=200)
    api.call("GET", "/api/v1/webhooks/{id}", params={"id": hook["id"]}, expect=200)
    api.call("GET", "/api/v1/webhooks/{id}", params={"id": 999999}, expect=404)
    api.call("GET", "/api/v1/webhooks/{id}", params={"id": "abc"}, expect=404)

    # --- Messages. ---
    _, sent = api.call("POST", M, expect=202, body={
        "to": "+4917000000201", "text": "Your parcel is ready.", "status_report": True,
        "external_id": "order-1", "category": "transactional"})
    _, plain = api.call("POST", M, expect=202, body={"to": "+4917000000202", "text": "Hi"})
    _, first = api.call("POST", M, expect=202, headers={"Idempotency-Key": "k-1"},
                        body={"to": "+4917000000203", "text": "Once only, please"})
    status, again = api.call("POST", M, expect=200, headers={"Idempotency-Key": "k-1"},
                             body={"to": "+4917000000203", "text": "Once only, please"})
    if status == 200 and again.get("id") != first.get("id"):
        api.fail("POST %s replayed Idempotency-Key answered another message: %r vs %r"
                 % (M, again, first))
    _, scheduled = api.call("POST", M, expect=202, body={
        "to": "+4917000000204", "text": "Later", "send_at": "2099-01-01T10:00:00+01:00",
        "ttl": 3600, "priority": 5, "expect_reply": True, "category": "feedback",
        "options": {"encoding": "gsm7", "transliterate": True, "languages": ["es"]}})
    if scheduled.get("status") != "scheduled":
        api.fail("POST %s with send_at in 2099: status %r, expected scheduled" % (M, scheduled))
    api.call("POST", M, body={"to": "+4917000000205", "txt": "typo"}, expect=400)
    api.call("POST", M, body={"to": "not a number", "text": "x"}, expect=400)
    api.call("POST", M, body={"to": "+4917000000205", "text": "x", "ttl": 0}, expect=400)
    # One-time passwords only through /api/v1/otp; nothing a client sends outranks them.
    api.call("POST", M, body={"to": "+4917000000205", "text": "Code 123456", "category": "otp"},
             expect=400)
    api.call("POST", M, body={"to": "+4917000000205", "text": "x", "priority": 100},
             expect=400)
    api.call("POST", M, body=b"{not json", expect=400)
    api.call("POST", M, body=b"", expect=400)
    api.call("POST", M, body={"to": "+4917000000205", "text": "x", "modem": "nope"},
             expect=400)
    api.call("POST", M, headers={"Idempotency-Key": "x" * 300},
             body={"to": "+4917000000205", "text": "x"}, expect=400)
    try:
        api.call("POST", M, body=b"{" + b" " * (1 << 20) + b"}", expect=413)
    except (ConnectionError, http.client.HTTPException):
        api.fail("POST %s with a 1 MiB body: the connection broke instead of a 413" % M)

    _, batch = api.call("POST", M + "/batch", expect=202, headers={"Idempotency-Key": "b-1"},
                        body={"messages": [{"to": "+4917000000206", "text": "one"},
                                           {"to": "+4917000000207", "text": "two \U0001F600"}]})
    api.call("POST", M + "/batch", expect=200, headers={"Idempotency-Key": "b-1"},
             body={"messages": [{"to": "+4917000000206", "text": "one"},
                                {"to": "+4917000000207", "text": "two \U0001F600"}]})
    api.call("POST", M + "/batch", body={"messages": []}, expect=400)
    api.call("POST", M + "/batch", body={"messages": [{"to": "+4917000000208"}]}, expect=400)

    api.call("POST", M + "/preview", expect=200, body={"text": "Hello \u00f1 world"})
    api.call("POST", M + "/preview", expect=200,
             body={"text": "Hi \u201cthere\u201d \U0001F600 " * 20})
    api.call("POST", M + "/preview", expect=200,
             body={"text": "\u201cquoted\u201d", "options": {"transliterate": True}})
    api.call("POST", M + "/preview", expect=200,
             body={"text": "\u00e7a \u011f", "options": {"encoding": "gsm7",
                                                        "languages": ["tr"]}})
    api.call("POST", M + "/preview", body={"text": "x", "options": {"encoding": "utf8"}},
             expect=400)

    status, page = api.call("GET", M, query={"limit": 2}, expect=200)
    if status == 200 and "next_cursor" not in page:
        api.fail("GET %s?limit=2 with more messages: no next_cursor" % M)
    if status == 200 and "next_cursor" in page:
        api.call("GET", M, query={"limit": 2, "cursor": page["next_cursor"]}, expect=200)
    api.call("GET", M, query={"status": "scheduled", "to": "+4917000000204",
                              "since": "2020-01-01T00:00:00Z"}, expect=200)
    api.call("GET", M, query={"category": "transactional", "q": "parcel",
                              "since": "2020-01-01T00:00:00Z",
                              "until": "2099-01-01T00:00:00Z"}, expect=200)
    api.call("GET", M, query={"category": "spam"}, expect=400)
    api.call("GET", M, query={"until": "later"}, expect=400)
    api.call("GET", M, query={"status": "lost"}, expect=400)
    api.call("GET", M, query={"limit": 0}, expect=400)
    api.call("GET", M, query={"since": "yesterday"}, expect=400)
    api.call("GET", M, query={"cursor": "garbage"}, expect=400)

    api.call("GET", M + "/{id}", params={"id": scheduled["id"]}, expect=200)
    api.call("GET", M + "/{id}", params={"id": 999999}, expect=404)
    api.call("GET", M + "/{id}", params={"id": "abc"}, expect=404)
    api.call("DELETE", M + "/{id}", params={"id": scheduled["id"]}, expect=200)
    api.call("DELETE", M + "/{id}", params={"id": 999999}, expect=404)

    # Sent, then delivered (the demo modems report after 2 s).
    def delivered():
        _, detail = api.call("GET", M + "/{id}", params={"id": sent["id"]}, expect=200)
        return detail if detail.get("status") == "delivered" else None
    wait_until("message %s to be delivered" % sent["id"], 20, delivered, 0.3)
    api.call("DELETE", M + "/{id}", params={"id": sent["id"]}, expect=409)

    # --- Resending what did not go out, and the console's reads. ---
    _, again = api.call("POST", M + "/{id}/resend", params={"id": scheduled["id"]}, expect=201)
    if again.get("resent_from") != scheduled["id"]:
        api.fail("POST %s/{id}/resend: resent_from %r, expected %r"
                 % (M, again.get("resent_from"), scheduled["id"]))
    api.call("POST", M + "/{id}/resend", params={"id": sent["id"]}, expect=409)
    api.call("POST", M + "/{id}/resend", params={"id": 999999}, expect=404)
    api.call("GET", "/api/v1/stats", expect=200)
    C = "/api/v1/conversations"
    status, conversations = api.call("GET", C, query={"limit": 1}, expect=200)
    if status == 200 and "next_cursor" in conversations:
        api.call("GET", C, query={"limit": 1, "cursor": conversations["next_cursor"]}, expect=200)
    else:
        api.fail("GET %s?limit=1 with several numbers texted: no next_cursor" % C)
    api.call("GET", C, query={"q": "4917000000201"}, expect=200)
    api.call("GET", C, query={"cursor": "nonsense"}, expect=400)
    api.call("GET", C + "/{number}", params={"number": "+4917000000204"}, expect=200)
    api.call("GET", C + "/{number}", params={"number": "4917000000204"}, query={"limit": 1},
             expect=200)
    api.call("GET", C + "/{number}", params={"number": "banana"}, expect=400)
    api.call("POST", C + "/{number}/read", params={"number": "+4917000000204"}, expect=204)
    api.call("POST", C + "/{number}/read", params={"number": "banana"}, expect=400)

    # --- OTP. ---
    _, otp = api.call("POST", "/api/v1/otp", expect=202,
                      body={"to": "+4917000000301", "length": 6, "ttl": 120,
                            "template": "Code: {code}"})
    _, otp1 = api.call("POST", "/api/v1/otp", expect=202, headers={"Idempotency-Key": "otp-1"},
                       body={"to": "+4917000000302"})
    # A replay answers the same message, 200 as /messages does.
    _, otp2 = api.call("POST", "/api/v1/otp", expect=200, headers={"Idempotency-Key": "otp-1"},
                       body={"to": "+4917000000302"})
    if otp1.get("id") != otp2.get("id"):
        api.fail("POST /api/v1/otp replayed Idempotency-Key sent another code: %r vs %r"
                 % (otp1, otp2))
    api.call("POST", "/api/v1/otp", body={"to": "+4917000000301", "length": 3}, expect=400)
    api.call("POST", "/api/v1/otp", headers={"Idempotency-Key": "x" * 300},
             body={"to": "+4917000000301"}, expect=400)
    api.call("POST", "/api/v1/otp", body={"to": "+4917000000301", "template": "no code"},
             expect=400)
    api.call("POST", "/api/v1/otp/verify", expect=200,
             body={"to": "+4917000000301", "code": "0"})
    # The code is never readable through the API: the text shows it masked.
    _, carrier = api.call("GET", M + "/{id}", params={"id": otp["id"]}, expect=200)
    text = carrier.get("text", "")
    if re.search(r"\d", text) or "Code: " + "\u2022" * 6 != text:
        api.fail("GET %s/{id} shows the OTP message as %r, expected its code masked" % (M, text))
    api.call("POST", M + "/{id}/resend", params={"id": otp["id"]}, expect=409)
    api.call("POST", "/api/v1/otp/verify", body={"to": "+4917000000301", "code": "abc"},
             expect=400)
    api.call("POST", "/api/v1/otp/verify", body={"to": "+4917000000301"}, expect=400)
    # The per-number limit (5 codes an hour by default): the sixth is 429 with Retry-After.
    for _ in range(5):
        api.call("POST", "/api/v1/otp", body={"to": "+4917000000303"}, expect=202)
    api.call("POST", "/api/v1/otp", body={"to": "+4917000000303"}, expect=429)

    # --- Inbound (the demo receives nothing, so the list is checked empty). ---
    api.call("GET", "/api/v1/inbound", expect=200)
    api.call("GET", "/api/v1/inbound", query={"from": "+4917000000201", "limit": 5,
                                               "since": "2020-01-01T00:00:00Z"}, expect=200)
    api.call("GET", "/api/v1/inbound", query={"since": "soon"}, expect=400)
    api.call("GET", "/api/v1/inbound", query={"limit": "many"}, expect=400)

    # --- Modems. ---
    _, modems = api.call("GET", "/api/v1/modems", expect=200)
    items = modems.get("items", []) if isinstance(modems, dict) else []
    if len(items) != 2:
        api.fail("GET /api/v1/modems: %d modems, the demo runs 2" % len(items))
    modem = items[0]["id"] if items else "0"
    _, one = api.call("GET", "/api/v1/modems/{id}", params={"id": modem}, expect=200)
    if isinstance(one, dict) and not isinstance(one.get("signal_history"), list):
        api.fail("GET /api/v1/modems/{id}: no signal_history: %r" % one)
    api.call("GET", "/api/v1/modems/{id}", params={"id": "000000000000000"}, expect=404)
    api.call("POST", "/api/v1/modems/{id}/disable", params={"id": modem}, expect=200)
    api.call("POST", "/api/v1/modems/{id}/enable", params={"id": modem}, expect=200)
    # USSD: the simulated network answers *100# with a balance, and no other code.
    U = "/api/v1/modems/{id}/ussd"
    _, balance = api.call("POST", U, params={"id": modem}, body={"code": "*100#"}, expect=200)
    if isinstance(balance, dict) and "balance" not in balance.get("reply", ""):
        api.fail("POST %s: no balance in %r" % (U, balance))
    api.call("POST", U, params={"id": modem}, body={"code": "*999#", "timeout": 10}, expect=502)
    api.call("POST", U, params={"id": modem}, body={"code": "*100#;+CFUN=0"}, expect=400)
    api.call("POST", U, params={"id": modem}, body={}, expect=400)
    api.call("POST", U, params={"id": "000000000000000"}, body={"code": "*100#"}, expect=404)
    # Balance: a check now answers the simulated *100# balance parsed.
    B = "/api/v1/modems/{id}/balance"
    _, checked = api.call("POST", B, params={"id": modem}, body={"code": "*100#"}, expect=200)
    if isinstance(checked, dict) and (not isinstance(checked.get("amount"), (int, float)) or
                                      checked.get("currency") != "EUR"):
        api.fail("POST %s: no balance in EUR: %r" % (B, checked))
    api.call("POST", B, params={"id": modem}, body={"code": "*100#;+CFUN=0"}, expect=400)
    api.call("POST", B, params={"id": "000000000000000"}, body={}, expect=404)
    _, listed = api.call("GET", "/api/v1/modems/{id}", params={"id": modem}, expect=200)
    if isinstance(listed, dict) and (listed.get("balance") or {}).get("currency") != "EUR":
        api.fail("GET /api/v1/modems/{id}: no balance after a check: %r" % listed)
    api.call("GET", "/api/v1/alarms", expect=200)
    api.call("POST", "/api/v1/modems/{id}/reset", params={"id": modem}, expect=202)
    for action in ("reset", "enable", "disable"):
        api.call("POST", "/api/v1/modems/{id}/" + action, params={"id": "000000000000000"},
                 expect=404)
    api.call("POST", M, body={"to": "+4917000000209", "text": "pinned", "modem": modem},
             expect=202)

    # --- Opt-outs. ---
    api.call("POST", "/api/v1/optouts", body={"number": "+4917000000401", "keyword": "STOP"},
             expect=201)
    api.call("POST", "/api/v1/optouts", body={"number": "+4917000000402"}, expect=201)
    api.call("POST", "/api/v1/optouts", body={"number": "banana"}, expect=400)
    api.call("POST", "/api/v1/optouts", body={}, expect=400)
    api.call("POST", M, body={"to": "+4917000000401", "text": "Sale!", "category": "marketing"},
             expect=409)
    api.call("POST", M + "/batch", body={"messages": [
        {"to": "+4917000000210", "text": "ok"}, {"to": "+4917000000402", "text": "no"}]},
        expect=409)
    api.call("POST", "/api/v1/otp", body={"to": "+4917000000401"}, expect=202)
    status, optouts = api.call("GET", "/api/v1/optouts", query={"limit": 1}, expect=200)
    if status == 200 and "next_cursor" in optouts:
        api.call("GET", "/api/v1/optouts", query={"cursor": optouts["next_cursor"]}, expect=200)
    else:
        api.fail("GET /api/v1/optouts?limit=1 with two opt-outs: no next_cursor")
    api.call("GET", "/api/v1/optouts", query={"cursor": "x"}, expect=400)
    api.call("DELETE", "/api/v1/optouts", query={"number": "+4917000000401"}, expect=200)
    api.call("DELETE", "/api/v1/optouts", query={"number": "+4917000000401"}, expect=404)
    api.call("DELETE", "/api/v1/optouts", expect=400)
    api.call("DELETE", "/api/v1/optouts/{number}", params={"number": "+4917000000402"},
             expect=200)
    api.call("DELETE", "/api/v1/optouts/{number}", params={"number": "+4917000000402"},
             expect=404)
    api.call("DELETE", "/api/v1/optouts/{number}", params={"number": "banana"}, expect=400)
    # Templates: added, read, used by a send and a preview, replaced, removed.
    api.call("POST", "/api/v1/templates", expect=201,
             body={"name": "visit", "text": "Dear {name}, see you {weekday} {date} at {time}",
                   "category": "reminder", "language": "de"})
    api.call("POST", "/api/v1/templates", body={"name": "visit", "text": "again"}, expect=409)
    api.call("POST", "/api/v1/templates", body={"name": "broken", "text": "Dear {name"},
             expect=400)
    api.call("GET", "/api/v1/templates", expect=200)
    api.call("GET", "/api/v1/templates/{name}", params={"name": "visit"}, expect=200)
    api.call("GET", "/api/v1/templates/{name}", params={"name": "nope"}, expect=404)
    visit = {"name": "Anna", "at": "2026-12-07T10:15:00+01:00"}
    api.call("POST", "/api/v1/messages/preview", body={"template": "visit", "variables": visit},
             expect=200)
    api.call("POST", "/api/v1/messages", expect=202,
             body={"to": "+4917000000404", "template": "visit", "variables": visit})
    api.call("POST", "/api/v1/messages", expect=400,
             body={"to": "+4917000000404", "template": "visit", "variables": {"name": "Anna"}})
    api.call("PUT", "/api/v1/templates/{name}", params={"name": "visit"},
             body={"text": "Hallo {name}"}, expect=200)
    api.call("PUT", "/api/v1/templates/{name}", params={"name": "farewell"},
             body={"text": "Bye {name}"}, expect=201)
    api.call("DELETE", "/api/v1/templates/{name}", params={"name": "farewell"}, expect=204)
    api.call("DELETE", "/api/v1/templates/{name}", params={"name": "farewell"}, expect=404)
    # Auto-reply rules: added, refused when broken, read, replaced, removed.
    _, rule = api.call("POST", "/api/v1/rules", expect=201,
                       body={"name": "Hours", "match": {"keyword": "HOURS"},
                             "reply": {"text": "Open 08:00-17:00."}})
    api.call("POST", "/api/v1/rules", expect=201,
             body={"name": "Visit", "match": {"regex": "^(jam|when)\\b"},
                   "reply": {"template": "visit", "variables": {"name": "you"}},
                   "enabled": False, "priority": 5})
    api.call("POST", "/api/v1/rules", expect=400,
             body={"name": "Broken", "match": {"regex": "(jam"}, "reply": {"text": "x"}})
    api.call("GET", "/api/v1/rules", expect=200)
    api.call("GET", "/api/v1/rules/{id}", params={"id": rule["id"]}, expect=200)
    api.call("GET", "/api/v1/rules/{id}", params={"id": 999999}, expect=404)
    api.call("PUT", "/api/v1/rules/{id}", params={"id": rule["id"]}, expect=200,
             body={"name": "Hours", "match": {"keyword": "HOURS"},
                   "reply": {"text": "Open 08:00-18:00."}, "enabled": False})
    api.call("DELETE", "/api/v1/rules/{id}", params={"id": rule["id"]}, expect=204)
    api.call("DELETE", "/api/v1/rules/{id}", params={"id": rule["id"]}, expect=404)
    # SMS to email (the demo's smarthost is 127.0.0.1:2525): a rule added, refused when
    # its address is not one, listed, removed.
    _, forward = api.call("POST", "/api/v1/forwards", expect=201,
                          body={"to": "frontdesk@clinic.example", "subject": "SMS from {number}"})
    api.call("POST", "/api/v1/forwards", expect=400, body={"to": "frontdesk"})
    api.call("GET", "/api/v1/forwards", expect=200)
    api.call("DELETE", "/api/v1/forwards/{id}", params={"id": forward["id"]}, expect=204)
    api.call("GET", "/api/v1/mail", expect=200)
    # Appointments: booked (and the same request again), read, listed, moved, cancelled.
    A = "/api/v1/appointments"
    visit_77 = {"external_id": "visit-77", "to": "+4917000000405", "at": "2030-01-07T10:15:00+01:00",
                "template": "visit", "variables": {"name": "Anna"}, "reminders": ["-24h", "-1h"],
                "confirm": True}
    api.call("POST", A, body=visit_77, expect=201)
    api.call("POST", A, body=visit_77, expect=200)
    api.call("POST", A, body=dict(visit_77, at="2030-01-08T10:15:00+01:00"), expect=409)
    api.call("POST", A, body=dict(visit_77, external_id="visit-78", reminders=["24h"]), expect=400)
    api.call("GET", A, query={"state": "scheduled", "from": "2030-01-01T00:00:00Z"}, expect=200)
    api.call("GET", A, query={"state": "tomorrow"}, expect=400)
    api.call("GET", A + "/{external_id}", params={"external_id": "visit-77"}, expect=200)
    api.call("GET", A + "/{external_id}", params={"external_id": "visit-404"}, expect=404)
    api.call("PATCH", A + "/{external_id}", params={"external_id": "visit-77"},
             body={"at": "2030-01-08T10:15:00+01:00", "notify": True}, expect=200)
    api.call("PATCH", A + "/{external_id}", params={"external_id": "visit-77"},
             body={"reminders": ["soon"]}, expect=400)
    api.call("PATCH", A + "/{external_id}", params={"external_id": "visit-404"},
             body={"notify": True}, expect=404)
    api.call("DELETE", A + "/{external_id}", params={"external_id": "visit-77"},
             query={"notify": "true"}, expect=200)
    api.call("DELETE", A + "/{external_id}", params={"external_id": "visit-77"},
             query={"notify": "maybe"}, expect=400)
    api.call("DELETE", A + "/{external_id}", params={"external_id": "visit-404"}, expect=404)
    api.call("PATCH", A + "/{external_id}", params={"external_id": "visit-77"},
             body={"notify": True}, expect=409)
    # Contacts and groups: added, listed, imported and exported, sent to, replaced, removed.
    api.call("POST", "/api/v1/groups", body={"name": "monday", "description": "Mondays"},
             expect=201)
    api.call("POST", "/api/v1/groups", body={"name": "monday"}, expect=409)
    _, anna = api.call("POST", "/api/v1/contacts", expect=201,
                       body={"number": "+4917000000501", "name": "Anna", "language": "de",
                             "fields": {"room": "3"}, "groups": ["monday"]})
    api.call("POST", "/api/v1/contacts", body={"number": "+4917000000501", "name": "Anna"},
             expect=409)
    api.call("POST", "/api/v1/contacts", body={"number": "banana", "name": "Anna"}, expect=400)
    api.call("GET", "/api/v1/contacts", query={"group": "monday", "q": "ann", "limit": 1},
             expect=200)
    api.call("GET", "/api/v1/contacts/{id}", params={"id": anna.get("id", 0)}, expect=200)
    api.call("GET", "/api/v1/contacts/{id}", params={"id": 999999}, expect=404)
    api.call("GET", "/api/v1/groups", expect=200)
    csv_body = ("number,name,groups,room\r\n+4917000000502,\"Budi, B\",monday,4\r\n"
                "banana,Bad,,\r\n")
    _, report = api.call("POST", "/api/v1/contacts/import", body=csv_body,
                         headers={"Content-Type": "text/csv"}, expect=200)
    if report.get("taken") != 1 or len(report.get("refused", [])) != 1:
        api.fail("POST /api/v1/contacts/import: %r" % report)
    api.call("POST", "/api/v1/contacts/import", body="name\r\nX\r\n",
             headers={"Content-Type": "text/csv"}, expect=400)
    api.call("POST", "/api/v1/contacts/import", body={"number": "1"}, expect=415)
    _, exported = api.call("GET", "/api/v1/contacts/export", expect=200)
    if "+4917000000502" not in exported:
        api.fail("GET /api/v1/contacts/export: %r" % exported[:200])
    api.call("POST", "/api/v1/messages", expect=202,
             body={"group": "monday", "template": "visit",
                   "variables": {"at": "2026-12-07T10:15:00+01:00"}})
    api.call("POST", "/api/v1/messages", body={"group": "nobody", "text": "x"}, expect=404)
    api.call("PUT", "/api/v1/contacts/{id}", params={"id": anna.get("id", 0)}, expect=200,
             body={"number": "+4917000000501", "name": "Anna S", "groups": []})
    api.call("PUT", "/api/v1/contacts/{id}", params={"id": anna.get("id", 0)}, expect=409,
             body={"number": "+4917000000502", "name": "Anna S"})
    api.call("DELETE", "/api/v1/contacts/{id}", params={"id": anna.get("id", 0)}, expect=204)
    api.call("DELETE", "/api/v1/contacts/{id}", params={"id": anna.get("id", 0)}, expect=404)
    api.call("DELETE", "/api/v1/groups/{name}", params={"name": "monday"}, expect=204)
    api.call("DELETE", "/api/v1/groups/{name}", params={"name": "monday"}, expect=404)
    # Erasure: a number with history, then one with none; the opt-out stays.
    api.call("POST", "/api/v1/optouts", body={"number": "+4917000000403"}, expect=201)
    api.call("DELETE", "/api/v1/numbers/{number}", params={"number": "+4917000000403"},
             expect=200)
    api.call("DELETE", "/api/v1/numbers/{number}", params={"number": "banana"}, expect=400)

    # 413 from every operation that takes a body and this key may call: the declared
    # length alone is over the limit, so the server answers before reading (the real
    # 1 MiB body went to /messages). An admin-session operation refuses the key first,
    # on the headers, before the length matters.
    for path, method, operation in doc.operations():
        session_only = any("adminSession" in s for s in operation.get("security", []))
        if method == "POST" and (method, path) != ("POST", M) and not session_only:
            params = {p: "1" for p in re.findall(r"{(\w+)}", path)}
            api.call(method, path, params=params, body=b"{}", expect=413,
                     headers={"Content-Length": str(2 << 20)})

    # --- System. ---
    api.call("GET", "/metrics", expect=200)
    api.call("GET", "/api/v1/openapi.json", expect=200)

    # --- Webhook deliveries: the events of the message sent above. ---
    def hook_delivered():
        _, page = api.call("GET", "/api/v1/webhooks/{id}/deliveries", params={"id": hook["id"]},
                           expect=200)
        states = [item.get("state") for item in page.get("items", [])]
        events = {item.get("event") for item in page.get("items", [])}
        done = {"message.sent", "message.delivered"} <= events and "pending" not in states
        return page if done else None
    page = wait_until("webhook deliveries of message.sent and message.delivered", 20,
                      hook_delivered, 0.3)
    if not any(item.get("tries") for item in page["items"]):
        api.fail("webhook deliveries: none has a try listed: %r" % page["items"][:1])
    _, first_page = api.call("GET", "/api/v1/webhooks/{id}/deliveries",
                             params={"id": hook["id"]}, query={"limit": 1}, expect=200)
    if "next_cursor" in first_page:
        api.call("GET", "/api/v1/webhooks/{id}/deliveries", params={"id": hook["id"]},
                 query={"limit": 1, "cursor": first_page["next_cursor"]}, expect=200)
    else:
        api.fail("GET deliveries?limit=1 of several: no next_cursor")
    api.call("GET", "/api/v1/webhooks/{id}/deliveries", params={"id": hook["id"]},
             query={"limit": 5000}, expect=400)
    api.call("GET", "/api/v1/webhooks/{id}/deliveries", params={"id": 999999}, expect=404)
    _, test = api.call("POST", "/api/v1/webhooks/{id}/test", params={"id": hook["id"]},
                       expect=202)
    api.call("POST", "/api/v1/webhooks/{id}/test", params={"id": 999999}, expect=404)

    def test_received():
        return any(h.get("X-Smsgate-Event") == "webhook.test" and
                   h.get("X-Smsgate-Delivery") == test.get("delivery_id")
                   for _, h, _ in receiver.received)
    wait_until("the webhook.test event at the receiver", 15, test_received, 0.2)

    # The reset above takes a modem out of ready and back: modem.offline, modem.online.
    def modem_events():
        names = {headers.get("X-Smsgate-Event") for _, headers, _ in receiver.received}
        return {"modem.offline", "modem.online"} <= names
    wait_until("modem.offline and modem.online after the reset", 15, modem_events, 0.3)

    # --- The event stream: everything logged so far, each body checked. ---
    check_event_stream(api, doc)
    secrets = {"/hook": "s3cret-s3cret-s3cret", "/hook/two": hook2.get("secret", "")}

    api.call("DELETE", "/api/v1/webhooks", query={"id": hook2["id"]}, expect=200)
    api.call("DELETE", "/api/v1/webhooks", query={"id": hook2["id"]}, expect=404)
    api.call("DELETE", "/api/v1/webhooks", expect=400)
    api.call("DELETE", "/api/v1/webhooks/{id}", params={"id": hook["id"]}, expect=200)
    api.call("DELETE", "/api/v1/webhooks/{id}", params={"id": hook["id"]}, expect=404)

    # --- What no operation documents: the router's own 404 and 405. ---
    exercise_router(api, doc)
    return secrets


def exercise_admin(api, password):
    """The admin page's routes: a session cookie from the admin password."""
    S, K = "/api/v1/admin/session", "/api/v1/keys"
    api.call("POST", S, body={"password": "wrong"}, auth=False, expect=401)
    api.call("POST", S, body={"password": password, "extra": 1}, auth=False, expect=400)
    api.call("POST", S, body=json.dumps({"password": password}), auth=False, expect=415,
             headers={"Content-Type": "text/plain"})
    status, response, _ = api.raw("POST", S, {"password": password}, auth=False)
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    if status != 204 or not cookie.startswith("smsgate_session="):
        api.fail("sign-in with the demo's admin password: %d, cookie %r" % (status, cookie))
        return
    api.call("POST", S, body={"password": password}, auth=False, expect=204)
    session = {"Cookie": cookie}
    api.call("GET", S, headers=session, auth=False, expect=200)
    _, created = api.call("POST", K, body={"name": "conformance"}, headers=session, auth=False,
                          expect=201)
    api.call("POST", K, body={"name": ""}, headers=session, auth=False, expect=400)
    api.call("POST", K, body="name=x", headers=dict(session, **{"Content-Type": "text/plain"}),
             auth=False, expect=415)
    api.call("GET", K, headers=session, auth=False, expect=200)
    api.call("GET", "/api/v1/settings", headers=session, auth=False, expect=200)
    api.call("GET", "/api/v1/settings", expect=401)  # an API key is not a session
    exercise_scopes(api, session)
    exercise_people(api, session)
    api.call("DELETE", K + "/{id}", params={"id": created.get("id")}, headers=session,
             auth=False, expect=204)
    api.call("DELETE", K + "/{id}", params={"id": created.get("id")}, headers=session,
             auth=False, expect=404)
    api.call("DELETE", S, headers=session, auth=False, expect=204)
    api.call("GET", K, headers=session, auth=False, expect=401)


def exercise_people(api, session):
    """People and the audit log: an admin adds an operator, who signs in by name, may
    change only their own password, and reads neither people nor the audit log."""
    S, U, A = "/api/v1/admin/session", "/api/v1/users", "/api/v1/audit"
    P = U + "/{name}/password"
    admin = dict(headers=session, auth=False)
    api.call("GET", U, expect=200, **admin)
    api.call("POST", U, body={"name": "olga", "role": "operator", "password": "short"},
             expect=400, **admin)
    api.call("POST", U, body={"name": "olga", "role": "operator", "password": "olga's password"},
             expect=201, **admin)
    api.call("POST", U, body={"name": "OLGA", "role": "admin", "password": "olga's password"},
             expect=409, **admin)
    api.call("POST", U, body="name=olga", expect=415,
             headers=dict(session, **{"Content-Type": "text/plain"}), auth=False)
    api.call("POST", S, body={"name": "olga", "password": "not hers"}, auth=False, expect=401)
    status, response, _ = api.raw("POST", S, {"name": "olga", "password": "olga's password"},
                                  auth=False)
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    if status != 204 or not cookie.startswith("smsgate_session="):
        api.fail("sign-in as olga: %d, cookie %r" % (status, cookie))
        return
    olga = dict(headers={"Cookie": cookie}, auth=False)
    _, state = api.call("GET", S, expect=200, **olga)
    if state.get("user") != {"name": "olga", "role": "operator"}:
        api.fail("GET %s as olga: %r" % (S, state))
    api.call("GET", U, expect=403, **olga)
    api.call("GET", A, expect=403, **olga)
    api.call("DELETE", U + "/{name}", params={"name": "admin"}, expect=403, **olga)
    api.call("PUT", P, params={"name": "admin"}, body={"password": "taken over, surely"},
             expect=403, **olga)
    api.call("PUT", P, params={"name": "olga"}, body={"password": "olga's new password"},
             expect=400, **olga)
    api.call("PUT", P, params={"name": "olga"},
             body={"password": "olga's new password", "current_password": "olga's password"},
             expect=204, **olga)
    api.call("PUT", P, params={"name": "olga"}, body={"password": "set by the admin"},
             expect=204, **admin)
    api.call("PUT", P, params={"name": "nobody"}, body={"password": "set by the admin"},
             expect=404, **admin)
    api.call("GET", S, expect=401, **olga)
    api.call("DELETE", U + "/{name}", params={"name": "admin"}, expect=409, **admin)
    api.call("DELETE", U + "/{name}", params={"name": "olga"}, expect=204, **admin)
    api.call("DELETE", U + "/{name}", params={"name": "olga"}, expect=404, **admin)
    api.call("GET", U, expect=401, auth=False)
    _, page = api.call("GET", A, query={"limit": 2}, expect=200, **admin)
    if "next_cursor" in page:
        api.call("GET", A, query={"limit": 2, "cursor": page["next_cursor"]}, expect=200, **admin)
    else:
        api.fail("GET %s?limit=2: no next_cursor after a dozen actions" % A)
    _, removed = api.call("GET", A, query={"action": "user.remove"}, expect=200, **admin)
    if [item.get("target") for item in removed.get("items", [])] != ["olga"]:
        api.fail("GET %s?action=user.remove: %r" % (A, removed))
    api.call("GET", A, query={"cursor": "zzz"}, expect=400, **admin)
    api.call("GET", A, expect=401, auth=False)


def exercise_scopes(api, session):
    """Keys with scopes: made through the admin page's route, then 403 (naming the
    scope) from every operation whose security asks for a scope the key lacks."""
    K = "/api/v1/keys"
    api.call("POST", K, body={"name": "x", "scopes": ["teleport"]}, headers=session,
             auth=False, expect=400)
    api.call("POST", K, body={"name": "x", "scopes": []}, headers=session, auth=False,
             expect=400)
    _, made = api.call("POST", K, body={"name": "prometheus", "scopes": ["metrics"]},
                       headers=session, auth=False, expect=201)
    if made.get("scopes") != ["metrics"]:
        api.fail("POST /api/v1/keys with scopes [metrics] made %r" % made.get("scopes"))
        return
    metrics_only = {"Authorization": "Bearer " + made["key"]}
    api.call("GET", "/metrics", headers=metrics_only, auth=False, expect=200)
    for path, method, operation in api.doc.operations():
        for requirement in operation.get("security", api.doc.document.get("security")):
            scopes = requirement.get("bearerAuth") or []
            if not scopes or "metrics" in scopes:
                continue
            params = {p: "1" for p in re.findall(r"{(\w+)}", path)}
            body = {} if method in ("POST", "PUT", "PATCH") else None
            _, answer = api.call(method, path, params=params, body=body, headers=metrics_only,
                                 auth=False, expect=403)
            error = answer.get("error", {}) if isinstance(answer, dict) else {}
            if error.get("scope") not in scopes:
                api.fail("%s %s with a metrics-only key: error.scope %r, expected one of %r"
                         % (method, path, error.get("scope"), scopes))


def exercise_router(api, doc):
    for method, target, expected in (("GET", "/api/v1/nothing", 404),
                                     ("PUT", "/api/v1/messages", 405),
                                     ("PATCH", "/api/v1/webhooks/1", 405)):
        status, response, data = api.raw(method, target)
        if status != expected:
            api.fail("%s %s answered %d, expected %d" % (method, target, status, expected))
        name = "MethodNotAllowed" if expected == 405 else "NotFound"
        pointer = "#/components/responses/%s/content/application~1json/schema" % name
        for error in doc.errors(pointer, Api.decode(response, data)):
            api.fail("%s %s %d: %s" % (method, target, status, error))
        if expected == 405 and not response.getheader("Allow"):
            api.fail("%s %s 405 without Allow" % (method, target))


def exercise_inbound(binary, directory, doc, receiver):
    """Inbound items over a simulated modem whose control socket delivers texts: a
    reply to a feedback message (in_reply_to, rating) and a text from a stranger.
    Answers the Api (its failures and calls) and the webhook secrets by path."""
    sim = Sim(binary, os.path.join(directory, "sim"))
    run = None
    try:
        sim.wait_ready()
        database = os.path.join(directory, "inbound.db")
        key = make_key(binary, database, "openapi", "send,read", "inbound,webhooks,rules")
        port = free_port()
        config = write_config(
            os.path.join(directory, "inbound.toml"),
            gateway_config(port, database, sim.modem_glob) +
            # Mail on, to a relay that is not there: forwarded texts wait.
            '[email]\nsmarthost = "smtp://127.0.0.1:%d"\nfrom = "sms@gateway.example"\n'
            % free_port())
        api = Api("127.0.0.1", port, key, doc)
        run = start_daemon(binary, config, api, modems_ready=1)

        _, hook = api.call("POST", "/api/v1/webhooks", expect=201,
                           body={"url": receiver.url + "/inbound", "events": ["inbound.received"],
                                 "secret": "inbound-secret-16+"})
        customer, stranger = "+4917000000501", "+4917000000502"
        _, forward = api.call("POST", "/api/v1/forwards", expect=201,
                              body={"to": "frontdesk@gateway.example", "from_numbers": [stranger],
                                    "subject": "SMS from {number}"})
        api.call("POST", "/api/v1/forwards", expect=400, body={"to": "frontdesk"})
        api.call("GET", "/api/v1/forwards", expect=200)
        _, survey = api.call("POST", "/api/v1/messages", expect=202, body={
            "to": customer, "text": "How did we do, 1 to 10?", "category": "feedback",
            "external_id": "survey-1"})

        def survey_sent():
            _, detail = api.call("GET", "/api/v1/messages/{id}", params={"id": survey["id"]},
                                 expect=200)
            return detail.get("status") == "sent"
        wait_until("the feedback message to be sent", 20, survey_sent, 0.2)
        sim.control({"cmd": "deliver", "modem": 0, "from": customer, "text": "9"})
        sim.control({"cmd": "deliver", "modem": 0, "from": stranger,
                               "text": "Hello, who is this? \u00bfQui\u00e9n?"})

        def both_listed():
            _, page = api.call("GET", "/api/v1/inbound", expect=200)
            return page if len(page.get("items", [])) >= 2 else None
        page = wait_until("two inbound messages to be listed", 20, both_listed, 0.2)
        reply = next((i for i in page["items"] if i.get("from") == customer), {})
        expected = {"id": survey["id"], "external_id": "survey-1", "category": "feedback"}
        if reply.get("in_reply_to") != expected or reply.get("rating") != 9:
            api.fail("GET /api/v1/inbound: the reply to the feedback message has in_reply_to "
                     "%r and rating %r, expected %r and 9"
                     % (reply.get("in_reply_to"), reply.get("rating"), expected))
        api.call("GET", "/api/v1/inbound/{id}", params={"id": reply.get("id", 0)}, expect=200)
        api.call("GET", "/api/v1/inbound/{id}", params={"id": 999999}, expect=404)
        # The stranger's text waits in the mail outbox: the relay cannot be reached.
        def mail_waiting():
            _, mail = api.call("GET", "/api/v1/mail", query={"state": "waiting"}, expect=200)
            return mail if mail.get("items") else None
        waiting = wait_until("the forwarded text to wait in the mail outbox", 20, mail_waiting, 0.2)
        if waiting["items"][0].get("to") != "frontdesk@gateway.example":
            api.fail("GET /api/v1/mail: %r" % waiting)
        api.call("GET", "/api/v1/mail", query={"state": "lost"}, expect=400)
        api.call("DELETE", "/api/v1/forwards/{id}", params={"id": forward["id"]}, expect=204)
        api.call("DELETE", "/api/v1/forwards/{id}", params={"id": forward["id"]}, expect=404)
        _, mine = api.call("GET", "/api/v1/inbound", query={"from": customer, "limit": 1},
                           expect=200)
        if [i.get("from") for i in mine.get("items", [])] != [customer]:
            api.fail("GET /api/v1/inbound?from=%s: %r" % (customer, mine))

        def hook_received():
            return sum(1 for path, _, _ in receiver.received if path == "/hook/inbound") >= 2
        wait_until("two inbound.received webhooks", 20, hook_received, 0.2)
        _, deliveries = api.call("GET", "/api/v1/webhooks/{id}/deliveries",
                                 params={"id": hook["id"]}, expect=200)
        exercise_retry(api, database, hook["id"], deliveries["items"][0]["id"])
        return api, {"/hook/inbound": "inbound-secret-16+"}
    finally:
        stop_all((run, "smsgated run --config"), (sim, "smsgated sim"))


def exercise_retry(api, database, hook_id, delivery_id):
    """POST .../deliveries/{delivery}/retry: 409 for a delivered event; 202 for one given
    up (made so in the database: waiting for max_age would take an hour), which then
    arrives again; 404 for unknown ones."""
    R = "/api/v1/webhooks/{id}/deliveries/{delivery}/retry"
    api.call("POST", R, params={"id": hook_id, "delivery": delivery_id}, expect=409)
    now_ms = int(time.time() * 1000)
    with sqlite3.connect(database, timeout=10) as db:
        db.execute("UPDATE webhook_outbox SET delivered_at = NULL, given_up_at = ?, "
                   "last_error = 'HTTP 500' WHERE id = ?", (now_ms, delivery_id))
    _, retried = api.call("POST", R, params={"id": hook_id, "delivery": "evt_%d" % delivery_id},
                          expect=202)
    if retried.get("state") != "pending":
        api.fail("POST %s: state %r, expected pending" % (R, retried.get("state")))

    def delivered_again():
        _, page = api.call("GET", "/api/v1/webhooks/{id}/deliveries", params={"id": hook_id},
                           expect=200)
        item = next((i for i in page.get("items", []) if i.get("id") == delivery_id), {})
        return item.get("state") == "delivered"
    wait_until("the retried delivery to arrive again", 20, delivered_again, 0.2)
    api.call("POST", R, params={"id": hook_id, "delivery": 999999}, expect=404)
    api.call("POST", R, params={"id": 999999, "delivery": delivery_id}, expect=404)


def check_event_stream(api, doc):
    """GET /api/v1/events from the first event kept (since_id=0): its head as documented,
    `retry` first, then each event framed as SSE with a growing id, a documented name and
    data matching StreamEvent; among them the message sent and the modem reset above.
    Read until the stream has been quiet for two seconds; then its errors."""
    template = "/api/v1/events"
    operation = doc.operation("GET", template)
    name = "GET %s (%s)" % (template, operation.get("operationId"))
    names = doc.resolve({"$ref": "#/components/schemas/StreamEventName"})["enum"]
    # The timeout is also how long a quiet stream is read before it is left.
    connection = http.client.HTTPConnection(api.host, api.port, timeout=2)
    try:
        connection.request("GET", template + "?since_id=0",
                           headers={"Authorization": "Bearer " + api.key})
        response = connection.getresponse()
        api.calls.setdefault(("GET", template), []).append(response.status)
        api.route_answers.setdefault(("GET", template), []).append((response.status, False))
        if response.status != 200:
            api.fail("%s -> %d, expected 200: %r" % (name, response.status, response.read(300)))
            return
        api.check(name, "GET", template, operation, response.status, response, b"")
        if response.getheader("Cache-Control") != "no-store":
            api.fail("%s: Cache-Control %r, not no-store" % (name, response.getheader("Cache-Control")))
        blocks, lines = [], []
        try:
            while len(blocks) < 2000:
                line = response.fp.readline()
                if not line:
                    api.fail("%s: the stream ended by itself" % name)
                    break
                line = line.decode("utf-8").rstrip("\n")
                if line:
                    lines.append(line)
                else:
                    blocks.append(lines)
                    lines = []
        except TimeoutError:
            pass
    finally:
        connection.close()
    if not blocks or blocks[0] != ["retry: 3000"]:
        api.fail("%s: the stream does not start with retry: 3000: %r" % (name, blocks[:1]))
    last_id, seen = 0, set()
    for block in blocks[1:]:
        fields = {}
        for line in block:
            if line.startswith(":"):
                continue
            field, _, value = line.partition(": ")
            fields.setdefault(field, []).append(value)
        if "data" not in fields:
            continue
        event = fields.get("event", ["?"])[0]
        event_id = fields.get("id", ["?"])[0]
        if not event_id.isdigit() or int(event_id) <= last_id:
            api.fail("%s: event id %r does not follow %d" % (name, event_id, last_id))
        else:
            last_id = int(event_id)
        if event not in names:
            api.fail("%s: event %r is not a StreamEventName" % (name, event))
        try:
            body = json.loads("\n".join(fields["data"]))
        except ValueError:
            api.fail("%s: %s data is not JSON: %r" % (name, event, fields["data"][:1]))
            continue
        if body.get("event") != event:
            api.fail("%s: event: %s but the body says %r" % (name, event, body.get("event")))
        for error in doc.errors("#/components/schemas/StreamEvent", body):
            api.fail("%s: %s does not match StreamEvent: %s" % (name, event, error))
        seen.add(event)
    log("event stream: %d events (%s)" % (len(blocks) - 1, ", ".join(sorted(seen))))
    for wanted in ("message.sending", "message.sent", "modem.offline", "modem.state"):
        if wanted not in seen:
            api.fail("%s: no %s event in the stream from since_id=0" % (name, wanted))
    api.call("GET", template, query={"events": "message.sent,message.exploded"}, expect=400)
    api.call("GET", template, headers={"Last-Event-ID": "yesterday"}, expect=400)
    api.call("GET", template, auth=False, expect=401)


def check_received_events(api, doc, receiver, secrets):
    """Every webhook request received matches the document's `webhooks` entry and is
    signed with its webhook's secret (`secrets`: by receiver path)."""
    if not receiver.received:
        api.fail("the webhook receiver got nothing")
    names = sorted({h.get("X-Smsgate-Event", "?") for _, h, _ in receiver.received})
    log("webhook events received: %d (%s)" % (len(receiver.received), ", ".join(names)))
    for path, headers, body in list(receiver.received):
        headers = {k.lower(): v for k, v in headers.items()}
        event = headers.get("x-smsgate-event", "")
        entry = doc.document.get("webhooks", {}).get(event)
        if not entry:
            api.fail("webhook event %r is not in the document's webhooks" % event)
            continue
        operation = entry["post"]
        for parameter in operation.get("parameters", []):
            parameter = doc.resolve(parameter)
            if parameter["in"] != "header":
                continue
            value = headers.get(parameter["name"].lower())
            if value is None:
                api.fail("webhook %s: header %s missing" % (event, parameter["name"]))
                continue
            schema = parameter["schema"]
            if "pattern" in schema and not re.search(schema["pattern"], value):
                api.fail("webhook %s: header %s=%r does not match %s"
                         % (event, parameter["name"], value, schema["pattern"]))
        expected = "sha256=" + hmac.new(secrets.get(path, "").encode(), body,
                                        hashlib.sha256).hexdigest()
        if headers.get("x-smsgate-signature") != expected:
            api.fail("webhook %s to %s: X-Smsgate-Signature %r is not the HMAC of the body"
                     % (event, path, headers.get("x-smsgate-signature")))
        try:
            parsed = json.loads(body)
        except ValueError:
            api.fail("webhook %s: the body is not JSON: %r" % (event, body[:200]))
            continue
        pointer = ("#/webhooks/%s/post/requestBody/content/application~1json/schema"
                   % pointer_escape(event))
        for error in doc.errors(pointer, parsed):
            api.fail("webhook %s: the body does not match %s: %s" % (event, pointer, error))


def main():
    if len(sys.argv) != 2:
        print("usage: openapi_conformance_test.py path/to/smsgated", file=sys.stderr)
        return 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="smsgate-openapi-") as directory:
        daemon = Daemon(sys.argv[1], os.path.join(directory, "demo"))
        receiver = Receiver()
        failures = []
        api = None
        try:
            host, port, key, admin_password = daemon.wait_ready(30)
            probe = Api(host, port, key, None)
            status, _, data = probe.raw("GET", "/api/v1/openapi.json")
            if status != 200:
                raise Failure("GET /api/v1/openapi.json answered %d" % status)
            document = json.loads(data)
            if document.get("openapi") != "3.1.0":
                raise Failure("the document is not OpenAPI 3.1.0: %r" % document.get("openapi"))
            doc = Document(document)
            for name, schema in document.get("components", {}).get("schemas", {}).items():
                try:
                    jsonschema.Draft202012Validator.check_schema(schema)
                except jsonschema.SchemaError as error:
                    failures.append("components/schemas/%s is not a valid schema: %s"
                                    % (name, error.message))
            api = Api(host, port, key, doc)
            secrets = exercise(api, doc, receiver)
            exercise_admin(api, admin_password)
            code = daemon.stop()
            if code != 0:
                failures.append("smsgated run --demo exited with %d after SIGTERM; its last "
                                "lines:\n%s" % (code, daemon.tail()))
            inbound_api, inbound_secrets = exercise_inbound(sys.argv[1], directory, doc, receiver)
            for operation, statuses in inbound_api.calls.items():
                api.calls.setdefault(operation, []).extend(statuses)
            for operation, answers in inbound_api.route_answers.items():
                api.route_answers.setdefault(operation, []).extend(answers)
            api.failures += inbound_api.failures
            secrets.update(inbound_secrets)
            check_received_events(api, doc, receiver, secrets)
            failures += api.failures
            # The reverse: every documented operation was called and reached its route.
            for path, method, operation in doc.operations():
                answers = api.route_answers.get((method, path))
                if not answers:
                    failures.append("%s %s (%s) was never called"
                                    % (method, path, operation.get("operationId")))
                    continue
                if all(unrouted for _, unrouted in answers):
                    failures.append("%s %s: no route answers it (only %s)"
                                    % (method, path, sorted({s for s, _ in answers})))
                if not any(200 <= s < 300 for s, _ in answers):
                    failures.append("%s %s: never answered 2xx (%s)"
                                    % (method, path, sorted({s for s, _ in answers})))
        except Failure as failure:
            failures.append(str(failure))
        except Exception:  # an answer so wrong that the scenario could not go on
            failures.append("the scenario broke off:\n" + traceback.format_exc())
        finally:
            receiver.stop()
            if daemon.process.poll() is None:  # stopped early by a failure
                try:
                    daemon.stop()
                except Failure as failure:
                    failures.append(str(failure))
    elapsed = time.monotonic() - started
    if failures:
        log("\n%d failure(s):" % len(failures))
        for failure in failures:
            log("  - " + failure)
        if api is not None:
            failures[:0] = [f for f in api.failures if f not in failures]
        return 1
    calls = sum(len(v) for v in api.calls.values())
    # Not a failure (a 500 needs a broken database), but worth seeing.
    unseen = []
    for path, method, operation in doc.operations():
        seen = {str(s) for s in api.calls.get((method, path), [])}
        unseen += ["%s %s %s" % (method, path, code)
                   for code in operation["responses"] if code not in seen and code != "500"]
    if unseen:
        log("documented but not provoked: " + "; ".join(unseen))
    log("openapi conformance: %d operations, %d calls, all conform (%.1f s)"
        % (len(list(doc.operations())), calls, elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())

// SmtpSession fed as clients feed it: whole conversations byte for byte, pipelined
// commands, every refusal with its exact reply, AUTH PLAIN and LOGIN, STARTTLS's reset,
// dot-unstuffing, the size cap, long lines and bad sequences.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "email/smtp_session.h"

namespace smsgate::email {
namespace {

struct FakeHost final : SmtpHost {
  bool authenticate(std::string_view user, std::string_view password) override {
    attempts.emplace_back(user, password);
    return password == "sk_live_good" || (user == "ann" && password == "correct horse");
  }
  Result<bool> opted_out(const std::string& number) override {
    if (number == "+491709999999") return make_error("the store is unavailable");
    return number == "+491701111111";
  }
  SmtpReply deliver(const Envelope& envelope, std::string_view mail) override {
    delivered.push_back({envelope, std::string(mail)});
    return reply;
  }
  void refused(SmtpRefusal why) override { ++refusals[why]; }

  std::vector<std::pair<std::string, std::string>> attempts;
  std::vector<std::pair<Envelope, std::string>> delivered;
  std::map<SmtpRefusal, int> refusals;
  SmtpReply reply{250, "2.0.0 Queued as 1"};
};

SmtpSettings settings(bool tls = false) {
  SmtpSettings s;
  s.hostname = "gw.example";
  s.domain = "sms.example";
  s.default_region = "DE";
  s.max_message_bytes = 200;
  s.max_recipients = 3;
  s.tls_available = tls;
  return s;
}

struct Conversation {
  explicit Conversation(bool trusted = true, bool tls = false)
      : session(settings(tls), host, "192.0.2.7", trusted) {}
  // The reply to one line (CRLF added).
  std::string say(std::string_view line) { return session.feed(std::string(line) + "\r\n"); }
  FakeHost host;
  SmtpSession session;
};

TEST_CASE("smtp session: greeting, EHLO's extensions, HELO") {
  Conversation plain;
  CHECK(plain.session.greeting() == "220 gw.example ESMTP smsgate\r\n");
  CHECK(plain.say("EHLO client.example") ==
        "250-gw.example greets client.example\r\n250-SIZE 200\r\n250-8BITMIME\r\n"
        "250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN\r\n");
  CHECK(plain.say("HELO client.example") == "250 gw.example\r\n");
  CHECK(plain.say("EHLO") == "501 5.5.4 Syntax: EHLO hostname\r\n");
  Conversation tls(true, true);
  CHECK(tls.say("ehlo x").ends_with("250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"));
}

TEST_CASE("smtp session: a trusted client's mail is delivered to every recipient, dot-unstuffed") {
  Conversation c;
  c.say("EHLO client");
  CHECK(c.say("MAIL FROM:<desk@practice.example> SIZE=120 BODY=8BITMIME") == "250 2.1.0 OK\r\n");
  CHECK(c.say("RCPT TO:<01701234567@SMS.example>") == "250 2.1.5 OK +491701234567\r\n");
  CHECK(c.say("RCPT TO:<+33 6 12 34 56 78@sms.example>") ==
        "501 5.1.3 Bad recipient address syntax\r\n");
  CHECK(c.say("RCPT TO:<+33612345678@sms.example>") == "250 2.1.5 OK +33612345678\r\n");
  // The same number again is one recipient.
  CHECK(c.say("RCPT TO:<+491701234567@sms.example>") == "250 2.1.5 OK +491701234567\r\n");
  CHECK(c.say("DATA") == "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(c.say("Subject: hi").empty());
  CHECK(c.say("").empty());
  CHECK(c.say("..leading dot").empty());
  CHECK(c.say(".") == "250 2.0.0 Queued as 1\r\n");
  REQUIRE(c.host.delivered.size() == 1);
  const auto& [envelope, mail] = c.host.delivered[0];
  CHECK(envelope.from == "desk@practice.example");
  CHECK(envelope.recipients == std::vector<std::string>{"+491701234567", "+33612345678"});
  CHECK(envelope.client_address == "192.0.2.7");
  CHECK(envelope.signed_in_as.empty());
  CHECK(mail == "Subject: hi\r\n\r\n.leading dot\r\n");
  // The transaction is over: a new one needs MAIL again.
  CHECK(c.say("RCPT TO:<+491701234567@sms.example>") == "503 5.5.1 Send MAIL FROM first\r\n");
  CHECK(c.say("QUIT") == "221 2.0.0 Bye\r\n");
  CHECK(c.session.closed());
}

TEST_CASE("smtp session: pipelined commands are answered in order, in one write") {
  Conversation c;
  std::string replies = c.session.feed(
      "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<+491701234567@sms.example>\r\n"
      "RCPT TO:<x@elsewhere.example>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n");
  CHECK(replies.ends_with(
      "250 2.1.0 OK\r\n250 2.1.5 OK +491701234567\r\n550 5.7.1 Relaying denied\r\n"
      "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Queued as 1\r\n221 2.0.0 Bye\r\n"));
  REQUIRE(c.host.delivered.size() == 1);
  CHECK(c.host.delivered[0].first.from.empty());
  CHECK(c.host.delivered[0].second == "hello\r\n");
  CHECK(c.host.refusals[SmtpRefusal::kRelay] == 1);
}

TEST_CASE("smtp session: bytes arrive in any pieces") {
  Conversation c;
  std::string all =
      "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<+491701234567@sms.example>\r\n"
      "DATA\r\nline one\nline two\r\n.\r\n";
  std::string replies;
  for (char byte : all) replies += c.session.feed(std::string(1, byte));
  CHECK(replies.ends_with("250 2.0.0 Queued as 1\r\n"));
  REQUIRE(c.host.delivered.size() == 1);
  CHECK(c.host.delivered[0].second == "line one\r\nline two\r\n");
}

TEST_CASE("smtp session: relaying, numbers and opt-outs are refused with their codes") {
  Conversation c;
  c.say("EHLO c");
  c.say("MAIL FROM:<a@b>");
  CHECK(c.say("RCPT TO:<+491701234567@other.example>") == "550 5.7.1 Relaying denied\r\n");
  CHECK(c.say("RCPT TO:<postmaster>") == "550 5.7.1 Relaying denied\r\n");
  CHECK(c.say("RCPT TO:<112@sms.example>").starts_with("553 5.1.3 '112'"));
  CHECK(c.say("RCPT TO:<hello@sms.example>") ==
        "553 5.1.3 'hello' is not a phone number: letters are not accepted\r\n");
  CHECK(c.say("RCPT TO:<+491701111111@sms.example>") ==
        "550 5.7.1 +491701111111 opted out of messages from this gateway\r\n");
  CHECK(c.say("RCPT TO:<+491709999999@sms.example>") ==
        "451 4.3.0 Cannot check the recipient now, try again later\r\n");
  CHECK(c.say("DATA") == "554 5.5.1 No valid recipients\r\n");
  CHECK(c.host.refusals[SmtpRefusal::kRelay] == 2);
  CHECK(c.host.refusals[SmtpRefusal::kInvalidNumber] == 2);
  CHECK(c.host.refusals[SmtpRefusal::kOptedOut] == 1);
  CHECK(c.host.delivered.empty());
}

TEST_CASE("smtp session: at most max_recipients recipients") {
  Conversation c;
  c.say("EHLO c");
  c.say("MAIL FROM:<a@b>");
  CHECK(c.say("RCPT TO:<+491701000001@sms.example>").starts_with("250"));
  CHECK(c.say("RCPT TO:<+491701000002@sms.example>").starts_with("250"));
  CHECK(c.say("RCPT TO:<+491701000003@sms.example>").starts_with("250"));
  CHECK(c.say("RCPT TO:<+491701000004@sms.example>") ==
        "452 4.5.3 Too many recipients (at most 3)\r\n");
}

TEST_CASE("smtp session: an untrusted client must sign in before MAIL") {
  Conversation c(false);
  c.say("EHLO c");
  CHECK(c.say("MAIL FROM:<a@b>") == "530 5.7.0 Authentication required\r\n");
  CHECK(c.host.refusals[SmtpRefusal::kAuthRequired] == 1);
  // AUTH PLAIN with the initial response: "\0apikey\0sk_live_good".
  CHECK(c.say("AUTH PLAIN AGFwaWtleQBza19saXZlX2dvb2Q=") ==
        "235 2.7.0 Authentication successful\r\n");
  CHECK(c.session.signed_in());
  CHECK(c.say("AUTH PLAIN AGFwaWtleQBza19saXZlX2dvb2Q=") == "503 5.5.1 Already authenticated\r\n");
  CHECK(c.say("MAIL FROM:<a@b>") == "250 2.1.0 OK\r\n");
  c.say("RCPT TO:<+491701234567@sms.example>");
  c.say("DATA");
  c.say("x");
  c.say(".");
  REQUIRE(c.host.delivered.size() == 1);
  CHECK(c.host.delivered[0].first.signed_in_as == "apikey");
}

TEST_CASE("smtp session: AUTH PLAIN in two steps, AUTH LOGIN, cancel and bad base64") {
  Conversation c(false);
  CHECK(c.say("AUTH PLAIN") == "503 5.5.1 Send EHLO first\r\n");
  c.say("EHLO c");
  CHECK(c.say("AUTH PLAIN") == "334 \r\n");
  CHECK(c.say("*") == "501 5.7.0 Authentication cancelled\r\n");
  CHECK(c.say("AUTH CRAM-MD5") ==
        "504 5.5.4 Unrecognized authentication type (PLAIN or LOGIN)\r\n");
  CHECK(c.say("AUTH PLAIN") == "334 \r\n");
  CHECK(c.say("!!!") == "501 5.5.2 Cannot decode the response (base64)\r\n");
  CHECK(c.say("AUTH LOGIN") == "334 VXNlcm5hbWU6\r\n");
  CHECK(c.say("YW5u") == "334 UGFzc3dvcmQ6\r\n");  // ann
  CHECK(c.say("Y29ycmVjdCBob3JzZQ==") ==
        "235 2.7.0 Authentication successful\r\n");  // correct horse
  REQUIRE(c.host.attempts.size() == 1);
  CHECK(c.host.attempts[0] == std::pair<std::string, std::string>{"ann", "correct horse"});
}

TEST_CASE("smtp session: three failed sign-ins close the session") {
  Conversation c(false);
  c.say("EHLO c");
  // "\0ann\0wrong"
  CHECK(c.say("AUTH PLAIN AGFubgB3cm9uZw==") == "535 5.7.8 Authentication credentials invalid\r\n");
  CHECK(c.say("AUTH LOGIN YW5u") == "334 UGFzc3dvcmQ6\r\n");
  CHECK(c.say("d3Jvbmc=") == "535 5.7.8 Authentication credentials invalid\r\n");
  // An empty password is never asked about.
  CHECK(c.say("AUTH PLAIN AGFubgA=") ==
        "535 5.7.8 Authentication credentials invalid\r\n"
        "421 4.7.0 Too many failed authentications, closing\r\n");
  CHECK(c.session.closed());
  CHECK(c.host.attempts.size() == 2);
  CHECK(c.host.refusals[SmtpRefusal::kBadAuth] == 3);
  CHECK(c.session.feed("NOOP\r\n").empty());
}

TEST_CASE("smtp session: SIZE and DATA over the cap are refused with 552") {
  Conversation c;
  c.say("EHLO c");
  CHECK(c.say("MAIL FROM:<a@b> SIZE=201") ==
        "552 5.3.4 Message size exceeds fixed maximum message size (200 bytes)\r\n");
  CHECK(c.say("MAIL FROM:<a@b> SIZE=x") == "501 5.5.4 SIZE wants a number of bytes\r\n");
  CHECK(c.say("MAIL FROM:<a@b> FOO=1") == "555 5.5.4 Unsupported parameter FOO=1\r\n");
  CHECK(c.say("MAIL FROM:<a@b> SIZE=200") == "250 2.1.0 OK\r\n");
  c.say("RCPT TO:<+491701234567@sms.example>");
  c.say("DATA");
  std::string replies;
  for (int i = 0; i < 10; ++i) replies += c.say(std::string(30, 'x'));
  // One line longer than the whole cap, without an end for a while.
  replies += c.session.feed(std::string(300, 'y'));
  replies += c.say("z");
  CHECK(replies.empty());
  CHECK(c.say(".") == "552 5.3.4 Message size exceeds fixed maximum message size (200 bytes)\r\n");
  CHECK(c.host.delivered.empty());
  CHECK(c.host.refusals[SmtpRefusal::kSize] == 2);
  // The session goes on.
  CHECK(c.say("MAIL FROM:<a@b>") == "250 2.1.0 OK\r\n");
}

TEST_CASE("smtp session: bad sequences, unknown commands and long lines") {
  Conversation c;
  CHECK(c.say("MAIL FROM:<a@b>") == "503 5.5.1 Send EHLO first\r\n");
  c.say("EHLO c");
  CHECK(c.say("DATA") == "503 5.5.1 Send MAIL FROM first\r\n");
  CHECK(c.say("MAIL TO:<a@b>") == "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  CHECK(c.say("MAIL FROM:a@b") == "501 5.1.7 Bad sender address syntax\r\n");
  CHECK(c.say("MAIL FROM:<a@b>") == "250 2.1.0 OK\r\n");
  CHECK(c.say("MAIL FROM:<a@b>") == "503 5.5.1 Sender already given\r\n");
  CHECK(c.say("AUTH PLAIN") == "503 5.5.1 Not during a mail transaction\r\n");
  CHECK(c.say("RSET") == "250 2.0.0 OK\r\n");
  CHECK(c.say("RCPT TO:<+491701234567@sms.example>") == "503 5.5.1 Send MAIL FROM first\r\n");
  CHECK(c.say("NOOP") == "250 2.0.0 OK\r\n");
  CHECK(c.say("BDAT 10 LAST") == "502 5.5.1 BDAT not implemented\r\n");
  CHECK(c.say("STARTTLS") == "454 4.7.0 TLS not available\r\n");
  CHECK(c.say("VRFY ann").starts_with("252 2.5.0"));
  CHECK(c.say("HELP").starts_with("214 2.0.0"));
}

TEST_CASE("smtp session: a command line too long is refused and skipped") {
  Conversation c;
  c.say("EHLO c");
  CHECK(c.say(std::string(SmtpSession::kMaxCommandLine + 10, 'A')) ==
        "500 5.5.2 Line too long (at most 2048 bytes)\r\n");
  // Past the cap without an end of line: answered at once, the rest of the line dropped.
  CHECK(c.session.feed(std::string(SmtpSession::kMaxCommandLine + 1, 'B')) ==
        "500 5.5.2 Line too long (at most 2048 bytes)\r\n");
  CHECK(c.session.feed(std::string(5000, 'B')).empty());
  CHECK(c.session.feed("BBB\r\n").empty());  // the end of that line
  CHECK(c.say("NOOP") == "250 2.0.0 OK\r\n");
  CHECK_FALSE(c.session.closed());
}

TEST_CASE("smtp session: too many errors close the session") {
  Conversation c;
  std::string replies;
  for (int i = 0; i < SmtpSession::kMaxErrors; ++i) replies += c.say("WHAT");
  CHECK(replies.ends_with(
      "500 5.5.1 Command unrecognized\r\n421 4.7.0 Too many errors, closing\r\n"));
  CHECK(c.session.closed());
}

TEST_CASE("smtp session: STARTTLS drops what was pipelined after it and starts again") {
  Conversation c(false, true);
  c.say("EHLO c");
  CHECK(c.session.feed("STARTTLS\r\nAUTH PLAIN AGFwaWtleQBza19saXZlX2dvb2Q=\r\n") ==
        "220 2.0.0 Ready to start TLS\r\n");
  CHECK(c.session.wants_tls());
  CHECK(c.host.attempts.empty());
  c.session.tls_started();
  CHECK(c.session.in_tls());
  CHECK_FALSE(c.session.wants_tls());
  // EHLO again, and no STARTTLS offered now.
  CHECK(c.say("MAIL FROM:<a@b>") == "503 5.5.1 Send EHLO first\r\n");
  CHECK(c.say("EHLO c").ends_with("250 AUTH PLAIN LOGIN\r\n"));
  CHECK(c.say("STARTTLS") == "503 5.5.1 TLS already active\r\n");
  CHECK(c.say("AUTH PLAIN AGFwaWtleQBza19saXZlX2dvb2Q=") ==
        "235 2.7.0 Authentication successful\r\n");
}

TEST_CASE("smtp session: the host's reply after DATA is the answer") {
  Conversation c;
  c.host.reply = {554, "5.3.4 The text needs 5 SMS parts, more than the 3 allowed"};
  c.session.feed("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<+491701234567@sms.example>\r\nDATA\r\n");
  CHECK(c.say("x\r\n.") == "554 5.3.4 The text needs 5 SMS parts, more than the 3 allowed\r\n");
}

TEST_CASE("format_reply: one line and several") {
  CHECK(format_reply({250, "OK"}) == "250 OK\r\n");
  CHECK(format_reply({250, "a\nb\nc"}) == "250-a\r\n250-b\r\n250 c\r\n");
  CHECK(format_reply({334, ""}) == "334 \r\n");
}

}  // namespace
}  // namespace smsgate::email

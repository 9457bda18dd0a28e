// Mail out against a real SMTP server on loopback (integration/smtp_sink.h): the
// outbox retries a relay that answers 451 and delivers, sets aside what it refuses
// with 550 or never answers; a text from a simulated modem reaches the rules'
// addresses, exactly, with what went wrong visible in GET /api/v1/mail; and a text
// that came by email has its delivery report, its reply and a failure mailed back to
// the sender in the mail's thread.
#include <doctest/doctest.h>

#include <chrono>

#include "email/forward.h"
#include "email/mail_compose.h"
#include "email/outbox.h"
#include "integration/api_harness.h"
#include "integration/smtp_client.h"
#include "integration/smtp_sink.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr char kFrom[] = "SMS gateway <sms@klinik.example>";
constexpr char kPatient[] = "+4917012345678";

// The value of header `name` in a message's data ("" when it has none).
std::string header_of(const std::string& data, const std::string& name) {
  const std::string start = "\r\n" + name + ": ";
  size_t at = ("\r\n" + data).find(start);
  if (at == std::string::npos) return "";
  at += start.size() - 2;
  return data.substr(at, data.find("\r\n", at) - at);
}

// The body, with quoted-printable (soft line breaks, =XX) undone when it is so encoded.
std::string body_of(const std::string& data) {
  std::string body = data.substr(data.find("\r\n\r\n") + 4);
  if (header_of(data, "Content-Transfer-Encoding") != "quoted-printable") return body;
  std::string decoded;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '=') {
      decoded += body[i];
    } else if (body.compare(i + 1, 2, "\r\n") == 0) {
      i += 2;
    } else {
      decoded += static_cast<char>(std::stoi(body.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
  }
  return decoded;
}

store::NewMail mail_to(const std::string& to, const std::string& subject) {
  store::NewMail mail;
  mail.to_address = to;
  mail.subject = subject;
  mail.body = "Can I come at 10?\n";
  mail.message_id = email::make_message_id("klinik.example");
  return mail;
}

TEST_CASE("mail out: 451 is tried again and delivered, 550 and silence are set aside") {
  SmtpSink sink;
  TempDir dir;
  auto opened = store::Store::open((dir.path() / "smsgate.db").string());
  REQUIRE(opened.ok());
  store::Store& store = **opened;
  SystemClock clock;
  email::OutboxOptions options;
  options.smarthost.url = sink.url();
  options.smarthost.timeout = std::chrono::seconds(5);
  options.from = kFrom;
  options.retry = {.max_attempts = 2, .base_delay_ms = 20, .max_delay_ms = 20, .jitter = 0};
  options.idle_poll = std::chrono::milliseconds(50);
  auto outbox = email::Outbox::start(store, clock, options);
  REQUIRE(outbox.ok());

  sink.answer_next({"451 4.3.0 try again later", "250 2.0.0 queued as A1"});
  auto first = store.enqueue_mails({mail_to("frontdesk@klinik.example", "Retried")}, clock.now());
  REQUIRE(first.ok());
  (*outbox)->wake();
  auto state_of = [&](int64_t id) { return (*store.find_mail(id))->state; };
  REQUIRE(wait_until([&] { return state_of(first->at(0)) == store::MailState::kSent; }));
  auto sent = *store.find_mail(first->at(0));
  CHECK(sent->attempts == 2);
  auto mails = sink.mails();
  REQUIRE(mails.size() == 2);
  CHECK(mails[0].answered == "451 4.3.0 try again later");
  // The same mail both times: one Message-ID, one Date.
  CHECK(mails[0].data == mails[1].data);
  CHECK(mails[1].mail_from == "sms@klinik.example");
  CHECK(mails[1].rcpt_to == std::vector<std::string>{"frontdesk@klinik.example"});
  CHECK(header_of(mails[1].data, "Subject") == "Retried");
  CHECK(header_of(mails[1].data, "Message-Id") == "<" + sent->mail.message_id + ">");

  sink.answer_next({"550 5.1.1 <nobody@klinik.example>: no such user"});
  auto refused = store.enqueue_mails({mail_to("nobody@klinik.example", "Refused")}, clock.now());
  REQUIRE(refused.ok());
  (*outbox)->wake();
  REQUIRE(wait_until([&] { return state_of(refused->at(0)) == store::MailState::kSetAside; }));
  auto set_aside = *store.find_mail(refused->at(0));
  CHECK(set_aside->attempts == 1);
  CHECK(set_aside->last_error == "550 5.1.1 <nobody@klinik.example>: no such user");
  CHECK(sink.mails().size() == 3);

  CHECK((*outbox)->sent() == 1);
  CHECK((*outbox)->failed_attempts() == 2);
  CHECK((*outbox)->set_aside() == 1);
  (*outbox)->stop();

  // A relay nobody answers for: tried max_attempts times, then set aside with why.
  options.smarthost.url = "smtp://127.0.0.1:1";
  auto unreachable = email::Outbox::start(store, clock, options);
  REQUIRE(unreachable.ok());
  auto lost = store.enqueue_mails({mail_to("frontdesk@klinik.example", "Lost")}, clock.now());
  REQUIRE(lost.ok());
  (*unreachable)->wake();
  REQUIRE(wait_until([&] { return state_of(lost->at(0)) == store::MailState::kSetAside; }));
  auto never = *store.find_mail(lost->at(0));
  CHECK(never->attempts == 2);
  REQUIRE(never->last_error.has_value());
  CHECK(never->last_error->find("onnect") != std::string::npos);
}

TEST_CASE("SMS to email: a text from a modem is mailed to every rule it matches") {
  SmtpSink sink;
  ApiDaemon gateway(1, [&](config::Config& config) {
    config.sending.timezone = "Asia/Jakarta";
    config.email.smarthost = sink.url();
    config.email.smarthost_user = "gateway";
    config.email.smarthost_password = "s3cret-relay-pass";
    config.email.from = kFrom;
    config.forward = {{"frontdesk@klinik.example", {}, "SMS from {number}"}};
  });
  HttpClient client = gateway.client();

  // A second rule from the API, for the patient's number only.
  auto added = client.post("/api/v1/forwards", {{"to", "dr@klinik.example"},
                                                {"from_numbers", {kPatient}},
                                                {"subject", "Patient {number} via {modem}"}});
  REQUIRE_MESSAGE(added.status == 201, added.body);
  const int64_t rule_id = added.json()["id"].get<int64_t>();
  CHECK(added.json() == json{{"id", rule_id},
                             {"source", "api"},
                             {"to", "dr@klinik.example"},
                             {"from_numbers", {kPatient}},
                             {"subject", "Patient {number} via {modem}"}});
  json forwards = client.get("/api/v1/forwards").json();
  CHECK(forwards["mail"] == true);
  REQUIRE(forwards["items"].size() == 2);
  CHECK(forwards["items"][0] == json{{"id", nullptr},
                                     {"source", "config"},
                                     {"to", "frontdesk@klinik.example"},
                                     {"from_numbers", json::array()},
                                     {"subject", "SMS from {number}"}});
  auto bad = client.post("/api/v1/forwards", {{"to", "frontdesk"}});
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"]["field"] == "to");
  CHECK(client.post("/api/v1/forwards", {{"to", "a@b.example"}, {"subject", "{who}"}}).status ==
        400);
  CHECK(client.get("/api/v1/forwards").json()["items"].size() == 2);

  // The doctor's address does not exist: the relay takes the front desk's mail and
  // refuses the second for good.
  sink.answer_next({"250 2.0.0 queued", "550 5.1.1 <dr@klinik.example>: no such user"});
  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = kPatient, .text = "Can I move my appointment to Friday?"}, now)
                .ok());
  });
  REQUIRE(wait_until([&] { return sink.mails().size() == 2; }));
  auto inbound = gateway.daemon().store().list_inbound({});
  REQUIRE(inbound.ok());
  REQUIRE(inbound->items.size() == 1);
  const store::InboundMessage& text = inbound->items[0];
  auto zone = policy::TimeZone::create("Asia/Jakarta");
  REQUIRE(zone.ok());
  const std::string expected_body =
      "Can I move my appointment to Friday?\r\n\r\nFrom: " + std::string(kPatient) +
      "\r\nReceived: " + email::local_time_text(text.received_at, *zone) +
      "\r\nModem: " + text.modem + "\r\n";

  const SmtpSink::Mail frontdesk = sink.mails()[0];
  CHECK(frontdesk.mail_from == "sms@klinik.example");
  CHECK(frontdesk.rcpt_to == std::vector<std::string>{"frontdesk@klinik.example"});
  CHECK(header_of(frontdesk.data, "From") == kFrom);
  CHECK(header_of(frontdesk.data, "To") == "frontdesk@klinik.example");
  CHECK(header_of(frontdesk.data, "Subject") == "SMS from +4917012345678");
  CHECK(header_of(frontdesk.data, "Content-Type") == "text/plain; charset=utf-8");
  CHECK(body_of(frontdesk.data) == expected_body);
  const SmtpSink::Mail doctor = sink.mails()[1];
  CHECK(doctor.rcpt_to == std::vector<std::string>{"dr@klinik.example"});
  CHECK(header_of(doctor.data, "Subject") == "Patient +4917012345678 via " + text.modem);
  CHECK(body_of(doctor.data) == expected_body);

  // What was refused, and why, for anyone who may read.
  json aside;
  REQUIRE(wait_until([&] {
    aside = client.get("/api/v1/mail?state=set_aside").json();
    return aside["items"].size() == 1;
  }));
  const json& refused = aside["items"][0];
  CHECK(refused["to"] == "dr@klinik.example");
  CHECK(refused["state"] == "set_aside");
  CHECK(refused["attempts"] == 1);
  CHECK(refused["last_error"] == "550 5.1.1 <dr@klinik.example>: no such user");
  CHECK(refused["forward_id"] == rule_id);
  CHECK(refused["inbound_id"] == text.id);
  json all = client.get("/api/v1/mail").json();
  REQUIRE(all["items"].size() == 2);
  CHECK(all["items"][1]["state"] == "sent");
  CHECK(all["items"][1]["last_error"] == nullptr);
  CHECK(client.get("/api/v1/mail?state=lost").status == 400);

  auto metrics = client.get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("\nsmsgate_mail_sent_total 1\n") != std::string::npos);
  CHECK(metrics.body.find("\nsmsgate_mail_set_aside 1\n") != std::string::npos);
  CHECK(metrics.body.find("\nsmsgate_mail_waiting 0\n") != std::string::npos);
  for (const std::string& path :
       {"/api/v1/mail", "/api/v1/forwards", "/metrics", "/api/v1/settings"})
    CHECK_MESSAGE(client.get(path).body.find("s3cret-relay-pass") == std::string::npos, path);

  CHECK(client.del("/api/v1/forwards/" + std::to_string(rule_id)).status == 204);
  CHECK(client.del("/api/v1/forwards/" + std::to_string(rule_id)).status == 404);
  CHECK(client.get("/api/v1/forwards").json()["items"].size() == 1);
}

// Mails `data` to `to` through the daemon's listener; the final reply's message id.
int64_t mail_text(int port, const std::string& from, const std::string& to,
                  const std::string& data) {
  SmtpClient client(port);
  REQUIRE(client.reply().starts_with("220 "));
  REQUIRE(client.say("EHLO practice.example").starts_with("250"));
  REQUIRE(client.say("MAIL FROM:<" + from + ">") == "250 2.1.0 OK");
  REQUIRE(client.say("RCPT TO:<" + to + ">").starts_with("250 2.1.5 OK"));
  REQUIRE(client.say("DATA").starts_with("354 "));
  std::string queued = client.say(data + "\r\n.");
  REQUIRE_MESSAGE(queued.starts_with("250 2.0.0 Queued as message "), queued);
  client.say("QUIT");
  return std::stoll(queued.substr(queued.rfind(' ') + 1));
}

TEST_CASE("mail back: a mailed text's report and its reply come back in the mail's thread") {
  SmtpSink sink;
  ApiDaemon gateway(1, [&](config::Config& config) {
    config.sending.timezone = "Asia/Jakarta";
    config.sending.default_region = "DE";
    config.email.listen = "127.0.0.1:0";
    config.email.domain = "sms.example";
    config.email.smarthost = sink.url();
    config.email.from = kFrom;
  });
  gateway.sims().with(0, [](sim::SimModem& modem, auto) {
    modem.set_auto_status_reports(
        sim::SimModem::AutoStatusReports{0, std::chrono::milliseconds(50)});
  });
  const int port = gateway.daemon().smtp_port();
  const int64_t id = mail_text(port, "desk@practice.example", "01701234567@sms.example",
                               "Subject: Check-up\r\nMessage-ID: <m1@practice.example>\r\n\r\n"
                               "Time for your check-up. Can you come on Friday?");
  store::Store& store = gateway.daemon().store();
  auto zone = policy::TimeZone::create("Asia/Jakarta");
  REQUIRE(zone.ok());

  // Delivered: mailed to the sender, in the thread.
  REQUIRE(wait_until([&] { return sink.mails().size() == 1; }));
  const SmtpSink::Mail report = sink.mails()[0];
  auto delivered = store.get_message(id);
  REQUIRE(delivered.ok());
  REQUIRE((*delivered)->message.status == store::MessageStatus::kDelivered);
  auto history = (*delivered)->history;
  REQUIRE_FALSE(history.empty());
  CHECK(report.mail_from == "sms@klinik.example");
  CHECK(report.rcpt_to == std::vector<std::string>{"desk@practice.example"});
  CHECK(header_of(report.data, "To") == "desk@practice.example");
  CHECK(header_of(report.data, "Subject") == "Re: Check-up");
  CHECK(header_of(report.data, "In-Reply-To") == "<m1@practice.example>");
  CHECK(header_of(report.data, "References") == "<m1@practice.example>");
  CHECK(body_of(report.data) == "Your text to +491701234567 was delivered on " +
                                    email::local_time_text(history.back().at, *zone) + ".\r\n");

  // The patient answers: the reply goes to the same thread.
  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = "+491701234567", .text = "Friday at 10 is fine"}, now).ok());
  });
  REQUIRE(wait_until([&] { return sink.mails().size() == 2; }));
  const SmtpSink::Mail reply = sink.mails()[1];
  auto inbound = store.list_inbound({});
  REQUIRE(inbound.ok());
  REQUIRE(inbound->items.size() == 1);
  const store::InboundMessage& text = inbound->items[0];
  REQUIRE(text.in_reply_to.has_value());
  CHECK(text.in_reply_to->id == id);
  CHECK(reply.rcpt_to == std::vector<std::string>{"desk@practice.example"});
  CHECK(header_of(reply.data, "Subject") == "Re: Check-up");
  CHECK(header_of(reply.data, "In-Reply-To") == "<m1@practice.example>");
  CHECK(header_of(reply.data, "References") == "<m1@practice.example>");
  CHECK(body_of(reply.data) == "Friday at 10 is fine\r\n\r\nFrom: +491701234567\r\nReceived: " +
                                   email::local_time_text(text.received_at, *zone) +
                                   "\r\nModem: " + text.modem + "\r\n");
  CHECK(header_of(reply.data, "Message-Id") != header_of(report.data, "Message-Id"));

  // A number the network cannot reach: the failure, with the network's reason.
  gateway.sims().with(0, [](sim::SimModem& modem, auto) {
    modem.set_auto_status_reports(
        sim::SimModem::AutoStatusReports{0x41, std::chrono::milliseconds(50)});
  });
  const int64_t failed = mail_text(port, "desk@practice.example", "01709999999@sms.example",
                                   "Subject: Re: Invoice\r\n\r\nYour invoice is ready.");
  REQUIRE(wait_until([&] { return sink.mails().size() == 3; }));
  const SmtpSink::Mail failure = sink.mails()[2];
  auto message = store.get_message(failed);
  REQUIRE(message.ok());
  REQUIRE((*message)->message.status == store::MessageStatus::kFailed);
  CHECK(header_of(failure.data, "Subject") == "Re: Invoice");
  CHECK(header_of(failure.data, "In-Reply-To").empty());
  CHECK(body_of(failure.data) == "Your text to +491709999999 was not delivered.\r\nReason: " +
                                     *(*message)->message.failure_reason + "\r\n");
  CHECK((*message)->message.failure_reason->starts_with("not delivered: "));

  json mail = gateway.client().get("/api/v1/mail?state=sent").json();
  CHECK(mail["items"].size() == 3);
}

TEST_CASE("mail out: a reload points mail at a new smarthost, From and rules") {
  SmtpSink first;
  SmtpSink second;
  ApiDaemon gateway(1, [&](config::Config& config) {
    config.email.smarthost = first.url();
    config.email.from = kFrom;
    config.forward = {{"frontdesk@klinik.example", {}, "SMS from {number}"}};
  });
  config::Config changed = gateway.config();
  changed.email.smarthost = second.url();
  changed.email.from = "Klinik Sehat <sms@sehat.example>";
  changed.forward = {{"dr@klinik.example", {}, "For the doctor: {number}"}};
  REQUIRE(gateway.daemon().reload(changed).ok());
  json forwards = gateway.client().get("/api/v1/forwards").json();
  REQUIRE(forwards["items"].size() == 1);
  CHECK(forwards["items"][0]["to"] == "dr@klinik.example");

  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = kPatient, .text = "Is the doctor in today?"}, now).ok());
  });
  REQUIRE(wait_until([&] { return second.mails().size() == 1; }));
  const SmtpSink::Mail mail = second.mails()[0];
  CHECK(mail.mail_from == "sms@sehat.example");
  CHECK(mail.rcpt_to == std::vector<std::string>{"dr@klinik.example"});
  CHECK(header_of(mail.data, "From") == "Klinik Sehat <sms@sehat.example>");
  CHECK(header_of(mail.data, "Subject") == "For the doctor: +4917012345678");
  CHECK(header_of(mail.data, "Message-Id").ends_with("@sehat.example>"));
  CHECK(first.mails().empty());

  // A From that is no address is refused, and the rules stay as they are.
  config::Config bad = changed;
  bad.email.from = "the front desk";
  bad.forward = {};
  CHECK_FALSE(gateway.daemon().reload(bad).ok());
  CHECK(gateway.client().get("/api/v1/forwards").json()["items"].size() == 1);
}

}  // namespace
}  // namespace smsgate::testing

// Mail made from the event log: the pure part (which events mean mail, the reports and
// replies mailed back in the mail's thread, the forwards) and MailBack on a real store
// (nothing of the past on a first start, each event mailed once across restarts, a text
// erased before its turn not mailed).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "common/clock.h"
#include "email/mail_back.h"
#include "store/event_json.h"
#include "store_test_support.h"

namespace smsgate::email {
namespace {

using store::testing::open_store;
using store::testing::TempDir;

constexpr int64_t kAt = 1'765'008'902'000;  // 2025-12-06 08:15:02 UTC
constexpr char kPatient[] = "+628121234567";

const store::EmailOrigin kOrigin{"desk@practice.example", "abc123@practice.example", "Appointment"};

MailBackSettings jakarta() {
  MailBackSettings settings;
  auto zone = policy::TimeZone::create("Asia/Jakarta");
  REQUIRE(zone.ok());
  settings.zone = *zone;
  settings.message_domain = "klinik.example";
  settings.sms_domain = "sms.klinik.example";
  return settings;
}

std::function<std::string()> numbered_ids() {
  auto next = std::make_shared<int>(0);
  return [next] { return "m" + std::to_string(++*next) + "@klinik.example"; };
}

store::LoggedEvent status_event(std::string_view name, int64_t id, std::string_view reason) {
  nlohmann::json data = {{"id", id},      {"to", kPatient},   {"category", "transactional"},
                         {"status", "x"}, {"reason", reason}, {"parts", 1}};
  return {1, std::string(name), store::event_body(name, kAt, data), kAt};
}

store::InboundMessage reply_to(int64_t answered) {
  store::InboundMessage reply;
  reply.id = 9;
  reply.from = kPatient;
  reply.modem = "modem-1";
  reply.text = "Yes, I will come";
  reply.received_at = kAt;
  reply.parts = 1;
  reply.in_reply_to = store::ReplyTo{answered, "visit-7", policy::Category::kReminder};
  return reply;
}

store::LoggedEvent inbound_event(const store::InboundMessage& message) {
  return {2, "inbound.received",
          store::event_body("inbound.received", message.received_at, store::inbound_json(message)),
          message.received_at};
}

TEST_CASE("parse_mail_event: final statuses and inbound texts; anything else is not mail") {
  auto delivered = parse_mail_event(status_event("message.delivered", 42, "delivered"));
  REQUIRE(delivered.has_value());
  const auto& status = std::get<FinalStatus>(*delivered);
  CHECK(status.message_id == 42);
  CHECK(status.to == kPatient);
  CHECK(status.delivered);
  CHECK(status.reason == "delivered");
  CHECK(status.at == kAt);
  CHECK(origin_message(*delivered) == 42);
  auto expired =
      parse_mail_event(status_event("message.expired", 43, "expired before it was sent"));
  REQUIRE(expired.has_value());
  CHECK_FALSE(std::get<FinalStatus>(*expired).delivered);

  auto inbound = parse_mail_event(inbound_event(reply_to(42)));
  REQUIRE(inbound.has_value());
  const auto& text = std::get<store::InboundMessage>(*inbound);
  CHECK(text.id == 9);
  CHECK(text.from == kPatient);
  CHECK(text.modem == "modem-1");
  CHECK(text.text == "Yes, I will come");
  CHECK(text.received_at == kAt);
  REQUIRE(text.in_reply_to.has_value());
  CHECK(text.in_reply_to->id == 42);
  CHECK(text.in_reply_to->external_id == "visit-7");
  CHECK(text.in_reply_to->category == policy::Category::kReminder);
  CHECK(origin_message(*inbound) == 42);
  store::InboundMessage unlinked = reply_to(42);
  unlinked.in_reply_to.reset();
  CHECK_FALSE(origin_message(*parse_mail_event(inbound_event(unlinked))).has_value());

  CHECK_FALSE(parse_mail_event(status_event("message.sent", 42, "sent")).has_value());
  CHECK_FALSE(parse_mail_event({3, "message.failed", "{not json", kAt}).has_value());
  CHECK_FALSE(parse_mail_event({3, "message.failed", R"({"data": {"id": "42"}})", kAt}));
  CHECK_FALSE(parse_mail_event({3, "inbound.received", R"({"data": [1]})", kAt}).has_value());
  CHECK(mail_event_names() == std::vector<std::string>{"message.delivered", "message.failed",
                                                       "message.expired", "inbound.received"});
}

TEST_CASE("reply_subject: Re: once, or the number when the mail had no subject") {
  CHECK(reply_subject("Appointment", kPatient) == "Re: Appointment");
  CHECK(reply_subject("RE: Appointment", kPatient) == "RE: Appointment");
  CHECK(reply_subject("re:x", kPatient) == "re:x");
  CHECK(reply_subject("Rebooking", kPatient) == "Re: Rebooking");
  CHECK(reply_subject(std::nullopt, kPatient) == "Re: SMS to +628121234567");
  CHECK(reply_subject("", kPatient) == "Re: SMS to +628121234567");
}

TEST_CASE("mails_for_event: a delivery report back to the sender, in the mail's thread") {
  auto event = *parse_mail_event(status_event("message.delivered", 42, "delivered"));
  auto mails = mails_for_event(event, kOrigin, {}, jakarta(), numbered_ids());
  REQUIRE(mails.size() == 1);
  const store::NewMail& mail = mails[0];
  CHECK(mail.to_address == "desk@practice.example");
  CHECK(mail.subject == "Re: Appointment");
  CHECK(mail.body ==
        "Your text to +628121234567 was delivered on 2025-12-06 15:15:02 +07:00 "
        "(Asia/Jakarta).\n");
  CHECK(mail.message_id == "m1@klinik.example");
  CHECK(mail.in_reply_to == "abc123@practice.example");
  CHECK(mail.references == std::vector<std::string>{"abc123@practice.example"});
  CHECK(mail.outbound_id == 42);
  CHECK_FALSE(mail.inbound_id.has_value());

  // Not from email, or not wanted: nothing.
  CHECK(mails_for_event(event, std::nullopt, {}, jakarta(), numbered_ids()).empty());
  MailBackSettings quiet = jakarta();
  quiet.report_delivered = false;
  CHECK(mails_for_event(event, kOrigin, {}, quiet, numbered_ids()).empty());
  // The null sender is never mailed; reports_to is, whoever sent the mail.
  const store::EmailOrigin bounce{"", std::nullopt, std::nullopt};
  CHECK(mails_for_event(event, bounce, {}, jakarta(), numbered_ids()).empty());
  MailBackSettings desk = jakarta();
  desk.reports_to = "reports@klinik.example";
  // Nor an address on the SMS domain, where the mail would come back in as a text.
  const store::EmailOrigin looping{"0812000000@SMS.klinik.example", "x@y.example", "Loop"};
  CHECK(mails_for_event(event, looping, {}, jakarta(), numbered_ids()).empty());
  auto redirected = mails_for_event(event, bounce, {}, desk, numbered_ids());
  REQUIRE(redirected.size() == 1);
  CHECK(redirected[0].to_address == "reports@klinik.example");
  CHECK(redirected[0].subject == "Re: SMS to +628121234567");
  CHECK_FALSE(redirected[0].in_reply_to.has_value());
  CHECK(redirected[0].references.empty());
}

TEST_CASE("mails_for_event: a failure with its reason, unless failures are not wanted") {
  auto event = *parse_mail_event(
      status_event("message.failed", 42, "not delivered: absent subscriber (TP-ST 0x46)"));
  auto mails = mails_for_event(event, kOrigin, {}, jakarta(), numbered_ids());
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].body ==
        "Your text to +628121234567 was not delivered.\n"
        "Reason: not delivered: absent subscriber (TP-ST 0x46)\n");
  CHECK(mails[0].subject == "Re: Appointment");
  MailBackSettings quiet = jakarta();
  quiet.report_failed = false;
  CHECK(mails_for_event(event, kOrigin, {}, quiet, numbered_ids()).empty());
}

TEST_CASE("mails_for_event: a reply goes back in the thread and to every rule it matches") {
  const store::InboundMessage reply = reply_to(42);
  const std::vector<ForwardRule> rules{
      {std::nullopt, "frontdesk@klinik.example", {}, "SMS from {number}"},
      {5, "dr@klinik.example", {"+6281299990000"}, "x"}};
  auto mails = mails_for_event(MailEvent(reply), kOrigin, rules, jakarta(), numbered_ids());
  REQUIRE(mails.size() == 2);
  const std::string body =
      "Yes, I will come\n\nFrom: +628121234567\nReceived: 2025-12-06 15:15:02 +07:00 "
      "(Asia/Jakarta)\nModem: modem-1\n";
  CHECK(mails[0].to_address == "frontdesk@klinik.example");
  CHECK(mails[0].subject == "SMS from +628121234567");
  CHECK(mails[0].body == body);
  CHECK_FALSE(mails[0].in_reply_to.has_value());
  const store::NewMail& back = mails[1];
  CHECK(back.to_address == "desk@practice.example");
  CHECK(back.subject == "Re: Appointment");
  CHECK(back.body == body);
  CHECK(back.in_reply_to == "abc123@practice.example");
  CHECK(back.references == std::vector<std::string>{"abc123@practice.example"});
  CHECK(back.inbound_id == 9);
  CHECK(back.outbound_id == 42);
  CHECK(back.message_id != mails[0].message_id);

  MailBackSettings quiet = jakarta();
  quiet.report_replies = false;
  CHECK(mails_for_event(MailEvent(reply), kOrigin, rules, quiet, numbered_ids()).size() == 1);
  CHECK(mails_for_event(MailEvent(reply), std::nullopt, {}, jakarta(), numbered_ids()).empty());
}

store::NewMessage message_to(const std::string& to) {
  store::NewMessage message;
  message.to = to;
  message.text = "Your appointment is on Friday at 10:00";
  message.parts.push_back(store::NewPart{"00" + std::string(40, 'C'), 20});
  return message;
}

// A text from `sender`, with a PDU of its own.
int64_t text_from(store::Store& store, const std::string& sender, int64_t at) {
  static int texts = 0;
  char pdu[16];
  std::snprintf(pdu, sizeof pdu, "00%06X", ++texts);
  return store::testing::record_text(store, pdu, sender, "Can I come at 10?", at);
}

TEST_CASE("MailBack: mails what is logged after its first start, each event once") {
  TempDir dir;
  auto store = open_store(dir);
  SystemClock clock;
  const int64_t now = clock.now();
  // Before mail was turned on: never mailed.
  auto early = store->submit_from_email({message_to(kPatient)}, kOrigin, now);
  REQUIRE(early.ok());
  REQUIRE(store->fail_message((*early)[0].id, "no modem", now).ok());

  MailBackSettings settings = jakarta();
  settings.forwards = {{std::nullopt, "frontdesk@klinik.example", {}, "SMS from {number}"}};
  std::atomic<int> woken = 0;
  auto back = MailBack::start(*store, clock, settings, [&] { ++woken; });
  REQUIRE(back.ok());
  // catch_up returns once all that is logged is taken, by it or by the thread.
  REQUIRE((*back)->catch_up().ok());
  CHECK(store->count_mail()->waiting == 0);

  auto later = store->submit_from_email({message_to(kPatient)}, kOrigin, now);
  REQUIRE(later.ok());
  const int64_t failed_id = (*later)[0].id;
  REQUIRE(store->fail_message(failed_id, "part 1: +CMS ERROR: 38", now).ok());
  const int64_t text_id = text_from(*store, "+6281200000001", now);
  // A text erased before its turn is not mailed, and does not stop the others.
  const int64_t erased_id = text_from(*store, "+6281200000002", now);
  REQUIRE(store->erase_number("+6281200000002", now).ok());
  // A message from the API is not mailed back.
  auto api = store->submit({message_to(kPatient)}, now);
  REQUIRE(api.ok());
  REQUIRE(store->fail_message((*api)[0].id, "no modem", now).ok());

  REQUIRE((*back)->catch_up().ok());
  CHECK(woken >= 1);
  auto mails = store->list_mail({});
  REQUIRE(mails.ok());
  REQUIRE(mails->items.size() == 2);
  const store::MailRecord& forward = mails->items[0];  // newest first
  const store::MailRecord& report = mails->items[1];
  CHECK(report.mail.to_address == "desk@practice.example");
  CHECK(report.mail.outbound_id == failed_id);
  CHECK(report.mail.body ==
        "Your text to +628121234567 was not delivered.\nReason: part 1: +CMS ERROR: 38\n");
  CHECK(report.mail.in_reply_to == "abc123@practice.example");
  CHECK(forward.mail.to_address == "frontdesk@klinik.example");
  CHECK(forward.mail.inbound_id == text_id);
  CHECK(forward.mail.inbound_id != erased_id);
  CHECK(forward.mail.message_id.ends_with("@klinik.example"));
  (*back)->stop();

  // Started again: the place was kept, nothing is mailed twice; what came meanwhile is.
  text_from(*store, "+6281200000003", now);
  auto again = MailBack::start(*store, clock, settings, [] {});
  REQUIRE(again.ok());
  REQUIRE((*again)->catch_up().ok());
  CHECK(store->count_mail()->waiting == 3);
  CHECK(*(*again)->catch_up() == 0);
  CHECK(store->count_mail()->waiting == 3);

  // Erasing the number takes the report mailed about it.
  REQUIRE(store->erase_number(kPatient, now).ok());
  CHECK_FALSE(store->find_mail(report.id)->has_value());
  CHECK(store->count_mail()->waiting == 2);
}

TEST_CASE("MailBack: its thread mails a text soon after it is stored") {
  TempDir dir;
  auto store = open_store(dir);
  SystemClock clock;
  MailBackSettings settings = jakarta();
  settings.forwards = {{std::nullopt, "frontdesk@klinik.example", {}, "SMS from {number}"}};
  std::atomic<int> woken = 0;
  auto back = MailBack::start(*store, clock, settings, [&] { ++woken; });
  REQUIRE(back.ok());
  text_from(*store, kPatient, clock.now());
  for (int i = 0; i < 500 && woken == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(woken == 1);
  CHECK(store->count_mail()->waiting == 1);
  CHECK((*back)->configured_forwards().size() == 1);
  settings.forwards.clear();
  (*back)->set_settings(settings);
  CHECK((*back)->configured_forwards().empty());
  text_from(*store, kPatient, clock.now());
  REQUIRE((*back)->catch_up().ok());
  CHECK(store->count_mail()->waiting == 1);
}

}  // namespace
}  // namespace smsgate::email

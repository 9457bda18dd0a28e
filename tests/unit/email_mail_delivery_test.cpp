// deliver_mail against a real store and intake: one message per recipient with its
// origin, the mail's category, send time and template applied, the part cap enforced
// whole, opt-outs and bad mail refused with nothing stored; and the SMTP replies and
// exit statuses each outcome maps to.
#include <doctest/doctest.h>
#include <sysexits.h>

#include <string>

#include "email/mail_delivery.h"
#include "store_test_support.h"

namespace smsgate::email {
namespace {

using store::testing::open_store;
using store::testing::TempDir;

constexpr int64_t kNow = 1'798'000'000'000;

struct Fixture {
  TempDir dir;
  std::unique_ptr<store::Store> store = open_store(dir);
  dispatch::Intake intake{*store, dispatch::ComposeDefaults{.default_region = "DE"}, [] {}};

  MailOutcome deliver(const std::string& raw, std::vector<std::string> to,
                      MailDeliveryOptions options = {}) {
    return deliver_mail(intake, *store, options, "desk@practice.example", to, raw, kNow);
  }
  store::Message message(int64_t id) {
    auto detail = store->get_message(id);
    REQUIRE(detail.ok());
    REQUIRE(detail->has_value());
    return (*detail)->message;
  }
  int64_t count() {
    auto counts = store->count_by_status();
    REQUIRE(counts.ok());
    int64_t total = 0;
    for (const auto& [status, n] : *counts) total += n;
    return total;
  }
};

const std::string kMail =
    "From: desk@practice.example\r\nSubject: [reminder] Check-up\r\n"
    "Message-ID: <m1@practice.example>\r\n\r\nPlease book your check-up.\r\n";

TEST_CASE("mail delivery: one message per recipient, each with the mail's origin") {
  Fixture f;
  MailOutcome outcome = f.deliver(kMail, {"+491701234567", "+33612345678"});
  REQUIRE_MESSAGE(outcome.kind == MailOutcomeKind::kAccepted, outcome.reason);
  REQUIRE(outcome.message_ids.size() == 2);
  for (int64_t id : outcome.message_ids) {
    store::Message message = f.message(id);
    CHECK(message.text == "Please book your check-up.");
    CHECK(message.category == policy::Category::kReminder);
    // Asked for what is mailed back: the delivery report and the replies.
    CHECK(message.status_report);
    CHECK(message.expect_reply);
    auto origin = f.store->email_origin(id);
    REQUIRE(origin.ok());
    CHECK(*origin ==
          store::EmailOrigin{"desk@practice.example", "m1@practice.example", "Check-up"});
  }
  CHECK(f.message(outcome.message_ids[1]).to == "+33612345678");
  CHECK(smtp_reply(outcome).code == 250);
  CHECK(smtp_reply(outcome).text == "2.0.0 Queued as message " +
                                        std::to_string(outcome.message_ids[0]) + "," +
                                        std::to_string(outcome.message_ids[1]));
  CHECK(exit_status(outcome) == EX_OK);
}

TEST_CASE("mail delivery: the send time and a template from headers") {
  Fixture f;
  store::TemplateRecord reminder{"reminder", "Hi {name}, see you soon", std::nullopt, std::nullopt};
  REQUIRE(f.store->put_template(reminder, kNow, true).ok());
  MailOutcome outcome = f.deliver(
      "Subject: x\r\nX-Smsgate-Template: reminder\r\n"
      "X-Smsgate-Send-At: 2027-01-10T09:00:00Z\r\n\r\nname: Ann\r\n",
      {"+491701234567"});
  REQUIRE_MESSAGE(outcome.kind == MailOutcomeKind::kAccepted, outcome.reason);
  store::Message message = f.message(outcome.message_ids[0]);
  CHECK(message.text == "Hi Ann, see you soon");
  CHECK(message.send_at == 1799571600000);
  CHECK(message.status == store::MessageStatus::kScheduled);

  MailOutcome unknown =
      f.deliver("Subject: x\r\nX-Smsgate-Template: nope\r\n\r\nname: Ann\r\n", {"+491701234567"});
  CHECK(unknown.kind == MailOutcomeKind::kBadMail);
  CHECK(unknown.reason == "template: no template called \"nope\"");
  CHECK(exit_status(unknown) == EX_DATAERR);
}

TEST_CASE("mail delivery: more parts than max_parts is refused whole, never cut") {
  Fixture f;
  std::string body(400, 'a');  // 3 GSM-7 parts
  std::string raw = "Subject: long\r\n\r\n" + body + "\r\n";
  MailOutcome refused = f.deliver(raw, {"+491701234567"}, {.max_parts = 2});
  CHECK(refused.kind == MailOutcomeKind::kTooManyParts);
  CHECK(refused.reason == "the text needs 3 SMS parts, more than the 2 allowed");
  CHECK(smtp_reply(refused).code == 554);
  CHECK(smtp_reply(refused).text == "5.3.4 the text needs 3 SMS parts, more than the 2 allowed");
  CHECK(exit_status(refused) == EX_DATAERR);
  CHECK(f.count() == 0);
  MailOutcome accepted = f.deliver(raw, {"+491701234567"}, {.max_parts = 3});
  CHECK(accepted.kind == MailOutcomeKind::kAccepted);
  CHECK(f.count() == 1);
}

TEST_CASE("mail delivery: an opted-out recipient refuses the whole mail") {
  Fixture f;
  REQUIRE(f.store->add_optout("+33612345678", "STOP", kNow - 1000).ok());
  MailOutcome outcome = f.deliver(kMail, {"+491701234567", "+33612345678"});
  CHECK(outcome.kind == MailOutcomeKind::kOptedOut);
  CHECK(outcome.reason == "+33612345678: to: +33612345678 has opted out of messages");
  CHECK(smtp_reply(outcome).code == 550);
  CHECK(exit_status(outcome) == EX_NOPERM);
  CHECK(f.count() == 0);
}

TEST_CASE("mail delivery: bad mail and bad numbers") {
  Fixture f;
  MailOutcome bad =
      f.deliver("Subject: x\r\nContent-Type: image/png\r\n\r\nxx\r\n", {"+491701234567"});
  CHECK(bad.kind == MailOutcomeKind::kBadMail);
  CHECK(smtp_reply(bad).text == "5.6.0 the mail has no text part (text/plain or text/html)");
  MailOutcome number = f.deliver(kMail, {"+4912"});
  CHECK(number.kind == MailOutcomeKind::kInvalidNumber);
  CHECK(smtp_reply(number).code == 553);
  CHECK(exit_status(number) == EX_NOUSER);
  CHECK(f.count() == 0);
  CHECK(exit_status({MailOutcomeKind::kUnavailable, "busy", {}}) == EX_TEMPFAIL);
  CHECK(smtp_reply({MailOutcomeKind::kUnavailable, "busy", {}}).code == 451);
}

}  // namespace
}  // namespace smsgate::email

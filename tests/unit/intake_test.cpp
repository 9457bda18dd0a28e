// dispatch::Intake: the one road in for new messages. Each rule once: the number
// normalised, the text planned, a pinned modem checked, opt-outs applied to every
// category but OTP, all or none stored, the dispatcher woken only for what is due.
#include "dispatch/intake.h"

#include <doctest/doctest.h>

#include "store_test_support.h"

namespace smsgate::dispatch {
namespace {

using store::testing::open_store;
using store::testing::TempDir;

constexpr int64_t kT0 = 1'800'000'000'000;

struct Fixture {
  TempDir dir;
  std::unique_ptr<store::Store> store = open_store(dir);
  int wakes = 0;
  Intake intake{*store, german(), [this] { ++wakes; }};

  static ComposeDefaults german() {
    ComposeDefaults defaults;
    defaults.default_region = "DE";
    return defaults;
  }
  int64_t count_messages() {
    auto counts = store->count_by_status();
    REQUIRE(counts.ok());
    int64_t total = 0;
    for (const auto& [status, count] : *counts) total += count;
    return total;
  }
};

OutgoingRequest request(std::string to, std::string text = "Your order has shipped") {
  OutgoingRequest r;
  r.to = std::move(to);
  r.text = std::move(text);
  return r;
}

std::string messages_item(size_t i) { return "messages[" + std::to_string(i) + "]."; }

TEST_CASE("intake: a message is normalised, stored and the dispatcher woken") {
  Fixture f;
  auto accepted = f.intake.submit(request("0170 1234567"), kT0);
  REQUIRE_MESSAGE(accepted.ok(), (accepted.ok() ? "" : accepted.error().message));
  CHECK(accepted->to == "+491701234567");
  CHECK(accepted->stored.status == store::MessageStatus::kQueued);
  CHECK(accepted->stored.parts == 1);
  CHECK(accepted->stored.encoding == "gsm7");
  CHECK(f.wakes == 1);
  auto detail = f.store->get_message(accepted->stored.id);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  CHECK((*detail)->message.to == "+491701234567");
  CHECK((*detail)->message.category == policy::Category::kTransactional);
}

TEST_CASE("intake: a message for later is stored scheduled and wakes nobody") {
  Fixture f;
  OutgoingRequest later = request("+491701234567");
  later.send_at = kT0 + 3'600'000;
  auto accepted = f.intake.submit(later, kT0);
  REQUIRE(accepted.ok());
  CHECK(accepted->stored.status == store::MessageStatus::kScheduled);
  CHECK(f.wakes == 0);
}

TEST_CASE("intake: bad input names the field and stores nothing") {
  Fixture f;
  auto bad_number = f.intake.submit(request("not a number"), kT0);
  REQUIRE_FALSE(bad_number.ok());
  CHECK(bad_number.error().message.starts_with("to: "));
  OutgoingRequest pinned = request("+491701234567");
  pinned.modem = "861234567890123";
  auto unknown_modem = f.intake.submit(pinned, kT0);
  REQUIRE_FALSE(unknown_modem.ok());
  CHECK(unknown_modem.error().code == ErrorCode::kUnknownModem);
  CHECK(unknown_modem.error().field == "modem");
  CHECK(f.count_messages() == 0);
  CHECK(f.wakes == 0);
}

TEST_CASE("intake: a message pinned to a known modem is taken") {
  Fixture f;
  REQUIRE(f.store->upsert_modem(store::ModemIdentity{"861234567890123", "", "", "", ""}, kT0).ok());
  OutgoingRequest pinned = request("+491701234567");
  pinned.modem = "861234567890123";
  CHECK(f.intake.submit(pinned, kT0).ok());
}

TEST_CASE("intake: an opted-out number is refused for every category but OTP") {
  Fixture f;
  REQUIRE(f.store->add_optout("+491701234567", "stop", kT0).ok());
  for (policy::Category category : {policy::Category::kTransactional, policy::Category::kReminder,
                                    policy::Category::kFeedback, policy::Category::kMarketing}) {
    CAPTURE(policy::category_name(category));
    OutgoingRequest r = request("0170 1234567");
    r.category = category;
    auto refused = f.intake.submit(r, kT0);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kRecipientOptedOut);
    CHECK(refused.error().field == "to");
    CHECK(refused.error().message == "to: +491701234567 has opted out of messages");
  }
  CHECK(f.count_messages() == 0);
  OutgoingRequest code = request("0170 1234567", "Your code is 123456");
  code.category = policy::Category::kOtp;
  CHECK(f.intake.submit(code, kT0).ok());
}

TEST_CASE(
    "intake: the confirmation of a fresh opt-out is the one message an opted-out number gets") {
  Fixture f;
  REQUIRE(f.store->add_optout("+491701234567", "stop", kT0).ok());
  OutgoingRequest confirmation = request("0170 1234567", "You will get no more messages.");
  confirmation.confirms_optout = true;
  auto sent = f.intake.submit(confirmation, kT0 + 1000);
  REQUIRE_MESSAGE(sent.ok(), sent.error().message);
  CHECK(sent->to == "+491701234567");
  // Only while the opt-out is fresh, and never for an ordinary message.
  CHECK(f.intake.submit(request("0170 1234567"), kT0 + 2000).error().code ==
        ErrorCode::kRecipientOptedOut);
  auto late = f.intake.submit(confirmation, kT0 + Intake::kOptOutConfirmationMs + 1);
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().code == ErrorCode::kRecipientOptedOut);
  // A number that has not opted out gets it like any message.
  OutgoingRequest other = request("0170 7654321", "You will get no more messages.");
  other.confirms_optout = true;
  CHECK(f.intake.submit(other, kT0).ok());
  CHECK(f.count_messages() == 2);
}

TEST_CASE("intake: a batch is all or none, and its first error in order is the one reported") {
  Fixture f;
  REQUIRE(f.store->add_optout("+491709999999", "stop", kT0).ok());

  SUBCASE("all good: stored in order, one wake") {
    std::vector<Result<OutgoingRequest>> items;
    for (int i = 0; i < 3; ++i) items.emplace_back(request("+49170123456" + std::to_string(i)));
    auto accepted = f.intake.submit_batch(std::move(items), kT0, messages_item);
    REQUIRE(accepted.ok());
    REQUIRE(accepted->size() == 3);
    CHECK((*accepted)[2].to == "+491701234562");
    CHECK((*accepted)[0].stored.id < (*accepted)[2].stored.id);
    CHECK(f.wakes == 1);
    CHECK(f.count_messages() == 3);
  }
  SUBCASE("an invalid item is named with its index") {
    std::vector<Result<OutgoingRequest>> items;
    items.emplace_back(request("+491701234560"));
    items.emplace_back(request("12"));
    auto refused = f.intake.submit_batch(std::move(items), kT0, messages_item);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.starts_with("messages[1].to: "));
    CHECK(f.count_messages() == 0);
  }
  SUBCASE("an opted-out recipient before an unreadable item is the one reported") {
    std::vector<Result<OutgoingRequest>> items;
    items.emplace_back(request("+491701234560"));
    items.emplace_back(request("+491709999999"));
    items.emplace_back(
        Error{"messages[2].text: is empty", ErrorCode::kInvalidText, "messages[2].text"});
    auto refused = f.intake.submit_batch(std::move(items), kT0, messages_item);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kRecipientOptedOut);
    CHECK(refused.error().field == "messages[1].to");
    CHECK(refused.error().message == "messages[1].to: +491709999999 has opted out of messages");
    CHECK(f.count_messages() == 0);
  }
  SUBCASE("an unreadable item before an opted-out recipient is the one reported, untouched") {
    std::vector<Result<OutgoingRequest>> items;
    items.emplace_back(
        Error{"messages[0].text: is empty", ErrorCode::kInvalidText, "messages[0].text"});
    auto refused = f.intake.submit_batch(std::move(items), kT0, messages_item);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "messages[0].text: is empty");
    CHECK(refused.error().field == "messages[0].text");
  }
  CHECK(f.wakes <= 1);
}

TEST_CASE("intake: the same idempotency key gives back the same message and wakes nobody again") {
  Fixture f;
  OutgoingRequest keyed = request("+491701234567");
  keyed.idempotency_key = "order-7";
  auto first = f.intake.submit(keyed, kT0);
  auto again = f.intake.submit(keyed, kT0 + 1000);
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(again->stored.existing);
  CHECK(again->stored.id == first->stored.id);
  CHECK(f.wakes == 1);
  CHECK(f.count_messages() == 1);
}

TEST_CASE("intake: a one-time password's message goes in with its code's hash") {
  Fixture f;
  REQUIRE(f.store->add_optout("+491701234567", "stop", kT0).ok());
  auth::OtpMessage code;
  code.to = "0170 1234567";
  code.text = "Your code is 123456";
  code.ttl_ms = 300'000;
  code.code_hash = "hash";
  code.limit = {2, 3'600'000};
  auto issued = f.intake.send_code(code, kT0);
  REQUIRE_MESSAGE(issued.ok(), (issued.ok() ? "" : issued.error().message));
  CHECK(issued->to == "+491701234567");  // an opt-out does not stop a code
  CHECK(issued->expires_at == kT0 + 300'000);
  CHECK_FALSE(issued->refused_until);
  CHECK(f.wakes == 1);
  auto detail = f.store->get_message(issued->message_id);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  CHECK((*detail)->message.category == policy::Category::kOtp);
  CHECK((*detail)->message.expires_at == kT0 + 300'000);

  CHECK(f.intake.send_code(code, kT0 + 1).ok());
  auto over = f.intake.send_code(code, kT0 + 2);
  REQUIRE(over.ok());
  CHECK(over->refused_until == kT0 + 3'600'000);
  CHECK(f.wakes == 2);

  code.text = "Your code is \xff";  // not UTF-8
  auto not_utf8 = f.intake.send_code(code, kT0 + 3);
  REQUIRE_FALSE(not_utf8.ok());
  CHECK(not_utf8.error().message.starts_with("template: "));
}

}  // namespace
}  // namespace smsgate::dispatch

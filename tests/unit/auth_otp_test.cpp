// One-time passwords: sending, verifying, attempts, expiry, superseding, validation.
#include <doctest/doctest.h>

#include <algorithm>

#include "auth/otp.h"
#include "dispatch/intake.h"
#include "store_test_support.h"

namespace smsgate::auth {

using store::testing::open_store;
using store::testing::TempDir;

namespace {

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr const char* kNumber = "+491701234567";

dispatch::ComposeDefaults german() {
  dispatch::ComposeDefaults defaults;
  defaults.default_region = "DE";
  return defaults;
}

// Codes sent through the intake, as the daemon sends them.
struct Codes {
  explicit Codes(store::Store& store)
      : intake(store, german(), {}), otp(store, intake, german().default_region) {}
  dispatch::Intake intake;
  Otp otp;
};

std::string message_text(store::Store& store, int64_t id) {
  auto detail = store.get_message(id);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  return (*detail)->message.text;
}

// The code in a message sent with the default template, "Your code is 123456".
std::string sent_code(store::Store& store, const OtpIssued& issued) {
  std::string text = message_text(store, issued.message_id);
  REQUIRE(text.rfind("Your code is ", 0) == 0);
  return text.substr(13);
}

// A code that is not `code`, of the same length.
std::string wrong(std::string code) {
  code[0] = code[0] == '9' ? '0' : static_cast<char>(code[0] + 1);
  return code;
}

OtpVerdict verdict(Otp& otp, std::string_view to, std::string_view code, int64_t now) {
  auto result = otp.verify(to, code, now);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return *result;
}

}  // namespace

TEST_CASE("otp: a sent code verifies once") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  auto issued = otp.send(OtpRequest{"0170 1234567", {}, {}, {}, {}}, kT0);
  REQUIRE_MESSAGE(issued.ok(), (issued.ok() ? "" : issued.error().message));
  CHECK(issued->to == kNumber);
  CHECK(issued->expires_at == kT0 + 300'000);  // default TTL: 5 minutes
  CHECK(issued->parts == 1);
  CHECK(issued->encoding == "gsm7");

  auto detail = store->get_message(issued->message_id);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  const store::Message& message = (*detail)->message;
  CHECK(message.category == policy::Category::kOtp);
  CHECK(message.to == kNumber);
  CHECK(message.expires_at == kT0 + 300'000);  // an undelivered code expires with it

  std::string code = sent_code(*store, *issued);
  CHECK(code.size() == 6);
  CHECK(std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }));

  // The recipient may be written either way; it is normalised like the send.
  CHECK(verdict(otp, "0170 1234567", code, kT0 + 1000) == OtpVerdict::kValid);
  CHECK(verdict(otp, kNumber, code, kT0 + 2000) == OtpVerdict::kNoCode);  // used up
  CHECK(verdict(otp, "+4917099999999", code, kT0 + 2000) == OtpVerdict::kNoCode);
}

TEST_CASE("otp: wrong answers count; the sixth answer is refused even when right") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  auto issued = otp.send(OtpRequest{kNumber, {}, {}, {}, {}}, kT0);
  REQUIRE(issued.ok());
  std::string code = sent_code(*store, *issued);
  for (int i = 0; i < Otp::kMaxAttempts; ++i)
    CHECK(verdict(otp, kNumber, wrong(code), kT0 + i) == OtpVerdict::kWrongCode);
  CHECK(verdict(otp, kNumber, code, kT0 + 10) == OtpVerdict::kTooManyAttempts);
  CHECK(verdict(otp, kNumber, wrong(code), kT0 + 11) == OtpVerdict::kTooManyAttempts);

  // The count is in the database: another Otp (a restarted daemon) knows it.
  Codes restarted_codes(*store);
  Otp& restarted = restarted_codes.otp;
  CHECK(verdict(restarted, kNumber, code, kT0 + 12) == OtpVerdict::kTooManyAttempts);

  // The fifth answer may still be the right one.
  auto second = otp.send(OtpRequest{kNumber, {}, {}, {}, {}}, kT0 + 100);
  REQUIRE(second.ok());
  std::string second_code = sent_code(*store, *second);
  for (int i = 0; i < Otp::kMaxAttempts - 1; ++i)
    CHECK(verdict(otp, kNumber, wrong(second_code), kT0 + 101) == OtpVerdict::kWrongCode);
  CHECK(verdict(otp, kNumber, second_code, kT0 + 102) == OtpVerdict::kValid);
}

TEST_CASE("otp: a code expires after its TTL") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  auto issued = otp.send(OtpRequest{kNumber, {}, {}, 60, {}}, kT0);
  REQUIRE(issued.ok());
  CHECK(issued->expires_at == kT0 + 60'000);
  std::string code = sent_code(*store, *issued);
  CHECK(verdict(otp, kNumber, code, kT0 + 60'000) == OtpVerdict::kExpired);
  CHECK(verdict(otp, kNumber, code, kT0 + 59'999) == OtpVerdict::kValid);
}

TEST_CASE("otp: a new code supersedes the older one") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  auto first = otp.send(OtpRequest{kNumber, {}, {}, {}, {}}, kT0);
  auto second = otp.send(OtpRequest{kNumber, {}, {}, {}, {}}, kT0 + 1000);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->message_id != second->message_id);
  std::string old_code = sent_code(*store, *first);
  std::string new_code = sent_code(*store, *second);
  if (old_code != new_code) {  // one chance in a million that they are equal
    CHECK(verdict(otp, kNumber, old_code, kT0 + 2000) == OtpVerdict::kWrongCode);
  }
  CHECK(verdict(otp, kNumber, new_code, kT0 + 3000) == OtpVerdict::kValid);
  CHECK(verdict(otp, kNumber, old_code, kT0 + 4000) == OtpVerdict::kNoCode);
}

TEST_CASE("otp: no code sent") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  CHECK(verdict(otp, kNumber, "123456", kT0) == OtpVerdict::kNoCode);
}

TEST_CASE("otp: length, template substitution, idempotency") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  for (int length : {4, 7, 10}) {
    auto issued = otp.send(OtpRequest{kNumber, {}, length, {}, {}}, kT0);
    REQUIRE(issued.ok());
    std::string code = sent_code(*store, *issued);
    CHECK(code.size() == static_cast<size_t>(length));
    CHECK(std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }));
  }

  auto templated =
      otp.send(OtpRequest{kNumber, "Code {code} for Praxis Müller. Again: {code}", 5, {}, {}}, kT0);
  REQUIRE(templated.ok());
  std::string text = message_text(*store, templated->message_id);
  REQUIRE(text.size() == std::string("Code 12345 for Praxis Müller. Again: 12345").size());
  std::string code = text.substr(5, 5);
  CHECK(text == "Code " + code + " for Praxis Müller. Again: " + code);
  CHECK(verdict(otp, kNumber, code, kT0 + 1) == OtpVerdict::kValid);

  // The same idempotency key: the same message, and its code stays the valid one.
  auto once = otp.send(OtpRequest{"+491709876543", {}, {}, {}, "login-42"}, kT0);
  auto twice = otp.send(OtpRequest{"+491709876543", {}, {}, {}, "login-42"}, kT0 + 500);
  REQUIRE(once.ok());
  REQUIRE(twice.ok());
  CHECK(once->message_id == twice->message_id);
  CHECK(!once->existing);
  CHECK(twice->existing);
  CHECK(twice->expires_at == once->expires_at);
  CHECK(verdict(otp, "+491709876543", sent_code(*store, *once), kT0 + 600) == OtpVerdict::kValid);

  // A key used by an ordinary message is not an OTP's.
  dispatch::OutgoingRequest ordinary;
  ordinary.to = kNumber;
  ordinary.text = "Your order has shipped";
  ordinary.idempotency_key = "order-7";
  auto plain = dispatch::compose_message(ordinary, kT0, 1);
  REQUIRE(plain.ok());
  REQUIRE(store->submit({*plain}, kT0).ok());
  auto clash = otp.send(OtpRequest{kNumber, {}, {}, {}, "order-7"}, kT0);
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().message.rfind("idempotency_key: ", 0) == 0);
}

TEST_CASE("otp: bad requests are refused with the field named, and store nothing") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  auto expect_error = [&](const OtpRequest& request, std::string_view field) {
    auto issued = otp.send(request, kT0);
    REQUIRE_FALSE(issued.ok());
    CHECK_MESSAGE(issued.error().message.rfind(std::string(field) + ": ", 0) == 0,
                  issued.error().message);
  };
  expect_error(OtpRequest{kNumber, {}, 3, {}, {}}, "length");
  expect_error(OtpRequest{kNumber, {}, 11, {}, {}}, "length");
  expect_error(OtpRequest{kNumber, {}, {}, 29, {}}, "ttl");
  expect_error(OtpRequest{kNumber, {}, {}, 3601, {}}, "ttl");
  expect_error(OtpRequest{kNumber, "Your code", {}, {}, {}}, "template");
  expect_error(OtpRequest{kNumber, "", {}, {}, {}}, "template");
  expect_error(OtpRequest{kNumber, "{code}" + std::string(295, 'x'), {}, {}, {}}, "template");
  expect_error(OtpRequest{kNumber, "bad \xff {code}", {}, {}, {}}, "template");
  expect_error(OtpRequest{"12", {}, {}, {}, {}}, "to");
  expect_error(OtpRequest{"not a number", {}, {}, {}, {}}, "to");
  auto page = store->list_messages(store::MessageFilter{});
  REQUIRE(page.ok());
  CHECK(page->items.empty());

  CHECK(otp.send(OtpRequest{kNumber, "{code}" + std::string(294, 'x'), {}, {}, {}}, kT0).ok());
  CHECK(otp.send(OtpRequest{kNumber, {}, {}, 30, {}}, kT0).ok());
  CHECK(otp.send(OtpRequest{kNumber, {}, {}, 3600, {}}, kT0).ok());

  auto bad_to = otp.verify("12", "123456", kT0);
  REQUIRE_FALSE(bad_to.ok());
  CHECK(bad_to.error().message.rfind("to: ", 0) == 0);
  for (std::string_view code : {"", "12a456", "12345678901", " 123456"}) {
    auto bad_code = otp.verify(kNumber, code, kT0);
    REQUIRE_FALSE(bad_code.ok());
    CHECK(bad_code.error().message.rfind("code: ", 0) == 0);
  }
}

TEST_CASE("otp: at most 5 codes an hour to one number by default; the limit can change") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  for (int i = 0; i < Otp::kDefaultMaxSendsPerNumber; ++i) {
    auto issued = otp.send(OtpRequest{kNumber, {}, {}, {}, {}}, kT0 + i * 60'000);
    REQUIRE(issued.ok());
    CHECK_FALSE(issued->refused_until.has_value());
  }
  // The sixth within the hour is refused until the first is an hour old; the number
  // is named as normalised, and the code before stays the valid one.
  auto refused = otp.send(OtpRequest{"0170 1234567", {}, {}, {}, {}}, kT0 + 10 * 60'000);
  REQUIRE(refused.ok());
  CHECK(refused->refused_until == kT0 + Otp::kDefaultSendWindowMs);
  CHECK(refused->to == kNumber);
  CHECK(refused->message_id == 0);
  auto page = store->list_messages(store::MessageFilter{});
  REQUIRE(page.ok());
  CHECK(page->items.size() == static_cast<size_t>(Otp::kDefaultMaxSendsPerNumber));
  // A new idempotency key asks for a new code: refused too, and the key stays free.
  auto keyed = otp.send(OtpRequest{kNumber, {}, {}, {}, "k"}, kT0 + 11 * 60'000);
  REQUIRE(keyed.ok());
  CHECK(keyed->refused_until.has_value());

  // A higher limit (SIGHUP) lets more through at once; 0 turns it off.
  otp.set_send_limit(store::OtpSendLimit{6, Otp::kDefaultSendWindowMs});
  auto sixth = otp.send(OtpRequest{kNumber, {}, {}, {}, "k"}, kT0 + 12 * 60'000);
  REQUIRE(sixth.ok());
  CHECK_FALSE(sixth->refused_until.has_value());
  auto replayed = otp.send(OtpRequest{kNumber, {}, {}, {}, "k"}, kT0 + 13 * 60'000);
  REQUIRE(replayed.ok());
  CHECK_FALSE(replayed->refused_until.has_value());  // over the limit, but a replay
  CHECK(replayed->existing);
  CHECK(replayed->message_id == sixth->message_id);
  CHECK(otp.send(OtpRequest{kNumber, {}, {}, {}, {}}, kT0 + 14 * 60'000)->refused_until);
  otp.set_send_limit(store::OtpSendLimit{});
  CHECK_FALSE(otp.send(OtpRequest{kNumber, {}, {}, {}, {}}, kT0 + 15 * 60'000)->refused_until);
}

TEST_CASE("otp: verdict names") {
  CHECK(otp_verdict_name(OtpVerdict::kValid) == "valid");
  CHECK(otp_verdict_name(OtpVerdict::kWrongCode) == "wrong_code");
  CHECK(otp_verdict_name(OtpVerdict::kExpired) == "expired");
  CHECK(otp_verdict_name(OtpVerdict::kTooManyAttempts) == "too_many_attempts");
  CHECK(otp_verdict_name(OtpVerdict::kNoCode) == "no_code");
}

TEST_CASE("otp: codes are stored hashed with a per-database key") {
  TempDir dir;
  auto store = open_store(dir);
  Codes codes(*store);
  Otp& otp = codes.otp;
  auto issued = otp.send(OtpRequest{kNumber, {}, {}, {}, {}}, kT0);
  REQUIRE(issued.ok());
  auto key = store->get_setting("otp_key");
  REQUIRE(key.ok());
  REQUIRE(key->has_value());
  CHECK((*key)->size() == 64);
  // A second Otp on the same database uses the same key: its codes verify.
  Codes other_codes(*store);
  Otp& other = other_codes.otp;
  CHECK(verdict(other, kNumber, sent_code(*store, *issued), kT0 + 1) == OtpVerdict::kValid);
}

}  // namespace smsgate::auth

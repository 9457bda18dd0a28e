// SMS to email, the pure part: which rules a text matches and the mail each sends.
#include <doctest/doctest.h>

#include "email/forward.h"

namespace smsgate::email {
namespace {

store::InboundMessage text_from(const std::string& number) {
  store::InboundMessage message;
  message.id = 7;
  message.from = number;
  message.modem = "modem-1";
  message.text = "Can I move my appointment to Friday?";
  message.received_at = 1'765'008'902'000;  // 2025-12-06 08:15:02 UTC
  return message;
}

TEST_CASE("forward_matches: any sender without numbers, else only those") {
  const ForwardRule anyone{std::nullopt, "frontdesk@klinik.example", {}, "SMS from {number}"};
  const ForwardRule some{7, "dr@klinik.example", {"+628121234567", "+6281299990000"}, "x"};
  CHECK(forward_matches(anyone, "+628121234567"));
  CHECK(forward_matches(anyone, "BANK"));
  CHECK(forward_matches(some, "+6281299990000"));
  CHECK_FALSE(forward_matches(some, "+628120000000"));
}

TEST_CASE("forward_mail: the subject filled in, the text with who, when and where") {
  const ForwardRule rule{3, "frontdesk@klinik.example", {}, "SMS from {number} ({modem})"};
  auto zone = policy::TimeZone::create("Asia/Jakarta");
  REQUIRE(zone.ok());
  store::NewMail mail = forward_mail(rule, text_from("+628121234567"), *zone, "abc@klinik.example");
  CHECK(mail.to_address == "frontdesk@klinik.example");
  CHECK(mail.subject == "SMS from +628121234567 (modem-1)");
  CHECK(mail.body ==
        "Can I move my appointment to Friday?\n"
        "\n"
        "From: +628121234567\n"
        "Received: 2025-12-06 15:15:02 +07:00 (Asia/Jakarta)\n"
        "Modem: modem-1\n");
  CHECK(mail.message_id == "abc@klinik.example");
  CHECK(mail.inbound_id == 7);
  CHECK(mail.forward_id == 3);
  CHECK_FALSE(mail.in_reply_to.has_value());
}

TEST_CASE("local_time_text: west of Greenwich and across daylight saving") {
  auto new_york = policy::TimeZone::create("America/New_York");
  REQUIRE(new_york.ok());
  CHECK(local_time_text(1'765'008'902'000, *new_york) ==
        "2025-12-06 03:15:02 -05:00 (America/New_York)");
  CHECK(local_time_text(1'751'789'702'000, *new_york) ==  // 2025-07-06 08:15:02 UTC
        "2025-07-06 04:15:02 -04:00 (America/New_York)");
  CHECK(local_time_text(0, policy::TimeZone::utc()) == "1970-01-01 00:00:00 +00:00 (UTC)");
}

}  // namespace
}  // namespace smsgate::email

// A message as the API shows it: a one-time password's code never appears, in the
// message or in its detail; other texts are shown as they are; the detail lists the
// parts superseded when the message went again whole from another modem.
#include <doctest/doctest.h>

#include <string>

#include "http/message_json.h"
#include "store/event_json.h"

namespace smsgate::http {
namespace {

store::Message message(policy::Category category, std::string text) {
  store::Message m;
  m.id = 7;
  m.to = "+4917012345678";
  m.text = std::move(text);
  m.category = category;
  m.status = store::MessageStatus::kSending;
  m.encoding = "gsm7";
  m.part_count = 1;
  return m;
}

TEST_CASE("message json: a one-time password's digits are masked, other texts are not") {
  store::MessageDetail detail;
  detail.message = message(policy::Category::kOtp, "Your code is 482916, valid 5 min");
  store::Part part;
  part.number = 1;
  part.pdu_hex = "0011000C9149710214368700004D13D9775D0E1ABFC9E4329C0E9A97C3F3";
  detail.parts.push_back(part);
  for (const nlohmann::json& shown : {message_json(detail.message), message_detail_json(detail)}) {
    CHECK(shown["text"] == "Your code is \u2022\u2022\u2022\u2022\u2022\u2022, valid \u2022 min");
    const std::string dumped = shown.dump();
    CHECK(dumped.find("482916") == std::string::npos);
    CHECK(dumped.find(part.pdu_hex) == std::string::npos);
  }
  CHECK(message_json(message(policy::Category::kTransactional, "Order 4711 shipped"))["text"] ==
        "Order 4711 shipped");
}

TEST_CASE("message json: the detail shows the parts superseded when it went again whole") {
  store::MessageDetail detail;
  detail.message = message(policy::Category::kTransactional, std::string(200, 'w'));
  CHECK(message_detail_json(detail)["superseded_parts"] == nlohmann::json::array());
  detail.superseded.push_back({.number = 1,
                               .modem = "356938035643809",
                               .tp_mr = 17,
                               .sent_at = 1'790'000'000'000,
                               .superseded_at = 1'790'000'001'500});
  detail.superseded.push_back({.number = 2,
                               .modem = "356938035643817",
                               .sent_at = 1'790'000'002'000,
                               .superseded_at = 1'790'000'003'000});
  const nlohmann::json shown = message_detail_json(detail)["superseded_parts"];
  CHECK(shown == nlohmann::json::parse(R"([
    {"number": 1, "modem": "356938035643809", "reference": 17,
     "sent_at": "2026-09-21T14:13:20.000Z", "superseded_at": "2026-09-21T14:13:21.500Z"},
    {"number": 2, "modem": "356938035643817",
     "sent_at": "2026-09-21T14:13:22.000Z", "superseded_at": "2026-09-21T14:13:23.000Z"}])"));
}

TEST_CASE("message json: masking leaves everything but ASCII digits alone") {
  CHECK(store::mask_digits("") == "");
  CHECK(store::mask_digits("Kód: 0123456789 ٣") ==
        "Kód: \u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022 ٣");
  // Masking what is already masked (the store redacts final messages) changes nothing.
  std::string once = store::mask_digits("Code 12");
  CHECK(store::mask_digits(once) == once);
}

}  // namespace
}  // namespace smsgate::http

// A message as the API shows it: a one-time password's code never appears, in the
// message or in its detail; other texts are shown as they are.
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

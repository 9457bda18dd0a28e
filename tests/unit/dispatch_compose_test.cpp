// compose_message: what a submission becomes in the store.
#include <doctest/doctest.h>

#include "dispatch/compose.h"
#include "pdu/decode.h"
#include "pdu/hex.h"

namespace smsgate::dispatch {

using policy::Category;

TEST_CASE("compose: the recipient is normalised, refused when invalid") {
  OutgoingRequest request;
  request.text = "hello";
  ComposeDefaults defaults;
  defaults.default_region = "DE";
  request.to = "0170 1234567";
  auto message = compose_message(request, 1000, 7, defaults);
  REQUIRE(message.ok());
  CHECK(message->to == "+491701234567");
  auto octets = pdu::from_hex(message->parts[0].pdu_hex);
  REQUIRE(octets.ok());
  auto decoded = pdu::decode_pdu(*octets, true);
  REQUIRE(decoded.ok());
  CHECK(std::get<pdu::Submit>(decoded->tpdu).to == "+491701234567");

  request.to = "12";
  auto refused = compose_message(request, 1000, 7, defaults);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("to: ") == 0);
  request.to = "0170 1234567";
  CHECK_FALSE(compose_message(request, 1000, 7, ComposeDefaults{}).ok());  // no region
}

TEST_CASE("compose: defaults by category, TTL and parts") {
  OutgoingRequest request;
  request.to = "+4917012345678";
  request.text = std::string(200, 'x');
  request.category = Category::kOtp;
  auto otp = compose_message(request, 1000, 7);
  REQUIRE(otp.ok());
  CHECK(otp->priority > policy::default_priority(Category::kTransactional));
  CHECK(otp->category == Category::kOtp);
  CHECK(otp->parts.size() == 2);
  CHECK(otp->expires_at == 1000 + ComposeDefaults{}.default_ttl_ms);
  CHECK_FALSE(otp->expect_reply);
  request.category = Category::kFeedback;
  request.send_at = 5000;
  auto feedback = compose_message(request, 1000, 7);
  REQUIRE(feedback.ok());
  CHECK(feedback->expect_reply);
  CHECK(feedback->expires_at == 5000 + ComposeDefaults{}.default_ttl_ms);
  request.ttl_ms = 0;
  CHECK_FALSE(compose_message(request, 1000, 7).ok());
}

}  // namespace smsgate::dispatch

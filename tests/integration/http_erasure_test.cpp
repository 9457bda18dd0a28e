// DELETE /api/v1/numbers/{number} over real HTTP: everything about one number goes,
// its opt-out stays, other numbers' messages are untouched, and the /metrics totals
// count what went.
#include <doctest/doctest.h>

#include "integration/api_harness.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kPatient = "+4917012345678";
constexpr const char* kOther = "+4917012345670";

int64_t send(HttpClient& client, const char* to, const std::string& text) {
  auto answer = client.post("/api/v1/messages", {{"to", to}, {"text", text}});
  REQUIRE_MESSAGE(answer.status == 202, answer.body);
  return answer.json()["id"].get<int64_t>();
}

}  // namespace

TEST_CASE_FIXTURE(
    ApiTest, "api: erasing a number deletes its messages, keeps its opt-out and others' messages") {
  int64_t first = send(client, kPatient, "Your appointment is on Monday at 9:00");
  int64_t second = send(client, kPatient, "Your test results are ready");
  int64_t other = send(client, kOther, "Your order has shipped");
  for (int64_t id : {first, second, other}) REQUIRE(gateway.wait_status(client, id, "sent"));
  REQUIRE(client.post("/api/v1/optouts", {{"number", kPatient}}).status == 201);

  // Not a phone number: refused, nothing deleted.
  auto invalid = client.del("/api/v1/numbers/not-a-number");
  CHECK(invalid.status == 400);
  CHECK(invalid.error_code() == "invalid_number");

  auto erased = client.del("/api/v1/numbers/%2B4917012345678");
  REQUIRE_MESSAGE(erased.status == 200, erased.body);
  json body = erased.json();
  CHECK(body["number"] == kPatient);
  CHECK(body["deleted"]["messages"] == 2);
  CHECK(body["deleted"]["inbound"] == 0);
  CHECK(body["cancelled"] == 0);
  CHECK(body["opted_out"] == true);

  CHECK(client.get("/api/v1/messages/" + std::to_string(first)).status == 404);
  CHECK(client.get("/api/v1/messages/" + std::to_string(second)).status == 404);
  CHECK(client.get("/api/v1/messages?to=%2B4917012345678").json()["items"].empty());
  CHECK(gateway.status_of(client, other) == "sent");
  auto optouts = client.get("/api/v1/optouts").json();
  REQUIRE(optouts["items"].size() == 1);
  CHECK(optouts["items"][0]["number"] == kPatient);
  // Still opted out: nothing but one-time passwords reaches the number.
  CHECK(client.post("/api/v1/messages", {{"to", kPatient}, {"text", "Hello"}}).status == 409);

  auto metrics = client.get("/metrics").body;
  CHECK(metrics.find("smsgate_messages_deleted_total{status=\"sent\"} 2\n") != std::string::npos);

  // Nothing left: all zeros.
  auto again = client.del("/api/v1/numbers/%2B4917012345678").json();
  CHECK(again["deleted"]["messages"] == 0);
}

}  // namespace smsgate::testing

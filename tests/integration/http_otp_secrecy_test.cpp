// A one-time password over real HTTP against the daemon with a simulated modem: the
// phone gets the code, and nobody else can read it afterwards: not through any message
// route (one, list, ?to=, ?status=), not in a webhook body, not in the database once
// the message is final. Codes are made only by /api/v1/otp, and no client message
// outranks them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "integration/api_harness.h"
#include "integration/webhook_receiver.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kPatient = "+4917012345678";
constexpr const char* kPatientQuery = "%2B4917012345678";
const std::string kMasked = "Your code is \u2022\u2022\u2022\u2022\u2022\u2022";

size_t sent_count(ApiDaemon& gateway) {
  return gateway.sims().with(0, [](sim::SimModem& modem, auto) { return modem.sent().size(); });
}

// The code as the patient's phone received it.
std::string code_on_phone(ApiDaemon& gateway) {
  std::string text =
      gateway.sims().with(0, [](sim::SimModem& modem, auto) { return modem.sent().back().text; });
  REQUIRE(text.starts_with("Your code is "));
  return text.substr(std::string("Your code is ").size());
}

struct View {
  std::string body;
  std::string text;  // of the message, as this route shows it
};

// Every route that shows the message: its detail and the lists it is in.
std::vector<View> message_views(HttpClient& client, int64_t id) {
  std::vector<View> views;
  for (const std::string& path :
       {"/api/v1/messages/" + std::to_string(id), std::string("/api/v1/messages"),
        "/api/v1/messages?to=" + std::string(kPatientQuery),
        std::string("/api/v1/messages?limit=1")}) {
    CAPTURE(path);
    auto answer = client.get(path);
    REQUIRE(answer.status == 200);
    json body = answer.json();
    json shown = body.contains("items") ? body["items"].at(0) : body;
    REQUIRE(shown["id"] == id);
    views.push_back({answer.body, shown["text"].get<std::string>()});
  }
  return views;
}

TEST_CASE("api: a one-time password's code is readable nowhere but on the phone") {
  WebhookReceiver receiver;
  ApiDaemon gateway(1);
  HttpClient client = gateway.client();
  REQUIRE(client
              .post("/api/v1/webhooks",
                    {{"url", receiver.url()},
                     {"events",
                      {"message.sent", "message.delivered", "message.failed", "message.expired"}},
                     {"secret", "otp-secrecy-key-16+"}})
              .status == 201);
  const std::string modem = gateway.daemon().pool().modems().at(0);
  // Held back first, to look at it while it waits.
  REQUIRE(client.post("/api/v1/modems/" + modem + "/disable", json::object()).status == 200);

  auto requested =
      client.post("/api/v1/otp", {{"to", kPatient}, {"template", "Your code is {code}"}});
  REQUIRE_MESSAGE(requested.status == 202, requested.body);
  const int64_t id = requested.json()["id"].get<int64_t>();
  CHECK(!requested.json().contains("text"));

  // Waiting to be sent: masked already, in every view.
  for (const View& view : message_views(client, id)) CHECK(view.text == kMasked);

  REQUIRE(client.post("/api/v1/modems/" + modem + "/enable", json::object()).status == 200);
  REQUIRE(gateway.wait_status(client, id, "sent"));
  REQUIRE(sent_count(gateway) == 1);
  const std::string code = code_on_phone(gateway);
  REQUIRE(code.size() == 6);

  // Sent: no route shows the code.
  for (const View& view : message_views(client, id)) {
    CHECK(view.text == kMasked);
    CHECK(view.body.find(code) == std::string::npos);
  }
  auto sent_list = client.get("/api/v1/messages?status=sent&to=" + std::string(kPatientQuery));
  REQUIRE(sent_list.status == 200);
  REQUIRE(sent_list.json()["items"].size() == 1);
  CHECK(sent_list.json()["items"][0]["text"] == kMasked);
  CHECK(sent_list.body.find(code) == std::string::npos);

  // Nor any webhook body.
  REQUIRE(wait_until([&] { return receiver.count() >= 1; }));
  for (const auto& request : receiver.requests()) {
    CHECK(request.body.find(code) == std::string::npos);
    CHECK(json::parse(request.body)["data"]["id"] == id);
  }

  // On disk: the text masked and no PDU, since the message is final.
  auto stored = gateway.daemon().store().get_message(id);
  REQUIRE((stored.ok() && stored->has_value()));
  CHECK((*stored)->message.text == kMasked);
  REQUIRE(!(*stored)->parts.empty());
  for (const store::Part& part : (*stored)->parts) CHECK(part.pdu_hex.empty());

  // The code itself still works: it is checked against its hash, not the message.
  auto verified = client.post("/api/v1/otp/verify", {{"to", kPatient}, {"code", code}});
  REQUIRE(verified.status == 200);
  CHECK(verified.json()["result"] == "valid");
}

TEST_CASE_FIXTURE(ApiTest,
                  "api: codes come only from /api/v1/otp, and no client message outranks them") {
  auto otp = client.post("/api/v1/messages",
                         {{"to", kPatient}, {"text", "Your code is 123456"}, {"category", "otp"}});
  CHECK(otp.status == 400);
  CHECK(otp.error_code() == "invalid_field");
  CHECK(otp.error_field() == "category");
  CHECK(otp.json()["error"]["message"].get<std::string>().find("/api/v1/otp") != std::string::npos);

  auto in_batch = client.post(
      "/api/v1/messages/batch",
      {{"messages", {{{"to", kPatient}, {"text", "Your code is 123456"}, {"category", "otp"}}}}});
  CHECK(in_batch.status == 400);
  CHECK(in_batch.error_code() == "invalid_field");
  CHECK(in_batch.error_field() == "messages[0].category");

  auto too_high =
      client.post("/api/v1/messages", {{"to", kPatient}, {"text", "x"}, {"priority", 100}});
  CHECK(too_high.status == 400);
  CHECK(too_high.error_code() == "invalid_field");
  CHECK(too_high.error_field() == "priority");
  CHECK(too_high.json()["error"]["message"].get<std::string>().find("-1000 to 99") !=
        std::string::npos);

  auto highest =
      client.post("/api/v1/messages", {{"to", kPatient}, {"text", "x"}, {"priority", 99}});
  CHECK(highest.status == 202);
  // Nothing refused was stored.
  CHECK(client.get("/api/v1/messages").json()["items"].size() == 1);
}

}  // namespace
}  // namespace smsgate::testing

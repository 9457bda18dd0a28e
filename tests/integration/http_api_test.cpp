// The HTTP API over real HTTP against the daemon with simulated modems on ptys: the
// whole lifecycle with webhooks, idempotency, cancellation, validation, auth, replies,
// OTP, pagination, modems, metrics and TLS.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "auth/admin_password.h"
#include "integration/api_harness.h"
#include "integration/webhook_receiver.h"
#include "store/sqlite.h"
#include "webhook/events.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kCustomer = "+4917012345678";

int64_t message_count(HttpClient& client) {
  int64_t count = 0;
  std::string cursor;
  for (;;) {
    auto page =
        client.get("/api/v1/messages?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(page.status == 200);
    json body = page.json();
    count += static_cast<int64_t>(body["items"].size());
    if (!body.contains("next_cursor")) return count;
    cursor = body["next_cursor"].get<std::string>();
  }
}

std::vector<json> received_events(WebhookReceiver& receiver, const std::string& event) {
  std::vector<json> events;
  for (const auto& request : receiver.requests()) {
    auto found = request.headers.find("x-smsgate-event");
    if (found != request.headers.end() && found->second == event)
      events.push_back(json::parse(request.body));
  }
  return events;
}

TEST_CASE("api: health needs no key; every other endpoint refuses a missing, bad or revoked key") {
  ApiDaemon gateway(1);
  HttpClient anonymous(gateway.url());
  auto health = anonymous.get("/api/v1/health");
  CHECK(health.status == 200);
  CHECK(health.json()["status"] == "ok");
  CHECK(health.json()["modems"]["ready"] == 1);

  auto revoked =
      gateway.daemon().api_keys().create("to revoke", auth::Scopes::all(), gateway.clock().now());
  REQUIRE(revoked.ok());
  HttpClient revoked_client(gateway.url(), revoked->key);
  CHECK(revoked_client.get("/api/v1/messages").status == 200);
  REQUIRE(gateway.daemon().api_keys().revoke(revoked->info.id, gateway.clock().now()).ok());

  std::string first_body;
  for (const std::string& path : {"/api/v1/messages", "/api/v1/modems", "/metrics",
                                  "/api/v1/openapi.json", "/api/v1/inbound", "/api/v1/webhooks"}) {
    CAPTURE(path);
    std::vector<HttpAnswer> answers;
    answers.push_back(anonymous.get(path));
    answers.push_back(revoked_client.get(path));
    HttpClient wrong(gateway.url(), "sgk_" + std::string(43, 'A'));
    answers.push_back(wrong.get(path));
    HttpClient garbage(gateway.url(), "sgk_!!! nonsense");
    answers.push_back(garbage.get(path));
    answers.push_back(anonymous.request("GET", path, "", {"Authorization: Basic dXNlcjpwYXNz"}));
    for (const HttpAnswer& answer : answers) {
      CHECK(answer.status == 401);
      CHECK(answer.error_code() == "unauthorized");
      CHECK(answer.headers.at("www-authenticate") == "Bearer");
      // The same answer whatever was wrong: nothing to learn about keys from it.
      if (first_body.empty()) first_body = answer.body;
      CHECK(answer.body == first_body);
    }
  }
  // A POST without a key changes nothing.
  CHECK(anonymous.post("/api/v1/messages", {{"to", kCustomer}, {"text", "hi"}}).status == 401);
  HttpClient client = gateway.client();
  CHECK(message_count(client) == 0);
}

TEST_CASE("api: a message goes queued, sent, delivered, and the webhooks say so, signed") {
  WebhookReceiver receiver;
  ApiDaemon gateway(2);
  for (size_t i = 0; i < 2; ++i) {
    gateway.sims().with(i, [](sim::SimModem& modem, auto) {
      modem.set_auto_status_reports(sim::SimModem::AutoStatusReports{0, 100ms});
    });
  }
  HttpClient client = gateway.client();
  auto hook = client.post("/api/v1/webhooks", {{"url", receiver.url()},
                                               {"events", {"message.sent", "message.delivered"}},
                                               {"secret", "s3cret-s3cret-s3cret"}});
  REQUIRE_MESSAGE(hook.status == 201, hook.body);
  CHECK(hook.json()["secret"] == "s3cret-s3cret-s3cret");
  int64_t hook_id = hook.json()["id"].get<int64_t>();

  auto submitted = client.post("/api/v1/messages", {{"to", kCustomer},
                                                    {"text", "Your order 4711 has shipped."},
                                                    {"status_report", true},
                                                    {"external_id", "order-4711"}});
  REQUIRE_MESSAGE(submitted.status == 202, submitted.body);
  json accepted = submitted.json();
  CHECK(accepted["status"] == "queued");
  CHECK(accepted["parts"] == 1);
  CHECK(accepted["encoding"] == "gsm7");
  CHECK(accepted["to"] == kCustomer);
  int64_t id = accepted["id"].get<int64_t>();

  REQUIRE(gateway.wait_status(client, id, "delivered"));
  json detail = client.get("/api/v1/messages/" + std::to_string(id)).json();
  CHECK(detail["external_id"] == "order-4711");
  REQUIRE(detail["part_status"].size() == 1);
  CHECK(detail["part_status"][0]["status"] == "delivered");
  CHECK(detail["part_status"][0].contains("reference"));
  std::vector<std::string> history;
  for (const json& entry : detail["history"]) history.push_back(entry["status"]);
  CHECK(history == std::vector<std::string>{"queued", "sending", "sent", "delivered"});
  CHECK(detail["superseded_parts"] == json::array());  // it never moved

  REQUIRE(wait_until([&] { return receiver.count() >= 2; }));
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  std::vector<std::string> events;
  std::set<std::string> deliveries;
  for (const auto& request : requests) {
    events.push_back(request.headers.at("x-smsgate-event"));
    deliveries.insert(request.headers.at("x-smsgate-delivery"));
    CHECK(request.headers.at("x-smsgate-signature") ==
          webhook::sign_body("s3cret-s3cret-s3cret", request.body));
    json body = json::parse(request.body);
    CHECK(body["data"]["id"] == id);
    CHECK(body["data"]["external_id"] == "order-4711");
  }
  CHECK(events == std::vector<std::string>{"message.sent", "message.delivered"});
  CHECK(deliveries.size() == 2);

  // The receiver has the requests a moment before the deliverer records their answers.
  json items;
  REQUIRE(wait_until([&] {
    auto listed = client.get("/api/v1/webhooks/" + std::to_string(hook_id) + "/deliveries");
    REQUIRE(listed.status == 200);
    items = listed.json()["items"];
    return items.size() == 2 && items[0]["state"] == "delivered" &&
           items[1]["state"] == "delivered";
  }));
  for (const json& item : items) {
    REQUIRE(item["tries"].size() == 1);
    CHECK(item["tries"].at(0)["http_status"] == 200);
  }
}

TEST_CASE(
    "api: a long message that went again whole from another modem shows the parts sent before") {
  ApiDaemon gateway(
      2, [](config::Config& config) { config.sending.retry_backoff = std::chrono::seconds(1); });
  // Each modem sends a first part, then the network refuses its next one for a while
  // (CMS 38, network out of order): the message moves, and goes again whole.
  for (size_t i = 0; i < 2; ++i) {
    gateway.sims().with(i, [](sim::SimModem& modem, auto) { modem.fail_next_sends(1, 38, 1); });
  }
  HttpClient client = gateway.client();
  const std::string text(200, 'w');  // two parts
  int64_t id = submit_accepted(client, {{"to", kCustomer}, {"text", text}});
  REQUIRE(gateway.wait_status(client, id, "sent"));

  auto answer = client.get("/api/v1/messages/" + std::to_string(id));
  REQUIRE(answer.status == 200);
  json detail = answer.json();
  CAPTURE(detail.dump());
  // The first modem's first part, then the second's: each went whole from the other.
  const json& superseded = detail["superseded_parts"];
  REQUIRE(superseded.size() == 2);
  std::set<std::string> senders;
  for (const json& part : superseded) {
    CHECK(part["number"] == 1);
    CHECK(part["reference"].is_number_integer());
    CHECK(part["sent_at"].get<std::string>() <= part["superseded_at"].get<std::string>());
    senders.insert(part["modem"].get<std::string>());
  }
  CHECK(senders.size() == 2);
  CHECK(superseded[0]["superseded_at"].get<std::string>() <=
        superseded[1]["sent_at"].get<std::string>());
  // The parts that count are all from the one modem that sent it whole in the end.
  REQUIRE(detail["part_status"].size() == 2);
  for (const json& part : detail["part_status"]) {
    CHECK(part["status"] == "sent");
    CHECK(part["modem"] == superseded[0]["modem"]);
  }
  CHECK(detail["sent_by"] == superseded[0]["modem"]);
  int moved = 0;
  for (const json& entry : detail["history"]) {
    if (entry["reason"].get<std::string>().starts_with("sent again whole from ")) ++moved;
  }
  CHECK(moved == 2);
  // The phone got it whole from that modem: both parts under one new reference.
  const std::string final_modem = superseded[0]["modem"];
  size_t final_index = 2;
  for (size_t i = 0; i < 2; ++i) {
    if (gateway.sims().with(i, [](sim::SimModem& m, auto) { return m.config().imei; }) ==
        final_modem)
      final_index = i;
  }
  REQUIRE(final_index < 2);
  // What the network accepted from it: its first try's first part, then both again.
  auto sent = gateway.sims().with(final_index, [](sim::SimModem& m, auto) { return m.sent(); });
  REQUIRE(sent.size() == 3);
  REQUIRE(sent[0].concat);
  REQUIRE(sent[1].concat);
  REQUIRE(sent[2].concat);
  CHECK(sent[0].reference == superseded[0]["reference"].get<int>());
  CHECK(sent[1].concat->reference == sent[2].concat->reference);
  CHECK(sent[0].concat->reference != sent[1].concat->reference);
  CHECK(sent[1].text + sent[2].text == text);
}

TEST_CASE("api: a webhook receiver that is down for a while misses nothing, in order") {
  WebhookReceiver receiver;
  receiver.go_down();
  ApiDaemon gateway(2);
  HttpClient client = gateway.client();
  REQUIRE(client
              .post("/api/v1/webhooks", {{"url", receiver.url()},
                                         {"events", {"message.sent"}},
                                         {"secret", "second-key-of-16+"}})
              .status == 201);
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(submit_accepted(client, {{"to", kCustomer}, {"text", "m" + std::to_string(i)}}));
  for (int64_t id : ids) REQUIRE(gateway.wait_status(client, id, "sent"));
  // Down: the first attempt failed, and is waiting for its retry.
  REQUIRE(wait_until([&] {
    auto metrics = client.get("/metrics").body;
    return metrics.find("smsgate_webhook_failed_attempts_total 0\n") == std::string::npos;
  }));
  CHECK(client.get("/metrics").body.find("smsgate_webhook_backlog 6\n") != std::string::npos);
  receiver.come_up();
  REQUIRE(wait_until([&] { return receiver.count() >= 6; }));
  auto requests = receiver.requests();
  CHECK(requests.size() == 6);
  std::vector<int64_t> order;
  std::set<std::string> deliveries;
  for (const auto& request : requests) {
    CHECK(request.headers.at("x-smsgate-signature") ==
          webhook::sign_body("second-key-of-16+", request.body));
    deliveries.insert(request.headers.at("x-smsgate-delivery"));
    order.push_back(json::parse(request.body)["data"]["id"].get<int64_t>());
  }
  CHECK(deliveries.size() == 6);
  // In the order the messages were sent, which is their outbox order.
  std::vector<std::pair<std::string, int64_t>> by_sent_at;
  for (int64_t id : ids) {
    by_sent_at.emplace_back(client.get("/api/v1/messages/" + std::to_string(id)).json()["sent_at"],
                            id);
  }
  std::sort(by_sent_at.begin(), by_sent_at.end());
  std::vector<int64_t> expected;
  for (const auto& [at, id] : by_sent_at) expected.push_back(id);
  CHECK(order == expected);
  REQUIRE(wait_until([&] {
    return client.get("/metrics").body.find("smsgate_webhook_backlog 0\n") != std::string::npos;
  }));
}

TEST_CASE_FIXTURE(ApiTest, "api: the same Idempotency-Key gives back the same message, once") {
  json body = {{"to", kCustomer}, {"text", "Booking confirmed"}};
  auto first = client.post("/api/v1/messages", body, {"Idempotency-Key: booking-81"});
  REQUIRE(first.status == 202);
  auto again = client.post("/api/v1/messages", body, {"Idempotency-Key: booking-81"});
  CHECK(again.status == 200);
  CHECK(again.headers["idempotent-replayed"] == "true");
  CHECK(again.json()["id"] == first.json()["id"]);
  auto other = client.post("/api/v1/messages", body, {"Idempotency-Key: booking-82"});
  CHECK(other.status == 202);
  CHECK(other.json()["id"] != first.json()["id"]);

  json batch = {
      {"messages", {{{"to", kCustomer}, {"text", "a"}}, {{"to", kCustomer}, {"text", "b"}}}}};
  auto batch_first = client.post("/api/v1/messages/batch", batch, {"Idempotency-Key: import-7"});
  REQUIRE(batch_first.status == 202);
  auto batch_again = client.post("/api/v1/messages/batch", batch, {"Idempotency-Key: import-7"});
  CHECK(batch_again.status == 200);
  json first_items = batch_first.json()["items"], again_items = batch_again.json()["items"];
  REQUIRE(again_items.size() == 2);
  CHECK(again_items[0]["id"] == first_items[0]["id"]);
  CHECK(again_items[1]["id"] == first_items[1]["id"]);
  CHECK(message_count(client) == 4);
}

TEST_CASE_FIXTURE(ApiTest, "api: cancelling works only before a message reached a modem") {
  int64_t later = submit_accepted(client, {{"to", kCustomer},
                                           {"text", "Your appointment is tomorrow"},
                                           {"category", "reminder"},
                                           {"send_at", "2099-01-01T09:00:00+01:00"}});
  CHECK(gateway.status_of(client, later) == "scheduled");
  auto cancelled = client.del("/api/v1/messages/" + std::to_string(later));
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  CHECK(cancelled.json()["status"] == "cancelled");
  auto twice = client.del("/api/v1/messages/" + std::to_string(later));
  CHECK(twice.status == 409);
  CHECK(twice.error_code() == "not_cancellable");

  int64_t now = submit_accepted(client, {{"to", kCustomer}, {"text", "Sent at once"}});
  REQUIRE(gateway.wait_status(client, now, "sent"));
  auto too_late = client.del("/api/v1/messages/" + std::to_string(now));
  CHECK(too_late.status == 409);
  CHECK(gateway.status_of(client, now) == "sent");

  CHECK(client.del("/api/v1/messages/999999").status == 404);
  CHECK(client.del("/api/v1/messages/abc").status == 404);
  CHECK(client.get("/api/v1/messages/0").status == 404);
}

TEST_CASE_FIXTURE(
    ApiTest,
    "api: every kind of bad request is refused with its code and field, and changes nothing") {
  // Nothing may be sent while this runs: every refusal must leave the queue empty.
  REQUIRE(client
              .post("/api/v1/modems/" + gateway.daemon().pool().modems().at(0) + "/disable",
                    json::object())
              .status == 200);

  struct Case {
    std::string body;
    std::string code;
    std::string field;
  };
  std::string long_text(10001, 'a');
  const Case cases[] = {
      {"", "invalid_json", ""},
      {"not json", "invalid_json", ""},
      {"[1,2]", "invalid_json", ""},
      {R"({"to": "+4917012345678", "text": "x",})", "invalid_json", ""},
      {R"({})", "missing_field", "to"},
      {R"({"to": "+4917012345678"})", "missing_field", "text"},
      {R"({"to": "+4917012345678", "text": ""})", "invalid_text", "text"},
      {R"({"to": "+4917012345678", "text": 5})", "invalid_field", "text"},
      {R"({"to": "hello", "text": "x"})", "invalid_number", "to"},
      {R"({"to": "+49", "text": "x"})", "invalid_number", "to"},
      {R"({"to": "01701234567", "text": "x"})", "invalid_number", "to"},  // no default region
      {R"({"to": 4917012345678, "text": "x"})", "invalid_field", "to"},
      {R"({"to": "+4917012345678", "text": "x", "category": "spam"})", "invalid_field", "category"},
      {R"({"to": "+4917012345678", "text": "x", "ttl": 0})", "invalid_field", "ttl"},
      {R"({"to": "+4917012345678", "text": "x", "ttl": "1h"})", "invalid_field", "ttl"},
      {R"({"to": "+4917012345678", "text": "x", "ttl": 1.5})", "invalid_field", "ttl"},
      {R"({"to": "+4917012345678", "text": "x", "priority": 5000})", "invalid_field", "priority"},
      {R"({"to": "+4917012345678", "text": "x", "priority": 100})", "invalid_field", "priority"},
      {R"({"to": "+4917012345678", "text": "Code 123456", "category": "otp"})", "invalid_field",
       "category"},
      {R"({"to": "+4917012345678", "text": "x", "send_at": "tomorrow"})", "invalid_field",
       "send_at"},
      {R"({"to": "+4917012345678", "text": "x", "send_at": "2026-02-30T10:00:00Z"})",
       "invalid_field", "send_at"},
      {R"({"to": "+4917012345678", "text": "x", "send_at": "2026-11-23T10:00:00"})",
       "invalid_field", "send_at"},
      {R"({"to": "+4917012345678", "text": "x", "status_report": "yes"})", "invalid_field",
       "status_report"},
      {R"({"to": "+4917012345678", "text": "x", "stauts_report": true})", "unknown_field",
       "stauts_report"},
      {R"({"to": "+4917012345678", "text": "x", "options": {"encoding": "utf8"}})", "invalid_field",
       "options.encoding"},
      {R"({"to": "+4917012345678", "text": "x", "options": {"languages": ["xx"]}})",
       "invalid_field", "options.languages[0]"},
      {R"({"to": "+4917012345678", "text": "x", "options": {"bold": true}})", "unknown_field",
       "options.bold"},
      {R"({"to": "+4917012345678", "text": "x", "options": 3})", "invalid_field", "options"},
      {R"({"to": "+4917012345678", "text": "日本", "options": {"encoding": "gsm7"}})",
       "invalid_text", "text"},
      {R"({"to": "+4917012345678", "text": "x", "modem": "nope"})", "unknown_modem", "modem"},
      {R"({"to": "+4917012345678", "text": "x", "external_id": ")" + std::string(300, 'e') +
           R"("})",
       "invalid_field", "external_id"},
      {R"({"to": "+4917012345678", "text": ")" + long_text + R"("})", "invalid_field", "text"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body.substr(0, 120));
    auto answer = client.request("POST", "/api/v1/messages", c.body);
    CHECK(answer.status == 400);
    CHECK(answer.error_code() == c.code);
    CHECK(answer.error_field() == c.field);
    CHECK(!answer.json()["error"]["message"].get<std::string>().empty());
  }
  auto long_key = client.post("/api/v1/messages", {{"to", kCustomer}, {"text", "x"}},
                              {"Idempotency-Key: " + std::string(300, 'k')});
  CHECK(long_key.status == 400);
  CHECK(long_key.error_field() == "Idempotency-Key");

  // A batch is all or nothing: one bad message refuses the whole batch.
  auto batch = client.post(
      "/api/v1/messages/batch",
      {{"messages",
        {{{"to", kCustomer}, {"text", "fine"}}, {{"to", "nonsense"}, {"text", "bad"}}}}});
  CHECK(batch.status == 400);
  CHECK(batch.error_field() == "messages[1].to");
  CHECK(batch.error_code() == "invalid_number");
  CHECK(client.post("/api/v1/messages/batch", json::object()).error_code() == "missing_field");
  CHECK(client.post("/api/v1/messages/batch", {{"messages", json::array()}}).status == 400);
  CHECK(client.post("/api/v1/messages/batch", {{"messages", {1, 2}}}).error_field() ==
        "messages[0]");
  CHECK(client
            .post("/api/v1/messages/batch",
                  {{"messages",
                    {{{"to", kCustomer}, {"text", "fine"}},
                     {{"to", kCustomer}, {"text", "Code 1"}, {"category", "otp"}}}}})
            .error_field() == "messages[1].category");
  CHECK(client.post("/api/v1/messages/preview", json::object()).error_field() == "text");

  // Transport-level refusals.
  auto huge = client.request("POST", "/api/v1/messages", std::string(3 << 20, ' '));
  CHECK(huge.status == 413);
  CHECK(huge.error_code() == "body_too_large");
  auto unknown = client.get("/api/v1/nothing-here");
  CHECK(unknown.status == 404);
  CHECK(unknown.error_code() == "not_found");
  auto wrong_method = client.request("PUT", "/api/v1/messages", "{}");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.headers["allow"] == "POST, GET");
  CHECK(client.get("/api/v1/messages?status=lost").error_field() == "status");
  CHECK(client.get("/api/v1/messages?limit=0").error_field() == "limit");
  CHECK(client.get("/api/v1/messages?limit=ten").error_field() == "limit");
  CHECK(client.get("/api/v1/messages?since=yesterday").error_field() == "since");
  CHECK(client.get("/api/v1/messages?cursor=zz").error_code() == "invalid_cursor");

  CHECK(message_count(client) == 0);
  CHECK(gateway.daemon().store().transactions() > 0);  // the store is alive, just untouched
}

TEST_CASE_FIXTURE(ApiTest,
                  "api: an opted-out number gets no messages but still gets one-time passwords") {
  auto added = client.post("/api/v1/optouts", {{"number", kCustomer}});
  REQUIRE_MESSAGE(added.status == 201, added.body);
  auto refused = client.post("/api/v1/messages", {{"to", kCustomer}, {"text", "Sale!"}});
  CHECK(refused.status == 409);
  CHECK(refused.error_code() == "recipient_opted_out");
  CHECK(refused.error_field() == "to");
  CHECK(client.post("/api/v1/otp", {{"to", kCustomer}}).status == 202);
  // In a batch: the first message that fails is the one reported, whether it failed on
  // its opt-out or on its fields.
  json other = {{"to", "+4917012345670"}, {"text", "Your order has shipped"}};
  json fine = {{"to", "+4917012345679"}, {"text", "fine"}};
  json opted_out = {{"to", kCustomer}, {"text", "Sale!"}};
  json bad = {{"to", "nonsense"}, {"text", "bad"}};
  auto batch = client.post("/api/v1/messages/batch", {{"messages", {other, fine, opted_out, bad}}});
  CHECK(batch.status == 409);
  CHECK(batch.error_code() == "recipient_opted_out");
  CHECK(batch.error_field() == "messages[2].to");
  batch = client.post("/api/v1/messages/batch", {{"messages", {other, bad, opted_out}}});
  CHECK(batch.status == 400);
  CHECK(batch.error_field() == "messages[1].to");
  CHECK(client.post("/api/v1/messages/batch", {{"messages", {other, fine}}}).status == 202);
  auto listed = client.get("/api/v1/optouts").json();
  REQUIRE(listed["items"].size() == 1);
  CHECK(listed["items"][0]["number"] == kCustomer);
  CHECK(client.del("/api/v1/optouts/" + std::string(kCustomer)).status == 200);
  CHECK(client.del("/api/v1/optouts/" + std::string(kCustomer)).status == 404);
  CHECK(client.post("/api/v1/messages", {{"to", kCustomer}, {"text", "Welcome back"}}).status ==
        202);
}

TEST_CASE_FIXTURE(ApiTest, "api: preview is the sender's own planner") {
  auto plain = client.post("/api/v1/messages/preview", {{"text", "Hello"}}).json();
  CHECK(plain["encoding"] == "gsm7");
  CHECK(plain["parts"] == 1);
  CHECK(plain["characters_left"] == 155);
  auto two = client.post("/api/v1/messages/preview", {{"text", std::string(161, 'a')}}).json();
  CHECK(two["parts"] == 2);
  CHECK(two["units_per_part"] == 153);
  auto unicode = client.post("/api/v1/messages/preview", {{"text", "Grüße 日本"}}).json();
  CHECK(unicode["encoding"] == "ucs2");
  CHECK(unicode["forced_ucs2"] == json::array({"日", "本"}));
  auto offered = client
                     .post("/api/v1/messages/preview",
                           {{"text", "“Quoted”"}, {"options", {{"transliterate", true}}}})
                     .json();
  CHECK(offered["encoding"] == "gsm7");
  CHECK(!offered["transliterations"].empty());

  // What preview says is what submit stores.
  auto stored =
      client.post("/api/v1/messages", {{"to", kCustomer}, {"text", std::string(161, 'a')}});
  REQUIRE(stored.status == 202);
  CHECK(stored.json()["parts"] == two["parts"]);
}

TEST_CASE("api: replies are forwarded with in_reply_to, and feedback replies with a rating") {
  WebhookReceiver receiver;
  ApiDaemon gateway(1);
  HttpClient client = gateway.client();
  REQUIRE(client
              .post("/api/v1/webhooks", {{"url", receiver.url()},
                                         {"events", {"inbound.received"}},
                                         {"secret", "inbound-key-of-16+"}})
              .status == 201);
  int64_t asked = submit_accepted(client, {{"to", kCustomer},
                                           {"text", "How was your visit? Reply 1-10."},
                                           {"category", "feedback"},
                                           {"external_id", "visit-77"}});
  REQUIRE(gateway.wait_status(client, asked, "sent"));
  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = kCustomer, .text = "nine"}, now).ok());
    REQUIRE(modem.deliver({.from = "+4930901820", .text = "Who is this?"}, now).ok());
  });
  REQUIRE(wait_until([&] { return received_events(receiver, "inbound.received").size() == 2; }));
  json reply, stranger;
  for (const json& event : received_events(receiver, "inbound.received")) {
    (event["data"]["from"] == kCustomer ? reply : stranger) = event["data"];
  }
  CHECK(reply["text"] == "nine");
  CHECK(reply["in_reply_to"]["id"] == asked);
  CHECK(reply["in_reply_to"]["external_id"] == "visit-77");
  CHECK(reply["in_reply_to"]["category"] == "feedback");
  CHECK(reply["rating"] == 9);
  CHECK(reply["modem"] == gateway.daemon().pool().modems().at(0));
  CHECK(!stranger.contains("in_reply_to"));
  CHECK(!stranger.contains("rating"));

  auto inbox = client.get("/api/v1/inbound?from=" + std::string("%2B4917012345678")).json();
  REQUIRE(inbox["items"].size() == 1);
  CHECK(inbox["items"][0]["in_reply_to"]["id"] == asked);
  CHECK(inbox["items"][0]["rating"] == 9);
  CHECK(client.get("/api/v1/inbound").json()["items"].size() == 2);
}

TEST_CASE_FIXTURE(ApiTest,
                  "api: one-time passwords: sent, verified once, limited attempts, expiry") {
  // The code as the phone received it.
  auto last_code = [&] {
    std::string text;
    REQUIRE(wait_until([&] {
      auto sent = gateway.sims().with(0, [](sim::SimModem& modem, auto) { return modem.sent(); });
      if (sent.empty()) return false;
      text = sent.back().text;
      return true;
    }));
    return text.substr(text.find_first_of("0123456789"), 6);
  };
  auto send = [&](size_t already_sent) {
    auto answer = client.post("/api/v1/otp", {{"to", kCustomer}, {"template", "Code: {code}"}});
    REQUIRE_MESSAGE(answer.status == 202, answer.body);
    REQUIRE(wait_until([&] {
      return gateway.sims().with(0, [](sim::SimModem& modem, auto) {
        return modem.sent().size();
      }) == already_sent + 1;
    }));
    return last_code();
  };
  auto verify = [&](const std::string& code) {
    auto answer = client.post("/api/v1/otp/verify", {{"to", kCustomer}, {"code", code}});
    REQUIRE_MESSAGE(answer.status == 200, answer.body);
    return answer.json()["result"].get<std::string>();
  };
  std::string code = send(0);
  std::string wrong = code == "000000" ? "111111" : "000000";
  CHECK(verify(wrong) == "wrong_code");
  CHECK(verify(code) == "valid");
  CHECK(verify(code) == "no_code");  // single use

  code = send(1);
  wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) CHECK(verify(wrong) == "wrong_code");
  CHECK(verify(code) == "too_many_attempts");

  code = send(2);
  gateway.clock().advance(301 * 1000);
  CHECK(verify(code) == "expired");

  auto bad = client.post("/api/v1/otp", {{"to", kCustomer}, {"length", 3}});
  CHECK(bad.status == 400);
  CHECK(bad.error_field() == "length");
  CHECK(client.post("/api/v1/otp", {{"to", kCustomer}, {"template", "no placeholder"}})
            .error_field() == "template");
  CHECK(client.post("/api/v1/otp/verify", {{"to", kCustomer}}).error_field() == "code");
}

TEST_CASE_FIXTURE(ApiTest,
                  "api: pagination walks thousands of messages exactly once, newest first") {
  std::set<int64_t> submitted;
  for (int batch = 0; batch < 3; ++batch) {
    json messages = json::array();
    for (int i = 0; i < 1000; ++i) {
      messages.push_back({{"to", "+49170" + std::to_string(1000000 + batch * 1000 + i)},
                          {"text", "Reminder " + std::to_string(i)},
                          {"category", "reminder"},
                          {"send_at", "2099-06-01T08:00:00Z"}});
    }
    auto answer = client.post("/api/v1/messages/batch", {{"messages", messages}});
    REQUIRE_MESSAGE(answer.status == 202, answer.body.substr(0, 300));
    json body = answer.json();
    for (const json& item : body["items"]) submitted.insert(item["id"].get<int64_t>());
  }
  REQUIRE(submitted.size() == 3000);

  std::vector<int64_t> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto page = client.get("/api/v1/messages?status=scheduled&limit=700" +
                           (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(page.status == 200);
    json body = page.json();
    ++pages;
    for (const json& item : body["items"]) seen.push_back(item["id"].get<int64_t>());
    if (!body.contains("next_cursor")) break;
    cursor = body["next_cursor"].get<std::string>();
  }
  CHECK(pages == 5);
  CHECK(seen.size() == 3000);
  CHECK(std::set<int64_t>(seen.begin(), seen.end()) == submitted);
  CHECK(std::is_sorted(seen.rbegin(), seen.rend()));

  auto one = client.get("/api/v1/messages?to=%2B491701001234").json();
  REQUIRE(one["items"].size() == 1);
  CHECK(one["items"][0]["text"] == "Reminder 234");
  CHECK(client.get("/api/v1/messages?status=sent").json()["items"].empty());
  CHECK(client.get("/api/v1/messages?since=2099-01-01T00:00:00Z").json()["items"].empty());
}

TEST_CASE("api: modems are listed, disabled, enabled and reset") {
  ApiDaemon gateway(2);
  HttpClient client = gateway.client();
  json modems = client.get("/api/v1/modems").json()["items"];
  REQUIRE(modems.size() == 2);
  for (const json& modem : modems) {
    CHECK(modem["state"] == "ready");
    CHECK(modem["sending_enabled"] == true);
  }
  std::string off = modems[0]["id"], on = modems[1]["id"];
  REQUIRE(client.post("/api/v1/modems/" + off + "/disable", json::object()).status == 200);
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(submit_accepted(client, {{"to", kCustomer}, {"text", "n" + std::to_string(i)}}));
  for (int64_t id : ids) {
    REQUIRE(gateway.wait_status(client, id, "sent"));
    CHECK(client.get("/api/v1/messages/" + std::to_string(id)).json()["sent_by"] == on);
  }
  // By id: a modem the store had not recorded yet at the first listing was listed after
  // the recorded ones, so positions may change once both are recorded.
  auto listed = [&](const std::string& id) {
    json items = client.get("/api/v1/modems").json()["items"];
    for (const json& modem : items)
      if (modem["id"] == id) return modem;
    return json();
  };
  CHECK(listed(off)["sending_enabled"] == false);
  REQUIRE(client.post("/api/v1/modems/" + off + "/enable", json::object()).status == 200);
  CHECK(listed(off)["sending_enabled"] == true);

  CHECK(client.post("/api/v1/modems/" + on + "/reset", json::object()).status == 202);
  CHECK(client.post("/api/v1/modems/123/reset", json::object()).status == 404);
  CHECK(client.post("/api/v1/modems/123/disable", json::object()).status == 404);
}

TEST_CASE_FIXTURE(
    ApiTest, "api: a modem stopped the moment it comes up, before the store recorded it, stops") {
  REQUIRE(wait_until([&] {
    auto recorded = gateway.daemon().store().list_modems();
    return recorded.ok() && recorded->size() == 1;
  }));
  // As if the pool had reported it ready and the dispatcher had not recorded it yet.
  {
    auto db = store::Connection::open(gateway.db_path(), false);
    REQUIRE(db.ok());
    // The daemon may be writing at that moment (SQLITE_BUSY): again until it is not.
    REQUIRE(wait_until([&] { return db->exec("DELETE FROM modems").ok(); }));
  }
  std::string id = gateway.daemon().pool().modems().at(0);
  REQUIRE(client.post("/api/v1/modems/" + id + "/disable", json::object()).status == 200);
  json items = client.get("/api/v1/modems").json()["items"];
  REQUIRE(items.size() == 1);
  CHECK(items[0]["id"] == id);
  CHECK(items[0]["sending_enabled"] == false);
  CHECK(items[0]["model"] != "");
  REQUIRE(client.post("/api/v1/modems/" + id + "/enable", json::object()).status == 200);
  int64_t sent = submit_accepted(client, {{"to", kCustomer}, {"text", "sent once enabled"}});
  CHECK(gateway.wait_status(client, sent, "sent"));
}

TEST_CASE_FIXTURE(ApiTest,
                  "api: /metrics shows the queue, the modems, webhooks and the API itself") {
  int64_t id = submit_accepted(client, {{"to", kCustomer}, {"text", "counted"}});
  REQUIRE(gateway.wait_status(client, id, "sent"));
  CHECK(client.get("/api/v1/nothing").status == 404);
  auto metrics = client.get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.headers["content-type"].starts_with("text/plain; version=0.0.4"));
  const std::string& text = metrics.body;
  CHECK(text.find("smsgate_messages{status=\"sent\"} 1\n") != std::string::npos);
  CHECK(text.find("smsgate_modem_up{modem=\"") != std::string::npos);
  CHECK(text.find("smsgate_modem_parts_sent_total{") != std::string::npos);
  CHECK(text.find("smsgate_webhook_backlog 0\n") != std::string::npos);
  CHECK(text.find("smsgate_http_requests_total{method=\"POST\",route=\"/api/v1/"
                  "messages\",status=\"202\"} 1\n") != std::string::npos);
  CHECK(text.find("route=\"unmatched\",status=\"404\"") != std::string::npos);
  CHECK(text.find("smsgate_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/"
                  "messages\",le=\"+Inf\"} 1\n") != std::string::npos);
}

TEST_CASE("api: served over HTTPS with the configured certificate") {
  TempDir tls;
  std::string cert = (tls.path() / "cert.pem").string(), key = (tls.path() / "key.pem").string();
  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  REQUIRE(http::tls_available());
  ApiDaemon gateway(1, [&](config::Config& config) {
    config.http.tls_certificate = cert;
    config.http.tls_key = key;
  });
  REQUIRE(gateway.url().starts_with("https://"));

  // The client trusts only the configured certificate, so a verified connection
  // proves the daemon serves that one.
  HttpClient client = gateway.client();
  client.trust_only(cert);
  CHECK(client.get("/api/v1/health").status == 200);
  int64_t id = submit_accepted(client, {{"to", kCustomer}, {"text", "over TLS"}});
  CHECK(client.get("/api/v1/messages/" + std::to_string(id)).json()["id"] == id);
  HttpClient keyless(gateway.url());
  keyless.trust_only(cert);
  CHECK(keyless.get("/api/v1/messages").status == 401);
  // The admin page's session cookie is Secure over TLS (and only there).
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  auto signed_in = keyless.post("/api/v1/admin/session", {{"password", *password}});
  REQUIRE(signed_in.status == 204);
  CHECK(signed_in.headers["set-cookie"].ends_with("; Secure"));

  // Plain HTTP on the TLS port gets no answer at all.
  std::string plain_url =
      "http://" + gateway.url().substr(std::string("https://").size()) + "/api/v1/health";
  CURL* plain = curl_easy_init();
  curl_easy_setopt(plain, CURLOPT_URL, plain_url.c_str());
  curl_easy_setopt(plain, CURLOPT_TIMEOUT_MS, 10000L);
  long status = 0;
  CURLcode code = curl_easy_perform(plain);
  curl_easy_getinfo(plain, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(plain);
  CHECK(code != CURLE_OK);
  CHECK(status == 0);
}

TEST_CASE("api: a TLS certificate or key that cannot be used is refused at start, by name") {
  TempDir files;
  auto path = [&](const char* name) { return (files.path() / name).string(); };
  for (const char* name : {"a", "b"}) {
    std::string command =
        std::string("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=") + name +
        " -keyout " + path(name) + ".key -out " + path(name) + ".crt 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
  }
  std::ofstream(path("garbage.crt"))
      << "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
  std::ofstream(path("garbage.key")) << "no key\n";

  SimModems sims(1);
  TempDir db;
  auto start_with = [&](const std::string& certificate, const std::string& key) {
    config::Config config;
    config.storage.path = (db.path() / "smsgate.db").string();
    config.modems.ports = {(sims.dir.path() / "modem*").string()};
    config.http.listen = "127.0.0.1:0";
    config.http.tls_certificate = certificate;
    config.http.tls_key = key;
    auto started = daemon::Daemon::start(config);
    REQUIRE(!started.ok());
    return started.error().message;
  };
  CHECK(start_with(path("garbage.crt"), path("a.key"))
            .starts_with("[http] tls_certificate: " + path("garbage.crt") +
                         ": not a PEM certificate"));
  CHECK(start_with(path("a.crt"), path("garbage.key"))
            .starts_with("[http] tls_key: " + path("garbage.key") +
                         ": not an unencrypted PEM private key"));
  CHECK(start_with(path("a.crt"), path("b.key")) == "[http] tls_key: " + path("b.key") +
                                                        " is not the key of the certificate in " +
                                                        path("a.crt"));
  CHECK(start_with(path("missing.crt"), path("a.key")) ==
        "[http] tls_certificate: " + path("missing.crt") + ": cannot be read");
  CHECK(start_with(path("a.crt"), path("missing.key")) ==
        "[http] tls_key: " + path("missing.key") + ": cannot be read");
}

}  // namespace
}  // namespace smsgate::testing

// GET /api/v1/events over real HTTP, against the daemon with simulated modems: a
// message sent and a text received arrive as events, a reconnect with Last-Event-ID
// gets exactly what it missed, keys and scopes are held to, the cap answers 503, a
// modem going away is a modem.state event, stopping the daemon ends open streams, and
// the console streams with its session cookie.
#include <doctest/doctest.h>

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "auth/admin_password.h"
#include "auth/users.h"
#include "integration/api_harness.h"
#include "integration/sse_client.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kCustomer = "+4917012345678";

int64_t submit_ok(HttpClient& client, const std::string& text) {
  auto answer = client.post("/api/v1/messages", {{"to", kCustomer}, {"text", text}});
  REQUIRE_MESSAGE(answer.status == 202, answer.body);
  return answer.json()["id"].get<int64_t>();
}

std::string key_with(ApiDaemon& gateway, auth::Scopes scopes) {
  auto key = gateway.daemon().api_keys().create("console", scopes, gateway.clock().now());
  REQUIRE(key.ok());
  return key->key;
}

std::string bearer(const std::string& key) { return "Authorization: Bearer " + key + "\r\n"; }

// A stream that was answered 200 as an event stream.
void require_streaming(const SseClient& stream) {
  REQUIRE(stream.status() == 200);
  CHECK(stream.header("content-type") == "text/event-stream");
  CHECK(stream.header("cache-control") == "no-store");
  CHECK(stream.header("content-length").empty());
}

// The next message.* event about message `id` named `name`, the others passed over.
std::optional<SseEvent> next_about(SseClient& stream, const std::string& name, int64_t id) {
  for (int i = 0; i < 50; ++i) {
    auto event = stream.next_named(name);
    if (!event) return std::nullopt;
    if (event->body()["data"]["id"] == id) return event;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE_FIXTURE(ApiTest,
                  "events: a read key sees a message go out and a text come in, as they happen") {
  std::string console = key_with(gateway, {auth::Scope::kRead, auth::Scope::kInbound});
  SseClient stream(gateway.daemon().http_port(), "/api/v1/events", bearer(console));
  require_streaming(stream);

  int64_t id = submit_ok(client, "Your table is ready");
  // The modem's own start-up states may come first: the pool said ready before the
  // dispatcher heard of it.
  auto sending = next_about(stream, "message.sending", id);
  REQUIRE(sending);
  CHECK(stream.skipped().starts_with("retry: 3000\n"));
  auto sent = next_about(stream, "message.sent", id);
  REQUIRE(sent);
  CHECK(sent->id > sending->id);
  json body = sent->body();
  CHECK(body["event"] == "message.sent");
  CHECK(body["data"]["status"] == "sent");
  CHECK(body["data"]["to"] == kCustomer);

  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = kCustomer, .text = "Thanks, on my way"}, now).ok());
  });
  auto inbound = stream.next_named("inbound.received");
  REQUIRE(inbound);
  CHECK(inbound->id > sent->id);
  CHECK(inbound->body()["data"]["text"] == "Thanks, on my way");
  CHECK(inbound->body()["data"]["from"] == kCustomer);
  // The same body the inbox lists.
  auto listed = client.get("/api/v1/inbound").json()["items"][0];
  CHECK(inbound->body()["data"]["id"] == listed["id"]);
}

TEST_CASE_FIXTURE(
    ApiTest, "events: a reconnect with Last-Event-ID or since_id gets exactly what it missed") {
  const int port = gateway.daemon().http_port();
  int64_t last_seen = 0;
  {
    SseClient stream(port, "/api/v1/events", bearer(gateway.key()));
    require_streaming(stream);
    int64_t first = submit_ok(client, "first");
    auto sent = next_about(stream, "message.sent", first);
    REQUIRE(sent);
    last_seen = sent->id;
  }
  // While no one listens.
  int64_t second = submit_ok(client, "second");
  int64_t third = submit_ok(client, "third");
  REQUIRE(gateway.wait_status(client, second, "sent"));
  REQUIRE(gateway.wait_status(client, third, "sent"));

  auto missed = [&](SseClient& stream) {
    require_streaming(stream);
    std::vector<std::pair<std::string, int64_t>> seen;
    int64_t previous = last_seen;
    for (int i = 0; i < 4; ++i) {
      auto event = stream.next();
      REQUIRE(event);
      CHECK(event->id > previous);
      previous = event->id;
      seen.emplace_back(event->event, event->body()["data"]["id"].get<int64_t>());
    }
    return seen;
  };
  std::vector<std::pair<std::string, int64_t>> expected = {{"message.sending", second},
                                                           {"message.sending", third},
                                                           {"message.sent", second},
                                                           {"message.sent", third}};
  std::sort(expected.begin(), expected.end());
  {
    SseClient resumed(
        port, "/api/v1/events",
        bearer(gateway.key()) + "Last-Event-ID: " + std::to_string(last_seen) + "\r\n");
    auto seen = missed(resumed);
    std::sort(seen.begin(), seen.end());
    CHECK(seen == expected);
    // Nothing more: the next event is the next thing that happens.
    int64_t fourth = submit_ok(client, "fourth");
    auto next = resumed.next();
    REQUIRE(next);
    CHECK(next->event == "message.sending");
    CHECK(next->body()["data"]["id"] == fourth);
    REQUIRE(gateway.wait_status(client, fourth, "sent"));
  }
  {
    SseClient resumed(port, "/api/v1/events?since_id=" + std::to_string(last_seen),
                      bearer(gateway.key()));
    auto seen = missed(resumed);
    std::sort(seen.begin(), seen.end());
    CHECK(seen == expected);
  }
  // Without either nothing is replayed, and ?events= leaves the rest out.
  SseClient fresh(port, "/api/v1/events?events=message.sent", bearer(gateway.key()));
  require_streaming(fresh);
  int64_t fifth = submit_ok(client, "fifth");
  auto first_event = fresh.next();
  REQUIRE(first_event);
  CHECK(first_event->event == "message.sent");
  CHECK(first_event->body()["data"]["id"] == fifth);
}

TEST_CASE(
    "events: keys and scopes: 401 without a key, 403 without read or for inbound, 400 in words") {
  ApiDaemon gateway(1);
  HttpClient client(gateway.url());
  auto anonymous = client.get("/api/v1/events");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.error_code() == "unauthorized");

  client.set_key(key_with(gateway, {auth::Scope::kSend}));
  auto sender = client.get("/api/v1/events");
  CHECK(sender.status == 403);
  CHECK(sender.error_code() == "forbidden");
  CHECK(sender.json()["error"]["scope"] == "read");

  // A read key without inbound sees no one's texts: not asked for, not sent.
  std::string reader = key_with(gateway, {auth::Scope::kRead});
  client.set_key(reader);
  auto texts = client.get("/api/v1/events?events=inbound.received");
  CHECK(texts.status == 403);
  CHECK(texts.error_field() == "events");
  CHECK(texts.json()["error"]["message"].get<std::string>().find("\"inbound\"") !=
        std::string::npos);

  auto unknown = client.get("/api/v1/events?events=message.sent,message.exploded");
  CHECK(unknown.status == 400);
  CHECK(unknown.error_code() == "invalid_field");
  CHECK(unknown.error_field() == "events");
  auto bad_id = client.request("GET", "/api/v1/events", "", {"Last-Event-ID: yesterday"});
  CHECK(bad_id.status == 400);
  CHECK(bad_id.error_code() == "invalid_field");
  CHECK(bad_id.error_field() == "Last-Event-ID");
  auto bad_since = client.get("/api/v1/events?since_id=-4");
  CHECK(bad_since.status == 400);
  CHECK(bad_since.error_field() == "since_id");

  SseClient stream(gateway.daemon().http_port(), "/api/v1/events", bearer(reader));
  require_streaming(stream);
  HttpClient sender_client = gateway.client();
  int64_t id = submit_ok(sender_client, "Table for two");
  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = kCustomer, .text = "private words"}, now).ok());
  });
  REQUIRE(gateway.wait_status(sender_client, id, "sent"));
  REQUIRE(
      wait_until([&] { return sender_client.get("/api/v1/inbound").json()["items"].size() == 1; }));
  // A marker after the text: once it is in, the text would have been before it.
  int64_t marker = submit_ok(sender_client, "marker");
  for (;;) {
    auto event = stream.next();
    REQUIRE(event);
    CHECK(event->event != "inbound.received");
    CHECK(event->data.find("private words") == std::string::npos);
    if (event->event == "message.sending" && event->body()["data"]["id"] == marker) break;
  }
}

TEST_CASE(
    "events: beyond [http] max_event_streams: 503 with Retry-After; a closed one frees its slot") {
  ApiDaemon gateway(1, [](config::Config& config) { config.http.max_event_streams = 2; });
  const int port = gateway.daemon().http_port();
  auto first = std::make_unique<SseClient>(port, "/api/v1/events", bearer(gateway.key()));
  SseClient second(port, "/api/v1/events", bearer(gateway.key()));
  require_streaming(*first);
  require_streaming(second);

  HttpClient client = gateway.client();
  auto refused = client.get("/api/v1/events");
  CHECK(refused.status == 503);
  CHECK(refused.error_code() == "too_many_streams");
  CHECK(refused.headers["retry-after"] == "10");
  CHECK(refused.json()["error"]["message"].get<std::string>().find("max_event_streams") !=
        std::string::npos);
  // The rest of the API is not held up.
  CHECK(client.get("/api/v1/modems").status == 200);

  // A client that goes away gives its slot back without the server writing to it.
  first.reset();
  bool reopened = wait_until([&] {
    SseClient again(port, "/api/v1/events", bearer(gateway.key()));
    if (again.status() == 200) return true;
    std::this_thread::sleep_for(100ms);  // a 503 comes at once; no need to ask 100 times a second
    return false;
  });
  CHECK(reopened);
}

TEST_CASE("events: the console streams with its session cookie; a stale cookie gets 401") {
  ApiDaemon gateway(1);
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  auth::Users users(gateway.daemon().store());
  REQUIRE(users
              .add("olga", auth::Role::kOperator, "olga's password", gateway.clock().now(),
                   auth::Actor::command_line())
              .ok());
  const int port = gateway.daemon().http_port();
  // An operator reads the inbox, so their stream carries the texts that come in.
  const std::string operator_cookie = session_cookie(gateway.url(), "olga's password", "olga");
  SseClient stream(port, "/api/v1/events", operator_cookie + "\r\n");
  require_streaming(stream);
  HttpClient client = gateway.client();
  int64_t id = submit_ok(client, "Your table is ready");
  REQUIRE(next_about(stream, "message.sent", id));
  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = kCustomer, .text = "On my way"}, now).ok());
  });
  auto inbound = stream.next_named("inbound.received");
  REQUIRE(inbound);
  CHECK(inbound->body()["data"]["text"] == "On my way");

  // Signed out, the same cookie opens nothing.
  const std::string admin_cookie = session_cookie(gateway.url(), *password);
  HttpClient browser(gateway.url());
  REQUIRE(browser.request("DELETE", "/api/v1/admin/session", "", {admin_cookie}).status == 204);
  SseClient stale(port, "/api/v1/events", admin_cookie + "\r\n");
  CHECK(stale.status() == 401);
  SseClient forged(port, "/api/v1/events", "Cookie: smsgate_session=forged\r\n");
  CHECK(forged.status() == 401);
}

TEST_CASE("events: a modem going away is a modem.state event, beside modem.offline") {
  ApiDaemon gateway(2);
  std::string console = key_with(gateway, {auth::Scope::kRead});
  SseClient stream(gateway.daemon().http_port(), "/api/v1/events?events=modem.state,modem.offline",
                   bearer(console));
  require_streaming(stream);
  std::string unplugged;
  for (const std::string& id : gateway.daemon().pool().modems()) {
    auto status = gateway.daemon().pool().status(id);
    if (status && status->port == gateway.sims().port(1)) unplugged = id;
  }
  REQUIRE(!unplugged.empty());
  REQUIRE(gateway.sims().bank->unplug(1).ok());

  // The start-up's own states may be logged after the stream opened (the pool says
  // ready before the dispatcher hears of it): passed over, as is the other modem.
  bool saw_state = false, saw_offline = false;
  while (!(saw_state && saw_offline)) {
    auto event = stream.next();
    REQUIRE(event);
    json data = event->body()["data"];
    CHECK(event->body()["event"] == event->event);
    if (data["modem"] != unplugged) continue;
    if (event->event == "modem.state") {
      if (data["state"] != "offline") continue;
      CHECK(data["port"] == gateway.sims().port(1));
      CHECK(!data.value("detail", "").empty());
      saw_state = true;
    } else {
      CHECK(event->event == "modem.offline");
      saw_offline = true;
    }
  }
}

TEST_CASE("events: stopping the daemon with streams open ends them at once") {
  ApiDaemon gateway(1);
  const int port = gateway.daemon().http_port();
  SseClient one(port, "/api/v1/events", bearer(gateway.key()));
  SseClient two(port, "/api/v1/events?events=modem.state", bearer(gateway.key()));
  require_streaming(one);
  require_streaming(two);
  // A generous bound, not a timing: a stop that waited for its streams would never end.
  auto stopped = std::async(std::launch::async, [&] { gateway.daemon().stop(); });
  REQUIRE(stopped.wait_for(60s) == std::future_status::ready);
  CHECK(one.closed_within(10s));
  CHECK(two.closed_within(10s));
}

}  // namespace smsgate::testing

// The webhook deliverer over real HTTP on loopback: events arrive signed with the
// headers DESIGN.md promises; a receiver that is down, then failing, then back loses
// nothing and gets each subscription's events in order with stable delivery ids; a
// hanging or dead endpoint does not hold up another subscription; an event is given
// up after max_age (a manual clock), visibly; every attempt is recorded. One event a
// receiver keeps refusing is set aside after set_aside_after and the later ones go, in
// order; it is delivered in the background, or at once when retried through the API.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "integration/api_harness.h"
#include "integration/modem_harness.h"
#include "integration/webhook_receiver.h"
#include "store/store.h"
#include "webhook/deliverer.h"
#include "webhook/events.h"

namespace {

using namespace std::chrono_literals;
using smsgate::ManualClock;
using smsgate::MonotonicClock;
using smsgate::SystemClock;
using smsgate::testing::ApiDaemon;
using smsgate::testing::HttpClient;
using smsgate::testing::TempDir;
using smsgate::testing::wait_until;
using smsgate::testing::WebhookReceiver;
namespace store = smsgate::store;
namespace webhook = smsgate::webhook;

constexpr char kSecret[] = "a secret longer than sixty-four bytes, to exercise HMAC's key hashing!";

std::unique_ptr<store::Store> open_store(const TempDir& dir) {
  auto opened = store::Store::open((dir.path() / "smsgate.db").string());
  REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
  return std::move(*opened);
}

store::Webhook subscribe(store::Store& db, const std::string& url) {
  auto created = db.create_webhook(url, {"*"}, kSecret, 0);
  REQUIRE(created.ok());
  return *created;
}

std::unique_ptr<webhook::Deliverer> start(store::Store& db, const smsgate::Clock& clock,
                                          webhook::DelivererOptions options) {
  auto deliverer = webhook::Deliverer::start(db, clock, options);
  REQUIRE_MESSAGE(deliverer.ok(), (deliverer.ok() ? "" : deliverer.error().message));
  return std::move(*deliverer);
}

// A modem.online event numbered `n` (in its "port" field), to every subscription.
void publish(store::Store& db, int n, int64_t now) {
  store::ModemEventInfo info{.modem = "IMEI1", .port = std::to_string(n), .model = "SIM800"};
  REQUIRE(db.enqueue_modem_event(/*online=*/true, info, now).ok());
}

void publish_offline(store::Store& db, int64_t now) {
  store::ModemEventInfo info{.modem = "IMEI1", .reason = "unplugged"};
  REQUIRE(db.enqueue_modem_event(/*online=*/false, info, now).ok());
}

int number_of(const WebhookReceiver::Request& request) {
  return std::stoi(nlohmann::json::parse(request.body)["data"]["port"].get<std::string>());
}

// The event numbers a receiver accepted (answered 200), in arrival order.
std::vector<int> accepted(const WebhookReceiver& receiver) {
  std::vector<int> numbers;
  for (const auto& request : receiver.requests())
    if (request.answered == 200) numbers.push_back(number_of(request));
  return numbers;
}

TEST_CASE("webhook: sign_body is HMAC-SHA256 (RFC 4231 test case 2)") {
  CHECK(webhook::sign_body("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("webhook: events arrive signed, with the promised headers, and attempts are recorded") {
  TempDir dir;
  auto db = open_store(dir);
  WebhookReceiver receiver;
  store::Webhook hook = subscribe(*db, receiver.url());
  SystemClock clock;
  auto deliverer = start(*db, clock, {});

  publish(*db, 1, clock.now());
  store::NewMessage message;
  message.to = "+491701234567";
  message.text = "Your order has shipped";
  message.parts.push_back({"00" + std::string(40, 'B'), 20});
  auto submitted = db->submit({message}, clock.now());
  REQUIRE(submitted.ok());
  REQUIRE(db->fail_message((*submitted)[0].id, "number does not exist", clock.now()).ok());
  deliverer->wake();

  REQUIRE(wait_until([&] { return deliverer->delivered() == 2; }));
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  auto page = db->list_webhook_deliveries({hook.id, 10, ""});
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 2);
  std::vector<std::string> events;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& request = requests[i];
    const store::WebhookDelivery& stored = page->items[requests.size() - 1 - i];
    CAPTURE(request.body);
    CHECK(request.method == "POST");
    CHECK(request.path == "/hook");
    CHECK(request.header("content-type") == "application/json");
    CHECK(request.header("user-agent").starts_with("smsgated/"));
    CHECK(request.header("x-smsgate-delivery") == webhook::delivery_id(stored.event.id));
    CHECK(request.header("x-smsgate-signature") == webhook::sign_body(kSecret, request.body));
    CHECK(request.body == stored.event.body);
    auto body = nlohmann::json::parse(request.body);
    CHECK(request.header("x-smsgate-event") == body["event"]);
    events.push_back(body["event"]);
    CHECK(stored.event.delivered_at.has_value());
    REQUIRE(stored.attempts.size() == 1);
    CHECK(stored.attempts[0].http_status == 200);
    CHECK_FALSE(stored.attempts[0].error.has_value());
  }
  CHECK(events == std::vector<std::string>{"modem.online", "message.failed"});
  auto failed = nlohmann::json::parse(requests[1].body);
  CHECK(failed["data"]["reason"] == "number does not exist");
  CHECK(failed["data"]["to"] == "+491701234567");
  auto backlog = db->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 0);
  CHECK(deliverer->failed_attempts() == 0);
}

TEST_CASE(
    "webhook: a receiver down, then failing, then back gets everything in order, once "
    "each, with the same delivery id on every retry") {
  TempDir dir;
  auto db = open_store(dir);
  WebhookReceiver receiver;
  store::Webhook hook = subscribe(*db, receiver.url());
  SystemClock clock;
  webhook::DelivererOptions options;
  options.backoff_base = 20ms;
  options.backoff_cap = 100ms;
  auto deliverer = start(*db, clock, options);

  receiver.go_down();
  for (int n = 0; n < 5; ++n) publish(*db, n, clock.now());
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->failed_attempts() >= 3; }));
  receiver.set_mode(WebhookReceiver::Mode::kError);
  receiver.come_up();
  REQUIRE(wait_until([&] { return receiver.count() >= 3; }));
  receiver.set_mode(WebhookReceiver::Mode::kOk);
  REQUIRE(wait_until([&] { return deliverer->delivered() == 5; }));

  CHECK(accepted(receiver) == std::vector<int>{0, 1, 2, 3, 4});
  // Every try of an event carries that event's id; different events, different ids.
  std::map<int, std::set<std::string>> ids;
  for (const auto& request : receiver.requests())
    ids[number_of(request)].insert(request.header("x-smsgate-delivery"));
  std::set<std::string> all;
  for (const auto& entry : ids) {
    CAPTURE(entry.first);
    CHECK(entry.second.size() == 1);
    all.insert(entry.second.begin(), entry.second.end());
  }
  CHECK(all.size() == 5);

  auto page = db->list_webhook_deliveries({hook.id, 10, ""});
  REQUIRE(page.ok());
  const store::WebhookDelivery& first = page->items.back();
  CHECK(first.event.delivered_at.has_value());
  REQUIRE(first.attempts.size() >= 2);  // refused (and maybe 500s) before the 200
  CHECK_FALSE(first.attempts.front().http_status.has_value());
  CHECK(first.attempts.front().error.has_value());
  CHECK(first.attempts.back().http_status == 200);
  CHECK(first.event.attempts == static_cast<int>(first.attempts.size()));
}

TEST_CASE("webhook: a hanging endpoint and a dead one do not hold up another subscription") {
  TempDir dir;
  auto db = open_store(dir);
  WebhookReceiver hanging, dead, healthy;
  hanging.set_mode(WebhookReceiver::Mode::kHang);
  dead.go_down();
  subscribe(*db, hanging.url());
  subscribe(*db, dead.url());
  subscribe(*db, healthy.url());
  SystemClock clock;
  webhook::DelivererOptions options;
  options.timeout = 30s;  // far longer than the healthy deliveries may take
  auto deliverer = start(*db, clock, options);

  auto began = MonotonicClock::now();
  for (int n = 0; n < 3; ++n) publish(*db, n, clock.now());
  deliverer->wake();
  REQUIRE(wait_until([&] { return accepted(healthy).size() == 3; }));
  CHECK(MonotonicClock::now() - began < 10s);
  CHECK(accepted(healthy) == std::vector<int>{0, 1, 2});
  // The hanging one holds its first event; its later ones wait behind it, in order.
  CHECK(hanging.count() == 1);
  CHECK(wait_until([&] { return deliverer->delivered() == 3; }));
}

TEST_CASE("webhook: an event is given up after max_age, visibly, and the next one goes") {
  TempDir dir;
  auto db = open_store(dir);
  WebhookReceiver receiver;
  receiver.set_mode(WebhookReceiver::Mode::kError);
  store::Webhook hook = subscribe(*db, receiver.url());
  constexpr int64_t kT0 = 1'790'000'000'000;
  constexpr int64_t kMinute = 60'000;
  ManualClock clock(kT0);
  webhook::DelivererOptions options;
  options.max_age = 1h;
  options.set_aside_after = 1h;  // never set aside before it is given up
  options.backoff_base = 1min;
  options.backoff_cap = 10min;
  auto deliverer = start(*db, clock, options);

  publish(*db, 0, kT0);
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->failed_attempts() == 1; }));
  // Each step is longer than the longest wait (cap + jitter), so exactly one try each.
  for (int step = 1; step <= 3; ++step) {
    clock.advance(15 * kMinute);
    if (step == 3) publish(*db, 1, clock.now());  // written at +45 min: not too old yet
    deliverer->wake();
    REQUIRE(wait_until([&] { return deliverer->failed_attempts() == uint64_t(step) + 1; }));
    CHECK(deliverer->given_up() == 0);
  }
  // At +60 min the first is tried the last time and given up; the second, waiting
  // behind it since +45 min, goes at once (and fails: the receiver still answers 500).
  clock.advance(15 * kMinute);
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->failed_attempts() == 6; }));
  CHECK(deliverer->given_up() == 1);
  receiver.set_mode(WebhookReceiver::Mode::kOk);
  clock.advance(15 * kMinute);
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->delivered() == 1; }));
  CHECK(accepted(receiver) == std::vector<int>{1});

  auto page = db->list_webhook_deliveries({hook.id, 10, ""});
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 2);
  const store::WebhookDelivery& gave_up = page->items[1];
  CHECK(gave_up.event.given_up_at == kT0 + 60 * kMinute);
  CHECK_FALSE(gave_up.event.delivered_at.has_value());
  CHECK(gave_up.event.last_error == "HTTP 500");
  REQUIRE(gave_up.attempts.size() == 5);
  for (size_t i = 0; i < gave_up.attempts.size(); ++i) {
    CHECK(gave_up.attempts[i].at == kT0 + static_cast<int64_t>(i) * 15 * kMinute);
    CHECK(gave_up.attempts[i].http_status == 500);
  }
  const store::WebhookDelivery& next = page->items[0];
  CHECK(next.event.delivered_at == kT0 + 75 * kMinute);
  CHECK(next.attempts.size() == 2);
  auto backlog = db->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 0);
  CHECK(deliverer->given_up() == 1);
  CHECK(deliverer->set_aside() == 0);
}

// The tries of event `n` a receiver got, and what it answered them.
std::vector<int> answers_to(const WebhookReceiver& receiver, int n) {
  std::vector<int> answers;
  for (const auto& request : receiver.requests())
    if (number_of(request) == n) answers.push_back(request.answered);
  return answers;
}

TEST_CASE(
    "webhook: an event refused for set_aside_after is set aside, the later ones go in "
    "order, and it is delivered in the background") {
  TempDir dir;
  auto db = open_store(dir);
  WebhookReceiver receiver;
  receiver.refuse_when([](const WebhookReceiver::Request& r) { return number_of(r) == 0; });
  store::Webhook hook = subscribe(*db, receiver.url());
  constexpr int64_t kT0 = 1'790'000'000'000;
  constexpr int64_t kMinute = 60'000;
  ManualClock clock(kT0);
  webhook::DelivererOptions options;
  options.max_age = 2h;
  options.set_aside_after = 10min;
  options.backoff_base = 1min;
  options.backoff_cap = 10min;
  auto deliverer = start(*db, clock, options);

  for (int n = 0; n < 3; ++n) publish(*db, n, kT0);
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->failed_attempts() == 1; }));
  // Within the hold: retried (the last try lands on its end), the rest wait.
  clock.advance(5 * kMinute);
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->failed_attempts() == 2; }));
  CHECK(accepted(receiver).empty());
  clock.advance(5 * kMinute);
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->set_aside() == 1; }));
  CHECK(deliverer->failed_attempts() == 3);
  REQUIRE(wait_until([&] { return deliverer->delivered() == 2; }));
  CHECK(accepted(receiver) == std::vector<int>{1, 2});

  auto page = db->list_webhook_deliveries({hook.id, 10, ""});
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 3);
  const store::WebhookEvent& aside = page->items[2].event;
  CHECK(aside.set_aside_at == kT0 + 10 * kMinute);
  CHECK_FALSE(aside.delivered_at.has_value());
  CHECK(aside.attempts == 3);
  // Its next try continues the backoff (the third wait: 4 min +-20 %).
  CHECK(aside.next_attempt_at >= kT0 + 10 * kMinute + 192'000);
  CHECK(aside.next_attempt_at <= kT0 + 10 * kMinute + 288'000);

  // Events written later go at once, in order, while it waits for its next try.
  for (int n = 3; n < 5; ++n) publish(*db, n, clock.now());
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->delivered() == 4; }));
  CHECK(accepted(receiver) == std::vector<int>{1, 2, 3, 4});

  // Accepted now: its next background try delivers it.
  receiver.refuse_when({});
  clock.advance(5 * kMinute);
  deliverer->wake();
  REQUIRE(wait_until([&] { return deliverer->delivered() == 5; }));
  CHECK(accepted(receiver) == std::vector<int>{1, 2, 3, 4, 0});
  CHECK(answers_to(receiver, 0) == std::vector<int>{500, 500, 500, 200});
  CHECK(deliverer->given_up() == 0);
  auto backlog = db->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 0);
}

TEST_CASE(
    "webhook API: a set-aside delivery is listed as such and retried on request, and short "
    "secrets are refused") {
  WebhookReceiver receiver, down;
  down.go_down();
  ApiDaemon api(1, [](smsgate::config::Config& config) {
    config.webhooks.set_aside_after = std::chrono::minutes(1);
  });
  HttpClient client = api.client();

  auto refused = client.post(
      "/api/v1/webhooks",
      {{"url", receiver.url()}, {"events", {"modem.online"}}, {"secret", "fifteen chars!!"}});
  CHECK(refused.status == 400);
  CHECK(refused.error_code() == "invalid_field");
  CHECK(refused.error_field() == "secret");
  auto listed = client.get("/api/v1/webhooks");
  REQUIRE(listed.status == 200);
  CHECK(listed.json()["items"].empty());  // nothing stored

  auto created = client.post(
      "/api/v1/webhooks",
      {{"url", receiver.url()}, {"events", {"modem.online"}}, {"secret", "sixteen chars ok"}});
  REQUIRE(created.status == 201);
  const std::string hook =
      "/api/v1/webhooks/" + std::to_string(created.json()["id"].get<int64_t>());
  auto other =
      client.post("/api/v1/webhooks", {{"url", down.url()}, {"events", {"modem.offline"}}});
  REQUIRE(other.status == 201);
  CHECK(other.json()["secret"].get<std::string>().size() >= 16);  // one made for it
  const std::string other_hook =
      "/api/v1/webhooks/" + std::to_string(other.json()["id"].get<int64_t>());

  store::Store& db = api.daemon().store();
  receiver.refuse_when([](const WebhookReceiver::Request& r) { return number_of(r) == 0; });
  for (int n = 0; n < 3; ++n) publish(db, n, api.clock().now());
  REQUIRE(wait_until([&] { return answers_to(receiver, 0).size() == 1; }));
  api.clock().advance(30'000);
  REQUIRE(wait_until([&] { return answers_to(receiver, 0).size() == 2; }));
  CHECK(accepted(receiver).empty());  // held: the later ones wait
  // /metrics counts each outcome; nothing is set aside yet.
  auto metric = [&](const std::string& name) -> std::string {
    auto page = client.get("/metrics");
    REQUIRE(page.status == 200);
    size_t at = page.body.find("\n" + name + " ");
    if (at == std::string::npos) return "absent";
    at += name.size() + 2;
    return page.body.substr(at, page.body.find('\n', at) - at);
  };
  CHECK(metric("smsgate_webhook_set_aside_total") == "0");
  api.clock().advance(120'000);  // past the one-minute hold
  REQUIRE(wait_until([&] { return accepted(receiver) == std::vector<int>{1, 2}; }));
  CHECK(metric("smsgate_webhook_set_aside_total") == "1");
  CHECK(metric("smsgate_webhook_given_up_total") == "0");

  auto deliveries = [&](const std::string& path) {
    auto answer = client.get(path + "/deliveries");
    REQUIRE(answer.status == 200);
    return answer.json()["items"];  // newest first
  };
  nlohmann::json items = deliveries(hook);
  REQUIRE(items.size() == 3);
  const nlohmann::json aside = items[2];
  CAPTURE(aside.dump());
  CHECK(aside["state"] == "set_aside");
  CHECK(aside.contains("set_aside_at"));
  CHECK(aside.contains("next_attempt_at"));  // still tried in the background
  CHECK(aside["last_error"] == "HTTP 500");
  CHECK(aside["tries"].size() >= 3);
  for (const auto& attempt : aside["tries"]) CHECK(attempt["http_status"] == 500);
  CHECK(items[1]["state"] == "delivered");
  CHECK(items[0]["state"] == "delivered");
  const std::string aside_id = std::to_string(aside["id"].get<int64_t>());
  const std::string delivered_id = std::to_string(items[0]["id"].get<int64_t>());

  // The other subscription's event is pending (its receiver is down).
  publish_offline(db, api.clock().now());
  REQUIRE(wait_until([&] {
    auto theirs = deliveries(other_hook);
    return theirs.size() == 1 && theirs[0]["attempts"].get<int>() >= 1;
  }));
  const std::string pending_id = std::to_string(deliveries(other_hook)[0]["id"].get<int64_t>());

  auto retry = [&](const std::string& path, const std::string& id) {
    return client.post(path + "/deliveries/" + id + "/retry", nlohmann::json::object());
  };
  CHECK(retry(hook, "999999").status == 404);
  CHECK(retry(hook, "not-an-id").status == 404);
  CHECK(retry("/api/v1/webhooks/999999", aside_id).status == 404);
  auto elsewhere = retry(hook, pending_id);  // a delivery of another webhook
  CHECK(elsewhere.status == 404);
  CHECK(elsewhere.error_code() == "not_found");
  auto delivered = retry(hook, delivered_id);
  CHECK(delivered.status == 409);
  CHECK(delivered.error_code() == "not_retryable");
  auto pending = retry(other_hook, pending_id);
  CHECK(pending.status == 409);
  CHECK(pending.error_code() == "not_retryable");
  CHECK(deliveries(hook)[2]["state"] == "set_aside");  // the refusals changed nothing

  receiver.refuse_when({});
  auto retried = retry(hook, "evt_" + aside_id);  // as X-Smsgate-Delivery spells it
  REQUIRE(retried.status == 202);
  CHECK(retried.json()["id"].get<int64_t>() == aside["id"].get<int64_t>());
  CHECK(retried.json()["state"] == "pending");
  REQUIRE(wait_until([&] { return accepted(receiver) == std::vector<int>{1, 2, 0}; }));
  REQUIRE(wait_until([&] { return deliveries(hook)[2]["state"] == "delivered"; }));
  CHECK(deliveries(hook)[2]["tries"].back()["http_status"] == 200);
  CHECK(retry(hook, aside_id).status == 409);
  CHECK(metric("smsgate_webhook_set_aside_total") == "1");  // set aside once, delivered since

  // Order kept otherwise.
  for (int n = 3; n < 6; ++n) publish(db, n, api.clock().now());
  REQUIRE(wait_until([&] { return accepted(receiver).size() == 6; }));
  CHECK(accepted(receiver) == std::vector<int>{1, 2, 0, 3, 4, 5});
}

}  // namespace

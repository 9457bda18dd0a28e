// The webhook deliverer over real HTTP on loopback: events arrive signed with the
// headers DESIGN.md promises; a receiver that is down, then failing, then back loses
// nothing and gets each subscription's events in order with stable delivery ids; a
// hanging or dead endpoint does not hold up another subscription; an event is given
// up after max_age (a manual clock), visibly; every attempt is recorded.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "integration/modem_harness.h"
#include "integration/webhook_receiver.h"
#include "store/store.h"
#include "webhook/deliverer.h"
#include "webhook/events.h"

namespace {

using namespace std::chrono_literals;
using smsgate::MonotonicClock;
using smsgate::ManualClock;
using smsgate::SystemClock;
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
  store::ModemEventInfo info{"IMEI1", std::to_string(n), "SIM800", "", ""};
  REQUIRE(db.enqueue_modem_event(/*online=*/true, info, now).ok());
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
}

}  // namespace

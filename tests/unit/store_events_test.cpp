// The event log (store/events.h): every event is logged in the transaction of its
// change whether or not a webhook wants it, stream-only events never reach a webhook
// ("*" included), reads resume after an id and filter by name, and a commit that logs
// events wakes a waiting reader (or a stop does).
#include <doctest/doctest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "store/event_json.h"
#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
using namespace smsgate::store::testing;
namespace policy = smsgate::policy;
using smsgate::MonotonicClock;

constexpr int64_t kT0 = 1'790'000'000'000;
constexpr int64_t kMinute = 60'000;
const std::string kTo = "+491701234567";

int64_t submit(Store& store, policy::Category category = policy::Category::kTransactional,
               const std::string& text = "Your table is ready") {
  NewMessage m;
  m.to = kTo;
  m.text = text;
  m.category = category;
  return submit_one_part(store, m, kT0);
}

void receive(Store& store, const std::string& text, int64_t at) {
  InboundPartIn in;
  in.modem = "IMEI1";
  char pdu[24];
  std::snprintf(pdu, sizeof pdu, "00%016llX", static_cast<unsigned long long>(at));
  in.pdu_hex = pdu;
  in.sender = kTo;
  in.text = text;
  in.received_at = at;
  REQUIRE(store.record_inbound_part(in).ok());
}

std::vector<LoggedEvent> logged(Store& store, int64_t after = 0,
                                const std::vector<std::string>& names = {}, int limit = 1000) {
  auto events = store.events_after(after, names, limit);
  REQUIRE_MESSAGE(events.ok(), (events.ok() ? "" : events.error().message));
  return *events;
}

std::vector<std::string> names_of(const std::vector<LoggedEvent>& events) {
  std::vector<std::string> names;
  for (const LoggedEvent& e : events) names.push_back(e.event);
  return names;
}

}  // namespace

TEST_CASE("store events: every change is logged with no webhook at all") {
  TempDir dir;
  auto store = open_store(dir);
  CHECK(*store->latest_event_id() == 0);
  int64_t sent = submit(*store);
  send_only_part(*store, sent, kT0 + kMinute);
  int64_t cancelled = submit(*store);
  REQUIRE(store->cancel_message(cancelled, "cancelled by the client", kT0 + 2 * kMinute).ok());
  receive(*store, "See you", kT0 + 3 * kMinute);

  auto events = logged(*store);
  CHECK(names_of(events) == std::vector<std::string>{"message.sending", "message.sent",
                                                     "message.cancelled", "inbound.received"});
  CHECK(*store->latest_event_id() == events.back().id);
  for (size_t i = 1; i < events.size(); ++i) CHECK(events[i].id > events[i - 1].id);

  auto body = nlohmann::json::parse(events[1].body);
  CHECK(body["event"] == "message.sent");
  CHECK(body["occurred_at"] == iso8601_utc(kT0 + kMinute));
  CHECK(body["data"]["id"] == sent);
  CHECK(body["data"]["status"] == "sent");
  CHECK(body["data"]["to"] == kTo);
  CHECK(events[1].created_at == kT0 + kMinute);
  auto sending = nlohmann::json::parse(events[0].body);
  CHECK(sending["data"]["status"] == "sending");
  CHECK(sending["data"]["reason"] == "claimed by IMEI1");
  CHECK(nlohmann::json::parse(events[2].body)["data"]["id"] == cancelled);
  auto inbound = nlohmann::json::parse(events[3].body);
  CHECK(inbound["data"]["text"] == "See you");
  CHECK(inbound["data"]["from"] == kTo);
}

TEST_CASE(
    "store events: the log and a webhook get the same bodies; stream-only events no webhook") {
  TempDir dir;
  auto store = open_store(dir);
  auto everything =
      store->create_webhook("http://127.0.0.1:9/hook", {"*"}, "sixteen or more characters", kT0);
  REQUIRE(everything.ok());
  int64_t id = submit(*store);
  send_only_part(*store, id, kT0 + kMinute);
  int64_t cancelled = submit(*store);
  REQUIRE(store->cancel_message(cancelled, "cancelled by the client", kT0 + kMinute).ok());
  ModemEventInfo modem{.modem = "IMEI1", .reason = "unplugged"};
  REQUIRE(store->enqueue_modem_event(/*online=*/false, modem, kT0 + 2 * kMinute).ok());
  REQUIRE(
      store->log_modem_state({"IMEI1", "offline", "port gone", "/dev/ttyUSB2"}, kT0 + 2 * kMinute)
          .ok());

  auto page = store->list_webhook_deliveries({everything->id, 1000, ""});
  REQUIRE(page.ok());
  std::vector<std::string> outbox;
  std::string sent_body;
  for (const WebhookDelivery& delivery : page->items) {
    outbox.push_back(delivery.event.event);
    if (delivery.event.event == "message.sent") sent_body = delivery.event.body;
  }
  CHECK(outbox == std::vector<std::string>{"modem.offline", "message.sent"});  // newest first

  auto events = logged(*store);
  CHECK(names_of(events) == std::vector<std::string>{"message.sending", "message.sent",
                                                     "message.cancelled", "modem.offline",
                                                     "modem.state"});
  CHECK(events[1].body == sent_body);
  auto state = nlohmann::json::parse(events[4].body);
  CHECK(state["event"] == "modem.state");
  CHECK(state["data"] == nlohmann::json{{"modem", "IMEI1"},
                                        {"state", "offline"},
                                        {"detail", "port gone"},
                                        {"port", "/dev/ttyUSB2"}});
  // A webhook cannot ask for them by name either.
  CHECK_FALSE(store
                  ->create_webhook("http://127.0.0.1:9/x", {"modem.state"},
                                   "sixteen or more characters", kT0)
                  .ok());
}

TEST_CASE("store events: an operation that fails logs nothing") {
  TempDir dir;
  auto store = open_store(dir);
  int64_t id = submit(*store);
  send_only_part(*store, id, kT0);
  int64_t before = *store->latest_event_id();
  // Cancelling a sent message is refused; its transaction logs nothing.
  CHECK_FALSE(store->cancel_message(id, "too late", kT0 + kMinute).ok());
  CHECK(*store->latest_event_id() == before);
}

TEST_CASE("store events: no message event carries its text, so no code is shown") {
  TempDir dir;
  auto store = open_store(dir);
  int64_t id = submit(*store, policy::Category::kTransactional, "Your code is 482913");
  send_only_part(*store, id, kT0);
  for (const LoggedEvent& event : logged(*store)) {
    CHECK(event.body.find("482913") == std::string::npos);
    CHECK_FALSE(nlohmann::json::parse(event.body)["data"].contains("text"));
  }
}

TEST_CASE("store events: read after an id, by name, in batches") {
  TempDir dir;
  auto store = open_store(dir);
  for (int i = 0; i < 3; ++i) send_only_part(*store, submit(*store), kT0 + i);
  receive(*store, "Hello", kT0 + 10);
  auto all = logged(*store);
  REQUIRE(all.size() == 7);

  auto after = logged(*store, all[2].id);
  REQUIRE(after.size() == 4);
  CHECK(after.front().id == all[3].id);
  CHECK(logged(*store, all.back().id).empty());

  auto chosen = logged(*store, 0, {"message.sent", "inbound.received"});
  CHECK(names_of(chosen) == std::vector<std::string>{"message.sent", "message.sent", "message.sent",
                                                     "inbound.received"});
  auto first_two = logged(*store, 0, {}, 2);
  CHECK(first_two.size() == 2);
  CHECK(first_two[1].id == all[1].id);
  CHECK_FALSE(store->events_after(0, {}, 0).ok());
}

TEST_CASE("store events: a commit that logs events wakes a waiting reader, and so does a stop") {
  TempDir dir;
  auto store = open_store(dir);
  uint64_t seen = store->event_generation();
  // Nothing logged: a wait ends at its deadline with the same generation.
  CHECK(store->wait_for_events(seen, MonotonicClock::now() + std::chrono::milliseconds(20), {}) ==
        seen);
  // A write that logs nothing (a webhook) does not move it.
  REQUIRE(store->create_webhook("http://127.0.0.1:9/hook", {"*"}, "sixteen or more characters", kT0)
              .ok());
  CHECK(store->event_generation() == seen);

  // Far deadlines bound the test; the wake-ups end the waits long before them.
  const auto far = MonotonicClock::now() + std::chrono::seconds(60);
  std::thread writer([&] { send_only_part(*store, submit(*store), kT0); });
  uint64_t woken = seen;
  while (woken == seen) woken = store->wait_for_events(seen, far, {});
  writer.join();
  CHECK(woken != seen);
  CHECK(logged(*store).size() == 2);

  std::stop_source stop;
  std::thread stopper([&] { stop.request_stop(); });
  uint64_t after_stop = store->wait_for_events(store->event_generation(), far, stop.get_token());
  stopper.join();
  CHECK(stop.stop_requested());
  CHECK(after_stop == store->event_generation());
}

// Webhooks in the store: subscriptions validated; events fanned out by each
// subscription's filter in the transaction of the change they report (a failed
// operation writes none); per subscription only the oldest pending event is due;
// attempts, retries, give-up, setting aside and retrying on request, backlog,
// deletion with the events; the JSON bodies.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/event_json.h"
#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
namespace policy = smsgate::policy;
using namespace smsgate::store::testing;

constexpr int64_t kT0 = 1'790'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr char kSecret[] = "sixteen or more characters";

Webhook subscribe(Store& store, std::vector<std::string> events,
                  const std::string& url = "http://127.0.0.1:9/hook") {
  auto webhook = store.create_webhook(url, events, kSecret, kT0);
  REQUIRE_MESSAGE(webhook.ok(), (webhook.ok() ? "" : webhook.error().message));
  return *webhook;
}

int64_t submit(Store& store, policy::Category category = policy::Category::kTransactional,
               bool expect_reply = false) {
  NewMessage m;
  m.to = "+491701234567";
  m.text = "Your table is ready";
  m.category = category;
  m.external_id = "order-7";
  m.expect_reply = expect_reply;
  m.reply_window_ms = 60 * kMinute;
  return submit_one_part(store, m, kT0);
}

std::vector<WebhookEvent> events_of(Store& store, int64_t webhook_id) {
  auto page = store.list_webhook_deliveries({webhook_id, 1000, ""});
  REQUIRE(page.ok());
  std::vector<WebhookEvent> events;
  for (auto it = page->items.rbegin(); it != page->items.rend(); ++it) events.push_back(it->event);
  return events;  // oldest first
}

std::vector<std::string> names(const std::vector<WebhookEvent>& events) {
  std::vector<std::string> list;
  for (const WebhookEvent& e : events) list.push_back(e.event);
  return list;
}

TEST_CASE("create_webhook validates url, events and secret, naming the field") {
  TempDir dir;
  auto store = open_store(dir);
  struct Bad {
    std::string url;
    std::vector<std::string> events;
    std::string secret;
    std::string error;
  };
  const Bad bad[] = {
      {"ftp://x/", {"*"}, "k", "url: must start with http:// or https://"},
      {"example.com/hook", {"*"}, "k", "url: must start with http:// or https://"},
      {"http://", {"*"}, "k", "url: no host"},
      {"http://a b/", {"*"}, "k", "url: contains spaces or control characters"},
      {"http://x/", {}, "k", "events: empty"},
      {"http://x/",
       {"message.sent", "message.bounced"},
       "k",
       "events: unknown event \"message.bounced\""},
      {"http://x/", {"*"}, "", "secret: shorter than 16 characters"},
      {"http://x/", {"*"}, "fifteen chars!!", "secret: shorter than 16 characters"},
      // Characters, not bytes: 15 of them in 30 bytes.
      {"http://x/", {"*"}, "ääääääääääääääé", "secret: shorter than 16 characters"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.error);
    auto created = store->create_webhook(b.url, b.events, b.secret, kT0);
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().message.starts_with(b.error));
  }
  auto list = store->list_webhooks();
  REQUIRE(list.ok());
  CHECK(list->empty());

  Webhook a = subscribe(*store, {"message.sent", "message.sent", "inbound.received"},
                        "https://example.com/a");
  Webhook all = subscribe(*store, {"message.failed", "*"});
  CHECK(store->create_webhook("http://x/", {"*"}, "16 characters ok", kT0).ok());
  CHECK(store->create_webhook("http://x/", {"*"}, "äääääääääääääääé", kT0).ok());
  CHECK(a.events == std::vector<std::string>{"message.sent", "inbound.received"});
  CHECK(all.events == std::vector<std::string>{"*"});
  auto got = store->get_webhook(a.id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->url == "https://example.com/a");
  CHECK((*got)->events == a.events);
  CHECK((*got)->created_at == kT0);
  list = store->list_webhooks();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 4);
  CHECK((*list)[0].id == a.id);
  CHECK((*list)[1].id == all.id);
}

TEST_CASE("status changes fan out to the subscriptions whose events match, with the message") {
  TempDir dir;
  auto store = open_store(dir);
  // No subscription: changes cost nothing and write nothing.
  int64_t before = submit(*store);
  send_only_part(*store, before, kT0 + 1);
  auto backlog = store->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 0);

  Webhook sent_only = subscribe(*store, {"message.sent"});
  Webhook failures = subscribe(*store, {"message.failed", "message.expired"});
  Webhook all = subscribe(*store, {"*"});

  int64_t id = submit(*store);
  send_only_part(*store, id, kT0 + 1000);
  int64_t doomed = submit(*store);
  REQUIRE(store->fail_message(doomed, "number does not exist", kT0 + 2000).ok());
  int64_t late = submit(*store);
  REQUIRE(store->expire_message(late, kT0 + 3000).ok());
  int64_t cancelled = submit(*store);
  REQUIRE(store->cancel_message(cancelled, "by the client", kT0 + 4000).ok());  // no event

  CHECK(names(events_of(*store, sent_only.id)) == std::vector<std::string>{"message.sent"});
  CHECK(names(events_of(*store, failures.id)) ==
        std::vector<std::string>{"message.failed", "message.expired"});
  auto every = events_of(*store, all.id);
  CHECK(names(every) ==
        std::vector<std::string>{"message.sent", "message.failed", "message.expired"});
  backlog = store->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 6);

  auto body = nlohmann::json::parse(every[0].body);
  CHECK(body["event"] == "message.sent");
  CHECK(body["occurred_at"] == iso8601_utc(kT0 + 1000));
  CHECK(body["data"]["id"] == id);
  CHECK(body["data"]["external_id"] == "order-7");
  CHECK(body["data"]["to"] == "+491701234567");
  CHECK(body["data"]["category"] == "transactional");
  CHECK(body["data"]["status"] == "sent");
  CHECK(body["data"]["reason"] == "sent");
  CHECK(body["data"]["parts"] == 1);
  CHECK(body["data"]["sent_at"] == iso8601_utc(kT0 + 1000));
  auto failed = nlohmann::json::parse(every[1].body);
  CHECK(failed["data"]["status"] == "failed");
  CHECK(failed["data"]["reason"] == "number does not exist");
  CHECK_FALSE(failed["data"].contains("sent_at"));
  CHECK(every[1].created_at == kT0 + 2000);
  CHECK(every[1].next_attempt_at == kT0 + 2000);  // due at once
}

TEST_CASE("an operation that fails writes no event: the event is in its transaction") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook all = subscribe(*store, {"*"});
  int64_t id = submit(*store);
  REQUIRE(store->fail_message(id, "first", kT0 + 1).ok());
  // Failing it again is refused: nothing of the second attempt may remain.
  CHECK_FALSE(store->fail_message(id, "second", kT0 + 2).ok());
  CHECK_FALSE(store->expire_message(id, kT0 + 3).ok());
  auto events = events_of(*store, all.id);
  REQUIRE(events.size() == 1);
  CHECK(nlohmann::json::parse(events[0].body)["data"]["reason"] == "first");
}

TEST_CASE("inbound.received carries the reply link and a feedback rating") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook inbound = subscribe(*store, {"inbound.received"});
  int64_t asked = submit(*store, policy::Category::kFeedback, /*expect_reply=*/true);
  send_only_part(*store, asked, kT0 + kMinute);

  InboundPartIn part;
  part.modem = "IMEI1";
  part.pdu_hex = "0011AA";
  part.sender = "+491701234567";
  part.text = "Nine out of ten!";
  part.received_at = kT0 + 2 * kMinute;
  auto recorded = store->record_inbound_part(part);
  REQUIRE(recorded.ok());
  REQUIRE(recorded->completed.has_value());
  CHECK(recorded->completed->rating == 9);

  // A two-part message from someone else: one event, when complete.
  InboundPartIn first = part, second = part;
  first.sender = second.sender = "+15551234567";
  first.pdu_hex = "0022AA";
  second.pdu_hex = "0022BB";
  first.text = "Hello ";
  second.text = "there";
  first.concat = InboundPartIn::Concat{7, 1, 2};
  second.concat = InboundPartIn::Concat{7, 2, 2};
  REQUIRE(store->record_inbound_part(first).ok());
  CHECK(events_of(*store, inbound.id).size() == 1);
  REQUIRE(store->record_inbound_part(second).ok());

  auto events = events_of(*store, inbound.id);
  REQUIRE(events.size() == 2);
  auto body = nlohmann::json::parse(events[0].body);
  CHECK(body["event"] == "inbound.received");
  const auto& data = body["data"];
  CHECK(data["id"] == recorded->completed->id);
  CHECK(data["from"] == "+491701234567");
  CHECK(data["modem"] == "IMEI1");
  CHECK(data["text"] == "Nine out of ten!");
  CHECK(data["received_at"] == iso8601_utc(kT0 + 2 * kMinute));
  CHECK(data["parts"] == 1);
  CHECK(data["partial"] == false);
  CHECK(data["in_reply_to"]["id"] == asked);
  CHECK(data["in_reply_to"]["external_id"] == "order-7");
  CHECK(data["in_reply_to"]["category"] == "feedback");
  CHECK(data["rating"] == 9);
  auto joined = nlohmann::json::parse(events[1].body)["data"];
  CHECK(joined["text"] == "Hello there");
  CHECK(joined["parts"] == 2);
  CHECK_FALSE(joined.contains("in_reply_to"));
  CHECK_FALSE(joined.contains("rating"));

  // The list gives the same rating.
  auto listed = store->list_inbound({});
  REQUIRE(listed.ok());
  REQUIRE(listed->items.size() == 2);
  CHECK(listed->items[1].rating == 9);
  CHECK_FALSE(listed->items[0].rating.has_value());

  // A partial message completed after its timeout is reported too.
  InboundPartIn lonely = first;
  lonely.pdu_hex = "0033AA";
  lonely.concat = InboundPartIn::Concat{8, 1, 3};
  REQUIRE(store->record_inbound_part(lonely).ok());
  REQUIRE(store->complete_partial_inbound(kT0 + 60 * kMinute, 10 * kMinute).ok());
  events = events_of(*store, inbound.id);
  REQUIRE(events.size() == 3);
  CHECK(nlohmann::json::parse(events[2].body)["data"]["partial"] == true);
}

TEST_CASE("a rating only on replies to feedback messages") {
  TempDir dir;
  auto store = open_store(dir);
  int64_t asked = submit(*store, policy::Category::kReminder, /*expect_reply=*/true);
  send_only_part(*store, asked, kT0);
  InboundPartIn part;
  part.modem = "IMEI1";
  part.pdu_hex = "0011AA";
  part.sender = "+491701234567";
  part.text = "7";
  part.received_at = kT0 + kMinute;
  auto recorded = store->record_inbound_part(part);
  REQUIRE(recorded.ok());
  REQUIRE(recorded->completed.has_value());
  REQUIRE(recorded->completed->in_reply_to.has_value());
  CHECK_FALSE(recorded->completed->rating.has_value());
}

TEST_CASE("modem events fan out through enqueue_event; unknown events and bad JSON refused") {
  TempDir dir;
  auto store = open_store(dir);
  CHECK(store->enqueue_event("modem.online", R"({"event":"modem.online"})", kT0).ok());
  Webhook modems = subscribe(*store, {"modem.online", "modem.offline"});
  Webhook messages = subscribe(*store, {"message.sent"});
  CHECK(store->enqueue_event("modem.offline", R"({"event":"modem.offline"})", kT0).ok());
  CHECK(store->enqueue_event("modem.exploded", "{}", kT0).error().message.starts_with("event: "));
  CHECK(store->enqueue_event("modem.online", "{not json", kT0).error().message == "body: not JSON");
  CHECK(names(events_of(*store, modems.id)) == std::vector<std::string>{"modem.offline"});
  CHECK(events_of(*store, modems.id)[0].body == R"({"event":"modem.offline"})");
  CHECK(events_of(*store, messages.id).empty());
}

TEST_CASE("enqueue_modem_event writes the modem.* body with the fields that are known") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook modems = subscribe(*store, {"modem.online", "modem.offline"});
  ModemEventInfo plugged_in{.modem = "IMEI1",
                            .port = "/dev/ttyUSB2",
                            .model = "Quectel EC25",
                            .operator_name = "Telekom.de"};
  ModemEventInfo unplugged{.modem = "IMEI1", .reason = "unplugged"};
  REQUIRE(store->enqueue_modem_event(/*online=*/true, plugged_in, kT0).ok());
  REQUIRE(store->enqueue_modem_event(/*online=*/false, unplugged, kT0 + kMinute).ok());

  auto events = events_of(*store, modems.id);
  REQUIRE(names(events) == std::vector<std::string>{"modem.online", "modem.offline"});
  auto online = R"({"event": "modem.online", "occurred_at": "2026-09-21T14:13:20.000Z",
      "data": {"modem": "IMEI1", "port": "/dev/ttyUSB2", "model": "Quectel EC25",
               "operator": "Telekom.de"}})";
  auto offline = R"({"event": "modem.offline", "occurred_at": "2026-09-21T14:14:20.000Z",
      "data": {"modem": "IMEI1", "reason": "unplugged"}})";
  CHECK(nlohmann::json::parse(events[0].body) == nlohmann::json::parse(online));
  CHECK(nlohmann::json::parse(events[1].body) == nlohmann::json::parse(offline));
  CHECK(events[0].body == modem_event_body(/*online=*/true, plugged_in, kT0));
}

TEST_CASE("enqueue_modem_storage_full writes modem.storage_full with the storage's use") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook full = subscribe(*store, {"modem.storage_full"});
  Webhook others = subscribe(*store, {"modem.offline"});
  ModemEventInfo info{.modem = "IMEI1",
                      .port = "/dev/ttyUSB2",
                      .reason = "message storage full",
                      .storage_used = 30,
                      .storage_total = 30};
  REQUIRE(store->enqueue_modem_storage_full(info, kT0).ok());
  auto events = events_of(*store, full.id);
  REQUIRE(names(events) == std::vector<std::string>{"modem.storage_full"});
  auto expected = R"({"event": "modem.storage_full", "occurred_at": "2026-09-21T14:13:20.000Z",
      "data": {"modem": "IMEI1", "port": "/dev/ttyUSB2", "reason": "message storage full",
               "storage_used": 30, "storage_total": 30}})";
  CHECK(nlohmann::json::parse(events[0].body) == nlohmann::json::parse(expected));
  CHECK(events_of(*store, others.id).empty());
}

TEST_CASE("due events: per subscription only its oldest pending one, in order") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook a = subscribe(*store, {"modem.online"});
  Webhook b = subscribe(*store, {"modem.online"});
  for (int i = 0; i < 3; ++i)
    REQUIRE(
        store->enqueue_event("modem.online", "{\"n\":" + std::to_string(i) + "}", kT0 + i).ok());

  auto due = store->due_webhook_events(kT0 + 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);
  for (const DueWebhookEvent& d : *due) {
    CHECK(d.event.body == "{\"n\":0}");
    CHECK(d.secret == kSecret);
    CHECK(d.url == "http://127.0.0.1:9/hook");
  }
  int64_t a_first = (*due)[0].event.webhook_id == a.id ? (*due)[0].event.id : (*due)[1].event.id;
  int64_t b_first = (*due)[0].event.webhook_id == b.id ? (*due)[0].event.id : (*due)[1].event.id;

  // a's first fails and waits a minute: a's later events wait behind it; b goes on.
  REQUIRE(
      store->record_webhook_attempt({a_first, kT0 + 10, 500, "HTTP 500", 12, false, kT0 + kMinute})
          .ok());
  REQUIRE(store->record_webhook_attempt({b_first, kT0 + 10, 204, "", 3, true, std::nullopt}).ok());
  due = store->due_webhook_events(kT0 + 20);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].event.webhook_id == b.id);
  CHECK((*due)[0].event.body == "{\"n\":1}");
  auto next = store->next_webhook_due(kT0 + 20);
  REQUIRE(next.ok());
  CHECK(*next == kT0 + kMinute);

  due = store->due_webhook_events(kT0 + kMinute);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);
  for (const DueWebhookEvent& d : *due)
    if (d.event.webhook_id == a.id) {
      CHECK(d.event.id == a_first);
      CHECK(d.event.attempts == 1);
      CHECK(d.event.last_error == "HTTP 500");
    }
  auto backlog = store->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 5);

  // Settled events take no more attempts.
  auto again = store->record_webhook_attempt({b_first, kT0 + 30, 200, "", 1, true, std::nullopt});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("already delivered") != std::string::npos);
  CHECK_FALSE(store->record_webhook_attempt({9999, kT0, 200, "", 1, true, std::nullopt}).ok());
}

TEST_CASE("giving up: visible, counted out of the backlog, and the next event goes") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook hook = subscribe(*store, {"*"});
  REQUIRE(store->enqueue_event("modem.online", "{\"n\":0}", kT0).ok());
  REQUIRE(store->enqueue_event("modem.online", "{\"n\":1}", kT0).ok());
  auto due = store->due_webhook_events(kT0);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  int64_t first = (*due)[0].event.id;
  REQUIRE(store
              ->record_webhook_attempt(
                  {first, kT0, std::nullopt, "Connection refused", 1, false, kT0 + 1000})
              .ok());
  REQUIRE(store
              ->record_webhook_attempt(
                  {first, kT0 + 1000, std::nullopt, "Timeout", 10000, false, std::nullopt})
              .ok());
  due = store->due_webhook_events(kT0 + 1000);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].event.body == "{\"n\":1}");
  auto backlog = store->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 1);

  auto page = store->list_webhook_deliveries({hook.id, 10, ""});
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 2);
  const WebhookDelivery& gave_up = page->items[1];  // newest first
  CHECK(gave_up.event.id == first);
  CHECK(gave_up.event.given_up_at == kT0 + 1000);
  CHECK_FALSE(gave_up.event.delivered_at.has_value());
  CHECK(gave_up.event.attempts == 2);
  REQUIRE(gave_up.attempts.size() == 2);
  CHECK(gave_up.attempts[0].at == kT0);
  CHECK_FALSE(gave_up.attempts[0].http_status.has_value());
  CHECK(gave_up.attempts[0].error == "Connection refused");
  CHECK(gave_up.attempts[1].error == "Timeout");
  CHECK(gave_up.attempts[1].duration_ms == 10000);
}

// Three modem.online events {"n":0..2} for one subscription; their ids, oldest first.
std::vector<int64_t> three_events(Store& store, const Webhook& hook) {
  for (int i = 0; i < 3; ++i)
    REQUIRE(store.enqueue_event("modem.online", "{\"n\":" + std::to_string(i) + "}", kT0).ok());
  std::vector<int64_t> ids;
  for (const WebhookEvent& e : events_of(store, hook.id)) ids.push_back(e.id);
  REQUIRE(ids.size() == 3);
  return ids;
}

std::vector<int64_t> due_ids(Store& store, int64_t now) {
  auto due = store.due_webhook_events(now);
  REQUIRE(due.ok());
  std::vector<int64_t> ids;
  for (const DueWebhookEvent& d : *due) ids.push_back(d.event.id);
  return ids;
}

WebhookAttemptIn failed(int64_t id, int64_t at, int64_t next, bool set_aside = false) {
  WebhookAttemptIn attempt{id, at, 500, "HTTP 500", 5, false, next};
  attempt.set_aside = set_aside;
  return attempt;
}

TEST_CASE("set aside: the later events go, and it stays due beside them until settled") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook hook = subscribe(*store, {"*"});
  auto ids = three_events(*store, hook);

  REQUIRE(store->record_webhook_attempt(failed(ids[0], kT0, kT0 + 1000)).ok());
  auto first = events_of(*store, hook.id)[0];
  CHECK(first.held_since == kT0);  // the hold counts from the first try
  CHECK(first.round_attempts == 1);
  CHECK(due_ids(*store, kT0 + 1000) == std::vector<int64_t>{ids[0]});

  // Set aside at its second failure, next tried in 10 minutes.
  REQUIRE(store->record_webhook_attempt(failed(ids[0], kT0 + 1000, kT0 + 10 * kMinute, true)).ok());
  first = events_of(*store, hook.id)[0];
  CHECK(first.set_aside_at == kT0 + 1000);
  CHECK(first.held_since == kT0);
  CHECK(first.attempts == 2);
  CHECK(due_ids(*store, kT0 + 1000) == std::vector<int64_t>{ids[1]});
  auto next = store->next_webhook_due(kT0 + 1000);
  REQUIRE(next.ok());
  CHECK(*next == kT0 + 10 * kMinute);  // the set-aside one's next try

  // When it is due again it goes beside the head, not instead of it.
  auto due = store->due_webhook_events(kT0 + 10 * kMinute);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].event.id == ids[1]);
  CHECK_FALSE((*due)[0].event.set_aside_at.has_value());
  CHECK((*due)[1].event.id == ids[0]);
  CHECK((*due)[1].event.set_aside_at == kT0 + 1000);
  CHECK((*due)[1].secret == kSecret);

  // Its later failures keep it set aside (set_aside_at stays the first time).
  REQUIRE(
      store->record_webhook_attempt(failed(ids[0], kT0 + 10 * kMinute, kT0 + 20 * kMinute)).ok());
  CHECK(events_of(*store, hook.id)[0].set_aside_at == kT0 + 1000);
  REQUIRE(
      store->record_webhook_attempt({ids[1], kT0 + 10 * kMinute, 200, "", 3, true, std::nullopt})
          .ok());
  CHECK(due_ids(*store, kT0 + 10 * kMinute) == std::vector<int64_t>{ids[2]});
  auto backlog = store->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 2);  // the set-aside one is still to be delivered

  // Delivered in the background: settled, and it says it was set aside.
  REQUIRE(
      store->record_webhook_attempt({ids[0], kT0 + 20 * kMinute, 200, "", 3, true, std::nullopt})
          .ok());
  first = events_of(*store, hook.id)[0];
  CHECK(first.delivered_at == kT0 + 20 * kMinute);
  CHECK(first.set_aside_at == kT0 + 1000);
  CHECK(due_ids(*store, kT0 + 30 * kMinute) == std::vector<int64_t>{ids[2]});

  // Setting aside needs a failed attempt with a next one.
  WebhookAttemptIn bad = failed(ids[2], kT0, kT0 + 1000, true);
  bad.next_attempt_at.reset();
  CHECK_FALSE(store->record_webhook_attempt(bad).ok());
  CHECK(events_of(*store, hook.id)[2].attempts == 0);
}

TEST_CASE("set-aside events of one subscription are due one at a time, earliest first") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook hook = subscribe(*store, {"*"});
  auto ids = three_events(*store, hook);
  REQUIRE(store->record_webhook_attempt(failed(ids[0], kT0, kT0 + 5 * kMinute, true)).ok());
  REQUIRE(store->record_webhook_attempt(failed(ids[1], kT0, kT0 + 2 * kMinute, true)).ok());
  CHECK(due_ids(*store, kT0 + kMinute) == std::vector<int64_t>{ids[2]});
  CHECK(due_ids(*store, kT0 + 6 * kMinute) == std::vector<int64_t>{ids[2], ids[1]});
}

TEST_CASE("retry on request: a set-aside or given-up event goes next, in a new round") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook hook = subscribe(*store, {"*"});
  Webhook other = subscribe(*store, {"modem.offline"});
  auto ids = three_events(*store, hook);
  REQUIRE(store->record_webhook_attempt(failed(ids[0], kT0, kT0 + kMinute)).ok());
  REQUIRE(
      store->record_webhook_attempt(failed(ids[0], kT0 + kMinute, kT0 + 9 * kMinute, true)).ok());
  REQUIRE(
      store->record_webhook_attempt({ids[1], kT0 + kMinute, 200, "", 3, true, std::nullopt}).ok());

  auto refused = [&](int64_t webhook_id, int64_t id) {
    auto retried = store->retry_webhook_event(webhook_id, id, kT0 + 2 * kMinute);
    REQUIRE_FALSE(retried.ok());
    return retried.error();
  };
  CHECK(refused(hook.id, 9999).code == smsgate::ErrorCode::kNotFound);
  CHECK(refused(other.id, ids[0]).code == smsgate::ErrorCode::kNotFound);
  smsgate::Error delivered = refused(hook.id, ids[1]);
  CHECK(delivered.code == smsgate::ErrorCode::kNotRetryable);
  CHECK(delivered.message.find("already delivered") != std::string::npos);
  smsgate::Error pending = refused(hook.id, ids[2]);
  CHECK(pending.code == smsgate::ErrorCode::kNotRetryable);
  CHECK(pending.message.find("already pending") != std::string::npos);
  CHECK(events_of(*store, hook.id)[0].set_aside_at == kT0 + kMinute);  // nothing changed

  auto retried = store->retry_webhook_event(hook.id, ids[0], kT0 + 2 * kMinute);
  REQUIRE_MESSAGE(retried.ok(), (retried.ok() ? "" : retried.error().message));
  CHECK(retried->event.id == ids[0]);
  CHECK_FALSE(retried->event.set_aside_at.has_value());
  CHECK_FALSE(retried->event.held_since.has_value());
  CHECK(retried->event.round_attempts == 0);
  CHECK(retried->event.attempts == 2);  // its history stays
  CHECK(retried->attempts.size() == 2);
  CHECK(retried->event.next_attempt_at == kT0 + 2 * kMinute);
  // Older than the head (ids[2]): it is the head again, due now.
  CHECK(due_ids(*store, kT0 + 2 * kMinute) == std::vector<int64_t>{ids[0]});
  CHECK(refused(hook.id, ids[0]).code == smsgate::ErrorCode::kNotRetryable);

  // Given up: retryable too.
  REQUIRE(store
              ->record_webhook_attempt(
                  {ids[0], kT0 + 2 * kMinute, 500, "HTTP 500", 3, false, std::nullopt})
              .ok());
  REQUIRE(store->retry_webhook_event(hook.id, ids[0], kT0 + 3 * kMinute).ok());
  auto got = store->get_webhook_delivery(hook.id, ids[0]);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK_FALSE((*got)->event.given_up_at.has_value());
  CHECK((*got)->attempts.size() == 3);
  got = store->get_webhook_delivery(other.id, ids[0]);
  REQUIRE(got.ok());
  CHECK_FALSE(got->has_value());
}

TEST_CASE("deliveries page newest first with a cursor; deleting a webhook takes its events") {
  TempDir dir;
  auto store = open_store(dir);
  Webhook hook = subscribe(*store, {"*"});
  Webhook other = subscribe(*store, {"*"});
  for (int i = 0; i < 5; ++i)
    REQUIRE(store->enqueue_event("modem.online", "{\"n\":" + std::to_string(i) + "}", kT0).ok());
  std::vector<std::string> bodies;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store->list_webhook_deliveries({hook.id, 2, cursor});
    REQUIRE(page.ok());
    for (const WebhookDelivery& d : page->items) bodies.push_back(d.event.body);
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  CHECK(bodies ==
        std::vector<std::string>{"{\"n\":4}", "{\"n\":3}", "{\"n\":2}", "{\"n\":1}", "{\"n\":0}"});
  CHECK_FALSE(store->list_webhook_deliveries({hook.id, 2, "m5"}).ok());
  CHECK_FALSE(store->list_webhook_deliveries({hook.id, 0, ""}).ok());

  auto deleted = store->delete_webhook(hook.id);
  REQUIRE(deleted.ok());
  CHECK(*deleted);
  deleted = store->delete_webhook(hook.id);
  REQUIRE(deleted.ok());
  CHECK_FALSE(*deleted);
  auto gone = store->get_webhook(hook.id);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  CHECK(events_of(*store, hook.id).empty());
  auto backlog = store->webhook_backlog();
  REQUIRE(backlog.ok());
  CHECK(*backlog == 5);  // the other subscription's
  auto due = store->due_webhook_events(kT0);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].event.webhook_id == other.id);
}

TEST_CASE("iso8601_utc prints UTC with milliseconds") {
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso8601_utc(1'795'428'900'123) == "2026-11-23T10:15:00.123Z");
  CHECK(iso8601_utc(-1) == "1969-12-31T23:59:59.999Z");
}

}  // namespace

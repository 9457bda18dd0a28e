// Webhooks (webhooks.h): subscriptions, the outbox events are written to in the
// transaction of the change they report, and the attempts at delivering them
// (webhook::Deliverer).
#include "store/webhooks.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "common/strings.h"
#include "policy/rating.h"
#include "store/event_json.h"
#include "store/internal.h"

namespace smsgate::store {

using namespace detail;

bool is_webhook_event(std::string_view name) {
  return std::find(std::begin(kWebhookEventNames), std::end(kWebhookEventNames), name) !=
         std::end(kWebhookEventNames);
}

bool is_event_name(std::string_view name) {
  return is_webhook_event(name) ||
         std::find(std::begin(kStreamOnlyEventNames), std::end(kStreamOnlyEventNames), name) !=
             std::end(kStreamOnlyEventNames);
}

namespace {

constexpr size_t kMaxUrlLength = 2048;
// A receiver checks signatures with it; a short one can be guessed offline from one
// signed body.
constexpr size_t kMinSecretLength = 16;

std::vector<std::string> split_events(const std::string& joined) {
  return split_nonempty(joined, ',');
}

bool wants(const std::string& events, std::string_view event) {
  for (const std::string& name : split_events(events))
    if (name == "*" || name == event) return true;
  return false;
}

// The subscriptions that want `event`: one query on a table of a handful of rows.
Result<std::vector<int64_t>> subscribers(Connection& db, std::string_view event) {
  auto q = db.query("SELECT id, events FROM webhooks ORDER BY id");
  if (!q.ok()) return q.error();
  std::vector<int64_t> ids;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return ids;
    if (wants(q->text(1), event)) ids.push_back(q->int64(0));
  }
}

Status insert_events(Connection& db, const std::vector<int64_t>& webhook_ids,
                     std::string_view event, const std::string& body, int64_t at) {
  for (int64_t webhook_id : webhook_ids) {
    auto q = db.query(
        "INSERT INTO webhook_outbox (webhook_id, event, body, created_at, next_attempt_at) "
        "VALUES (?1,?2,?3,?4,?4)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(webhook_id, event, body, at).run(); !s.ok()) return s;
  }
  return ok_status();
}

Webhook read_webhook(const Query& q) {
  return Webhook{q.int64(0), q.text(1), split_events(q.text(2)), q.int64(3)};
}

#define SMSGATE_OUTBOX_COLUMNS                                                         \
  "o.id, o.webhook_id, o.event, o.body, o.created_at, o.attempts, o.next_attempt_at, " \
  "o.delivered_at, o.given_up_at, o.last_error, o.set_aside_at, o.held_since, o.round_attempts"
constexpr int kOutboxColumns = 13;

// The id of subscription w's head: its oldest event neither delivered, given up nor
// set aside.
#define SMSGATE_HEAD_OF_W                                                               \
  "(SELECT MIN(p.id) FROM webhook_outbox p INDEXED BY webhook_outbox_pending "          \
  "WHERE p.webhook_id = w.id AND p.delivered_at IS NULL AND p.given_up_at IS NULL AND " \
  "p.set_aside_at IS NULL)"
// Set-aside events still to be delivered (webhook_outbox_set_aside).
#define SMSGATE_SET_ASIDE \
  "s.delivered_at IS NULL AND s.given_up_at IS NULL AND s.set_aside_at IS NOT NULL"

WebhookEvent read_event(const Query& q, int c = 0) {
  WebhookEvent e;
  e.id = q.int64(c + 0);
  e.webhook_id = q.int64(c + 1);
  e.event = q.text(c + 2);
  e.body = q.text(c + 3);
  e.created_at = q.int64(c + 4);
  e.attempts = q.int32(c + 5);
  e.next_attempt_at = q.int64(c + 6);
  e.delivered_at = q.optional_int64(c + 7);
  e.given_up_at = q.optional_int64(c + 8);
  e.last_error = q.optional_text(c + 9);
  e.set_aside_at = q.optional_int64(c + 10);
  e.held_since = q.optional_int64(c + 11);
  e.round_attempts = q.int32(c + 12);
  return e;
}

// Code points, not bytes: what a person typing a secret counts.
size_t utf8_length(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

Result<std::vector<WebhookAttempt>> load_attempts(Connection& db, int64_t outbox_id) {
  auto a = db.query(
      "SELECT at, http_status, error, duration_ms FROM webhook_attempts WHERE outbox_id = ? "
      "ORDER BY id");
  if (!a.ok()) return a.error();
  a->bind(outbox_id);
  return read_rows(*a, [](const Query& row) {
    WebhookAttempt attempt{row.int64(0), std::nullopt, row.optional_text(2), row.int64(3)};
    if (!row.is_null(1)) attempt.http_status = row.int32(1);
    return attempt;
  });
}

Status validate_webhook(const std::string& url, const std::vector<std::string>& events,
                        const std::string& secret) {
  bool http = url.starts_with("http://"), https = url.starts_with("https://");
  if (!http && !https) return make_error("url: must start with http:// or https://");
  if (url.size() == (http ? 7u : 8u)) return make_error("url: no host");
  if (url.size() > kMaxUrlLength)
    return make_error("url: longer than " + std::to_string(kMaxUrlLength) + " characters");
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7F; }))
    return make_error("url: contains spaces or control characters");
  if (events.empty()) return make_error("events: empty (name events, or \"*\" for all)");
  for (const std::string& event : events)
    if (event != "*" && !is_webhook_event(event))
      return make_error("events: unknown event \"" + event +
                        "\" (known: message.sent, message.delivered, message.failed, "
                        "message.expired, inbound.received, modem.online, modem.offline, "
                        "modem.storage_full, modem.alarm, *)");
  if (utf8_length(secret) < kMinSecretLength)
    return make_error("secret: shorter than " + std::to_string(kMinSecretLength) +
                      " characters (leave it out and one is made)");
  return ok_status();
}

}  // namespace

// --- Inside the store's own transactions ---------------------------------------------

namespace detail {

Status enqueue_message_event(Connection& db, int64_t message_id, MessageStatus status,
                             std::string_view reason, int64_t at) {
  std::string_view event;
  switch (status) {
    case MessageStatus::kSending:
      event = "message.sending";
      break;
    case MessageStatus::kSent:
      event = "message.sent";
      break;
    case MessageStatus::kDelivered:
      event = "message.delivered";
      break;
    case MessageStatus::kFailed:
      event = "message.failed";
      break;
    case MessageStatus::kExpired:
      event = "message.expired";
      break;
    case MessageStatus::kCancelled:
      event = "message.cancelled";
      break;
    default:
      return ok_status();
  }
  auto message = load_message(db, message_id);
  if (!message.ok()) return message.error();
  if (!*message) return no_such("message", message_id);
  std::string body = event_body(event, at, message_event_data(**message, reason));
  if (auto s = log_event(db, event, body, at); !s.ok()) return s;
  if (!is_webhook_event(event)) return ok_status();
  auto ids = subscribers(db, event);
  if (!ids.ok()) return ids.error();
  return insert_events(db, *ids, event, body, at);
}

Status enqueue_inbound_event(Connection& db, const InboundMessage& message) {
  constexpr std::string_view kEvent = "inbound.received";
  std::string body = event_body(kEvent, message.received_at, inbound_json(message));
  if (auto s = log_event(db, kEvent, body, message.received_at); !s.ok()) return s;
  auto ids = subscribers(db, kEvent);
  if (!ids.ok()) return ids.error();
  return insert_events(db, *ids, kEvent, body, message.received_at);
}

Status enqueue_event(Connection& db, std::string_view event, const std::string& body, int64_t at) {
  if (auto s = log_event(db, event, body, at); !s.ok()) return s;
  auto ids = subscribers(db, event);
  if (!ids.ok()) return ids.error();
  return insert_events(db, *ids, event, body, at);
}

std::optional<int> rating_for(const InboundMessage& message) {
  if (!message.in_reply_to || message.in_reply_to->category != policy::Category::kFeedback)
    return std::nullopt;
  return policy::parse_rating(message.text);
}

}  // namespace detail

// --- Subscriptions -------------------------------------------------------------------

Result<Webhook> Webhooks::create_webhook(const std::string& url,
                                         const std::vector<std::string>& events,
                                         const std::string& secret, int64_t now) {
  if (auto s = validate_webhook(url, events, secret); !s.ok()) return s.error();
  // "*" subsumes the rest; duplicates say nothing more.
  std::vector<std::string> names;
  if (std::find(events.begin(), events.end(), "*") != events.end()) {
    names = {"*"};
  } else {
    for (const std::string& event : events)
      if (std::find(names.begin(), names.end(), event) == names.end()) names.push_back(event);
  }
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ",") + name;
  Webhook webhook{0, url, names, now};
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query("INSERT INTO webhooks (url, events, secret, created_at) VALUES (?,?,?,?)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(url, joined, secret, now).run(); !s.ok()) return s;
    webhook.id = db.last_insert_rowid();
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return webhook;
}

Result<std::vector<Webhook>> Webhooks::list_webhooks() {
  return read_all(engine_, "SELECT id, url, events, created_at FROM webhooks ORDER BY id",
                  read_webhook);
}

Result<std::optional<Webhook>> Webhooks::get_webhook(int64_t id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT id, url, events, created_at FROM webhooks WHERE id = ?");
  if (!q.ok()) return q.error();
  q->bind(id);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<Webhook>();
  return std::optional<Webhook>(read_webhook(*q));
}

Result<bool> Webhooks::delete_webhook(int64_t id) {
  // The outbox and its attempts follow by ON DELETE CASCADE.
  return change_rows(engine_, "DELETE FROM webhooks WHERE id = ?", id);
}

Status Webhooks::enqueue_event(std::string_view event, const std::string& body_json, int64_t now) {
  if (!is_webhook_event(event)) return make_error("event: unknown \"" + std::string(event) + "\"");
  if (!nlohmann::json::accept(body_json)) return make_error("body: not JSON");
  return engine_.write([&](Connection& db) -> Status {
    if (auto s = log_event(db, event, body_json, now); !s.ok()) return s;
    auto ids = subscribers(db, event);
    if (!ids.ok()) return ids.error();
    return insert_events(db, *ids, event, body_json, now);
  });
}

Status Webhooks::enqueue_modem_event(bool online, const ModemEventInfo& info, int64_t now) {
  return enqueue_event(modem_event_name(online), modem_event_body(online, info, now), now);
}

Status Webhooks::enqueue_modem_storage_full(const ModemEventInfo& info, int64_t now) {
  return enqueue_event(kModemStorageFull, modem_storage_full_body(info, now), now);
}

Result<int64_t> Webhooks::enqueue_test_event(int64_t webhook_id, int64_t now) {
  int64_t event_id = 0;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto exists = db.query("SELECT 1 FROM webhooks WHERE id = ?");
    if (!exists.ok()) return exists.error();
    auto found = exists->bind(webhook_id).step();
    if (!found.ok()) return found.error();
    if (!*found) return Error{"no webhook " + std::to_string(webhook_id), ErrorCode::kNotFound};
    if (auto s =
            insert_events(db, {webhook_id}, kWebhookTest, webhook_test_body(webhook_id, now), now);
        !s.ok())
      return s;
    event_id = db.last_insert_rowid();
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return event_id;
}

// --- Delivery ------------------------------------------------------------------------

Result<std::vector<DueWebhookEvent>> Webhooks::due_webhook_events(int64_t now) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  // Per subscription, its head if due, and its set-aside event due first. The result's
  // 7th column is next_attempt_at.
  auto q = (*db)->query("SELECT " SMSGATE_OUTBOX_COLUMNS
                        ", w.url, w.secret FROM webhooks w "
                        "JOIN webhook_outbox o ON o.id = " SMSGATE_HEAD_OF_W
                        " WHERE o.next_attempt_at <= ?1 "
                        "UNION ALL SELECT " SMSGATE_OUTBOX_COLUMNS
                        ", w.url, w.secret FROM webhooks w JOIN webhook_outbox o ON o.id = "
                        "(SELECT s.id FROM webhook_outbox s INDEXED BY webhook_outbox_set_aside "
                        "WHERE s.webhook_id = w.id AND " SMSGATE_SET_ASIDE
                        " AND s.next_attempt_at <= ?1 ORDER BY s.next_attempt_at, s.id LIMIT 1) "
                        "ORDER BY 7, 1");
  if (!q.ok()) return q.error();
  q->bind(now);
  return read_rows(*q, [](const Query& row) {
    return DueWebhookEvent{read_event(row), row.text(kOutboxColumns), row.text(kOutboxColumns + 1)};
  });
}

Result<std::optional<int64_t>> Webhooks::next_webhook_due(int64_t now) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT MIN(t) FROM (SELECT o.next_attempt_at AS t FROM webhooks w "
      "JOIN webhook_outbox o ON o.id = " SMSGATE_HEAD_OF_W
      " WHERE o.next_attempt_at > ?1 "
      "UNION ALL SELECT MIN(s.next_attempt_at) FROM webhook_outbox s "
      "WHERE " SMSGATE_SET_ASIDE " AND s.next_attempt_at > ?1)");
  if (!q.ok()) return q.error();
  q->bind(now);
  auto row = q->step();
  if (!row.ok()) return row.error();
  return q->optional_int64(0);
}

Status Webhooks::record_webhook_attempt(const WebhookAttemptIn& attempt) {
  if (attempt.duration_ms < 0) return make_error("duration_ms: negative");
  if (attempt.http_status && (*attempt.http_status < 100 || *attempt.http_status > 999))
    return make_error("http_status: " + std::to_string(*attempt.http_status) +
                      " is not an HTTP status");
  if (attempt.set_aside && (attempt.delivered || !attempt.next_attempt_at))
    return make_error("set_aside: only for a failed attempt with a next one");
  return engine_.write([&](Connection& db) -> Status {
    auto pending = db.query(
        "SELECT delivered_at IS NULL AND given_up_at IS NULL FROM webhook_outbox WHERE id = ?");
    if (!pending.ok()) return pending.error();
    pending->bind(attempt.outbox_id);
    auto row = pending->step();
    if (!row.ok()) return row.error();
    if (!*row) return no_such("webhook event", attempt.outbox_id);
    if (!pending->boolean(0))
      return make_error("webhook event " + std::to_string(attempt.outbox_id) +
                        " is already delivered or given up");

    std::optional<std::string> error;
    if (!attempt.error.empty()) error = attempt.error;
    auto insert = db.query(
        "INSERT INTO webhook_attempts (outbox_id, at, http_status, error, duration_ms) "
        "VALUES (?,?,?,?,?)");
    if (!insert.ok()) return insert.error();
    if (auto s = insert
                     ->bind_all(attempt.outbox_id, attempt.at, attempt.http_status, error,
                                attempt.duration_ms)
                     .run();
        !s.ok())
      return s;

    // Delivered; or retried at next_attempt_at (and maybe set aside now); or (neither)
    // given up now. The first try of a round starts its hold.
    auto update = db.query(
        "UPDATE webhook_outbox SET attempts = attempts + 1, round_attempts = round_attempts + 1, "
        "held_since = COALESCE(held_since, ?2), "
        "delivered_at = CASE WHEN ?1 THEN ?2 END, "
        "given_up_at = CASE WHEN NOT ?1 AND ?3 IS NULL THEN ?2 END, "
        "set_aside_at = CASE WHEN ?6 THEN COALESCE(set_aside_at, ?2) ELSE set_aside_at END, "
        "next_attempt_at = COALESCE(?3, next_attempt_at), "
        "last_error = CASE WHEN ?1 THEN last_error ELSE ?4 END WHERE id = ?5");
    if (!update.ok()) return update.error();
    std::optional<int64_t> next;
    if (!attempt.delivered) next = attempt.next_attempt_at;
    return update
        ->bind_all(attempt.delivered, attempt.at, next, error, attempt.outbox_id, attempt.set_aside)
        .run();
  });
}

Result<Page<WebhookDelivery>> Webhooks::list_webhook_deliveries(
    const WebhookDeliveryFilter& filter) {
  auto before = page_start('d', filter.cursor, filter.limit);
  if (!before.ok()) return before.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  // One read transaction: events and their attempts from the same snapshot.
  auto snapshot = ReadSnapshot::begin(**db);
  if (!snapshot.ok()) return snapshot.error();
  auto q = (*db)->query("SELECT " SMSGATE_OUTBOX_COLUMNS
                        " FROM webhook_outbox o WHERE o.webhook_id = ? AND o.id < ? "
                        "ORDER BY o.id DESC LIMIT ?");
  if (!q.ok()) return q.error();
  q->bind_all(filter.webhook_id, *before, filter.limit + 1);
  auto rows = read_rows(*q, [](const Query& row) { return WebhookDelivery{read_event(row), {}}; });
  if (!rows.ok()) return rows.error();
  auto page = make_page(std::move(*rows), filter.limit, 'd',
                        [](const WebhookDelivery& delivery) { return delivery.event.id; });
  for (WebhookDelivery& delivery : page.items) {
    auto attempts = load_attempts(**db, delivery.event.id);
    if (!attempts.ok()) return attempts.error();
    delivery.attempts = std::move(*attempts);
  }
  return page;
}

Result<std::optional<WebhookDelivery>> Webhooks::get_webhook_delivery(int64_t webhook_id,
                                                                      int64_t event_id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto snapshot = ReadSnapshot::begin(**db);
  if (!snapshot.ok()) return snapshot.error();
  auto q = (*db)->query("SELECT " SMSGATE_OUTBOX_COLUMNS
                        " FROM webhook_outbox o WHERE o.id = ? AND o.webhook_id = ?");
  if (!q.ok()) return q.error();
  q->bind_all(event_id, webhook_id);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<WebhookDelivery>();
  WebhookDelivery delivery{read_event(*q), {}};
  auto attempts = load_attempts(**db, event_id);
  if (!attempts.ok()) return attempts.error();
  delivery.attempts = std::move(*attempts);
  return std::optional<WebhookDelivery>(std::move(delivery));
}

Result<WebhookDelivery> Webhooks::retry_webhook_event(int64_t webhook_id, int64_t event_id,
                                                      int64_t now) {
  const std::string name = "webhook delivery " + std::to_string(event_id);
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "SELECT delivered_at IS NOT NULL, given_up_at IS NULL AND set_aside_at IS NULL "
        "FROM webhook_outbox WHERE id = ? AND webhook_id = ?");
    if (!q.ok()) return q.error();
    q->bind_all(event_id, webhook_id);
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return Error{"no " + name, ErrorCode::kNotFound};
    if (q->boolean(0)) return Error{name + " is already delivered", ErrorCode::kNotRetryable};
    if (q->boolean(1))
      return Error{name + " is already pending (it is tried again by itself)",
                   ErrorCode::kNotRetryable};
    // A new round: back in its place in the order (it is older than the head, so it
    // goes next), due now, its hold and backoff from the start.
    auto update = db.query(
        "UPDATE webhook_outbox SET set_aside_at = NULL, given_up_at = NULL, held_since = NULL, "
        "round_attempts = 0, next_attempt_at = ? WHERE id = ?");
    if (!update.ok()) return update.error();
    return update->bind_all(now, event_id).run();
  });
  if (!written.ok()) return written.error();
  auto delivery = get_webhook_delivery(webhook_id, event_id);
  if (!delivery.ok()) return delivery.error();
  // Only its webhook's deletion meanwhile takes it away.
  if (!*delivery) return Error{"no " + name, ErrorCode::kNotFound};
  return std::move(**delivery);
}

Result<int64_t> Webhooks::webhook_backlog() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT COUNT(*) FROM webhook_outbox WHERE delivered_at IS NULL AND given_up_at IS NULL");
  if (!q.ok()) return q.error();
  auto row = q->step();
  if (!row.ok()) return row.error();
  return q->int64(0);
}

}  // namespace smsgate::store

// Webhooks: subscriptions, the outbox of events for them, and the attempts at
// delivering those (webhook::Deliverer does the sending). Implemented in
// store/webhooks.cpp; every event body is built by store/event_json.h.
//
// Events are written to the outbox in the same transaction as the change they
// report: a message reaching sent/delivered/failed/expired (store/outbound.h,
// inbound.h), an inbound message completed (inbound.h); so an event is never lost nor
// sent for a change that was undone. Modem events, which no change in the store
// carries, come through enqueue_modem_event. One outbox row per matching
// subscription; and, subscribed or not, one row in the event log (store/events.h).
//
// Thread safety: every method may be called from any thread at the same time.
// create_webhook, delete_webhook, enqueue_event, enqueue_modem_event, enqueue_test_event,
// record_webhook_attempt and retry_webhook_event are writes: they return once their
// group commit is fsync'd (store/engine.h). list_webhooks, get_webhook,
// due_webhook_events, next_webhook_due, list_webhook_deliveries, get_webhook_delivery
// and webhook_backlog are reads: each answers from one snapshot and never waits for
// the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

class Webhooks {
 public:
  explicit Webhooks(Engine& engine) : engine_(engine) {}

  // Validates and stores a subscription: url http:// or https://, events names from
  // kWebhookEventNames or "*", a secret of at least 16 characters. Errors are
  // "field: reason".
  Result<Webhook> create_webhook(const std::string& url, const std::vector<std::string>& events,
                                 const std::string& secret, int64_t now);
  Result<std::vector<Webhook>> list_webhooks();  // oldest first
  Result<std::optional<Webhook>> get_webhook(int64_t id);
  // Its events and their attempts go with it. False: there was no such webhook.
  Result<bool> delete_webhook(int64_t id);

  // Logs an event from outside the store (store/events.h) and fans it out to the
  // subscriptions that want it.
  // `body_json`: the whole body, an envelope from store/event_json.h.
  Status enqueue_event(std::string_view event, const std::string& body_json, int64_t now);
  // modem.online (`online`) or modem.offline, for the modem `info` describes.
  Status enqueue_modem_event(bool online, const ModemEventInfo& info, int64_t now);
  // modem.storage_full: the modem's message storage filled up (its use in `info`).
  Status enqueue_modem_storage_full(const ModemEventInfo& info, int64_t now);
  // A webhook.test event for subscription `webhook_id` alone, whatever it subscribed
  // to; the new event's outbox id. Error kNotFound when there is no such webhook.
  Result<int64_t> enqueue_test_event(int64_t webhook_id, int64_t now);

  // The deliverer's work, by next_attempt_at: per subscription, its head (the oldest
  // event neither delivered, given up nor set aside) when it is due
  // (next_attempt_at <= now), and its set-aside event that is due first. Later events
  // of a subscription wait behind its head: delivery is in order per subscription,
  // set-aside events aside.
  Result<std::vector<DueWebhookEvent>> due_webhook_events(int64_t now);
  // The earliest time after `now` at which a head or a set-aside event becomes due
  // (when to look again); none when nothing is waiting for a later time.
  Result<std::optional<int64_t>> next_webhook_due(int64_t now);
  // Records a try: delivered, or failed and retried at next_attempt_at (and set aside
  // now with `set_aside`), or failed and given up (no next_attempt_at). The first try
  // of a round sets held_since. An Error when the event is gone (its webhook was
  // deleted meanwhile) or already settled.
  Status record_webhook_attempt(const WebhookAttemptIn& attempt);
  // A subscription's events with their attempts, newest first.
  Result<Page<WebhookDelivery>> list_webhook_deliveries(const WebhookDeliveryFilter& filter);
  // One event of subscription `webhook_id` with its attempts; none when there is no
  // such event or it belongs to another subscription.
  Result<std::optional<WebhookDelivery>> get_webhook_delivery(int64_t webhook_id, int64_t event_id);
  // Puts a set-aside or given-up event of subscription `webhook_id` back in line for a
  // new round of tries, due `now`: it is older than the subscription's head, so it goes
  // next. Errors: kNotFound (no such event for that webhook), kNotRetryable (already
  // delivered, or pending: it is tried by itself).
  Result<WebhookDelivery> retry_webhook_event(int64_t webhook_id, int64_t event_id, int64_t now);
  // Events neither delivered nor given up (set-aside ones included), for /metrics.
  Result<int64_t> webhook_backlog();

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

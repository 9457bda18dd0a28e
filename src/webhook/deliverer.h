// Deliverer: sends the store's webhook outbox (DESIGN.md, "Webhook events").
//
// One thread drives every request through libcurl's multi interface, so a slow or
// hanging endpoint holds up only its own subscription, never the others nor sending
// (the store writes events in the transaction of the change; nothing waits for us).
// Per subscription its head, the oldest pending event, is in flight alone: events
// arrive in order. A non-2xx answer or any transport error (refused, timed out, TLS,
// a redirect: not followed) is a failed attempt, retried after 5 s, 10 s, 20 s, ...
// doubling to a cap of 10 min, with +-20 % jitter so that retries of many events do
// not come in lockstep.
//
// One event the receiver keeps refusing must not hold the rest up for days: a head
// still failing set_aside_after (10 min) after its first try is set aside (recorded,
// logged, counted), and the subscription's next event goes. A set-aside event is
// still tried, in the background, continuing its backoff (so about every 10 min),
// one at a time per subscription beside its head, until max_age after it was written;
// then it is given up (recorded, logged, counted). A retry on request
// (Store::retry_webhook_event) puts a set-aside or given-up event back at the head
// for a new round. Every attempt is recorded in the store
// (Store::list_webhook_deliveries). URLs are logged without credentials (url_for_log).
//
// At least once: an event whose request was in flight at a crash or stop() is sent
// again; receivers dedupe with X-Smsgate-Delivery (see webhook/events.h for headers).
//
// Usage (daemon):
//   auto deliverer = webhook::Deliverer::start(store, clock,
//                                              {.timeout = 10s, .max_age = 72h, .set_aside_after =
//                                              10min});
//   ... after something that may have written an event (a status change, an inbound
//   message, store.enqueue_modem_event(...)):  (*deliverer)->wake();
//   /metrics: delivered(), failed_attempts(), set_aside(), given_up(), store.webhook_backlog().
// Without wake() the outbox is still looked at every idle_poll.
//
// Thread safety: wake(), stop() and the counters may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "store/webhooks.h"
#include "webhook/events.h"  // sign_body, delivery_id

namespace smsgate::webhook {

struct DelivererOptions {
  // A request that has not been answered in this long is a failed attempt
  // ([webhooks] timeout_seconds).
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // An event not delivered this long after it was written is given up
  // ([webhooks] max_age_hours); at least 24 h in production.
  std::chrono::milliseconds max_age{std::chrono::hours(72)};
  // A head still failing this long after its first try is set aside so that later
  // events go ([webhooks] set_aside_after_minutes); at most max_age.
  std::chrono::milliseconds set_aside_after{std::chrono::minutes(10)};
  // The first retry waits backoff_base, each further one twice as long, up to backoff_cap.
  std::chrono::milliseconds backoff_base{std::chrono::seconds(5)};
  std::chrono::milliseconds backoff_cap{std::chrono::minutes(10)};
  // Spread of each wait, as a fraction of it (0.2: 80 % to 120 %).
  double jitter = 0.2;
  // Requests in flight at once (each to a different subscription).
  int max_concurrent = 16;
  // How often the outbox is looked at when nobody called wake().
  std::chrono::milliseconds idle_poll{std::chrono::seconds(1)};
  std::string user_agent = "smsgated/" SMSGATE_VERSION;
};

class Deliverer {
 public:
  // Starts the delivery thread. Errors on options that make no sense or when libcurl
  // cannot be set up. `store` and `clock` must outlive the Deliverer.
  static Result<std::unique_ptr<Deliverer>> start(store::Webhooks& store, const Clock& clock,
                                                  DelivererOptions options = {});
  ~Deliverer();  // stop()s
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // An event may have been written: look at the outbox now rather than at the next poll.
  void wake();
  // Abandons requests in flight (they stay pending and go again after a restart) and
  // joins the thread. Idempotent.
  void stop();

  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failed_attempts() const { return failed_attempts_.load(); }
  uint64_t set_aside() const { return set_aside_.load(); }
  uint64_t given_up() const { return given_up_.load(); }

  // The wait before retry number `failures` (1: after the first failed attempt),
  // without jitter: base * 2^(failures-1), at most cap.
  static std::chrono::milliseconds backoff(int failures, const DelivererOptions& options);

  // What follows a failed try of `event` that began at `tried_at` and ended at `now`,
  // `delay_ms` being the wait before its next try (backoff with jitter):
  //   given up       at the deadline: max_age after it was written, but not before
  //                  its round has had set_aside_after (a retried old event gets one);
  //   set aside      a head failing set_aside_after since its round's first try;
  //   retried        otherwise, at now + delay_ms; a head's last try lands on its
  //                  set-aside time, any try at the latest on the deadline.
  enum class Next { kRetry, kSetAside, kGiveUp };
  struct AfterFailure {
    Next next = Next::kRetry;
    int64_t next_attempt_at = 0;  // kRetry, kSetAside
  };
  static AfterFailure after_failure(const store::WebhookEvent& event, int64_t tried_at, int64_t now,
                                    int64_t delay_ms, const DelivererOptions& options);

 private:
  struct Transfer;
  Deliverer(store::Webhooks& store, const Clock& clock, DelivererOptions options, void* multi);

  void run();
  // Starts the due events of lanes with nothing in flight.
  void start_due(int64_t now);
  void finish(Transfer& transfer, int curl_code);
  int64_t retry_delay_ms(int failures);

  store::Webhooks& store_;
  const Clock& clock_;
  const DelivererOptions options_;
  void* multi_;  // CURLM*; only the delivery thread touches it (curl_multi_wakeup aside)

  std::atomic<bool> stopping_{false};
  std::atomic<bool> woken_{true};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_attempts_{0};
  std::atomic<uint64_t> set_aside_{0};
  std::atomic<uint64_t> given_up_{0};
  std::mt19937_64 random_;  // jitter; delivery thread only
  // A subscription's two lanes, its head and its set-aside events: at most one
  // request each. Delivery thread only.
  struct Lane {
    int64_t webhook_id = 0;
    bool set_aside = false;
    auto operator<=>(const Lane&) const = default;
  };
  std::map<Lane, std::unique_ptr<Transfer>> in_flight_;
  std::thread thread_;
};

}  // namespace smsgate::webhook

// Deliverer: sends the store's webhook outbox (DESIGN.md, "Webhook events").
//
// One thread drives every request through libcurl's multi interface, so a slow or
// hanging endpoint holds up only its own subscription, never the others nor sending
// (the store writes events in the transaction of the change; nothing waits for us).
// Per subscription one event is in flight at a time, the oldest pending one: events
// arrive in order. A non-2xx answer or any transport error (refused, timed out, TLS,
// a redirect: not followed) is a failed attempt, retried after 5 s, 10 s, 20 s, ...
// doubling to a cap of 10 min, with +-20 % jitter so that retries of many events do
// not come in lockstep; an event still undelivered max_age after it was written is
// given up (recorded, logged, counted) and the subscription's next event goes. Every
// attempt is recorded in the store (Store::list_webhook_deliveries).
//
// At least once: an event whose request was in flight at a crash or stop() is sent
// again; receivers dedupe with X-Smsgate-Delivery (see webhook/events.h for headers).
//
// Usage (daemon):
//   auto deliverer = webhook::Deliverer::start(store, clock, {.timeout = 10s, .max_age = 72h});
//   ... after something that may have written an event (a status change, an inbound
//   message, store.enqueue_modem_event(...)):  (*deliverer)->wake();
//   /metrics: delivered(), failed_attempts(), given_up(), store.webhook_backlog().
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
  uint64_t given_up() const { return given_up_.load(); }

  // The wait before retry number `failures` (1: after the first failed attempt),
  // without jitter: base * 2^(failures-1), at most cap.
  static std::chrono::milliseconds backoff(int failures, const DelivererOptions& options);

 private:
  struct Transfer;
  Deliverer(store::Webhooks& store, const Clock& clock, DelivererOptions options, void* multi);

  void run();
  // Starts the due heads of subscriptions with nothing in flight; false on a store error.
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
  std::atomic<uint64_t> given_up_{0};
  std::mt19937_64 random_;  // jitter; delivery thread only
  // By subscription: at most one request each. Delivery thread only.
  std::map<int64_t, std::unique_ptr<Transfer>> in_flight_;
  std::thread thread_;
};

}  // namespace smsgate::webhook

// Outbox: the thread that sends the store's mail outbox (store/mail.h) through the
// smarthost (email/smarthost.h), one mail at a time, oldest due first.
//
// Each try composes the mail again from its row (email/mail_compose.h: the same
// Message-ID and Date every time, so a relay or reader can tell a repeat) and hands it
// to the relay. Accepted (2xx): sent. Refused for now (4xx) or no answer (refused,
// timed out, TLS failed): tried again after the retry policy's backoff (30 s, 1 min,
// 2 min, ... at most 1 h, with jitter), until max_attempts tries have been made; then,
// or at once when the relay refuses it for good (5xx), it is set aside with the reason,
// which GET /api/v1/mail shows. A mail that cannot be composed (a bad address in an
// old row) is set aside at once. Every outcome is recorded before the next mail goes.
//
// At least once: a mail in flight at a crash or stop() is sent again.
//
// Usage (daemon):
//   auto outbox = email::Outbox::start(store, clock, {.smarthost = ..., .from = ...});
//   ... after store.enqueue_mails(...):  (*outbox)->wake();
//   /metrics: sent(), failed_attempts(), set_aside(), store.count_mail().
//
// Thread safety: wake(), stop() and the counters may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "email/smarthost.h"
#include "policy/limits.h"
#include "store/mail.h"

namespace smsgate::email {

struct OutboxOptions {
  Smarthost smarthost;
  std::string from;  // the From header, "SMS gateway <sms@klinik.example>"
  policy::RetryPolicy retry{
      .max_attempts = 10, .base_delay_ms = 30'000, .max_delay_ms = 3'600'000, .jitter = 0.2};
  // How often the outbox is looked at when nobody called wake().
  std::chrono::milliseconds idle_poll{std::chrono::seconds(5)};
};

class Outbox {
 public:
  // Starts the sending thread. Errors on a From that is not one address or a retry
  // policy that makes no sense. `store` and `clock` must outlive the Outbox.
  static Result<std::unique_ptr<Outbox>> start(store::Mail& store, const Clock& clock,
                                               OutboxOptions options);
  ~Outbox();  // stop()s
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Mail may have been written: look at the outbox now rather than at the next poll.
  void wake();
  // From the next try on, sends with `options` (a reload: a new smarthost, login, From
  // or retry policy); errors, and changes nothing, as start() would.
  Status reconfigure(OutboxOptions options);
  // Finishes the try in progress (bounded by the smarthost's timeout), joins the
  // thread. Idempotent.
  void stop();

  uint64_t sent() const { return sent_.load(); }
  uint64_t failed_attempts() const { return failed_attempts_.load(); }
  uint64_t set_aside() const { return set_aside_.load(); }

 private:
  // What a try uses, replaced whole by reconfigure().
  struct Sending {
    OutboxOptions options;
    std::string envelope_from;  // the bare address of options.from
    policy::Backoff backoff;
  };
  static Result<std::shared_ptr<const Sending>> sending_for(OutboxOptions options);

  Outbox(store::Mail& store, const Clock& clock, std::shared_ptr<const Sending> sending);

  std::shared_ptr<const Sending> sending();
  void run();
  // Sends the mail due first, if any; true when one was tried.
  bool send_due(const Sending& sending, int64_t now);

  store::Mail& store_;
  const Clock& clock_;

  Mutex mutex_;
  std::shared_ptr<const Sending> sending_ GUARDED_BY(mutex_);
  std::condition_variable wake_;
  bool woken_ GUARDED_BY(mutex_) = true;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> failed_attempts_{0};
  std::atomic<uint64_t> set_aside_{0};
  std::thread thread_;
};

}  // namespace smsgate::email

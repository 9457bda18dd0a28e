// How much and how often: per-modem rate limits, retries with backoff, and the TTL.
// Pure, or a small class holding only its own counters; the time is the caller's
// (int64 milliseconds since the epoch), so tests drive them with a manual clock.
//
// Thread safety: Backoff is immutable (and as safe to share as its random source). A
// RateLimiter is owned by whoever dispatches to its modem; it is not synchronised.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>

#include "policy/time_zone.h"

namespace smsgate::policy {

struct RateLimits {
  int per_minute = 0;  // sends a minute, spaced evenly; 0: no limit
  int per_day = 0;     // sends per local calendar day; 0: no limit
  friend bool operator==(const RateLimits&, const RateLimits&) = default;
};

// Sends spaced evenly, 60/per_minute seconds apart: operators' spam filters frown on
// bursts, and ten sends in two seconds then a wait of 58 is a burst. A send is allowed
// once the time of every send before it has been paid for, so the parts of a long
// message may go together, and the next message waits for all of them. A count per
// local day starts afresh at local midnight in `zone`.
class RateLimiter {
 public:
  RateLimiter(RateLimits limits, TimeZone zone) : limits_(limits), zone_(std::move(zone)) {}

  bool may_send(int64_t now_ms) const { return next_allowed(now_ms) <= now_ms; }
  // Counts one send at `sent_ms`. Sends may be recorded out of order, so that after a
  // restart the dispatcher can replay the day's sends from the store.
  void record(int64_t sent_ms);
  // The earliest instant at or after `now_ms` at which a send is allowed.
  int64_t next_allowed(int64_t now_ms) const;
  // Sends counted on the local day of `now_ms`, with or without a daily limit.
  int sent_on_day_of(int64_t now_ms) const;
  // 60 s / per_minute; 0 without a per-minute limit.
  int64_t spacing_ms() const;
  const RateLimits& limits() const { return limits_; }

 private:
  RateLimits limits_;
  TimeZone zone_;
  std::deque<int64_t> recent_;      // send times, sorted, the last hour's of them
  int64_t paid_until_ = 0;          // when the sends in recent_ have been spaced out
  std::map<int64_t, int> per_day_;  // local day -> sends; only the last few days
};

// ---------------------------------------------------------------------------------
// Retries.

struct RetryPolicy {
  int max_attempts = 5;               // attempts in all, the first included
  int64_t base_delay_ms = 30 * 1000;  // after the first failure
  int64_t max_delay_ms = 60 * kMillisPerMinute;
  // Each delay is shortened by up to this fraction at random, so parts that failed
  // together (a modem reset) do not all come back in the same instant.
  double jitter = 0.2;
};

// Returns a number in [0, 1); injected so tests are exact.
using RandomUnit = std::function<double()>;
RandomUnit default_random_unit();  // thread-safe, seeded from std::random_device

class Backoff {
 public:
  explicit Backoff(RetryPolicy policy, RandomUnit random = default_random_unit())
      : policy_(policy), random_(std::move(random)) {}

  // The wait before the next attempt, after `attempt` attempts (1 after the first
  // failure): base * 2^(attempt-1), capped, less the jitter; never below 1 ms.
  int64_t retry_delay(int attempt) const;
  // True once `attempt` attempts have been made and no more are allowed.
  bool attempts_exhausted(int attempt) const { return attempt >= policy_.max_attempts; }

 private:
  RetryPolicy policy_;
  RandomUnit random_;
};

// ---------------------------------------------------------------------------------
// TTL: a message not sent by `expires_at` is not sent at all (a reminder after the
// appointment, a code after it lapsed). No expiry: never expires.
inline bool expired(int64_t now_ms, std::optional<int64_t> expires_at) {
  return expires_at.has_value() && now_ms >= *expires_at;
}

}  // namespace smsgate::policy

// Clock: the wall clock behind a tiny interface, so that time-driven rules (quiet
// hours, rate limits, backoff, TTL) are tested with a manual clock in milliseconds
// instead of sleeps.
//
// Time is int64 milliseconds since the Unix epoch (UTC), the unit the store keeps.
// It is wall-clock time, not monotonic: schedules ("send at 09:00 local") and TTLs
// are about the calendar, and survive restarts only in wall-clock terms.
//
// Thread safety: both implementations may be read and (ManualClock) advanced from
// any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace smsgate {

// Intervals and deadlines (a command's timeout, a poll, a simulated modem's latency)
// are measured on the monotonic clock, which no NTP correction moves; Clock below is
// the wall clock that schedules, TTLs and the store's times are about.
using MonotonicClock = std::chrono::steady_clock;

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since 1970-01-01T00:00:00Z.
  virtual int64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Stands still until told to move: advance() forward, set() anywhere (a clock that
// jumps back after an NTP correction is a case worth testing too).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 0) : now_(start_ms) {}
  int64_t now() const override { return now_.load(); }
  void advance(int64_t ms) { now_.fetch_add(ms); }
  void set(int64_t ms) { now_.store(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace smsgate

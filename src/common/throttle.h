// At most one of something per interval, across threads: a log line that every refused
// request would repeat (a full disk, a flood) is written once every few seconds.
//
// Thread safety: allow() may be called from any thread at the same time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace smsgate {

class Throttle {
 public:
  explicit Throttle(std::chrono::milliseconds interval) : interval_ms_(interval.count()) {}

  // True for the first call, then once at least `interval` after the last true.
  bool allow() {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               MonotonicClock::now().time_since_epoch())
                               .count();
    int64_t last = last_ms_.load();
    return (last == 0 || now_ms - last >= interval_ms_) &&
           last_ms_.compare_exchange_strong(last, now_ms);
  }

 private:
  const int64_t interval_ms_;
  std::atomic<int64_t> last_ms_{0};
};

}  // namespace smsgate

// SignalHistory: a modem's signal strength as each health poll read it, for the last
// day, so the console can draw how the signal went. A bounded ring: samples older than
// the span are dropped, and at most `capacity` are kept however often the modem is
// polled, so a fast poll cannot grow it without end.
//
// Owned by the pool, one per modem id (kept when the modem moves to another tty);
// the modem's worker records into it, the API reads it.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "common/thread_annotations.h"

namespace smsgate::modem {

struct SignalSample {
  int64_t at_ms = 0;       // wall clock, ms since the epoch
  std::optional<int> dbm;  // nullopt: the modem did not know (+CSQ: 99)
  friend bool operator==(const SignalSample&, const SignalSample&) = default;
};

class SignalHistory {
 public:
  static constexpr int64_t kDefaultSpanMs = 24LL * 3600 * 1000;
  // A poll every 10 s for a day, with room for polls that came sooner.
  static constexpr size_t kDefaultCapacity = 2 * 8640;

  explicit SignalHistory(int64_t span_ms = kDefaultSpanMs, size_t capacity = kDefaultCapacity);

  void record(int64_t at_ms, std::optional<int> dbm);
  // The samples within the span before `now_ms`, oldest first.
  std::vector<SignalSample> samples(int64_t now_ms) const;

 private:
  const int64_t span_ms_;
  const size_t capacity_;
  mutable Mutex mutex_;
  std::deque<SignalSample> samples_ GUARDED_BY(mutex_);  // in the order recorded
};

}  // namespace smsgate::modem

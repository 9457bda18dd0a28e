#include "modem/signal_history.h"

namespace smsgate::modem {

SignalHistory::SignalHistory(int64_t span_ms, size_t capacity)
    : span_ms_(span_ms), capacity_(capacity == 0 ? 1 : capacity) {}

void SignalHistory::record(int64_t at_ms, std::optional<int> dbm) {
  MutexLock lock(mutex_);
  while (!samples_.empty() && samples_.front().at_ms <= at_ms - span_ms_) samples_.pop_front();
  while (samples_.size() >= capacity_) samples_.pop_front();
  samples_.push_back({at_ms, dbm});
}

std::vector<SignalSample> SignalHistory::samples(int64_t now_ms) const {
  MutexLock lock(mutex_);
  std::vector<SignalSample> recent;
  recent.reserve(samples_.size());
  // A clock set back leaves later samples in; only what is too old goes.
  for (const SignalSample& sample : samples_) {
    if (sample.at_ms > now_ms - span_ms_) recent.push_back(sample);
  }
  return recent;
}

}  // namespace smsgate::modem

#include "policy/limits.h"

#include <algorithm>
#include <random>

namespace smsgate::policy {

namespace {
// Pacing owed further ahead than this means the clock was set back; counting it would
// stall the modem for as long.
constexpr int64_t kMaxPacingAheadMs = 60 * kMillisPerMinute;
}  // namespace

int64_t RateLimiter::spacing_ms() const {
  return limits_.per_minute > 0 ? kMillisPerMinute / limits_.per_minute : 0;
}

void RateLimiter::record(int64_t sent_ms) {
  if (limits_.per_minute > 0) {
    const bool in_order = recent_.empty() || sent_ms >= recent_.back();
    recent_.insert(std::upper_bound(recent_.begin(), recent_.end(), sent_ms), sent_ms);
    while (recent_.front() < recent_.back() - kMaxPacingAheadMs) recent_.pop_front();
    if (in_order) {
      paid_until_ = std::max(paid_until_, sent_ms) + spacing_ms();
    } else {
      paid_until_ = 0;
      for (int64_t sent : recent_) paid_until_ = std::max(paid_until_, sent) + spacing_ms();
    }
  }
  // Counted without a daily limit too: the API and the console show the day's sends.
  const int64_t day = zone_.local(sent_ms).day;
  ++per_day_[day];
  // Yesterday stays for a send replayed late; older days are of no more use.
  while (per_day_.size() > 1 && per_day_.begin()->first < per_day_.rbegin()->first - 1) {
    per_day_.erase(per_day_.begin());
  }
}

int RateLimiter::sent_on_day_of(int64_t now_ms) const {
  const auto found = per_day_.find(zone_.local(now_ms).day);
  return found == per_day_.end() ? 0 : found->second;
}

int64_t RateLimiter::next_allowed(int64_t now_ms) const {
  int64_t allowed = now_ms;
  if (limits_.per_minute > 0 && paid_until_ - now_ms <= kMaxPacingAheadMs) {
    allowed = std::max(allowed, paid_until_);
  }
  if (limits_.per_day > 0 && sent_on_day_of(now_ms) >= limits_.per_day) {
    allowed = std::max(allowed, zone_.to_utc(zone_.local(now_ms).day + 1, 0));
  }
  return allowed;
}

// ---------------------------------------------------------------------------------
// Retries

RandomUnit default_random_unit() {
  return [] {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

int64_t Backoff::retry_delay(int attempt) const {
  const int64_t cap = std::max<int64_t>(policy_.max_delay_ms, 1);
  int64_t delay = std::clamp<int64_t>(policy_.base_delay_ms, 1, cap);
  // Halving the cap, not doubling the delay, keeps a huge cap from overflowing.
  for (int i = 1; i < attempt && delay < cap; ++i) delay = delay > cap / 2 ? cap : delay * 2;
  double unit = random_ ? random_() : 0.0;
  unit = std::clamp(unit, 0.0, 1.0);
  const double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  const auto shortened = static_cast<int64_t>(static_cast<double>(delay) * jitter * unit);
  return std::max<int64_t>(delay - shortened, 1);
}
}  // namespace smsgate::policy

#include "auth/sign_in_limiter.h"

#include <algorithm>
#include <utility>

namespace smsgate::auth {

SignInLimiter::SignInLimiter(Limits limits) : limits_(limits) {
  limits_.free_failures = std::max(1, limits_.free_failures);
  limits_.max_clients = std::max<size_t>(1, limits_.max_clients);
}

std::optional<int64_t> SignInLimiter::wait_before_attempt(std::string_view client,
                                                          int64_t now) const {
  auto found = clients_.find(std::string(client));
  if (found == clients_.end() || now >= found->second.blocked_until) return std::nullopt;
  return found->second.blocked_until - now;
}

int64_t SignInLimiter::block_length(int blocks) const {
  int64_t length = limits_.first_block_ms;
  for (int i = 1; i < blocks && length < limits_.max_block_ms; ++i) length *= 2;
  return std::min(length, limits_.max_block_ms);
}

bool SignInLimiter::forgotten(const Client& client, int64_t now) const {
  bool failures_expired =
      client.recent_failures.empty() || now - client.recent_failures.back() >= limits_.window_ms;
  bool blocks_forgiven =
      client.blocks == 0 || now - client.blocked_until >= limits_.forgive_after_ms;
  return failures_expired && blocks_forgiven && now >= client.blocked_until;
}

void SignInLimiter::make_room(int64_t now) {
  std::erase_if(clients_, [&](const auto& entry) { return forgotten(entry.second, now); });
  // Then the address that failed longest ago, a blocked one only when all are.
  auto rank = [now](const Client& client) {
    return std::pair(now < client.blocked_until, client.last_failure);
  };
  while (clients_.size() >= limits_.max_clients) {
    auto stalest = std::min_element(
        clients_.begin(), clients_.end(),
        [&](const auto& a, const auto& b) { return rank(a.second) < rank(b.second); });
    clients_.erase(stalest);
  }
}

void SignInLimiter::record_failure(std::string_view client, int64_t now) {
  auto found = clients_.find(std::string(client));
  if (found == clients_.end()) {
    if (clients_.size() >= limits_.max_clients) make_room(now);
    found = clients_.emplace(std::string(client), Client{}).first;
  }
  Client& entry = found->second;
  entry.last_failure = now;
  if (entry.blocks > 0 && now - entry.blocked_until >= limits_.forgive_after_ms) entry.blocks = 0;
  std::erase_if(entry.recent_failures, [&](int64_t at) { return now - at >= limits_.window_ms; });
  entry.recent_failures.push_back(now);
  if (static_cast<int>(entry.recent_failures.size()) < limits_.free_failures) return;
  entry.recent_failures.clear();
  ++entry.blocks;
  entry.blocked_until = now + block_length(entry.blocks);
}

void SignInLimiter::record_success(std::string_view client) { clients_.erase(std::string(client)); }

}  // namespace smsgate::auth

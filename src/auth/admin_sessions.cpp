#include "auth/admin_sessions.h"

#include <algorithm>

#include "auth/admin_password.h"
#include "auth/sodium_util.h"

namespace smsgate::auth {

namespace {

constexpr size_t kTokenRandomBytes = 32;
constexpr size_t kTokenLength = 43;  // base64url of 32 bytes

std::string hash_token(std::string_view token) { return detail::blake2b_hex(token); }

}  // namespace

AdminSessions::AdminSessions(store::Credentials& store) : store_(store) { detail::ensure_sodium(); }

Result<std::optional<std::string>> AdminSessions::sign_in(std::string_view password, int64_t now) {
  Result<bool> matches = [&] {
    MutexLock lock(password_mutex_);
    return verify_admin_password(store_, password);
  }();
  if (!matches) return matches.error();
  if (!*matches) return std::optional<std::string>();

  std::string token = detail::random_base64url(kTokenRandomBytes);
  MutexLock lock(mutex_);
  std::erase_if(last_seen_,
                [now](const auto& entry) { return now - entry.second >= kIdleTimeoutMs; });
  if (last_seen_.size() >= kMaxSessions) {
    auto oldest =
        std::min_element(last_seen_.begin(), last_seen_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    last_seen_.erase(oldest);
  }
  last_seen_[hash_token(token)] = now;
  return std::optional<std::string>(std::move(token));
}

bool AdminSessions::check(std::string_view token, int64_t now) {
  if (token.size() != kTokenLength) return false;
  std::string hash = hash_token(token);
  MutexLock lock(mutex_);
  auto found = last_seen_.find(hash);
  if (found == last_seen_.end()) return false;
  if (now - found->second >= kIdleTimeoutMs) {
    last_seen_.erase(found);
    return false;
  }
  found->second = std::max(found->second, now);
  return true;
}

void AdminSessions::sign_out(std::string_view token) {
  std::string hash = hash_token(token);
  MutexLock lock(mutex_);
  last_seen_.erase(hash);
}

}  // namespace smsgate::auth

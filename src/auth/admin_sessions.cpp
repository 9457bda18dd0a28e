#include "auth/admin_sessions.h"

#include <algorithm>

#include "auth/admin_password.h"
#include "auth/sodium_util.h"

namespace smsgate::auth {

namespace {

constexpr size_t kTokenRandomBytes = 32;
constexpr size_t kTokenLength = 43;  // base64url of 32 bytes

std::string hash_token(std::string_view token) { return detail::blake2b_hex(token); }

// Holds one of the password check slots for its scope, when one was free.
class CheckSlot {
 public:
  explicit CheckSlot(std::counting_semaphore<AdminSessions::kMaxPasswordChecks>& slots)
      : slots_(slots), held_(slots.try_acquire()) {}
  ~CheckSlot() {
    if (held_) slots_.release();
  }
  CheckSlot(const CheckSlot&) = delete;
  CheckSlot& operator=(const CheckSlot&) = delete;
  bool held() const { return held_; }

 private:
  std::counting_semaphore<AdminSessions::kMaxPasswordChecks>& slots_;
  bool held_;
};

}  // namespace

AdminSessions::AdminSessions(store::Credentials& store, SignInLimiter::Limits limits)
    : store_(store), limiter_(limits) {
  detail::ensure_sodium();
}

bool AdminSessions::expired(const Session& session, int64_t now) const {
  return now - session.last_seen >= kIdleTimeoutMs || now - session.signed_in_at >= kMaxLifetimeMs;
}

Result<SignInResult> AdminSessions::sign_in(std::string_view password, std::string_view client,
                                            int64_t now) {
  {
    MutexLock lock(mutex_);
    if (auto wait = limiter_.wait_before_attempt(client, now))
      return SignInResult{SignInResult::Outcome::kTooManyFailures, "", *wait};
  }
  std::optional<Result<std::optional<std::string>>> checked;
  {
    CheckSlot slot(password_checks_);
    if (slot.held()) checked = verify_admin_password_version(store_, password);
  }
  if (!checked) return SignInResult{SignInResult::Outcome::kBusy, "", kBusyRetryMs};
  if (!*checked) return checked->error();
  std::optional<std::string>& version = **checked;

  MutexLock lock(mutex_);
  if (!version) {
    limiter_.record_failure(client, now);
    return SignInResult{SignInResult::Outcome::kWrongPassword, "", 0};
  }
  limiter_.record_success(client);
  std::string token = detail::random_base64url(kTokenRandomBytes);
  std::erase_if(sessions_, [&](const auto& entry) { return expired(entry.second, now); });
  if (sessions_.size() >= kMaxSessions) {
    auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
    sessions_.erase(oldest);
  }
  sessions_[hash_token(token)] = Session{now, now, std::move(*version)};
  return SignInResult{SignInResult::Outcome::kSignedIn, std::move(token), 0};
}

bool AdminSessions::check(std::string_view token, int64_t now) {
  if (token.size() != kTokenLength) return false;
  std::string hash = hash_token(token);
  std::string opened_with;
  {
    MutexLock lock(mutex_);
    auto found = sessions_.find(hash);
    if (found == sessions_.end()) return false;
    if (expired(found->second, now)) {
      sessions_.erase(found);
      return false;
    }
    opened_with = found->second.password_version;
  }
  // Read outside the lock: other sign-ins and checks need not wait for the store.
  auto current = admin_password_version(store_);
  if (!current) return false;
  MutexLock lock(mutex_);
  if (*current != opened_with) {
    // The password was reset: every session opened with an older one ends.
    std::erase_if(sessions_, [&](const auto& entry) {
      return entry.second.password_version != current->value_or("");
    });
    return false;
  }
  auto found = sessions_.find(hash);
  if (found == sessions_.end()) return false;  // signed out meanwhile
  found->second.last_seen = std::max(found->second.last_seen, now);
  return true;
}

void AdminSessions::sign_out(std::string_view token) {
  std::string hash = hash_token(token);
  MutexLock lock(mutex_);
  sessions_.erase(hash);
}

}  // namespace smsgate::auth

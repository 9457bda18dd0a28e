#include "auth/admin_sessions.h"

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

// A hash no password matches, checked for an unknown name so that it costs what a
// wrong password costs and the answer's time does not tell which names exist.
const std::string& stand_in_hash() {
  static const std::string hash = [] {
    std::string random = detail::random_base64url(32);
    auto made = hash_password(random);
    return made ? *made : std::string();
  }();
  return hash;
}

}  // namespace

AdminSessions::AdminSessions(store::People& people, SignInLimiter::Limits limits)
    : people_(people), limiter_(limits) {
  detail::ensure_sodium();
}

Result<SignInResult> AdminSessions::verify(std::string_view name, std::string_view password,
                                           std::string_view client, int64_t now,
                                           std::string* password_hash) {
  std::string user_name(name.empty() ? kAdminUser : name);
  {
    MutexLock lock(mutex_);
    if (auto wait = limiter_.wait_before_attempt(client, now))
      return SignInResult{SignInResult::Outcome::kTooManyFailures, "", *wait, std::nullopt};
  }
  std::optional<Result<std::optional<store::UserRecord>>> checked;
  {
    CheckSlot slot(password_checks_);
    if (slot.held()) {
      auto found = people_.find_user(user_name);
      if (found && *found && !password_matches((*found)->password_hash, password)) {
        *found = std::nullopt;
      } else if (found && !*found) {
        (void)password_matches(stand_in_hash(), password);
      }
      checked = std::move(found);
    }
  }
  if (!checked) return SignInResult{SignInResult::Outcome::kBusy, "", kBusyRetryMs, std::nullopt};
  if (!*checked) return checked->error();
  std::optional<User> user;
  if (**checked) user = user_from_record(***checked);
  if (!user) {
    {
      MutexLock lock(mutex_);
      limiter_.record_failure(client, now);
    }
    // Refused whether or not the row is written: a full disk must not open the door.
    (void)people_.count_sign_in_refusal(
        audit_entry(Actor{user_name, std::string(client)}, action::kSignInRefused, user_name,
                    "wrong name or password", now),
        kRefusalRowMs);
    return SignInResult{SignInResult::Outcome::kWrongPassword, "", 0, std::nullopt};
  }
  {
    MutexLock lock(mutex_);
    limiter_.record_success(client);
  }
  if (password_hash) *password_hash = (**checked)->password_hash;
  return SignInResult{SignInResult::Outcome::kSignedIn, "", 0, std::move(user)};
}

Result<SignInResult> AdminSessions::sign_in(std::string_view name, std::string_view password,
                                            std::string_view client, int64_t now) {
  std::string hash;
  auto verified = verify(name, password, client, now, &hash);
  if (!verified || verified->outcome != SignInResult::Outcome::kSignedIn) return verified;
  const User& user = *verified->user;
  std::string token = detail::random_base64url(kTokenRandomBytes);
  Status opened = people_.open_session(
      hash_token(token), user.id, now, password_version(hash), now - kIdleTimeoutMs,
      now - kMaxLifetimeMs, kMaxSessions,
      audit_entry(Actor{user.name, std::string(client)}, action::kSignIn, user.name,
                  "role " + std::string(role_name(user.role)), now));
  if (!opened.ok()) return opened.error();
  verified->token = std::move(token);
  return verified;
}

Result<SignInResult> AdminSessions::confirm_password(std::string_view name,
                                                     std::string_view password,
                                                     std::string_view client, int64_t now) {
  if (name.empty()) return SignInResult{};
  return verify(name, password, client, now, nullptr);
}

std::optional<OpenSession> AdminSessions::check(std::string_view token, int64_t now) {
  if (token.size() != kTokenLength) return std::nullopt;
  std::string hash = hash_token(token);
  auto found = people_.find_session(hash);
  if (!found || !*found) return std::nullopt;
  const store::SessionRecord& session = **found;
  auto user = user_from_record(session.user);
  bool ended = now - session.last_seen >= kIdleTimeoutMs ||
               now - session.signed_in_at >= kMaxLifetimeMs || !user ||
               // The password changed since (a reset from another process, say).
               session.password_version != password_version(session.user.password_hash);
  if (ended) {
    (void)people_.end_session(hash);
    return std::nullopt;
  }
  // At most one write a minute per session: a busy console must not cost a commit
  // per request.
  if (now - session.last_seen >= kTouchEveryMs) (void)people_.touch_session(hash, now);
  return OpenSession{std::move(hash), std::move(*user)};
}

Status AdminSessions::sign_out(std::string_view token) {
  return people_.end_session(hash_token(token));
}

}  // namespace smsgate::auth

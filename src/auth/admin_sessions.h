// Who is signed in to the admin page. Signing in checks the admin password
// (admin_password.h) and opens a session: 32 random bytes the browser keeps in an
// HttpOnly, SameSite=Strict cookie. Only a hash of each token is kept, in memory, so a
// restart signs everybody out. A session ends when signed out, after kIdleTimeoutMs
// without a request, kMaxLifetimeMs after sign-in whatever its activity, or as soon as
// the admin password is not the one it was opened with (`smsgated admin-password
// reset`, from any process: each check compares the stored password's version). At
// most kMaxSessions are open, the least recently used goes first.
//
// Sign-ins are limited per client address (sign_in_limiter.h: after 5 wrong
// passwords within a minute the address waits, longer each time), and at most
// kMaxPasswordChecks passwords are checked at once: each check costs ~64 MiB and tens
// of milliseconds (argon2id), and the HTTP threads it holds are not serving anyone
// else. A sign-in that finds every check slot taken is not queued: it is told to come
// back in a second, so that a flood of sign-ins cannot park the server's threads.
//
// Thread safety: all methods may be called from any thread at the same time.
#pragma once

#include <cstdint>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/sign_in_limiter.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "store/credentials.h"

namespace smsgate::auth {

struct SignInResult {
  enum class Outcome : uint8_t {
    kSignedIn,  // token is the new session's
    kWrongPassword,
    kTooManyFailures,  // this address must wait retry_after_ms; the password was not checked
    kBusy,             // every check slot was taken; try again in retry_after_ms
  };
  Outcome outcome = Outcome::kWrongPassword;
  std::string token;
  int64_t retry_after_ms = 0;
};

class AdminSessions {
 public:
  static constexpr int64_t kIdleTimeoutMs = 12LL * 3600 * 1000;
  static constexpr int64_t kMaxLifetimeMs = 7LL * 24 * 3600 * 1000;
  static constexpr size_t kMaxSessions = 64;
  static constexpr int kMaxPasswordChecks = 2;
  static constexpr int64_t kBusyRetryMs = 1000;

  explicit AdminSessions(store::Credentials& store,
                         SignInLimiter::Limits limits = SignInLimiter::Limits{});

  // Checks `password`, sent from `client` (its address), and opens a session when it
  // is the admin password. An error: the store could not be read.
  Result<SignInResult> sign_in(std::string_view password, std::string_view client, int64_t now);
  // Whether `token` is an open session; a yes keeps it open for kIdleTimeoutMs more
  // (never past kMaxLifetimeMs after sign-in). A store that cannot be read is a no.
  bool check(std::string_view token, int64_t now);
  void sign_out(std::string_view token);

 private:
  struct Session {
    int64_t signed_in_at = 0;
    int64_t last_seen = 0;
    std::string password_version;  // admin_password_version() when it was opened
  };

  bool expired(const Session& session, int64_t now) const;

  store::Credentials& store_;
  std::counting_semaphore<kMaxPasswordChecks> password_checks_{kMaxPasswordChecks};
  Mutex mutex_;
  std::unordered_map<std::string, Session> sessions_ GUARDED_BY(mutex_);  // by token hash
  SignInLimiter limiter_ GUARDED_BY(mutex_);
};

}  // namespace smsgate::auth

// Who is signed in to the console. Signing in checks a user's password (users.h; a
// sign-in without a name is the user "admin"'s, admin_password.h) and opens a
// session: 32 random bytes the browser keeps in an HttpOnly, SameSite=Strict cookie.
// Only a hash of each token is kept, in the database (store/people.h), so sessions
// survive a restart and every process sees the same ones. A session ends when signed
// out, after kIdleTimeoutMs without a request, kMaxLifetimeMs after sign-in whatever
// its activity, when the user's password changes (from any process: each check
// compares the password's version with the one the session was opened with) or when
// the user is removed. At most kMaxSessions are open, the least recently seen goes
// first. last_seen is written at most every kTouchEveryMs per session, not on every
// request, so an idle session may end up to that much early.
//
// Sign-ins are limited per client address (sign_in_limiter.h: after 5 wrong
// passwords within a minute the address waits, longer each time), and at most
// kMaxPasswordChecks passwords are checked at once: each check costs ~64 MiB and tens
// of milliseconds (argon2id), and the HTTP threads it holds are not serving anyone
// else. A sign-in that finds every check slot taken is not queued: it is told to come
// back in a second, so that a flood of sign-ins cannot park the server's threads.
// An unknown name costs the same check as a wrong password, and is answered alike.
//
// The audit log gets a row for each sign-in, and wrong passwords counted per address
// and name in one row a minute (auth/audit.h); sign-ins refused without a check (the
// address waits, or no slot was free) are not written.
//
// Thread safety: all methods may be called from any thread at the same time.
#pragma once

#include <cstdint>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include "auth/sign_in_limiter.h"
#include "auth/users.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "store/people.h"

namespace smsgate::auth {

struct SignInResult {
  enum class Outcome : uint8_t {
    kSignedIn,         // token is the new session's, user its person
    kWrongPassword,    // or no such user: the two are not told apart
    kTooManyFailures,  // this address must wait retry_after_ms; the password was not checked
    kBusy,             // every check slot was taken; try again in retry_after_ms
  };
  Outcome outcome = Outcome::kWrongPassword;
  std::string token;
  int64_t retry_after_ms = 0;
  std::optional<User> user;
};

// An open session: whose it is, and the hash that names it (Users::set_password keeps
// it open when its person changes their own password).
struct OpenSession {
  std::string token_hash;
  User user;
};

class AdminSessions {
 public:
  static constexpr int64_t kIdleTimeoutMs = 12LL * 3600 * 1000;
  static constexpr int64_t kMaxLifetimeMs = 7LL * 24 * 3600 * 1000;
  static constexpr int64_t kTouchEveryMs = 60'000;
  static constexpr size_t kMaxSessions = 64;
  static constexpr int kMaxPasswordChecks = 2;
  static constexpr int64_t kBusyRetryMs = 1000;
  static constexpr int64_t kRefusalRowMs = 60'000;  // wrong passwords tallied per row

  explicit AdminSessions(store::People& people,
                         SignInLimiter::Limits limits = SignInLimiter::Limits{});

  // Checks `password` for the user `name` (kAdminUser when empty), sent from `client`
  // (its address), and opens a session when it matches. An error: the store failed.
  Result<SignInResult> sign_in(std::string_view name, std::string_view password,
                               std::string_view client, int64_t now);
  // Checks `password` as sign_in does (the same limit per address, check slots and
  // audit rows for wrong ones) without opening a session: kSignedIn when it is the
  // password of `name` (a person confirming theirs before changing it).
  Result<SignInResult> confirm_password(std::string_view name, std::string_view password,
                                        std::string_view client, int64_t now);
  // The session `token` names, when it is open; the store failing is a no.
  std::optional<OpenSession> check(std::string_view token, int64_t now);
  // An error: the store could not end it (it stays open until it idles out).
  Status sign_out(std::string_view token);

 private:
  // sign_in without the session: the outcome, and the matched user's hash.
  Result<SignInResult> verify(std::string_view name, std::string_view password,
                              std::string_view client, int64_t now, std::string* password_hash);

  store::People& people_;
  std::counting_semaphore<kMaxPasswordChecks> password_checks_{kMaxPasswordChecks};
  Mutex mutex_;
  SignInLimiter limiter_ GUARDED_BY(mutex_);
};

}  // namespace smsgate::auth

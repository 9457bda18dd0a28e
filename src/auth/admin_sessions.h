// Who is signed in to the admin page. Signing in checks the admin password
// (admin_password.h) and opens a session: 32 random bytes the browser keeps in an
// HttpOnly, SameSite=Strict cookie. Only a hash of each token is kept, in memory, so a
// restart signs everybody out. A session ends when signed out or after kIdleTimeoutMs
// without a request; at most kMaxSessions are open, the least recently used goes first.
//
// Thread safety: all methods may be called from any thread at the same time. Password
// checks run one at a time: each costs ~64 MiB (argon2id), and the HTTP server has
// dozens of threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "common/thread_annotations.h"
#include "store/credentials.h"

namespace smsgate::auth {

class AdminSessions {
 public:
  static constexpr int64_t kIdleTimeoutMs = 12LL * 3600 * 1000;
  static constexpr size_t kMaxSessions = 64;

  explicit AdminSessions(store::Credentials& store);

  // A new session's token when `password` is the admin password; none when it is not.
  Result<std::optional<std::string>> sign_in(std::string_view password, int64_t now);
  // Whether `token` is an open session; a yes keeps it open for kIdleTimeoutMs more.
  bool check(std::string_view token, int64_t now);
  void sign_out(std::string_view token);

 private:
  store::Credentials& store_;
  Mutex password_mutex_;  // one argon2id check at a time
  Mutex mutex_;
  std::unordered_map<std::string, int64_t> last_seen_ GUARDED_BY(mutex_);  // by token hash
};

}  // namespace smsgate::auth

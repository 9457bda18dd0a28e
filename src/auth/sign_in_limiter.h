// How many wrong admin passwords one client address may try (DESIGN.md: sign-ins are
// rate-limited). After free_failures (5) wrong passwords within a minute the address is
// refused for a minute, and each block that follows another within an hour of its end
// lasts twice as long (2, 4, 8 ... minutes, at most an hour). A right password forgives
// the address. For example, with the default limits:
//
//   5 wrong passwords from 10.0.0.7 at 12:00:00-12:00:10  -> refused until 12:01:10
//   5 more at 12:01:10-12:01:20                            -> refused until 12:03:20
//   nothing until 13:10, then 5 more                       -> refused for a minute again
//   another address meanwhile                              -> not affected
//
// Memory is bounded: at most max_clients addresses are remembered. When a new one
// comes and the table is full, addresses with nothing left to remember go first, then
// the one whose last failure is oldest, a blocked one only when every one is; so a
// scanner trying from many addresses neither grows the table nor frees a blocked one.
//
// Pure: times are passed in (milliseconds). Thread safety: none; the owner
// (AdminSessions) holds its lock around every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace smsgate::auth {

class SignInLimiter {
 public:
  struct Limits {
    int free_failures = 5;  // within window_ms
    int64_t window_ms = 60'000;
    int64_t first_block_ms = 60'000;  // doubled for each block that follows one
    int64_t max_block_ms = 3'600'000;
    int64_t forgive_after_ms = 3'600'000;  // after a block ends, the next starts small again
    size_t max_clients = 4096;
  };

  explicit SignInLimiter(Limits limits);
  SignInLimiter() : SignInLimiter(Limits{}) {}

  // How long `client` must wait before its next password is checked (ms, > 0); none
  // when it may try now.
  std::optional<int64_t> wait_before_attempt(std::string_view client, int64_t now) const;
  // A wrong password from `client`.
  void record_failure(std::string_view client, int64_t now);
  // The right password from `client`: its failures are forgotten.
  void record_success(std::string_view client);

  size_t remembered_clients() const { return clients_.size(); }

 private:
  struct Client {
    std::vector<int64_t> recent_failures;  // within window_ms, oldest first
    int64_t blocked_until = 0;
    int blocks = 0;  // blocks in a row, each within forgive_after_ms of the previous one's end
    int64_t last_failure = 0;
  };

  int64_t block_length(int blocks) const;
  // Whether `client` holds nothing that still matters at `now`.
  bool forgotten(const Client& client, int64_t now) const;
  void make_room(int64_t now);

  Limits limits_;
  std::unordered_map<std::string, Client> clients_;
};

}  // namespace smsgate::auth

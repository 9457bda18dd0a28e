// Credentials: API keys (by the hash of the key), settings (small named values: the
// admin password's hash, the OTP hashing key) and one-time password codes (by hash).
// src/auth/ makes and hashes keys, passwords and codes; the store never sees one, it
// only keeps what auth computed. Implemented in store/credentials.cpp.
//
// Thread safety: every method may be called from any thread at the same time.
// insert_api_key, revoke_api_key, touch_api_key, put_setting, get_or_put_setting,
// submit_otp, purge_otp_codes and check_otp are writes: they return once their group
// commit is fsync'd (store/engine.h). find_api_key, list_api_keys and get_setting are
// reads: each answers from one snapshot and never waits for the writer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

class Credentials {
 public:
  explicit Credentials(Engine& engine) : engine_(engine) {}

  // --- API keys: names need not be unique ------------------------------------------

  // `scopes`: what the key may do, as auth wrote it (never empty).
  Result<ApiKeyRecord> insert_api_key(const std::string& name, const std::string& hash,
                                      const std::string& scopes, int64_t now);
  Result<std::optional<ApiKeyRecord>> find_api_key(const std::string& hash);
  Result<std::vector<ApiKeyRecord>> list_api_keys();  // oldest first, revoked ones too
  // false: no such key, or revoked already.
  Result<bool> revoke_api_key(int64_t id, int64_t now);
  // Moves last_used_at forward to `at` (never back: two processes may both write it).
  Status touch_api_key(int64_t id, int64_t at);

  // --- Settings --------------------------------------------------------------------

  Result<std::optional<std::string>> get_setting(const std::string& key);
  Status put_setting(const std::string& key, const std::string& value);
  // The stored value of `key`, storing `value` first when there is none: of two
  // processes creating the same setting at once, both end up with the first's value.
  Result<std::string> get_or_put_setting(const std::string& key, const std::string& value);

  // --- One-time passwords ----------------------------------------------------------

  // Submits `message` (as Outbound::submit does, idempotency key included) and records
  // the code's hash for its recipient, in one transaction, so a code is never sent
  // without being verifiable nor stored without being sent. The new code supersedes
  // the recipient's older ones. When the idempotency key names an earlier one-time
  // password, that one is returned and nothing is stored (a replay, which `limit` does
  // not count). Otherwise, when the recipient already has limit.max_codes codes
  // created within limit.window_ms before `now`, nothing is stored and `refused_until`
  // says when the oldest of them leaves the window. The count and the insert are one
  // write, so concurrent sends cannot both pass it.
  Result<OtpSubmitResult> submit_otp(NewMessage message, const std::string& code_hash,
                                     int64_t expires_at, int64_t now, OtpSendLimit limit = {});
  // Deletes the codes that expired or were used at or before `before`; returns how
  // many. Their messages stay (they are the message log). Codes are worth nothing
  // once expired or used; they are kept a while only for the per-number limit's count
  // and for someone looking into a complaint.
  Result<int64_t> purge_otp_codes(int64_t before);
  // Checks an answer against the newest code of `recipient`, in one write: an answer
  // to a live code counts as an attempt (durably, so restarts do not reset the count);
  // a match uses the code up. `matches` compares the answer's hash with the stored one
  // (constant time is the caller's business); it runs on the writer thread.
  Result<OtpCheck> check_otp(const std::string& recipient, int max_attempts, int64_t now,
                             const std::function<bool(std::string_view code_hash)>& matches);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

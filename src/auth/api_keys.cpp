#include "auth/api_keys.h"

#include <algorithm>

#include "auth/sodium_util.h"
#include "pdu/utf.h"

namespace smsgate::auth {

namespace {

constexpr size_t kKeyRandomBytes = 32;

// Keys are 256 random bits, so a brute force of the hash is hopeless and a fast hash
// is the right one: BLAKE2b-256. A password hash (argon2id) would cost ~50 ms and 64 MiB
// per request, capping the API at a few requests a second for no gain in safety.
std::string hash_key(std::string_view key) { return detail::blake2b_hex(key); }

ApiKeyInfo info_of(const store::ApiKeyRecord& record) {
  return ApiKeyInfo{record.id,         record.name,         scopes_from_stored(record.scopes),
                    record.created_at, record.last_used_at, record.revoked_at};
}

// Whether `now` is less than `interval` from `then`, either way: threads read the clock
// a moment apart, so `now` may be a little before `then`; a clock set back by more than
// the interval counts as the interval having passed.
bool within(int64_t now, int64_t then, int64_t interval) {
  return now - then < interval && then - now < interval;
}

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Status validate_name(const std::string& name) {
  auto code_points = pdu::utf8_to_code_points(name);
  if (!code_points) return make_error("name: not valid UTF-8");
  if (code_points->empty()) return make_error("name: empty");
  if (code_points->size() > kMaxApiKeyNameLength)
    return make_error("name: longer than " + std::to_string(kMaxApiKeyNameLength) + " characters");
  // Names show up in lists and logs: control characters (C0, DEL, C1) would garble them.
  for (char32_t c : *code_points) {
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
      return make_error("name: contains a control character");
  }
  bool all_spaces =
      std::all_of(code_points->begin(), code_points->end(), [](char32_t c) { return c == U' '; });
  if (all_spaces) return make_error("name: only spaces");
  return ok_status();
}

}  // namespace

bool looks_like_api_key(std::string_view key) {
  return key.size() == kApiKeyLength && key.substr(0, kApiKeyPrefix.size()) == kApiKeyPrefix &&
         std::all_of(key.begin() + kApiKeyPrefix.size(), key.end(), is_base64url);
}

ApiKeys::ApiKeys(store::Credentials& store) : store_(store) { detail::ensure_sodium(); }

Result<NewApiKey> ApiKeys::create(const std::string& name, Scopes scopes, int64_t now) {
  if (auto s = validate_name(name); !s.ok()) return s.error();
  // A key that may do nothing is a mistake, not a choice.
  if (scopes.empty()) return make_error("scopes: a key needs at least one scope");
  std::string key = std::string(kApiKeyPrefix) + detail::random_base64url(kKeyRandomBytes);

  auto record = store_.insert_api_key(name, hash_key(key), join_scopes(scopes), now);
  if (!record) return record.error();
  return NewApiKey{info_of(*record), std::move(key)};
}

std::optional<ApiKeyInfo> ApiKeys::authenticate(std::string_view bearer_key, int64_t now) {
  if (!looks_like_api_key(bearer_key)) return std::nullopt;
  std::string hash = hash_key(bearer_key);
  if (!is_fresh(hash, now) && !load(hash, now)) return std::nullopt;
  return record_use(hash, now);
}

bool ApiKeys::is_fresh(const std::string& hash, int64_t now) {
  MutexLock lock(mutex_);
  auto found = cache_.find(hash);
  if (found == cache_.end()) return false;
  if (within(now, found->second.checked_at, kRecheckMs)) return true;
  // This request re-reads it; the concurrent ones go on trusting the entry for the
  // moment that takes, instead of all reading the same row at once.
  found->second.checked_at = now;
  return false;
}

namespace {

std::optional<int64_t> later(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

}  // namespace

bool ApiKeys::load(const std::string& hash, int64_t now) {
  for (;;) {
    uint64_t revocations_before = 0;
    {
      MutexLock lock(mutex_);
      revocations_before = revocations_;
    }
    auto record = store_.find_api_key(hash);
    MutexLock lock(mutex_);
    // A revoke() through this object while the row was read: the row may predate it,
    // and caching it would bring a revoked key back for a while. Read again.
    if (revocations_ != revocations_before) continue;
    if (!record || !*record || (*record)->revoked_at) {
      // Unknown keys are not remembered: a flood of made-up keys must not fill memory.
      cache_.erase(hash);
      return false;
    }
    auto [found, inserted] = cache_.try_emplace(hash);
    CachedKey& entry = found->second;
    // Uses seen here may be newer than the database's (their write is throttled or in
    // flight); what this object wrote last stays its reference for the next write.
    std::optional<int64_t> used = later(entry.info.last_used_at, (*record)->last_used_at);
    if (inserted) entry.last_used_written = (*record)->last_used_at;
    entry.info = info_of(**record);
    entry.info.last_used_at = used;
    entry.checked_at = now;
    return true;
  }
}

std::optional<ApiKeyInfo> ApiKeys::record_use(const std::string& hash, int64_t now) {
  ApiKeyInfo info;
  bool write_last_used = false;
  {
    MutexLock lock(mutex_);
    auto found = cache_.find(hash);
    // revoke() may have dropped it since it was checked: then it is not valid any more.
    if (found == cache_.end()) return std::nullopt;
    CachedKey& entry = found->second;
    if (!entry.info.last_used_at || *entry.info.last_used_at < now) entry.info.last_used_at = now;
    const auto& written = entry.last_used_written;
    if (!written || !within(now, *written, kLastUsedWriteIntervalMs)) {
      // This request writes it; the others of this minute see the new value and skip.
      entry.last_used_written = now;
      write_last_used = true;
    }
    info = entry.info;
  }
  // One request per key and minute waits for a group commit (a few ms); the others
  // pay nothing. A failed write only leaves last_used_at behind, which is informational.
  if (write_last_used) (void)store_.touch_api_key(info.id, now);
  return info;
}

Result<std::vector<ApiKeyInfo>> ApiKeys::list() {
  auto records = store_.list_api_keys();
  if (!records) return records.error();
  std::vector<ApiKeyInfo> keys;
  keys.reserve(records->size());
  for (const store::ApiKeyRecord& record : *records) keys.push_back(info_of(record));
  return keys;
}

Result<bool> ApiKeys::revoke(int64_t id, int64_t now) {
  auto revoked = store_.revoke_api_key(id, now);
  if (!revoked) return revoked.error();
  // Whether or not this call revoked it (another process may have), it is dead now.
  MutexLock lock(mutex_);
  ++revocations_;
  std::erase_if(cache_, [id](const auto& entry) { return entry.second.info.id == id; });
  return *revoked;
}

}  // namespace smsgate::auth

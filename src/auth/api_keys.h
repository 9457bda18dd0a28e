// API keys: what a client sends as `Authorization: Bearer <key>` (DESIGN.md, HTTP API).
//
// A key is "sgk_" and 32 random bytes in base64url without padding (47 characters in
// all). The database keeps only a hash of it; the key is shown once, when created.
//
// Every key carries scopes (auth/scopes.h), chosen when it is made and never changed;
// the HTTP layer checks them against the route.
//
// authenticate() runs on every API request, so it is cheap: keys it has seen are kept
// in memory by hash, and the database is read only on a miss or when an entry is older
// than kRecheckMs. That is how a key created or revoked by another process (the CLI next
// to the daemon) takes effect: a new key at once (a miss reads the database), a revoked
// one within kRecheckMs (at once when revoked through this object). last_used_at is
// written at most once per kLastUsedWriteIntervalMs per key, not on every request.
//
// Thread safety: all methods may be called from any thread at the same time. The
// Store must outlive the ApiKeys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/scopes.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "store/credentials.h"

namespace smsgate::auth {

struct ApiKeyInfo {
  int64_t id = 0;
  std::string name;
  Scopes scopes;
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
};

struct NewApiKey {
  ApiKeyInfo info;
  std::string key;  // the key itself: shown once, stored nowhere
};

inline constexpr std::string_view kApiKeyPrefix = "sgk_";
inline constexpr size_t kApiKeyLength = 47;  // "sgk_" + base64url of 32 bytes (43)
inline constexpr size_t kMaxApiKeyNameLength = 100;

class ApiKeys {
 public:
  // How long a cached key is trusted before the database is asked again.
  static constexpr int64_t kRecheckMs = 5000;
  static constexpr int64_t kLastUsedWriteIntervalMs = 60000;

  explicit ApiKeys(store::Credentials& store);

  // A new key named `name` (1 to 100 characters, no control characters) that may do
  // what `scopes` (at least one) allow; errors start with "name: " or "scopes: ".
  Result<NewApiKey> create(const std::string& name, Scopes scopes, int64_t now);
  // The live key `bearer_key` is; none when it is malformed, unknown or revoked, or
  // when the database cannot say (an error fails closed).
  std::optional<ApiKeyInfo> authenticate(std::string_view bearer_key, int64_t now);
  // All keys, revoked ones too, oldest first.
  Result<std::vector<ApiKeyInfo>> list();
  // false: no such key, or already revoked.
  Result<bool> revoke(int64_t id, int64_t now);

 private:
  struct CachedKey {
    ApiKeyInfo info;
    int64_t checked_at = 0;  // when the database last confirmed it
    // last_used_at as the database has it (writes are throttled, so it lags info's).
    std::optional<int64_t> last_used_written;
  };

  // Whether the cache holds `hash`, confirmed by the database less than kRecheckMs ago.
  bool is_fresh(const std::string& hash, int64_t now) EXCLUDES(mutex_);
  // Reads the key from the database into the cache; false (and out of the cache) when
  // it is unknown or revoked, or the database cannot say.
  bool load(const std::string& hash, int64_t now) EXCLUDES(mutex_);
  // Records a use of a cached key and returns it; writes last_used_at when the last
  // write is older than kLastUsedWriteIntervalMs. None when it left the cache.
  std::optional<ApiKeyInfo> record_use(const std::string& hash, int64_t now) EXCLUDES(mutex_);

  store::Credentials& store_;
  // A plain mutex: the critical sections are a hash-map lookup, far below what 5,000
  // requests a second would notice; the hashing and database reads happen outside.
  Mutex mutex_;
  std::unordered_map<std::string, CachedKey> cache_ GUARDED_BY(mutex_);  // by hash
  // revoke() calls so far: load() reads again when one came while it read.
  uint64_t revocations_ GUARDED_BY(mutex_) = 0;
};

// Whether `key` has the shape of an API key (prefix, length, base64url alphabet).
bool looks_like_api_key(std::string_view key);

}  // namespace smsgate::auth

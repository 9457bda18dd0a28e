// Credentials (credentials.h): API keys (by hash), settings, one-time password codes
// (by hash). The cryptography lives in src/auth/; this file only keeps what it
// computed.
#include "store/credentials.h"

#include <string>
#include <string_view>

#include "store/internal.h"

namespace smsgate::store {

using namespace detail;

namespace {

#define SMSGATE_API_KEY_COLUMNS "id, name, hash, scopes, created_at, last_used_at, revoked_at"

ApiKeyRecord read_api_key(const Query& row) {
  ApiKeyRecord key;
  key.id = row.int64(0);
  key.name = row.text(1);
  key.hash = row.text(2);
  key.scopes = row.text(3);
  key.created_at = row.int64(4);
  key.last_used_at = row.optional_int64(5);
  key.revoked_at = row.optional_int64(6);
  return key;
}

Result<std::optional<ApiKeyRecord>> api_key_where_hash(Connection& db, const std::string& hash) {
  auto q = db.query("SELECT " SMSGATE_API_KEY_COLUMNS " FROM api_keys WHERE hash = ?");
  if (!q.ok()) return q.error();
  q->bind(hash);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<ApiKeyRecord>();
  return std::optional<ApiKeyRecord>(read_api_key(*q));
}

}  // namespace

// --- API keys -------------------------------------------------------------------------

Result<ApiKeyRecord> Credentials::insert_api_key(const std::string& name, const std::string& hash,
                                                 const std::string& scopes, int64_t now) {
  if (name.empty()) return make_error("name: empty");
  if (hash.empty()) return make_error("hash: empty");
  if (scopes.empty()) return make_error("scopes: empty");
  ApiKeyRecord record;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query("INSERT INTO api_keys (name, hash, scopes, created_at) VALUES (?,?,?,?)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(name, hash, scopes, now).run(); !s.ok()) return s;
    record =
        ApiKeyRecord{db.last_insert_rowid(), name, hash, scopes, now, std::nullopt, std::nullopt};
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return record;
}

Result<std::optional<ApiKeyRecord>> Credentials::find_api_key(const std::string& hash) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  return api_key_where_hash(**db, hash);
}

Result<std::vector<ApiKeyRecord>> Credentials::list_api_keys() {
  return read_all(engine_, "SELECT " SMSGATE_API_KEY_COLUMNS " FROM api_keys ORDER BY id",
                  read_api_key);
}

Result<bool> Credentials::revoke_api_key(int64_t id, int64_t now) {
  bool revoked = false;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(now, id).run(); !s.ok()) return s;
    revoked = db.changes() == 1;
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return revoked;
}

Status Credentials::touch_api_key(int64_t id, int64_t at) {
  return engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2 "
        "AND (last_used_at IS NULL OR last_used_at < ?1)");
    if (!q.ok()) return q.error();
    return q->bind_all(at, id).run();
  });
}

// --- Settings -------------------------------------------------------------------------

Result<std::optional<std::string>> Credentials::get_setting(const std::string& key) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT value FROM settings WHERE key = ?");
  if (!q.ok()) return q.error();
  q->bind(key);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(q->text(0));
}

Status Credentials::put_setting(const std::string& key, const std::string& value) {
  if (key.empty()) return make_error("key: empty");
  return engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) "
        "ON CONFLICT (key) DO UPDATE SET value = ?2");
    if (!q.ok()) return q.error();
    return q->bind_all(key, value).run();
  });
}

Result<std::string> Credentials::get_or_put_setting(const std::string& key,
                                                    const std::string& value) {
  if (key.empty()) return make_error("key: empty");
  std::string stored;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto insert =
        db.query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING");
    if (!insert.ok()) return insert.error();
    if (auto s = insert->bind_all(key, value).run(); !s.ok()) return s;
    auto select = db.query("SELECT value FROM settings WHERE key = ?");
    if (!select.ok()) return select.error();
    select->bind(key);
    auto row = select->step();
    if (!row.ok()) return row.error();
    if (!*row) return make_error("setting " + key + " vanished");
    stored = select->text(0);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return stored;
}

// --- One-time passwords ---------------------------------------------------------------

namespace {

// The error a refused code undoes its savepoint with (the message was inserted first);
// submit_otp() turns it back into a result. Never seen by callers.
constexpr std::string_view kRefusedByLimit = "otp send limit";

// When `recipient` may be sent a code again, when it has `limit.max_codes` or more
// created within the window; none when one may be sent now. Runs on the writer, in
// the transaction that would insert the code, so no other send can slip in between.
Result<std::optional<int64_t>> otp_refused_until(Connection& db, const std::string& recipient,
                                                 const OtpSendLimit& limit, int64_t now) {
  if (limit.max_codes <= 0) return std::optional<int64_t>();
  // The max_codes-th newest code in the window: while it is in it, the window is full.
  // One more may go once it has left it. (Rows per recipient are few: old ones are
  // purged, see purge_otp_codes.)
  auto q = db.query(
      "SELECT created_at FROM otp_codes WHERE recipient = ? AND created_at > ? "
      "ORDER BY created_at DESC LIMIT 1 OFFSET ?");
  if (!q.ok()) return q.error();
  q->bind_all(recipient, now - limit.window_ms, limit.max_codes - 1);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(q->int64(0) + limit.window_ms);
}

}  // namespace

Result<OtpSubmitResult> Credentials::submit_otp(NewMessage message, const std::string& code_hash,
                                                int64_t expires_at, int64_t now,
                                                OtpSendLimit limit) {
  if (auto s = validate_new_message(message); !s.ok()) return s.error();
  if (message.category != policy::Category::kOtp) return make_error("category: must be otp");
  if (code_hash.empty()) return make_error("code_hash: empty");
  if (expires_at <= now) return make_error("expires_at: not in the future");
  if (limit.max_codes > 0 && limit.window_ms <= 0)
    return make_error("limit: window_ms must be positive");
  OtpSubmitResult result;
  Status written = engine_.write([&](Connection& db) -> Status {
    result = OtpSubmitResult{};
    auto submitted = insert_message(db, message, now);
    if (!submitted.ok()) return submitted.error();
    result.message = *submitted;
    if (submitted->existing) {
      // A retried request: the code sent then stays the valid one; the code drawn for
      // this request was never sent, so it must not be stored.
      auto q = db.query(
          "SELECT expires_at FROM otp_codes WHERE message_id = ? ORDER BY id DESC LIMIT 1");
      if (!q.ok()) return q.error();
      q->bind(submitted->id);
      auto row = q->step();
      if (!row.ok()) return row.error();
      if (!*row) return make_error("idempotency_key: already used by a message that is not an OTP");
      result.expires_at = q->int64(0);
      return ok_status();
    }
    // Counted after the replay check, so that a replay is answered even over the
    // limit; a refusal undoes the message just inserted with the savepoint.
    auto refused_until = otp_refused_until(db, message.to, limit, now);
    if (!refused_until.ok()) return refused_until.error();
    if (*refused_until) {
      result = OtpSubmitResult{};
      result.refused_until = **refused_until;
      return make_error(std::string(kRefusedByLimit));
    }
    auto q = db.query(
        "INSERT INTO otp_codes (recipient, code_hash, message_id, created_at, expires_at) "
        "VALUES (?,?,?,?,?)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(message.to, code_hash, submitted->id, now, expires_at).run(); !s.ok())
      return s;
    result.expires_at = expires_at;
    return ok_status();
  });
  if (!written.ok()) {
    if (result.refused_until && written.error().message == kRefusedByLimit) return result;
    return written.error();
  }
  return result;
}

Result<int64_t> Credentials::purge_otp_codes(int64_t before) {
  int64_t purged = 0;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query("DELETE FROM otp_codes WHERE expires_at <= ?1 OR used_at <= ?1");
    if (!q.ok()) return q.error();
    if (auto s = q->bind(before).run(); !s.ok()) return s;
    purged = db.changes();
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return purged;
}

Result<OtpCheck> Credentials::check_otp(
    const std::string& recipient, int max_attempts, int64_t now,
    const std::function<bool(std::string_view code_hash)>& matches) {
  OtpCheck check = OtpCheck::kNoCode;
  Status written = engine_.write([&](Connection& db) -> Status {
    // Only the newest code counts: sending a new one supersedes the older ones.
    int64_t id = 0;
    std::string code_hash;
    int64_t expires_at = 0;
    int attempts = 0;
    {
      auto q = db.query(
          "SELECT id, code_hash, expires_at, attempts, used_at FROM otp_codes "
          "WHERE recipient = ? ORDER BY id DESC LIMIT 1");
      if (!q.ok()) return q.error();
      q->bind(recipient);
      auto row = q->step();
      if (!row.ok()) return row.error();
      if (!*row || !q->is_null(4)) {
        check = OtpCheck::kNoCode;  // none sent, or used up
        return ok_status();
      }
      id = q->int64(0);
      code_hash = q->text(1);
      expires_at = q->int64(2);
      attempts = q->int32(3);
    }
    if (now >= expires_at) {
      check = OtpCheck::kExpired;
      return ok_status();
    }
    if (attempts >= max_attempts) {
      check = OtpCheck::kTooManyAttempts;
      return ok_status();
    }
    check = matches(code_hash) ? OtpCheck::kValid : OtpCheck::kWrongCode;
    auto update = db.query(
        "UPDATE otp_codes SET attempts = attempts + 1, "
        "used_at = CASE WHEN ?1 THEN ?2 ELSE used_at END WHERE id = ?3");
    if (!update.ok()) return update.error();
    return update->bind_all(check == OtpCheck::kValid, now, id).run();
  });
  if (!written.ok()) return written.error();
  return check;
}

}  // namespace smsgate::store

// People: who may sign in to the console (users, with a role and a password hash),
// their open sessions (by the hash of the session's token), and the audit log of what
// admins did. src/auth/ hashes passwords and tokens and decides who may do what; the
// store only keeps what auth computed and never sees a password or a token. A change
// to a user or a session writes its audit row in the same transaction, so no change
// is ever without its row. Implemented in store/people.cpp.
//
// Names are unique whatever their case ("Anna" and "anna" are one person; SQLite's
// NOCASE, so the letters A-Z only), and found whatever their case.
//
// Thread safety: every method may be called from any thread at the same time.
// add_user, set_user_password, remove_user, open_session, touch_session, end_session,
// end_expired_sessions, append_audit and count_sign_in_refusal are writes: they
// return once their group commit is fsync'd (store/engine.h). find_user, list_users,
// find_session and list_audit are reads from one snapshot each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

struct UserRecord {
  int64_t id = 0;
  std::string name;           // as it was written when added
  std::string role;           // "admin" | "operator", as auth wrote it
  std::string password_hash;  // argon2id, libsodium's string form
  int64_t created_at = 0;
  int64_t password_changed_at = 0;
};

// An open session with the person it belongs to, as they are now.
struct SessionRecord {
  std::string token_hash;
  int64_t signed_in_at = 0;
  int64_t last_seen = 0;         // written at most every so often (auth decides)
  std::string password_version;  // of the password it was opened with (auth computes it)
  UserRecord user;
};

// One row of the audit log: who did what to what, from where. Never a secret.
struct AuditEntry {
  int64_t id = 0;  // set by the store
  int64_t at = 0;
  std::string actor;   // a user's name, an API key's name, or "command line"
  std::string action;  // "user.add", "key.revoke", ...
  std::string target;  // what it was done to ("anna", "key 3", "+4917..."); may be empty
  std::string client;  // the client's address; empty from the command line
  std::string detail;  // a short note in words; may be empty
  int64_t count = 1;   // refusals tallied in one row (count_sign_in_refusal); else 1
};

// The audit log, newest first, paged like the other lists; actor and action match
// exactly.
struct AuditFilter {
  std::optional<std::string> actor;
  std::optional<std::string> action;
  int limit = 50;
  std::string cursor;
};

// The error code of add_user for a name in use, and of remove_user and
// set_user_password (role change) for the last admin, are ErrorCode values the HTTP
// layer turns into 409 (common/error_code.h).
class People {
 public:
  explicit People(Engine& engine) : engine_(engine) {}

  // --- Users -------------------------------------------------------------------------

  // Adds a user and `audit`, in one transaction. kNameTaken when the name is in use.
  Result<UserRecord> add_user(const std::string& name, const std::string& role,
                              const std::string& password_hash, int64_t now,
                              const AuditEntry& audit);
  Result<std::optional<UserRecord>> find_user(const std::string& name);
  Result<std::vector<UserRecord>> list_users();  // by name

  // An `audit` without a target gets the user's name as stored.
  // Replaces the user's password hash and ends every session of the user but
  // `keep_session` (a token hash; its password version becomes `kept_version`), with
  // `audit`, in one transaction. When the user does not exist: added with
  // `role_if_added` when it is given, else false and nothing written.
  Result<bool> set_user_password(const std::string& name, const std::string& password_hash,
                                 int64_t now, const AuditEntry& audit,
                                 const std::optional<std::string>& role_if_added = std::nullopt,
                                 const std::optional<std::string>& keep_session = std::nullopt,
                                 const std::string& kept_version = {});

  // Removes the user and its sessions, with `audit`. false: no such user; kLastAdmin
  // when it is the only admin left (nobody could manage the console then).
  Result<bool> remove_user(const std::string& name, const AuditEntry& audit);

  // --- Sessions ----------------------------------------------------------------------

  // Opens a session for user `user_id`, with `audit` (the sign-in). Sessions that
  // ended by age (last seen at or before `idle_before`, or signed in at or before
  // `signed_in_before`) go first; then, while `max_sessions` or more are open, the
  // least recently seen.
  Status open_session(const std::string& token_hash, int64_t user_id, int64_t now,
                      const std::string& password_version, int64_t idle_before,
                      int64_t signed_in_before, size_t max_sessions, const AuditEntry& audit);
  Result<std::optional<SessionRecord>> find_session(const std::string& token_hash);
  // Moves last_seen forward to `at` (never back).
  Status touch_session(const std::string& token_hash, int64_t at);
  Status end_session(const std::string& token_hash);
  // Ends the sessions past their age (as open_session); returns how many.
  Result<int64_t> end_expired_sessions(int64_t idle_before, int64_t signed_in_before);

  // --- The audit log -----------------------------------------------------------------

  Status append_audit(const AuditEntry& entry);
  // A refused sign-in from `entry.client`: counted in the newest row of the same
  // action, client and target written after `entry.at - window_ms`, else a new row;
  // so that a flood of guesses is a few rows with counts, not a row per guess.
  Status count_sign_in_refusal(const AuditEntry& entry, int64_t window_ms);
  Result<Page<AuditEntry>> list_audit(const AuditFilter& filter);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

// People (people.h): users, their sessions, the audit log.
#include "store/people.h"

#include <string>

#include "store/internal.h"

namespace smsgate::store {

using namespace detail;

namespace {

#define SMSGATE_USER_COLUMNS \
  "u.id, u.name, u.role, u.password_hash, u.created_at, u.password_changed_at"
#define SMSGATE_AUDIT_COLUMNS "id, at, actor, action, target, client, detail, count"

UserRecord read_user(const Query& row, int first = 0) {
  UserRecord user;
  user.id = row.int64(first);
  user.name = row.text(first + 1);
  user.role = row.text(first + 2);
  user.password_hash = row.text(first + 3);
  user.created_at = row.int64(first + 4);
  user.password_changed_at = row.int64(first + 5);
  return user;
}

AuditEntry read_audit(const Query& row) {
  AuditEntry entry;
  entry.id = row.int64(0);
  entry.at = row.int64(1);
  entry.actor = row.text(2);
  entry.action = row.text(3);
  entry.target = row.text(4);
  entry.client = row.text(5);
  entry.detail = row.text(6);
  entry.count = row.int64(7);
  return entry;
}

Result<std::optional<UserRecord>> user_named(Connection& db, const std::string& name) {
  auto q = db.query("SELECT " SMSGATE_USER_COLUMNS " FROM users u WHERE u.name = ?");
  if (!q.ok()) return q.error();
  q->bind(name);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<UserRecord>();
  return std::optional<UserRecord>(read_user(*q));
}

Status insert_audit(Connection& db, const AuditEntry& entry) {
  if (entry.actor.empty()) return make_error("audit: no actor");
  if (entry.action.empty()) return make_error("audit: no action");
  auto q = db.query(
      "INSERT INTO audit_log (at, actor, action, target, client, detail, count) "
      "VALUES (?,?,?,?,?,?,?)");
  if (!q.ok()) return q.error();
  return q
      ->bind_all(entry.at, entry.actor, entry.action, entry.target, entry.client, entry.detail,
                 entry.count)
      .run();
}

// `entry`, naming the user as stored when it names nothing (the caller may have
// written the name in another case).
AuditEntry with_target(AuditEntry entry, const std::string& name) {
  if (entry.target.empty()) entry.target = name;
  return entry;
}

Result<int64_t> admins_other_than(Connection& db, int64_t user_id) {
  auto q = db.query("SELECT count(*) FROM users WHERE role = 'admin' AND id != ?");
  if (!q.ok()) return q.error();
  q->bind(user_id);
  auto row = q->step();
  if (!row.ok()) return row.error();
  return q->int64(0);
}

Result<int64_t> delete_expired(Connection& db, int64_t idle_before, int64_t signed_in_before) {
  auto q = db.query("DELETE FROM sessions WHERE last_seen <= ? OR signed_in_at <= ?");
  if (!q.ok()) return q.error();
  if (auto s = q->bind_all(idle_before, signed_in_before).run(); !s.ok()) return s.error();
  return db.changes();
}

}  // namespace

// --- Users ----------------------------------------------------------------------------

Result<UserRecord> People::add_user(const std::string& name, const std::string& role,
                                    const std::string& password_hash, int64_t now,
                                    const AuditEntry& audit) {
  if (name.empty()) return make_error("name: empty");
  if (password_hash.empty()) return make_error("password_hash: empty");
  UserRecord user;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto existing = user_named(db, name);
    if (!existing.ok()) return existing.error();
    if (*existing)
      return Error{"name: there is already a user called \"" + (*existing)->name + "\"",
                   ErrorCode::kNameTaken, "name"};
    auto q = db.query(
        "INSERT INTO users (name, role, password_hash, created_at, password_changed_at) "
        "VALUES (?,?,?,?,?)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(name, role, password_hash, now, now).run(); !s.ok()) return s;
    user = UserRecord{db.last_insert_rowid(), name, role, password_hash, now, now};
    return insert_audit(db, audit);
  });
  if (!written.ok()) return written.error();
  return user;
}

Result<std::optional<UserRecord>> People::find_user(const std::string& name) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  return user_named(**db, name);
}

Result<std::vector<UserRecord>> People::list_users() {
  return read_all(engine_, "SELECT " SMSGATE_USER_COLUMNS " FROM users u ORDER BY u.name, u.id",
                  [](const Query& row) { return read_user(row); });
}

Result<bool> People::set_user_password(const std::string& name, const std::string& password_hash,
                                       int64_t now, const AuditEntry& audit,
                                       const std::optional<std::string>& role_if_added,
                                       const std::optional<std::string>& keep_session,
                                       const std::string& kept_version) {
  if (password_hash.empty()) return make_error("password_hash: empty");
  bool changed = false;
  Status written = engine_.write([&](Connection& db) -> Status {
    changed = false;
    auto user = user_named(db, name);
    if (!user.ok()) return user.error();
    if (!*user) {
      if (!role_if_added) return ok_status();
      auto q = db.query(
          "INSERT INTO users (name, role, password_hash, created_at, password_changed_at) "
          "VALUES (?,?,?,?,?)");
      if (!q.ok()) return q.error();
      if (auto s = q->bind_all(name, *role_if_added, password_hash, now, now).run(); !s.ok())
        return s;
      changed = true;
      return insert_audit(db, audit);
    }
    auto update =
        db.query("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?");
    if (!update.ok()) return update.error();
    if (auto s = update->bind_all(password_hash, now, (*user)->id).run(); !s.ok()) return s;
    auto end = db.query("DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?");
    if (!end.ok()) return end.error();
    if (auto s = end->bind_all((*user)->id, keep_session).run(); !s.ok()) return s;
    if (keep_session) {
      auto keep =
          db.query("UPDATE sessions SET password_version = ? WHERE token_hash = ? AND user_id = ?");
      if (!keep.ok()) return keep.error();
      if (auto s = keep->bind_all(kept_version, *keep_session, (*user)->id).run(); !s.ok())
        return s;
    }
    changed = true;
    return insert_audit(db, with_target(audit, (*user)->name));
  });
  if (!written.ok()) return written.error();
  return changed;
}

Result<bool> People::remove_user(const std::string& name, const AuditEntry& audit) {
  bool removed = false;
  Status written = engine_.write([&](Connection& db) -> Status {
    removed = false;
    auto user = user_named(db, name);
    if (!user.ok()) return user.error();
    if (!*user) return ok_status();
    if ((*user)->role == "admin") {
      auto others = admins_other_than(db, (*user)->id);
      if (!others.ok()) return others.error();
      if (*others == 0)
        return Error{"\"" + (*user)->name +
                         "\" is the last admin; make another admin first, so that someone "
                         "can still manage the console",
                     ErrorCode::kLastAdmin};
    }
    // Sessions go with it (ON DELETE CASCADE).
    auto q = db.query("DELETE FROM users WHERE id = ?");
    if (!q.ok()) return q.error();
    if (auto s = q->bind((*user)->id).run(); !s.ok()) return s;
    removed = true;
    return insert_audit(db, with_target(audit, (*user)->name));
  });
  if (!written.ok()) return written.error();
  return removed;
}

// --- Sessions -------------------------------------------------------------------------

Status People::open_session(const std::string& token_hash, int64_t user_id, int64_t now,
                            const std::string& password_version, int64_t idle_before,
                            int64_t signed_in_before, size_t max_sessions,
                            const AuditEntry& audit) {
  if (token_hash.empty()) return make_error("token_hash: empty");
  return engine_.write([&](Connection& db) -> Status {
    if (auto expired = delete_expired(db, idle_before, signed_in_before); !expired.ok())
      return expired.error();
    // Room for the new one: the least recently seen go (the table never grows past
    // max_sessions, whoever signs in how often).
    auto crowded = db.query(
        "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions "
        "ORDER BY last_seen DESC LIMIT -1 OFFSET ?)");
    if (!crowded.ok()) return crowded.error();
    int64_t keep = max_sessions > 0 ? static_cast<int64_t>(max_sessions) - 1 : 0;
    if (auto s = crowded->bind(keep).run(); !s.ok()) return s;
    auto q = db.query(
        "INSERT INTO sessions (token_hash, user_id, signed_in_at, last_seen, password_version) "
        "VALUES (?,?,?,?,?)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(token_hash, user_id, now, now, password_version).run(); !s.ok())
      return s;
    return insert_audit(db, audit);
  });
}

Result<std::optional<SessionRecord>> People::find_session(const std::string& token_hash) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT s.token_hash, s.signed_in_at, s.last_seen, s.password_version, " SMSGATE_USER_COLUMNS
      " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?");
  if (!q.ok()) return q.error();
  q->bind(token_hash);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<SessionRecord>();
  SessionRecord session;
  session.token_hash = q->text(0);
  session.signed_in_at = q->int64(1);
  session.last_seen = q->int64(2);
  session.password_version = q->text(3);
  session.user = read_user(*q, 4);
  return std::optional<SessionRecord>(std::move(session));
}

Status People::touch_session(const std::string& token_hash, int64_t at) {
  return engine_.write([&](Connection& db) -> Status {
    auto q =
        db.query("UPDATE sessions SET last_seen = ?1 WHERE token_hash = ?2 AND last_seen < ?1");
    if (!q.ok()) return q.error();
    return q->bind_all(at, token_hash).run();
  });
}

Status People::end_session(const std::string& token_hash) {
  return engine_.write([&](Connection& db) -> Status {
    auto q = db.query("DELETE FROM sessions WHERE token_hash = ?");
    if (!q.ok()) return q.error();
    return q->bind(token_hash).run();
  });
}

Result<int64_t> People::end_expired_sessions(int64_t idle_before, int64_t signed_in_before) {
  int64_t ended = 0;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto deleted = delete_expired(db, idle_before, signed_in_before);
    if (!deleted.ok()) return deleted.error();
    ended = *deleted;
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return ended;
}

// --- The audit log --------------------------------------------------------------------

Status People::append_audit(const AuditEntry& entry) {
  return engine_.write([&](Connection& db) { return insert_audit(db, entry); });
}

Status People::count_sign_in_refusal(const AuditEntry& entry, int64_t window_ms) {
  return engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "UPDATE audit_log SET count = count + 1 WHERE id = (SELECT id FROM audit_log "
        "WHERE action = ? AND client = ? AND target = ? AND at > ? ORDER BY id DESC LIMIT 1)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(entry.action, entry.client, entry.target, entry.at - window_ms).run();
        !s.ok())
      return s;
    if (db.changes() > 0) return ok_status();
    return insert_audit(db, entry);
  });
}

Result<Page<AuditEntry>> People::list_audit(const AuditFilter& filter) {
  auto before = page_start('a', filter.cursor, filter.limit);
  if (!before.ok()) return before.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT " SMSGATE_AUDIT_COLUMNS
                        " FROM audit_log WHERE id < ?1 AND (?2 IS NULL OR actor = ?2) "
                        "AND (?3 IS NULL OR action = ?3) ORDER BY id DESC LIMIT ?4");
  if (!q.ok()) return q.error();
  q->bind_all(*before, filter.actor, filter.action, filter.limit + 1);
  auto rows = read_rows(*q, read_audit);
  if (!rows.ok()) return rows.error();
  return make_page(std::move(*rows), filter.limit, 'a',
                   [](const AuditEntry& entry) { return entry.id; });
}

}  // namespace smsgate::store

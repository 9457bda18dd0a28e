// The event log (events.h).
#include "store/events.h"

#include <nlohmann/json.hpp>

#include "store/event_json.h"
#include "store/internal.h"

namespace smsgate::store {

namespace detail {

Status log_event(Connection& db, std::string_view event, const std::string& body, int64_t at) {
  auto q = db.query("INSERT INTO event_log (event, body, created_at) VALUES (?1, ?2, ?3)");
  if (!q.ok()) return q.error();
  return q->bind_all(event, body, at).run();
}

}  // namespace detail

Status Events::log_modem_state(const ModemStateInfo& info, int64_t now) {
  std::string body = modem_state_body(info, now);
  return engine_.write(
      [&](Connection& db) { return detail::log_event(db, "modem.state", body, now); });
}

Result<std::vector<LoggedEvent>> Events::events_after(int64_t after_id,
                                                      const std::vector<std::string>& names,
                                                      int limit) {
  if (auto s = detail::check_limit(limit); !s.ok()) return s.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  // A range on the primary key; the names, when given, are one bound JSON array.
  auto q = (*db)->query(
      "SELECT id, event, body, created_at FROM event_log WHERE id > ?1 AND "
      "(?2 IS NULL OR event IN (SELECT value FROM json_each(?2))) ORDER BY id LIMIT ?3");
  if (!q.ok()) return q.error();
  std::optional<std::string> wanted;
  if (!names.empty()) wanted = nlohmann::json(names).dump();
  q->bind_all(after_id, wanted, limit);
  return detail::read_rows(*q, [](const Query& row) {
    return LoggedEvent{row.int64(0), row.text(1), row.text(2), row.int64(3)};
  });
}

Result<int64_t> Events::latest_event_id() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT coalesce(max(id), 0) FROM event_log");
  if (!q.ok()) return q.error();
  auto row = q->step();
  if (!row.ok()) return row.error();
  return q->int64(0);
}

}  // namespace smsgate::store

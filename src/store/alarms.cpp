// Alarms (alarms.h): balance checks and modem alarms with their modem.alarm events.
#include "store/alarms.h"

#include <charconv>

#include "policy/alarms.h"
#include "store/event_json.h"
#include "store/internal.h"

namespace smsgate::store {

namespace {

std::optional<double> amount_from_text(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  double value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

std::optional<std::string> amount_as_text(const std::optional<double>& amount) {
  if (!amount) return std::nullopt;
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, *amount);
  if (error != std::errc()) return std::nullopt;
  return std::string(buffer, end);
}

#define SMSGATE_ALARM_COLUMNS "id, modem, kind, detail, raised_at, cleared_at"

ModemAlarm read_alarm(const Query& row) {
  return ModemAlarm{row.int64(0), row.text(1),  row.text(2),
                    row.text(3),  row.int64(4), row.optional_int64(5)};
}

Result<std::optional<ModemAlarm>> open_alarm(Connection& db, const std::string& modem,
                                             std::string_view kind) {
  auto q = db.query("SELECT " SMSGATE_ALARM_COLUMNS
                    " FROM modem_alarms WHERE modem = ?1 AND kind = ?2 AND cleared_at IS NULL");
  if (!q.ok()) return q.error();
  q->bind_all(modem, kind);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<ModemAlarm>();
  return std::optional<ModemAlarm>(read_alarm(*q));
}

}  // namespace

Status Alarms::record_balance(const ModemBalance& balance) {
  if (balance.modem.empty()) return Error{"modem: is empty", ErrorCode::kInvalidField, "modem"};
  return engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "INSERT INTO modem_balances (modem, amount, currency, text, checked_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (modem) DO UPDATE SET amount = excluded.amount, "
        "currency = excluded.currency, text = excluded.text, checked_at = excluded.checked_at");
    if (!q.ok()) return q.error();
    return q
        ->bind_all(balance.modem, amount_as_text(balance.amount), balance.currency, balance.text,
                   balance.checked_at)
        .run();
  });
}

Result<std::vector<ModemBalance>> Alarms::list_balances() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT modem, amount, currency, text, checked_at FROM modem_balances ORDER BY modem");
  if (!q.ok()) return q.error();
  return detail::read_rows(*q, [](const Query& row) {
    return ModemBalance{row.text(0), amount_from_text(row.optional_text(1)), row.text(2),
                        row.text(3), row.int64(4)};
  });
}

Result<std::optional<ModemAlarm>> Alarms::raise_alarm(const std::string& modem,
                                                      std::string_view kind,
                                                      const std::string& words, int64_t now) {
  if (modem.empty()) return Error{"modem: is empty", ErrorCode::kInvalidField, "modem"};
  if (!policy::alarm_kind_named(kind))
    return Error{"kind: is not an alarm kind", ErrorCode::kInvalidField, "kind"};
  std::optional<ModemAlarm> raised;
  Status written = engine_.write([&](Connection& db) -> Status {
    raised.reset();
    auto open = open_alarm(db, modem, kind);
    if (!open.ok()) return open.error();
    if (*open) return ok_status();
    auto q = db.query(
        "INSERT INTO modem_alarms (modem, kind, detail, raised_at) VALUES (?1, ?2, ?3, ?4)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(modem, kind, words, now).run(); !s.ok()) return s;
    ModemAlarm alarm{db.last_insert_rowid(), modem, std::string(kind), words, now, std::nullopt};
    if (auto s = detail::enqueue_event(db, kModemAlarm, modem_alarm_body(alarm, now), now); !s.ok())
      return s;
    raised = std::move(alarm);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return raised;
}

Result<std::optional<ModemAlarm>> Alarms::clear_alarm(const std::string& modem,
                                                      std::string_view kind, int64_t now) {
  std::optional<ModemAlarm> cleared;
  Status written = engine_.write([&](Connection& db) -> Status {
    cleared.reset();
    auto open = open_alarm(db, modem, kind);
    if (!open.ok()) return open.error();
    if (!*open) return ok_status();
    auto q = db.query("UPDATE modem_alarms SET cleared_at = ?2 WHERE id = ?1");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all((*open)->id, now).run(); !s.ok()) return s;
    ModemAlarm alarm = **open;
    alarm.cleared_at = now;
    if (auto s = detail::enqueue_event(db, kModemAlarm, modem_alarm_body(alarm, now), now); !s.ok())
      return s;
    cleared = std::move(alarm);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return cleared;
}

Result<std::vector<ModemAlarm>> Alarms::open_alarms() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT " SMSGATE_ALARM_COLUMNS
                        " FROM modem_alarms WHERE cleared_at IS NULL ORDER BY id");
  if (!q.ok()) return q.error();
  return detail::read_rows(*q, read_alarm);
}

}  // namespace smsgate::store

// Modems (modems.h): the modems seen, and those staff stopped sending through.
#include "store/modems.h"

#include "store/internal.h"

namespace smsgate::store {

using detail::read_rows;

Status Modems::upsert_modem(const ModemIdentity& identity, int64_t now) {
  if (identity.imei.empty()) return make_error("imei: empty");
  return engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "INSERT INTO modems (imei, imsi, iccid, manufacturer, model, first_seen, last_seen) "
        "VALUES (?1,?2,?3,?4,?5,?6,?6) ON CONFLICT (imei) DO UPDATE SET imsi = excluded.imsi, "
        "iccid = excluded.iccid, manufacturer = excluded.manufacturer, model = excluded.model, "
        "last_seen = excluded.last_seen");
    if (!q.ok()) return q.error();
    return q
        ->bind_all(identity.imei, identity.imsi, identity.iccid, identity.manufacturer,
                   identity.model, now)
        .run();
  });
}

Result<std::vector<ModemRecord>> Modems::list_modems() {
  return detail::read_all(
      engine_,
      "SELECT imei, imsi, iccid, manufacturer, model, first_seen, last_seen, parts_sent, "
      "parts_failed, received FROM modems ORDER BY imei",
      [](const Query& row) {
        return ModemRecord{{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4)},
                           row.int64(5),
                           row.int64(6),
                           row.int64(7),
                           row.int64(8),
                           row.int64(9)};
      });
}

Result<bool> Modems::set_modem_sending(const std::string& imei, bool enabled) {
  return detail::change_rows(engine_, "UPDATE modems SET sending_disabled = ?2 WHERE imei = ?1",
                             imei, enabled ? 0 : 1);
}

Result<std::vector<std::string>> Modems::modems_not_sending() {
  return detail::read_all(engine_,
                          "SELECT imei FROM modems WHERE sending_disabled = 1 ORDER BY imei",
                          [](const Query& row) { return row.text(0); });
}

Result<std::vector<int64_t>> Modems::part_send_times(const std::string& modem, int64_t since) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT sent_at FROM parts WHERE modem = ?1 AND sent_at >= ?2 "
      "UNION ALL SELECT sent_at FROM superseded_parts WHERE modem = ?1 AND sent_at >= ?2 "
      "ORDER BY 1");
  if (!q.ok()) return q.error();
  q->bind_all(modem, since);
  return read_rows(*q, [](const Query& row) { return row.int64(0); });
}

}  // namespace smsgate::store

// Modems (modems.h): the modems seen, and those staff stopped sending through.
#include "store/modems.h"

namespace smsgate::store {

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
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT imei, imsi, iccid, manufacturer, model, first_seen, last_seen, parts_sent, "
      "parts_failed, received FROM modems ORDER BY imei");
  if (!q.ok()) return q.error();
  std::vector<ModemRecord> list;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return list;
    list.push_back(ModemRecord{{q->text(0), q->text(1), q->text(2), q->text(3), q->text(4)},
                               q->int64(5),
                               q->int64(6),
                               q->int64(7),
                               q->int64(8),
                               q->int64(9)});
  }
}

Result<bool> Modems::set_modem_sending(const std::string& imei, bool enabled) {
  bool found = false;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query("UPDATE modems SET sending_disabled = ?2 WHERE imei = ?1");
    if (!q.ok()) return q.error();
    if (Status run = q->bind_all(imei, enabled ? 0 : 1).run(); !run.ok()) return run;
    found = db.changes() > 0;
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return found;
}

Result<std::vector<std::string>> Modems::modems_not_sending() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT imei FROM modems WHERE sending_disabled = 1 ORDER BY imei");
  if (!q.ok()) return q.error();
  std::vector<std::string> modems;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return modems;
    modems.push_back(q->text(0));
  }
}

}  // namespace smsgate::store

// Modems staff stopped sending through (POST /api/v1/modems/{id}/disable).
#include "store/store.h"

namespace smsgate::store {

Result<bool> Store::set_modem_sending(const std::string& imei, bool enabled) {
  bool found = false;
  Status written = write([&](Connection& db) -> Status {
    auto q = db.query("UPDATE modems SET sending_disabled = ?2 WHERE imei = ?1");
    if (!q.ok()) return q.error();
    if (Status run = q->bind_all(imei, enabled ? 0 : 1).run(); !run.ok()) return run;
    found = db.changes() > 0;
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return found;
}

Result<std::vector<std::string>> Store::modems_not_sending() {
  auto db = read();
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

// Modems: every modem ever seen, by IMEI, with its counters, and whether staff stopped
// sending through it (POST /api/v1/modems/{id}/disable). Implemented in
// store/modems.cpp.
//
// Thread safety: every method may be called from any thread at the same time.
// upsert_modem and set_modem_sending are writes: they return once their group commit
// is fsync'd (store/engine.h). list_modems and modems_not_sending are reads: each
// answers from one snapshot and never waits for the writer, as does part_send_times.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

class Modems {
 public:
  explicit Modems(Engine& engine) : engine_(engine) {}

  // Records a modem seen now (first_seen kept, identity refreshed). Sent, failed and
  // received counters move by themselves as parts and inbound PDUs are recorded with
  // its IMEI as the modem id.
  Status upsert_modem(const ModemIdentity& identity, int64_t now);
  Result<std::vector<ModemRecord>> list_modems();
  // Sending through a modem stopped or resumed by staff; it keeps receiving. False: no
  // modem with that id was ever seen.
  Result<bool> set_modem_sending(const std::string& imei, bool enabled);
  // The modems whose sending is stopped.
  Result<std::vector<std::string>> modems_not_sending();
  // When `modem` sent each part since `since` (superseded parts included), oldest
  // first: its rate and daily limits are counted from these, so a restart or a reload
  // does not start them afresh.
  Result<std::vector<int64_t>> part_send_times(const std::string& modem, int64_t since);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

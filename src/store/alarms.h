// Alarms: each modem's last balance check and the alarms raised about modems
// (policy/alarms.h says which hold; dispatch/alarms.h raises and clears them).
// Implemented in store/alarms.cpp.
//
// Raising and clearing write the modem.alarm event (store/event_json.h) in the same
// transaction, to the event log and to the webhook outbox of each subscription that
// wants it, so an alarm is never raised without its event nor reported twice: an alarm
// already open is not raised again, one not open is not cleared.
//
// Thread safety: every method may be called from any thread at the same time.
// record_balance, raise_alarm and clear_alarm are writes (fsync'd group commit);
// list_balances and open_alarms are reads from one snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/engine.h"

namespace smsgate::store {

// A modem's last balance check (GET /api/v1/modems "balance").
struct ModemBalance {
  std::string modem;
  std::optional<double> amount;  // none: the answer held no balance
  std::string currency;          // as written; empty when none
  std::string text;              // the network's answer
  int64_t checked_at = 0;
  friend bool operator==(const ModemBalance&, const ModemBalance&) = default;
};

// One alarm (GET /api/v1/alarms, the modem.alarm event).
struct ModemAlarm {
  int64_t id = 0;
  std::string modem;
  std::string kind;  // policy::alarm_kind_name
  std::string detail;
  int64_t raised_at = 0;
  std::optional<int64_t> cleared_at;
  friend bool operator==(const ModemAlarm&, const ModemAlarm&) = default;
};

class Alarms {
 public:
  explicit Alarms(Engine& engine) : engine_(engine) {}

  // Write: the modem's balance check, replacing the one before.
  Status record_balance(const ModemBalance& balance);
  // Read: every modem's last balance check, by modem id.
  Result<std::vector<ModemBalance>> list_balances();

  // Write: raises `kind` on `modem`, saying `words`, with its modem.alarm event; none
  // when that alarm is already open (nothing written).
  Result<std::optional<ModemAlarm>> raise_alarm(const std::string& modem, std::string_view kind,
                                                const std::string& words, int64_t now);
  // Write: clears the open alarm with its modem.alarm event (cleared_at set); none when
  // no such alarm is open.
  Result<std::optional<ModemAlarm>> clear_alarm(const std::string& modem, std::string_view kind,
                                                int64_t now);
  // Read: the alarms raised and not cleared, oldest first.
  Result<std::vector<ModemAlarm>> open_alarms();

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

// Which of a modem's alarms hold: given what is known of the modem at `now` (how long
// it has been down, its storage, its last balance, its SIM's expiry) and what its
// configuration asks, the alarms that are raised. A pure function, tested with a
// manual clock; dispatch/alarms.h raises and clears them in the store as the answer
// changes. Thread-safe.
//
//   kind          holds while
//   low_balance   the last balance read is below [[modem]] balance_alarm_below
//   sim_expiring  [[modem]] sim_expires is kSimExpiryWarningMs away or less (or past)
//   offline       the modem has not been ready and registered for kOfflineAlarmAfterMs
//                 (unplugged, failing, resetting, not registered, needs attention)
//   storage_full  its message storage is full (AT+CPMS?)
//
// A balance never read, no threshold or no expiry date raise nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace smsgate::policy {

enum class AlarmKind { kLowBalance, kSimExpiring, kOffline, kStorageFull };
inline constexpr AlarmKind kAlarmKinds[] = {AlarmKind::kLowBalance, AlarmKind::kSimExpiring,
                                            AlarmKind::kOffline, AlarmKind::kStorageFull};
// "low_balance", "sim_expiring", "offline", "storage_full".
std::string_view alarm_kind_name(AlarmKind kind);
std::optional<AlarmKind> alarm_kind_named(std::string_view name);

// A short outage (a reset, a replug, a network hiccup) is not worth waking anyone.
inline constexpr int64_t kOfflineAlarmAfterMs = 10LL * 60 * 1000;
// Two weeks: time to buy and load a top-up, or to order a new SIM.
inline constexpr int64_t kSimExpiryWarningMs = 14LL * 24 * 3600 * 1000;

struct AlarmPeriods {
  int64_t offline_after_ms = kOfflineAlarmAfterMs;
  int64_t sim_expiry_warning_ms = kSimExpiryWarningMs;
};

struct ModemCondition {
  // Since when the modem has not been ready and registered; none while it is.
  std::optional<int64_t> down_since;
  std::string down_reason;  // "port gone", "not registered", ...
  bool storage_full = false;
  std::optional<int> storage_used;
  std::optional<int> storage_total;
  std::optional<double> balance;  // the last one read
  std::string currency;
  std::optional<double> balance_alarm_below;
  // The SIM's last day, "YYYY-MM-DD" (config-checked), and its midnight UTC in ms.
  std::string sim_expires;
  std::optional<int64_t> sim_expires_at;
};

// The alarms that hold, each with its detail in words ("balance 0.80 EUR is below 1.00 EUR").
std::map<AlarmKind, std::string> holding_alarms(const ModemCondition& modem, int64_t now,
                                                const AlarmPeriods& periods = {});

// "5.00", "0.85", "12500": an amount as alarm details write it (whole amounts of 100
// or more without cents).
std::string format_amount(double amount);

}  // namespace smsgate::policy

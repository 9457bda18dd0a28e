#include "policy/alarms.h"

#include <cmath>
#include <cstdio>

namespace smsgate::policy {

std::string_view alarm_kind_name(AlarmKind kind) {
  switch (kind) {
    case AlarmKind::kLowBalance:
      return "low_balance";
    case AlarmKind::kSimExpiring:
      return "sim_expiring";
    case AlarmKind::kOffline:
      return "offline";
    case AlarmKind::kStorageFull:
      return "storage_full";
  }
  return "";
}

std::optional<AlarmKind> alarm_kind_named(std::string_view name) {
  for (AlarmKind kind : kAlarmKinds) {
    if (alarm_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string format_amount(double amount) {
  char buffer[64];
  // Cents as operators write them ("5.00"), but not on large whole amounts (12500 Rp).
  if (std::fabs(amount - std::round(amount)) < 1e-9 && std::fabs(amount) >= 100) {
    std::snprintf(buffer, sizeof buffer, "%.0f", amount);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2f", amount);
  }
  return buffer;
}

std::map<AlarmKind, std::string> holding_alarms(const ModemCondition& modem, int64_t now,
                                                const AlarmPeriods& periods) {
  std::map<AlarmKind, std::string> alarms;
  if (modem.balance && modem.balance_alarm_below && *modem.balance < *modem.balance_alarm_below) {
    std::string currency = modem.currency.empty() ? "" : " " + modem.currency;
    alarms[AlarmKind::kLowBalance] = "balance " + format_amount(*modem.balance) + currency +
                                     " is below " + format_amount(*modem.balance_alarm_below) +
                                     currency;
  }
  if (modem.sim_expires_at && *modem.sim_expires_at - now <= periods.sim_expiry_warning_ms) {
    constexpr int64_t kDayMs = 24LL * 3600 * 1000;
    const int64_t left = *modem.sim_expires_at - now;
    std::string when;
    if (left <= 0) {
      when = "expired on " + modem.sim_expires;
    } else {
      const int64_t days = (left + kDayMs - 1) / kDayMs;
      when = "expires on " + modem.sim_expires + " (in " + std::to_string(days) +
             (days == 1 ? " day)" : " days)");
    }
    alarms[AlarmKind::kSimExpiring] = "the SIM " + when;
  }
  if (modem.down_since && now - *modem.down_since >= periods.offline_after_ms) {
    const int64_t minutes = (now - *modem.down_since) / 60'000;
    std::string detail =
        "not ready for " + std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
    if (!modem.down_reason.empty()) detail += ": " + modem.down_reason;
    alarms[AlarmKind::kOffline] = detail;
  }
  if (modem.storage_full) {
    std::string detail = "SIM message storage full";
    if (modem.storage_used && modem.storage_total) {
      detail += " (" + std::to_string(*modem.storage_used) + " of " +
                std::to_string(*modem.storage_total) + ")";
    }
    alarms[AlarmKind::kStorageFull] = detail;
  }
  return alarms;
}

}  // namespace smsgate::policy

// holding_alarms: which of a modem's alarms hold at a given time, with the shipped
// periods and with shorter ones (policy/alarms.h).
#include <doctest/doctest.h>

#include "policy/alarms.h"

namespace {

using namespace smsgate::policy;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kDay = 24 * 60 * kMinute;
constexpr int64_t kNow = 1'790'000'000'000;  // any wall-clock time

bool holds(const std::map<AlarmKind, std::string>& alarms, AlarmKind kind) {
  return alarms.contains(kind);
}

}  // namespace

TEST_CASE("alarms: a healthy modem with nothing configured raises nothing") {
  ModemCondition modem;
  modem.balance = 0.01;
  CHECK(holding_alarms(modem, kNow).empty());
}

TEST_CASE("alarms: a balance below the configured threshold, and not at it") {
  ModemCondition modem;
  modem.balance_alarm_below = 1.0;
  modem.currency = "EUR";
  CHECK(holding_alarms(modem, kNow).empty());  // never read: no alarm
  modem.balance = 0.8;
  auto alarms = holding_alarms(modem, kNow);
  REQUIRE(holds(alarms, AlarmKind::kLowBalance));
  CHECK(alarms[AlarmKind::kLowBalance] == "balance 0.80 EUR is below 1.00 EUR");
  modem.balance = 1.0;
  CHECK_FALSE(holds(holding_alarms(modem, kNow), AlarmKind::kLowBalance));
  modem.balance = 5.0;
  CHECK_FALSE(holds(holding_alarms(modem, kNow), AlarmKind::kLowBalance));
}

TEST_CASE("alarms: a SIM expiring within 14 days, on the day, and after it") {
  ModemCondition modem;
  modem.sim_expires = "2026-12-20";
  modem.sim_expires_at = kNow + kSimExpiryWarningMs + kMinute;
  CHECK(holding_alarms(modem, kNow).empty());
  modem.sim_expires_at = kNow + kSimExpiryWarningMs;
  CHECK(holds(holding_alarms(modem, kNow), AlarmKind::kSimExpiring));
  modem.sim_expires_at = kNow + 6 * kDay;
  CHECK(holding_alarms(modem, kNow)[AlarmKind::kSimExpiring] ==
        "the SIM expires on 2026-12-20 (in 6 days)");
  modem.sim_expires_at = kNow - kDay;
  CHECK(holding_alarms(modem, kNow)[AlarmKind::kSimExpiring] == "the SIM expired on 2026-12-20");
  CHECK(kSimExpiryWarningMs == 14 * kDay);
}

TEST_CASE("alarms: a modem down for 10 minutes, not for less; a shorter period for tests") {
  ModemCondition modem;
  modem.down_since = kNow - 9 * kMinute;
  modem.down_reason = "port gone";
  CHECK(holding_alarms(modem, kNow).empty());
  modem.down_since = kNow - 10 * kMinute;
  auto alarms = holding_alarms(modem, kNow);
  REQUIRE(holds(alarms, AlarmKind::kOffline));
  CHECK(alarms[AlarmKind::kOffline] == "not ready for 10 minutes: port gone");
  CHECK(kOfflineAlarmAfterMs == 10 * kMinute);

  AlarmPeriods quick{.offline_after_ms = 2000};
  modem.down_since = kNow - 2500;
  CHECK(holds(holding_alarms(modem, kNow, quick), AlarmKind::kOffline));
  modem.down_since.reset();  // ready again
  CHECK(holding_alarms(modem, kNow, quick).empty());
}

TEST_CASE("alarms: full message storage, several alarms at once") {
  ModemCondition modem;
  modem.storage_full = true;
  modem.storage_used = 30;
  modem.storage_total = 30;
  modem.balance = 0.5;
  modem.balance_alarm_below = 2;
  auto alarms = holding_alarms(modem, kNow);
  CHECK(alarms.size() == 2);
  CHECK(alarms[AlarmKind::kStorageFull] == "SIM message storage full (30 of 30)");
  CHECK(holds(alarms, AlarmKind::kLowBalance));
}

TEST_CASE("alarms: kinds by name") {
  for (AlarmKind kind : kAlarmKinds) CHECK(alarm_kind_named(alarm_kind_name(kind)) == kind);
  CHECK_FALSE(alarm_kind_named("on_fire").has_value());
  CHECK(format_amount(12500) == "12500");
  CHECK(format_amount(5) == "5.00");
  CHECK(format_amount(0) == "0.00");
  CHECK(format_amount(2.5) == "2.50");
}

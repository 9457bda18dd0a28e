// Alarms in the store: a modem's last balance check replaces the one before and reads
// back as written; an alarm is raised once and cleared once, each time with its
// modem.alarm event in the log and in a subscribed webhook's outbox.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/event_json.h"
#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
using namespace smsgate::store::testing;

constexpr int64_t kT0 = 1'790'000'000'000;

std::vector<LoggedEvent> alarm_events(Store& store) {
  auto events = store.events_after(0, {"modem.alarm"}, 100);
  REQUIRE(events.ok());
  return *events;
}

}  // namespace

TEST_CASE("store alarms: the last balance check per modem, with or without an amount") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->record_balance({"IMEI1", 5.0, "EUR", "Your balance is 5.00 EUR", kT0}).ok());
  REQUIRE(store->record_balance({"IMEI2", std::nullopt, "", "1. Balance 2. Bundles", kT0}).ok());
  REQUIRE(
      store->record_balance({"IMEI1", 12.75, "EUR", "Your balance is 12.75 EUR", kT0 + 1}).ok());
  auto balances = store->list_balances();
  REQUIRE(balances.ok());
  REQUIRE(balances->size() == 2);
  CHECK((*balances)[0] ==
        ModemBalance{"IMEI1", 12.75, "EUR", "Your balance is 12.75 EUR", kT0 + 1});
  CHECK((*balances)[1] == ModemBalance{"IMEI2", std::nullopt, "", "1. Balance 2. Bundles", kT0});
  CHECK_FALSE(store->record_balance({"", 1.0, "", "x", kT0}).ok());
}

TEST_CASE("store alarms: raised once, cleared once, each with its modem.alarm event") {
  TempDir dir;
  auto store = open_store(dir);
  auto webhook = store->create_webhook("http://127.0.0.1:9/hook", {"modem.alarm"},
                                       "sixteen or more characters", kT0);
  REQUIRE(webhook.ok());

  auto raised = store->raise_alarm("IMEI1", "low_balance", "balance 0.80 EUR is below 1 EUR", kT0);
  REQUIRE(raised.ok());
  REQUIRE(raised->has_value());
  auto again = store->raise_alarm("IMEI1", "low_balance", "balance 0.70 EUR is below 1 EUR", kT0);
  REQUIRE(again.ok());
  CHECK_FALSE(again->has_value());
  REQUIRE(store->raise_alarm("IMEI1", "storage_full", "SIM message storage full", kT0).ok());

  auto open = store->open_alarms();
  REQUIRE(open.ok());
  REQUIRE(open->size() == 2);
  CHECK((*open)[0].kind == "low_balance");
  CHECK((*open)[0].detail == "balance 0.80 EUR is below 1 EUR");

  auto cleared = store->clear_alarm("IMEI1", "low_balance", kT0 + 60'000);
  REQUIRE(cleared.ok());
  REQUIRE(cleared->has_value());
  CHECK((*cleared)->cleared_at == kT0 + 60'000);
  auto cleared_again = store->clear_alarm("IMEI1", "low_balance", kT0 + 120'000);
  REQUIRE(cleared_again.ok());
  CHECK_FALSE(cleared_again->has_value());
  open = store->open_alarms();
  REQUIRE(open.ok());
  REQUIRE(open->size() == 1);
  CHECK((*open)[0].kind == "storage_full");

  auto events = alarm_events(*store);
  REQUIRE(events.size() == 3);
  auto expected = R"({"event": "modem.alarm", "occurred_at": "2026-09-21T14:14:20.000Z",
      "data": {"modem": "IMEI1", "kind": "low_balance", "state": "cleared",
               "detail": "balance 0.80 EUR is below 1 EUR",
               "raised_at": "2026-09-21T14:13:20.000Z",
               "cleared_at": "2026-09-21T14:14:20.000Z"}})";
  CHECK(nlohmann::json::parse(events[2].body) == nlohmann::json::parse(expected));
  auto outbox = store->list_webhook_deliveries({webhook->id, 100, ""});
  REQUIRE(outbox.ok());
  CHECK(outbox->items.size() == 3);

  // A new alarm of the same kind after it cleared is a new row.
  auto raised_later = store->raise_alarm("IMEI1", "low_balance", "balance 0.10 EUR", kT0 + 3);
  REQUIRE(raised_later.ok());
  CHECK(raised_later->has_value());
  CHECK_FALSE(store->raise_alarm("IMEI1", "on_fire", "?", kT0).ok());
}

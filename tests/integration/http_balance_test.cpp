// SIM balance and modem alarms against the daemon with simulated modems on ptys, over
// real HTTP: a scheduled balance check shows in GET /api/v1/modems and /metrics and is
// asked again when due; a balance below balance_alarm_below raises modem.alarm (a
// webhook and GET /api/v1/alarms) and a top-up clears it; a SIM about to expire raises
// its alarm at start; an unplugged modem raises offline once the clock is past the
// offline period, and clears when it is back.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "integration/api_harness.h"
#include "integration/webhook_receiver.h"

namespace smsgate::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int64_t kHourMs = 3600LL * 1000;

sim::SimConfig modem_answering(const std::string& balance_text) {
  sim::SimConfig config = sim::numbered_config(0);
  config.cmgs_latency = 20ms;
  config.ussd_replies["*100#"] = sim::UssdScript{.text = balance_text};
  return config;
}

void answer_balance(ApiDaemon& gateway, const std::string& text) {
  gateway.sims().with(0, [&](sim::SimModem& modem, auto) {
    modem.set_ussd_reply("*100#", sim::UssdScript{.text = text});
  });
}

json modem_of(HttpClient& client, const std::string& id) {
  auto answer = client.get("/api/v1/modems/" + id);
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  return answer.json();
}

std::vector<json> open_alarms(HttpClient& client) {
  auto answer = client.get("/api/v1/alarms");
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  return answer.json()["items"].get<std::vector<json>>();
}

bool alarm_open(HttpClient& client, const std::string& modem, const std::string& kind) {
  for (const json& alarm : open_alarms(client)) {
    if (alarm["modem"] == modem && alarm["kind"] == kind) return true;
  }
  return false;
}

// The modem.alarm events the receiver got, in order.
std::vector<json> alarm_events(WebhookReceiver& receiver) {
  std::vector<json> events;
  for (const auto& request : receiver.requests()) {
    if (request.header("x-smsgate-event") == "modem.alarm")
      events.push_back(json::parse(request.body)["data"]);
  }
  return events;
}

void subscribe(HttpClient& client, WebhookReceiver& receiver) {
  auto hook = client.post(
      "/api/v1/webhooks",
      {{"url", receiver.url()}, {"events", {"modem.alarm"}}, {"secret", "s3cret-s3cret-s3cret"}});
  REQUIRE_MESSAGE(hook.status == 201, hook.body);
}

// "2026-12-11" for the UTC day `days` after today.
std::string utc_date_in(int days) {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day day{today + std::chrono::days(days)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return text;
}

}  // namespace

TEST_CASE("balance: a scheduled check shows in the API and /metrics, and runs again when due") {
  ApiDaemon gateway(1, [](config::Config& config) {
    config.modems.balance_ussd = "*100#";
    config.modems.balance_check_hours = 12;
  });
  HttpClient client = gateway.client();
  const std::string id = gateway.daemon().pool().modems().at(0);

  REQUIRE(wait_until([&] { return modem_of(client, id)["balance"].is_object(); }));
  json balance = modem_of(client, id)["balance"];
  CHECK(balance["amount"] == 5.0);
  CHECK(balance["currency"] == "EUR");
  CHECK(balance["text"] == "Your balance is 5.00 EUR, valid until 31.12.");
  CHECK(balance["checked_at"].get<std::string>().ends_with("Z"));
  auto listed = client.get("/api/v1/modems");
  REQUIRE(listed.status == 200);
  CHECK(listed.json()["items"][0]["balance"] == balance);

  auto metrics = client.get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("# HELP smsgate_modem_balance ") != std::string::npos);
  CHECK(metrics.body.find("smsgate_modem_balance{modem=\"" + id + "\"") != std::string::npos);
  CHECK(metrics.body.find("} 5\n") != std::string::npos);

  // Not asked again before 12 hours, then asked again.
  answer_balance(gateway, "Your balance is 7.25 EUR");
  std::this_thread::sleep_for(2500ms);
  CHECK(modem_of(client, id)["balance"]["amount"] == 5.0);
  gateway.clock().advance(12 * kHourMs + 60'000);
  REQUIRE(wait_until([&] { return modem_of(client, id)["balance"]["amount"] == 7.25; }));

  // A check on request answers the parsed result; one with a code given uses it.
  answer_balance(gateway, "Service temporarily unavailable");
  auto now = client.post("/api/v1/modems/" + id + "/balance", json::object());
  REQUIRE_MESSAGE(now.status == 200, now.body);
  CHECK(now.json()["amount"].is_null());
  CHECK(now.json()["text"] == "Service temporarily unavailable");
  gateway.sims().with(0, [&](sim::SimModem& modem, auto) {
    modem.set_ussd_reply("*101#", sim::UssdScript{.text = "Sisa pulsa Anda Rp 12.500"});
  });
  now = client.post("/api/v1/modems/" + id + "/balance", {{"code", "*101#"}});
  REQUIRE_MESSAGE(now.status == 200, now.body);
  CHECK(now.json()["amount"] == 12500.0);
  CHECK(now.json()["currency"] == "Rp");
  CHECK(modem_of(client, id)["balance"]["amount"] == 12500.0);

  // Bad input changes nothing.
  auto bad = client.post("/api/v1/modems/" + id + "/balance", {{"code", "balance please"}});
  CHECK(bad.status == 400);
  CHECK(client.post("/api/v1/modems/nope/balance", json::object()).status == 404);
  CHECK(modem_of(client, id)["balance"]["amount"] == 12500.0);
}

TEST_CASE_FIXTURE(ApiTest, "balance: no balance_ussd, no check; a check on request needs a code") {
  const std::string id = gateway.daemon().pool().modems().at(0);
  std::this_thread::sleep_for(2500ms);
  CHECK(modem_of(client, id)["balance"].is_null());
  CHECK(gateway.sims().with(0, [](sim::SimModem& m, auto) { return m.ussd_codes().size(); }) == 0);
  auto refused = client.post("/api/v1/modems/" + id + "/balance", json::object());
  CHECK(refused.status == 400);
  CHECK(refused.json()["error"]["field"] == "code");
}

TEST_CASE("alarms: a low balance raises modem.alarm, GET /alarms lists it, a top-up clears it") {
  WebhookReceiver receiver;
  ApiDaemon gateway({modem_answering("Your balance is 50.00 EUR")}, [](config::Config& config) {
    config.modems.balance_ussd = "*100#";
    config.modems.balance_check_hours = 1;
    config.modems.balance_alarm_below = 10;
  });
  HttpClient client = gateway.client();
  const std::string id = gateway.daemon().pool().modems().at(0);
  subscribe(client, receiver);
  REQUIRE(wait_until([&] { return modem_of(client, id)["balance"]["amount"] == 50.0; }));
  CHECK(open_alarms(client).empty());

  answer_balance(gateway, "Your balance is 5.00 EUR");
  auto checked = client.post("/api/v1/modems/" + id + "/balance", json::object());
  REQUIRE_MESSAGE(checked.status == 200, checked.body);
  REQUIRE(wait_until([&] { return alarm_events(receiver).size() == 1; }));
  json raised = alarm_events(receiver)[0];
  CHECK(raised["modem"] == id);
  CHECK(raised["kind"] == "low_balance");
  CHECK(raised["state"] == "raised");
  CHECK(raised["detail"] == "balance 5.00 EUR is below 10.00 EUR");
  CHECK_FALSE(raised.contains("cleared_at"));
  std::vector<json> listed = open_alarms(client);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0] == raised);

  // Topped up: the next scheduled check reads more and the alarm clears, once.
  answer_balance(gateway, "Your balance is 25.00 EUR");
  gateway.clock().advance(kHourMs + 60'000);
  REQUIRE(wait_until([&] { return alarm_events(receiver).size() == 2; }));
  json cleared = alarm_events(receiver)[1];
  CHECK(cleared["kind"] == "low_balance");
  CHECK(cleared["state"] == "cleared");
  CHECK(cleared["raised_at"] == raised["raised_at"]);
  CHECK(cleared.contains("cleared_at"));
  CHECK(open_alarms(client).empty());
  std::this_thread::sleep_for(2500ms);
  CHECK(alarm_events(receiver).size() == 2);

  // Operators may read the alarms; a key without the modems scope may not.
  auto key = gateway.daemon().api_keys().create("reader", auth::Scopes{auth::Scope::kRead},
                                                gateway.clock().now());
  REQUIRE(key.ok());
  CHECK(HttpClient(gateway.url(), key->key).get("/api/v1/alarms").status == 403);
}

TEST_CASE("alarms: a SIM expiring within 14 days raises its alarm at start") {
  const std::string expires = utc_date_in(6);
  ApiDaemon gateway(1, [&](config::Config& config) {
    std::string port = config.modems.ports.at(0);
    port.replace(port.find("modem*"), 6, "modem0");
    config::ModemConfig modem;
    modem.port = port;
    modem.name = "front desk";
    modem.sim_expires = expires;
    config.modem.push_back(modem);
  });
  HttpClient client = gateway.client();
  const std::string id = gateway.daemon().pool().modems().at(0);
  REQUIRE(wait_until([&] { return alarm_open(client, id, "sim_expiring"); }));
  json alarm = open_alarms(client).at(0);
  CHECK(alarm["detail"].get<std::string>().starts_with("the SIM expires on " + expires + " (in "));
  CHECK(alarm["state"] == "raised");
}

TEST_CASE("alarms: an unplugged modem raises offline past the offline period and clears back") {
  WebhookReceiver receiver;
  ApiDaemon gateway(1);
  HttpClient client = gateway.client();
  const std::string id = gateway.daemon().pool().modems().at(0);
  subscribe(client, receiver);

  REQUIRE(gateway.sims().bank->unplug(0).ok());
  REQUIRE(wait_until([&] { return gateway.ready_modems() == 0; }));
  // Not at once: a short outage raises nothing.
  std::this_thread::sleep_for(2500ms);
  CHECK_FALSE(alarm_open(client, id, "offline"));
  // The clock moves on a minute at a time until the 10 minutes are past.
  REQUIRE(wait_until([&] {
    gateway.clock().advance(60'000);
    return alarm_open(client, id, "offline");
  }));
  REQUIRE(wait_until([&] { return alarm_events(receiver).size() == 1; }));
  CHECK(alarm_events(receiver)[0]["kind"] == "offline");
  CHECK(alarm_events(receiver)[0]["detail"].get<std::string>().starts_with("not ready for "));

  REQUIRE(gateway.sims().bank->replug(0).ok());
  REQUIRE(wait_until([&] { return gateway.ready_modems() == 1; }));
  REQUIRE(wait_until([&] { return !alarm_open(client, id, "offline"); }));
  REQUIRE(wait_until([&] { return alarm_events(receiver).size() == 2; }));
  CHECK(alarm_events(receiver)[1]["state"] == "cleared");
}

}  // namespace smsgate::testing

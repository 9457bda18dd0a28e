// A modem that says its SMS storage is full, as its own family says it: a simulated
// Huawei stick (its AT+CGMI answer picks the Huawei driver) whose SIM filled with texts
// it never announced says ^SMMEMFULL; the daemon reports the full storage
// (modem.storage_full, to a real webhook receiver), lists the storage again and
// empties it into the database.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "integration/api_harness.h"
#include "integration/webhook_receiver.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

sim::SimConfig huawei_stick() {
  sim::SimConfig config = sim::numbered_config(0);
  config.manufacturer = "huawei";  // as the E173 and E3131 answer AT+CGMI
  config.model = "E3131";
  config.revision = "21.158.13.00.00";
  config.sim_capacity = 5;
  return config;
}

}  // namespace

TEST_CASE("huawei: ^SMMEMFULL empties a full SIM into the database and says modem.storage_full") {
  WebhookReceiver receiver;
  // Health is polled hourly here, so that only the indication can set the worker going.
  ApiDaemon gateway(std::vector<sim::SimConfig>{huawei_stick()}, [](config::Config& config) {
    config.modems.health_interval = std::chrono::hours(1);
  });
  HttpClient client = gateway.client();

  auto modems = client.get("/api/v1/modems");
  REQUIRE(modems.status == 200);
  REQUIRE(modems.json()["items"].size() == 1);
  const json modem = modems.json()["items"][0];
  CHECK(modem["family"] == "huawei");
  const std::string id = modem["id"];
  // Its first health poll done: the next is an hour away.
  REQUIRE(wait_until([&] {
    auto status = gateway.daemon().pool().status(id);
    return status && status->health_checked.has_value();
  }));
  auto hook = client.post("/api/v1/webhooks",
                          {{"url", receiver.url()}, {"events", {"modem.storage_full"}}});
  REQUIRE_MESSAGE(hook.status == 201, hook.body);

  // Five texts fill the SIM without one +CMTI: the daemon does not know of them.
  std::set<std::string> texts;
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    for (int i = 0; i < 5; ++i) {
      std::string text = "Reply " + std::to_string(i);
      texts.insert(text);
      REQUIRE(s.deliver({.from = "+4917055555" + std::to_string(i),
                         .text = text,
                         .routing = sim::Routing::kStoreUnannounced},
                        now)
                  .ok());
    }
    REQUIRE(s.stored("SM").size() == 5);
  });
  auto inbound = [&] {
    auto page = client.get("/api/v1/inbound?limit=100");
    REQUIRE(page.status == 200);
    return page.json()["items"];
  };
  CHECK(inbound().empty());

  gateway.sims().with(0, [](sim::SimModem& s, auto) { s.inject("\r\n^SMMEMFULL: \"SM\"\r\n"); });

  // Listed again, recorded, and deleted from the SIM once recorded.
  REQUIRE(wait_until([&] {
    return gateway.sims().with(0, [](sim::SimModem& s, auto) { return s.stored("SM").empty(); });
  }));
  std::set<std::string> received;
  for (const json& item : inbound()) {
    CHECK(item["modem"] == id);
    received.insert(item["text"].get<std::string>());
  }
  CHECK(received == texts);

  // The full storage was measured before it was emptied, and told.
  REQUIRE(wait_until([&] { return receiver.count() >= 1; }));
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].header("x-smsgate-event") == "modem.storage_full");
  json event = json::parse(requests[0].body);
  CHECK(event["event"] == "modem.storage_full");
  CHECK(event["data"]["modem"] == id);
  CHECK(event["data"]["storage_used"] == 5);
  CHECK(event["data"]["storage_total"] == 5);
}

}  // namespace smsgate::testing

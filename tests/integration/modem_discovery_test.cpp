// Port discovery and `probe` against simulated modems on ptys: globs, symlinks to the
// same device counted once, one modem per IMEI however many ttys answer for it.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "integration/modem_harness.h"
#include "modem/discovery.h"
#include "modem/probe.h"

namespace smsgate::testing {

TEST_CASE("modem discovery: globs expand to each device once, sorted") {
  SimModems sims(3);
  std::filesystem::create_symlink(sims.port(1), sims.dir.path() / "alias");
  auto dir = sims.dir.path().string();
  auto ports = modem::expand_port_patterns({dir + "/modem*", dir + "/alias", dir + "/none*"});
  CHECK(ports == std::vector<std::string>{sims.port(0), sims.port(1), sims.port(2)});
  CHECK(modem::expand_port_patterns({dir + "/nothing-here"}).empty());
  // A pty is no USB interface.
  CHECK_FALSE(modem::usb_interface_number(sims.port(0)).has_value());
}

TEST_CASE("modem discovery: one modem per IMEI, silent ports skipped") {
  std::vector<sim::SimConfig> configs(4);
  configs[1].imei = configs[0].imei;  // the second tty of the first modem
  configs[2].imei = "490154203237518";
  SimModems sims(configs);
  sims.with(3, [](sim::SimModem& m, auto) { m.set_hung(true); });
  std::vector<std::string> ports = {sims.port(0), sims.port(1), sims.port(2), sims.port(3)};
  modem::Discovery found = modem::discover(ports, {}, 2s);
  REQUIRE(found.modems.size() == 2);
  CHECK(found.modems[0].port == sims.port(0));
  CHECK(found.modems[0].identity.imei == configs[0].imei);
  CHECK(found.modems[0].other_ports == std::vector<std::string>{sims.port(1)});
  CHECK(found.modems[0].family == "generic");
  CHECK(found.modems[1].port == sims.port(2));
  CHECK(found.modems[1].identity.imei == "490154203237518");
  REQUIRE(found.skipped.size() == 1);
  CHECK(found.skipped[0].find(sims.port(3)) == 0);
  CHECK(found.skipped[0].find("no modem answers AT") != std::string::npos);
}

TEST_CASE("modem probe: identity, SIM, health and SMS capabilities") {
  sim::SimConfig config;
  config.manufacturer = "QUECTEL";
  config.model = "EC25";
  SimModems sims({config});
  auto transport = at::open_transport(sims.port(0));
  REQUIRE(transport.ok());
  at::AtChannel channel(std::move(*transport), drivers::all_unsolicited());
  auto report = modem::probe(channel, 5s);
  REQUIRE(report.ok());
  CHECK(report->family == "quectel");
  CHECK(report->identity.manufacturer == "QUECTEL");
  CHECK(report->identity.model == "EC25");
  CHECK(report->identity.imei == "356938035643809");
  CHECK(report->identity.imsi == "001010123456789");
  CHECK(report->identity.iccid == "8949000000000000001");
  CHECK(report->sim_state == "READY");
  CHECK(report->health.rssi == 20);
  CHECK(report->health.registered());
  CHECK(report->health.operator_name == "SimNet");
  CHECK(report->pdu_mode);
  CHECK(report->sms_storage.find("+CPMS:") == 0);
  CHECK(report->new_message_indications.find("+CNMI:") == 0);
  CHECK(report->smsc.find("+4917000000000") != std::string::npos);
}

TEST_CASE("modem probe: a port where nothing answers is an error") {
  SimModems sims;
  sims.with(0, [](sim::SimModem& m, auto) { m.set_hung(true); });
  auto transport = at::open_transport(sims.port(0));
  REQUIRE(transport.ok());
  at::AtChannel channel(std::move(*transport), drivers::all_unsolicited());
  auto report = modem::probe(channel, 1500ms);
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().message.find("no modem answers AT") != std::string::npos);
}

}  // namespace smsgate::testing

// The driver registry: which family a modem gets from its real AT+CGMI / AT+CGMM
// answers, that every driver's tables are well-formed data, and that the vendor noise
// the drivers declare is what keeps the AT parser from mistaking it for an answer.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "at/parser.h"
#include "at/ussd.h"
#include "drivers/driver.h"
#include "drivers/families.h"

namespace smsgate::drivers {
namespace {

struct Identity {
  std::string_view manufacturer;  // the AT+CGMI answer line as modems give it
  std::string_view model;         // AT+CGMM
  std::string_view family;
};

// Answers seen on real hardware (ModemManager bug reports and the vendors' manuals'
// examples), including the odd forms: echoed command names, ATI labels, quotes,
// padding, and case.
constexpr Identity kIdentities[] = {
    {"huawei", "E173", "huawei"},
    {"huawei", "E3131", "huawei"},
    {"Huawei Technologies Co., Ltd.", "ME909s-120", "huawei"},
    {"  HUAWEI  ", "E3372", "huawei"},
    {"Manufacturer: huawei", "Model: E1550", "huawei"},
    {"SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "simcom"},
    {"SIMCOM INCORPORATED", "SIM7600G-H", "simcom"},
    {"SIMCOM INCORPORATED", "SIMCOM_SIM7000E", "simcom"},
    {"SIMCOM INCORPORATED", "A7600E-H", "simcom"},
    {"+CGMI: SIMCOM INCORPORATED", "+CGMM: SIMCOM_SIM7070", "simcom"},
    {"SIMCOM_Ltd", "SIMCOM_SIM800L", "simcom-2g"},
    {"SIMCOM_Ltd", "SIMCOM_SIM900", "simcom-2g"},
    {"simcom_ltd", "sim800c", "simcom-2g"},
    {"Quectel", "EC25", "quectel"},
    {"Quectel", "EG25-G", "quectel"},
    {"+CGMI: \"Quectel\"", "BG96", "quectel"},
    {"Quectel_Ltd", "Quectel_M95", "quectel"},
    {"Sierra Wireless, Incorporated", "MC7455", "sierra"},
    {"Sierra Wireless, Incorporated", "EM7565", "sierra"},
    {"Sierra Wireless", "HL7812", "sierra"},
    {"Telit", "LE910C1-EUX", "telit"},
    {"Telit", "GL865-DUAL V3", "telit"},
    {"TELIT", "UE910-EU V2", "telit"},
    {"ZTE CORPORATION", "MF667", "zte"},
    {"ZTE INCORPORATED", "MF190", "zte"},
    // Nobody claims these: the generic driver.
    {"Cinterion", "EHS6", "generic"},
    {"u-blox", "SARA-U201", "generic"},
    {"Fibocom", "L850-GL", "generic"},
    {"Manufacturer: Nokia", "Model: 6310i", "generic"},
    {"", "", "generic"},
    {"ERROR", "", "generic"},
};

TEST_CASE("driver for: real AT+CGMI / AT+CGMM answers pick the right family") {
  for (const auto& id : kIdentities) {
    CAPTURE(id.manufacturer);
    CAPTURE(id.model);
    CHECK(driver_for(id.manufacturer, id.model).family == id.family);
  }
}

TEST_CASE("driver for: a SIMCom model the LTE driver does not name gets the 2G dialect") {
  CHECK(driver_for("SIMCOM_Ltd", "").family == "simcom-2g");
  CHECK(driver_for("SIMCOM INCORPORATED", "SIM5320E").family == "simcom-2g");
}

TEST_CASE("driver registry: vendor families first, the generic driver last, names unique") {
  auto drivers = known_drivers();
  REQUIRE(drivers.size() >= 7);
  CHECK(drivers.back() == &generic_driver());
  std::set<std::string_view> families;
  for (const Driver* d : drivers) {
    REQUIRE(d != nullptr);
    CHECK_MESSAGE(families.insert(d->family).second, "duplicate family " << d->family);
  }
  for (const Driver* d : {&huawei_driver(), &simcom_driver(), &simcom_2g_driver(),
                          &quectel_driver(), &sierra_driver(), &telit_driver(), &zte_driver()}) {
    CHECK_MESSAGE(std::find(drivers.begin(), drivers.end(), d) != drivers.end(),
                  d->family << " is not registered");
    CHECK_FALSE(d->manufacturers.empty());
  }
  CHECK(generic_driver().manufacturers.empty());
  // SIMCom LTE restricts itself to models and must come before the catch-all.
  auto position = [&](const Driver* d) { return std::find(drivers.begin(), drivers.end(), d); };
  CHECK(position(&simcom_driver()) < position(&simcom_2g_driver()));
}

void check_steps(std::span<const AtStep> steps, std::string_view what, std::string_view family) {
  for (const auto& step : steps) {
    INFO(family << " " << what << ": " << step.command);
    CHECK(step.command.starts_with("AT"));
    CHECK(step.command.size() > 2);
    // The worker adds the CR; a line end inside would split the command.
    CHECK(step.command.find_first_of("\r\n") == std::string_view::npos);
    CHECK(step.timeout.count() > 0);
  }
}

TEST_CASE("driver tables: every driver is well-formed") {
  for (const Driver* d : known_drivers()) {
    INFO("family " << d->family);
    CHECK_FALSE(d->family.empty());
    check_steps(d->init, "init", d->family);
    check_steps(d->sms_setup, "sms_setup", d->family);
    check_steps(d->soft_reset, "soft_reset", d->family);
    check_steps(d->hard_reset, "hard_reset", d->family);
    CHECK_FALSE(d->hard_reset.empty());
    CHECK_FALSE(d->soft_reset.empty());

    // PDU mode is what every other part of the daemon speaks; it is required.
    auto pdu_mode = std::find_if(d->sms_setup.begin(), d->sms_setup.end(),
                                 [](const AtStep& s) { return s.command == "AT+CMGF=0"; });
    REQUIRE(pdu_mode != d->sms_setup.end());
    CHECK(pdu_mode->required);
    // New messages must be announced somehow: a required AT+CNMI.
    CHECK(std::any_of(d->sms_setup.begin(), d->sms_setup.end(), [](const AtStep& s) {
      return s.command.starts_with("AT+CNMI=") && s.required;
    }));

    CHECK(d->iccid_command.empty() == d->iccid_prefix.empty());
    if (!d->iccid_command.empty()) {
      CHECK(d->iccid_command.starts_with("AT"));
      CHECK(d->iccid_prefix.ends_with(":"));
    }
    CHECK(d->send_timeout.count() > 0);
    for (const auto& model : d->models) CHECK_FALSE(model.empty());
    for (const auto& maker : d->manufacturers) CHECK_FALSE(maker.empty());
    for (int interface : d->at_interfaces) {
      CHECK(interface >= 0);
      CHECK(interface < 32);  // bInterfaceNumber, USB 2.0 clause 9.6.5
    }
  }
}

TEST_CASE("driver tables: the vendor answers their ICCID command gives") {
  CHECK(huawei_driver().iccid_prefix == "^ICCID:");
  CHECK(simcom_driver().iccid_prefix == "+ICCID:");
  CHECK(quectel_driver().iccid_prefix == "+QCCID:");
  CHECK(sierra_driver().iccid_prefix == "!ICCID:");
  CHECK(telit_driver().iccid_prefix == "#CCID:");
  CHECK(generic_driver().iccid_prefix == "+CRSM:");
}

// One line of each kind a family declares: a prefix with an argument after it, or a
// whole-line word.
std::vector<std::string> declared_lines(const Driver& d) {
  std::vector<std::string> lines;
  for (auto prefix : d.unsolicited.prefixes) lines.push_back(std::string(prefix) + "1");
  for (auto word : d.unsolicited.words) lines.emplace_back(word);
  return lines;
}

std::vector<at::Event> events_of(at::AtParser& parser, std::string_view bytes) {
  parser.feed(bytes);
  std::vector<at::Event> events;
  while (auto event = parser.next_event()) events.push_back(std::move(*event));
  return events;
}

// AT+CMGF=0 names no response prefix, so nothing but the parser's URC tables keeps a
// line that arrives during it out of its response.
constexpr std::string_view kPlainCommand = "AT+CMGF=0";

TEST_CASE("driver noise: every family's lines are URCs to a parser given all_unsolicited()") {
  size_t families_with_noise = 0;
  for (const Driver* d : known_drivers()) {
    INFO("family " << d->family);
    if (!declared_lines(*d).empty()) ++families_with_noise;
    // The parser matches trimmed lines, so an entry with blanks at its ends never would.
    for (auto lines : {d->unsolicited.prefixes, d->unsolicited.words}) {
      for (auto entry : lines) {
        CAPTURE(entry);
        REQUIRE_FALSE(entry.empty());
        CHECK(entry.front() != ' ');
        CHECK(entry.back() != ' ');
        CHECK(entry.find_first_of("\r\n") == std::string_view::npos);
      }
    }
    for (const std::string& line : declared_lines(*d)) {
      CAPTURE(line);
      // Vendor lines only: a standard URC belongs in the parser's own table.
      CHECK_FALSE(at::is_known_urc(line, {}));
      CHECK(at::is_known_urc(line, all_unsolicited()));

      at::AtParser parser(all_unsolicited());
      parser.command_sent(kPlainCommand);
      auto events = events_of(parser, line + "\r\nOK\r\n");
      REQUIRE(events.size() == 2);
      CHECK(std::get<at::Urc>(events[0]).line == line);
      const auto& response = std::get<at::Response>(events[1]);
      CHECK(response.lines.empty());
      CHECK(response.final.ok());
    }
  }
  // Every vendor family declares some (generic: Cinterion's, which no family claims).
  CHECK(families_with_noise == known_drivers().size());
}

TEST_CASE("driver noise: storage-full indications are among a family's declared lines") {
  size_t declaring = 0;
  for (const Driver* d : known_drivers()) {
    INFO("family " << d->family);
    for (std::string_view prefix : d->storage_full_indications) {
      ++declaring;
      CHECK(std::find(d->unsolicited.prefixes.begin(), d->unsolicited.prefixes.end(), prefix) !=
            d->unsolicited.prefixes.end());
      CHECK(at::is_known_urc(std::string(prefix) + " \"SM\"", all_unsolicited()));
    }
  }
  // Huawei's ^SMMEMFULL at least.
  const Driver& huawei = driver_for("huawei", "E3372");
  REQUIRE(huawei.family == "huawei");
  CHECK(std::find(huawei.storage_full_indications.begin(), huawei.storage_full_indications.end(),
                  "^SMMEMFULL:") != huawei.storage_full_indications.end());
  CHECK(declaring >= 1);
}

TEST_CASE("driver noise: a parser without it treats the lines as any unknown line") {
  for (const Driver* d : known_drivers()) {
    INFO("family " << d->family);
    for (const std::string& line : declared_lines(*d)) {
      CAPTURE(line);
      at::AtParser parser;
      // Idle, an unknown line is still reported as unsolicited...
      auto idle = events_of(parser, line + "\r\n");
      REQUIRE(idle.size() == 1);
      CHECK(std::get<at::Urc>(idle[0]).line == line);
      // ...but during a command without response prefixes it joins the answer.
      parser.command_sent(kPlainCommand);
      auto pending = events_of(parser, line + "\r\nOK\r\n");
      REQUIRE(pending.size() == 1);
      CHECK(std::get<at::Response>(pending[0]).lines == std::vector<std::string>{line});
    }
  }
}

TEST_CASE("driver noise: all_unsolicited() is built once, each line once") {
  at::UnsolicitedSet all = all_unsolicited();
  CHECK(all.prefixes.data() == all_unsolicited().prefixes.data());
  CHECK(all.words.data() == all_unsolicited().words.data());
  for (auto lines : {all.prefixes, all.words}) {
    std::set<std::string_view> unique(lines.begin(), lines.end());
    CHECK(unique.size() == lines.size());
  }
}

TEST_CASE("driver ussd: Huawei writes USSD as packed GSM-7 hex, every other family as text") {
  for (const Driver* driver : known_drivers()) {
    CAPTURE(driver->family);
    const auto expected = driver->family == "huawei" ? at::UssdStringForm::kPackedGsm7Hex
                                                     : at::UssdStringForm::kCharacterSet;
    CHECK(driver->ussd_form == expected);
  }
  CHECK(*at::ussd_request_command("*100#", driver_for("huawei", "E173").ussd_form) ==
        "AT+CUSD=1,\"AA180C3602\",15");
  CHECK(*at::ussd_request_command("*100#", generic_driver().ussd_form) == "AT+CUSD=1,\"*100#\",15");
}

}  // namespace
}  // namespace smsgate::drivers

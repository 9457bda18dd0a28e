// `smsgated probe PORT`: wakes the modem on PORT and prints who it is and what it can
// do, as readable lines or (--json) one JSON object. Read-only apart from echo, error
// format and PDU mode, so it is safe on a modem the daemon is not using.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "at/channel.h"
#include "cli/commands.h"
#include "modem/probe.h"

namespace smsgate::cli {
namespace {

struct ProbeArgs {
  std::string port;
  int baud = 115200;
  int timeout_seconds = 10;
  bool json = false;
};

nlohmann::json to_json(const modem::ProbeReport& r) {
  nlohmann::json health = {
      {"registration", modem::registration_status_name(r.health.registration)},
      {"registered", r.health.registered()},
      {"operator", r.health.operator_name},
  };
  health["rssi"] = r.health.rssi ? nlohmann::json(*r.health.rssi) : nullptr;
  health["dbm"] = r.health.dbm ? nlohmann::json(*r.health.dbm) : nullptr;
  return {
      {"port", r.port},
      {"driver", r.family},
      {"manufacturer", r.identity.manufacturer},
      {"model", r.identity.model},
      {"firmware", r.identity.revision},
      {"imei", r.identity.imei},
      {"imsi", r.identity.imsi},
      {"iccid", r.identity.iccid},
      {"sim", r.sim_state},
      {"health", health},
      {"sms",
       {{"pdu_mode", r.pdu_mode},
        {"storage", r.sms_storage},
        {"indications", r.new_message_indications},
        {"service", r.sms_service},
        {"smsc", r.smsc}}},
  };
}

void print_text(const modem::ProbeReport& r) {
  auto row = [](std::string_view name, const std::string& value) {
    std::cout << name << std::string(14 - name.size(), ' ') << (value.empty() ? "-" : value)
              << "\n";
  };
  row("port", r.port);
  row("driver", r.family);
  row("manufacturer", r.identity.manufacturer);
  row("model", r.identity.model);
  row("firmware", r.identity.revision);
  row("imei", r.identity.imei);
  row("imsi", r.identity.imsi);
  row("iccid", r.identity.iccid);
  row("sim", r.sim_state);
  std::string signal = r.health.rssi ? std::to_string(*r.health.rssi) + " (" +
                                           std::to_string(*r.health.dbm) + " dBm)"
                                     : "unknown";
  row("signal", signal);
  row("registration", std::string(modem::registration_status_name(r.health.registration)));
  row("operator", r.health.operator_name);
  row("pdu mode", r.pdu_mode ? "yes" : "no");
  row("storage", r.sms_storage);
  row("indications", r.new_message_indications);
  row("sms service", r.sms_service);
  row("smsc", r.smsc);
}

void run_probe(const ProbeArgs& args) {
  at::SerialSettings settings;
  settings.baud = args.baud;
  auto transport = at::open_transport(args.port, settings);
  if (!transport) throw UsageError("probe: " + transport.error().message);
  at::AtChannel channel(std::move(*transport), drivers::all_unsolicited());
  auto report = modem::probe(channel, std::chrono::seconds(args.timeout_seconds));
  if (!report) throw UsageError("probe: " + report.error().message);
  if (args.json) {
    std::cout << to_json(*report).dump() << "\n";
  } else {
    print_text(*report);
  }
}

}  // namespace

void add_probe_command(CLI::App& app) {
  auto* probe = app.add_subcommand("probe", "Identify the modem on a serial port");
  static ProbeArgs args;
  probe->add_option("port", args.port, "Serial port, e.g. /dev/ttyUSB2")->required();
  probe->add_option("--baud", args.baud, "Baud rate")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  probe->add_option("--timeout", args.timeout_seconds, "Seconds to wait for the modem to answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 300));
  probe->add_flag("--json", args.json, "Print one JSON object");
  probe->callback([] { run_probe(args); });
}

}  // namespace smsgate::cli

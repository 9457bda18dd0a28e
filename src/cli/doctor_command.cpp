// `smsgated doctor [--config FILE] [--json]`: what is wrong with this gateway and how to
// fix it, one line per check (daemon/doctor.h holds the checks). Exit status 0 when no
// check failed (warnings allowed), 1 otherwise.
#include <spdlog/spdlog.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "daemon/doctor.h"

namespace smsgate::cli {
namespace {

struct DoctorArgs {
  std::string config = "/etc/smsgate/smsgate.toml";
  bool json = false;
  int timeout_seconds = 5;
  std::string user;
};

std::string padded(std::string text, size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text + " ";
}

void print_text(const std::vector<daemon::Finding>& findings) {
  for (const daemon::Finding& f : findings) {
    std::string verdict = f.verdict == daemon::Verdict::kFailed
                              ? "FAILED"
                              : std::string(daemon::verdict_name(f.verdict));
    std::cout << padded(verdict, 7) << padded(f.check, 8) << f.subject << "  " << f.detail << "\n";
    if (!f.fix.empty()) std::cout << std::string(8, ' ') << "fix: " << f.fix << "\n";
  }
}

void print_json(const std::vector<daemon::Finding>& findings) {
  nlohmann::json checks = nlohmann::json::array();
  for (const daemon::Finding& f : findings) {
    checks.push_back({{"check", f.check},
                      {"subject", f.subject},
                      {"status", std::string(daemon::verdict_name(f.verdict))},
                      {"detail", f.detail},
                      {"fix", f.fix}});
  }
  nlohmann::json report = {{"ok", daemon::nothing_failed(findings)}, {"checks", checks}};
  std::cout << report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void run_doctor(const DoctorArgs& args) {
  // The findings say what the store and the modems would log; the log would only
  // interleave with them (and break --json).
  spdlog::set_level(spdlog::level::off);
  daemon::DoctorOptions options;
  options.config_path = args.config;
  options.modem_timeout = std::chrono::seconds(args.timeout_seconds);
  options.http_timeout = std::chrono::seconds(args.timeout_seconds);
  options.user = args.user;
  std::vector<daemon::Finding> findings = daemon::run_doctor(options);
  if (args.json) {
    print_json(findings);
  } else {
    print_text(findings);
  }
  std::cout.flush();
  size_t failed = 0;
  for (const daemon::Finding& f : findings) {
    if (f.verdict == daemon::Verdict::kFailed) ++failed;
  }
  if (failed > 0)
    throw UsageError("doctor: " + std::to_string(failed) + (failed == 1 ? " check" : " checks") +
                     " failed");
}

}  // namespace

void add_doctor_command(CLI::App& app) {
  auto* doctor = app.add_subcommand(
      "doctor",
      "Check this gateway (config, database, disk, ports, modems, clock, API, TLS) and say "
      "how to fix what is wrong. Exit status 0 when no check failed (warnings are printed "
      "but allowed), 1 when one did");
  static DoctorArgs args;
  doctor->add_option("--config", args.config, "Configuration file")->capture_default_str();
  doctor->add_flag("--json", args.json,
                   "Print one JSON object: {\"ok\": bool, \"checks\": [{\"check\", \"subject\", "
                   "\"status\", \"detail\", \"fix\"}]}");
  doctor
      ->add_option("--timeout", args.timeout_seconds,
                   "Seconds to wait for each modem and for the API to answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 60));
  doctor->add_option("--user", args.user,
                     "Check the ports' and the database's permissions for this user (default: "
                     "smsgate when run as root and it exists, else you)");
  doctor->callback([] { run_doctor(args); });
}

}  // namespace smsgate::cli

#include <iostream>
#include <string>

#include "cli/commands.h"

namespace smsgate::cli {

void add_run_command(CLI::App& app) {
  auto* run = app.add_subcommand("run", "Run the gateway daemon");
  static std::string config = "/etc/smsgate/smsgate.toml";
  static bool demo = false;
  run->add_option("--config", config, "Configuration file")->capture_default_str();
  run->add_flag("--demo", demo, "Simulated modems, a local database, no configuration file");
  run->callback(
      [] { throw UsageError("run: the daemon is not built yet; `smsgated pdu` works today"); });
}

}  // namespace smsgate::cli

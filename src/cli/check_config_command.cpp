// `smsgated check-config [FILE]`: whether the daemon would start with FILE, decided
// without starting it: the file read by the daemon's own loader, then what start()
// refuses before it touches the database, a modem or the network. The unit's
// ExecStartPre runs it, so a bad edit is named in `systemctl status` instead of a
// restart loop.
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "config/config.h"
#include "daemon/daemon.h"

namespace smsgate::cli {
namespace {

void check_config(const std::string& path) {
  auto config = config::load_config(path);
  if (!config) throw UsageError(config.error().message);
  if (Status startable = daemon::check_startable(*config); !startable)
    throw UsageError(path + ": " + startable.error().message);
  std::cout << path << ": ok\n";
}

}  // namespace

void add_check_config_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "check-config",
      "Check a configuration file without starting: prints FILE: ok, or the error with "
      "its line, and exits 1");
  static std::string path = "/etc/smsgate/smsgate.toml";
  command->add_option("file", path, "Configuration file")->capture_default_str();
  command->callback([] { check_config(path); });
}

}  // namespace smsgate::cli

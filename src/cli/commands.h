// Subcommands of `smsgated`. Each adds itself to the CLI11 app and runs when chosen;
// a failure is a UsageError, printed as one line on stderr with exit status 1.
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>

namespace smsgate::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void add_pdu_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_sim_command(CLI::App& app);
void add_probe_command(CLI::App& app);
void add_apikey_command(CLI::App& app);
void add_admin_password_command(CLI::App& app);
void add_user_command(CLI::App& app);
void add_migrate_command(CLI::App& app);
void add_backup_commands(CLI::App& app);
void add_erase_command(CLI::App& app);
void add_check_config_command(CLI::App& app);
void add_doctor_command(CLI::App& app);
void add_mail2sms_command(CLI::App& app);

}  // namespace smsgate::cli

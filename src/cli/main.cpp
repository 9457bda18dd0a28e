#include <cstdio>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"smsgated: on-premises SMS gateway", "smsgated"};
  app.require_subcommand(1);
  smsgate::cli::add_pdu_command(app);
  smsgate::cli::add_run_command(app);
  smsgate::cli::add_sim_command(app);
  smsgate::cli::add_probe_command(app);
  smsgate::cli::add_apikey_command(app);
  smsgate::cli::add_admin_password_command(app);
  smsgate::cli::add_user_command(app);
  smsgate::cli::add_migrate_command(app);
  smsgate::cli::add_backup_commands(app);
  smsgate::cli::add_erase_command(app);
  smsgate::cli::add_check_config_command(app);
  smsgate::cli::add_doctor_command(app);
  smsgate::cli::add_mail2sms_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "smsgated: " << e.what() << "\n";
    return 1;
  } catch (const smsgate::cli::UsageError& e) {
    std::cerr << "smsgated: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// `smsgated admin-password reset`: a new password for the admin page, for an appliance
// set up without the demo (which prints one each start). The old password stops
// working at once, even for a running daemon, and every admin session ends: a running
// daemon sees at each session's next request that the password is not the one it was
// opened with (auth/admin_sessions.h).
#include <iostream>

#include "auth/admin_password.h"
#include "cli/commands.h"
#include "cli/database_option.h"

namespace smsgate::cli {

void add_admin_password_command(CLI::App& app) {
  auto* admin = app.add_subcommand("admin-password", "The admin page's password");
  admin->require_subcommand(1);
  static DatabaseArgs args;
  auto* reset = admin->add_subcommand(
      "reset", "Make a new admin password; prints it once, alone on the last line");
  add_database_options(*reset, args);
  reset->callback([] {
    auto store = open_store(args, "admin-password reset");
    auto password = auth::reset_admin_password(*store);
    if (!password) throw UsageError("admin-password reset: " + password.error().message);
    std::cout << "New admin password; it is shown only this once. The old one no longer works "
                 "and every admin page signed in with it is signed out:\n"
              << *password << std::endl;
  });
}

}  // namespace smsgate::cli

// `smsgated erase --number N`: everything the gateway holds about one person but their
// opt-out (store/retention.h), from the command line; beside a running daemon or not.
// No confirmation is asked: the command is the request, and it prints what it deleted.
#include <iostream>

#include "cli/commands.h"
#include "cli/database_option.h"
#include "common/clock.h"
#include "config/config.h"
#include "policy/phone.h"

namespace smsgate::cli {

void add_erase_command(CLI::App& app) {
  static DatabaseArgs args;
  static std::string number;
  auto* erase = app.add_subcommand(
      "erase", "Delete everything about one phone number (its opt-out stays); prints the counts");
  erase->add_option("--number", number, "The number, international or in [sending] default_region")
      ->required();
  add_database_options(*erase, args);
  erase->callback([] {
    // National numbers need the configuration's region; with --db only, international.
    std::string region;
    if (!args.db) {
      auto config = config::load_config(args.config);
      if (!config) throw UsageError("erase: " + config.error().message);
      region = config->sending.default_region;
    }
    auto normalized = policy::normalize_number(number, region);
    if (!normalized) throw UsageError("erase: --number: " + normalized.error().message);
    auto store = open_store(args, "erase");
    SystemClock clock;
    auto erased = store->erase_number(*normalized, clock.now());
    if (!erased) throw UsageError("erase: " + erased.error().message);
    std::cout << "Erased " << *normalized << ":\n"
              << "messages:       " << erased->messages << " (" << erased->cancelled
              << " cancelled before they were sent)\n"
              << "inbound:        " << erased->inbound_messages << "\n"
              << "status reports: " << erased->status_reports << "\n"
              << "otp codes:      " << erased->otp_codes << "\n"
              << "appointments:   " << erased->appointments << "\n"
              << "webhook events: " << erased->webhook_events << "\n"
              << "contacts:       " << erased->contacts << "\n"
              << "opted out:      "
              << (erased->opted_out ? "yes (kept, so nothing is sent to it again)" : "no")
              << std::endl;
  });
}

}  // namespace smsgate::cli

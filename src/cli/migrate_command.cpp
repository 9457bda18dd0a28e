// `smsgated migrate`: brings the database to this smsgated's schema without starting
// the daemon, so that a package upgrade does it (postinst), where a failure is seen,
// rather than the service at its next start. Opening the store is what migrates; this
// reads the version before and after from the file itself.
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/database_option.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace smsgate::cli {
namespace {

// The schema version of the database at `path` as it is on disk.
int schema_version_on_disk(const std::string& path) {
  auto connection = store::Connection::open(path, /*create=*/false);
  if (!connection) throw UsageError("migrate: " + connection.error().message);
  auto version = store::schema_version(*connection);
  if (!version) throw UsageError("migrate: " + path + ": " + version.error().message);
  return *version;
}

}  // namespace

void add_migrate_command(CLI::App& app) {
  static DatabaseArgs args;
  auto* migrate = app.add_subcommand(
      "migrate", "Bring the database to this version's schema; prints the version it is at");
  add_database_options(*migrate, args);
  migrate->callback([] {
    std::string path = database_path_as_owner(args, "migrate");
    bool existed = std::filesystem::exists(path);
    int before = existed ? schema_version_on_disk(path) : 0;
    {
      auto store = store::Store::open(path);
      if (!store) throw UsageError("migrate: " + store.error().message);
    }
    int after = schema_version_on_disk(path);
    std::cout << "Database " << path << " at schema version " << after;
    if (!existed) {
      std::cout << " (created)";
    } else if (before != after) {
      std::cout << " (migrated from " << before << ")";
    } else {
      std::cout << " (already)";
    }
    std::cout << std::endl;
  });
}

}  // namespace smsgate::cli

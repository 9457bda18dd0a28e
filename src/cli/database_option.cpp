#include "cli/database_option.h"

#include "cli/commands.h"
#include "config/config.h"

namespace smsgate::cli {

void add_database_options(CLI::App& command, DatabaseArgs& args) {
  command.add_option("--config", args.config, "Configuration file (its [storage] path)")
      ->capture_default_str();
  command.add_option("--db", args.db, "Database file, instead of the configuration's");
}

std::unique_ptr<store::Store> open_store(const DatabaseArgs& args, const std::string& command) {
  std::string path;
  if (args.db) {
    path = *args.db;
  } else {
    auto config = config::load_config(args.config);
    if (!config) throw UsageError(command + ": " + config.error().message);
    path = config->storage.path;
  }
  auto store = store::Store::open(path);
  if (!store) throw UsageError(command + ": " + store.error().message);
  return std::move(*store);
}

}  // namespace smsgate::cli

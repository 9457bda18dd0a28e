// The database a maintenance command works on: the configuration's [storage] path, or
// --db. Such commands run next to a running daemon or before its first start (the
// database is created when missing).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

#include "store/store.h"

namespace smsgate::cli {

struct DatabaseArgs {
  std::string config = "/etc/smsgate/smsgate.toml";
  std::optional<std::string> db;  // overrides the configuration's [storage] path
};

void add_database_options(CLI::App& command, DatabaseArgs& args);

// Throws UsageError, prefixed with `command`, when the file or the database is bad.
std::unique_ptr<store::Store> open_store(const DatabaseArgs& args, const std::string& command);

}  // namespace smsgate::cli

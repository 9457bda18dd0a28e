// The database a maintenance command works on: the configuration's [storage] path, or
// --db. Such commands run next to a running daemon or before its first start (the
// database is created when missing).
//
// Run as root on a database whose directory belongs to another user (the service's
// /var/lib/smsgate, owned by smsgate), a command becomes that user before it opens the
// database: files root made there (-wal, -shm, a new database) would shut the service
// out of its own database.
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

// The database's path: --db, or the configuration's [storage] path, without changing
// user: for backup and restore, which create nothing in the database's directory that
// SQLite would not give to the database's owner (restore gives its file to the
// directory's owner itself). Throws UsageError, prefixed with `command`, when the
// configuration is bad.
std::string database_path(const DatabaseArgs& args, const std::string& command);

// The database's path, once the process runs as the owner of its directory (above).
// Throws UsageError, prefixed with `command`, when the file is bad or the user cannot
// be taken on.
std::string database_path_as_owner(const DatabaseArgs& args, const std::string& command);

// The store at database_path_as_owner(), opened (and so migrated). Throws UsageError,
// prefixed with `command`, when the file or the database is bad.
std::unique_ptr<store::Store> open_store(const DatabaseArgs& args, const std::string& command);

}  // namespace smsgate::cli

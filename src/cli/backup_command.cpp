// `smsgated backup FILE` (beside a running daemon) and `smsgated restore FILE` (with the
// daemon stopped): store/backup.h does the work; this prints what was done.
#include <iostream>

#include "cli/commands.h"
#include "cli/database_option.h"
#include "common/clock.h"
#include "store/backup.h"

namespace smsgate::cli {

void add_backup_commands(CLI::App& app) {
  static DatabaseArgs backup_args;
  static std::string backup_file;
  auto* backup = app.add_subcommand(
      "backup", "Copy the database to FILE (0600), consistent, while smsgated runs");
  backup->add_option("FILE", backup_file, "Where the backup goes (replaced when it exists)")
      ->required();
  add_database_options(*backup, backup_args);
  backup->callback([] {
    std::string database = database_path(backup_args, "backup");
    auto report = store::backup_database(database, backup_file);
    if (!report) throw UsageError("backup: " + report.error().message);
    std::cout << "backup:   " << report->path << "\n"
              << "size:     " << report->size_bytes << " bytes\n"
              << "schema:   " << report->schema_version << "\n"
              << "messages: " << report->messages << std::endl;
  });

  static DatabaseArgs restore_args;
  static std::string restore_file;
  auto* restore = app.add_subcommand(
      "restore", "Put a backup in place of the database (smsgated must be stopped)");
  restore->add_option("FILE", restore_file, "A backup made by smsgated backup")->required();
  add_database_options(*restore, restore_args);
  restore->callback([] {
    std::string database = database_path(restore_args, "restore");
    SystemClock clock;
    auto report = store::restore_database(restore_file, database, clock.now());
    if (!report) throw UsageError("restore: " + report.error().message);
    std::cout << "restored: " << report->restored_from << " (schema "
              << report->backup_schema_version << ", " << report->messages << " messages)\n"
              << "database: " << report->database << " (schema " << report->schema_version
              << ")\n"
              << "previous: " << (report->previous.empty() ? "none" : report->previous)
              << std::endl;
  });
}

}  // namespace smsgate::cli

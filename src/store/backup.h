// Backup and restore of the database file (`smsgated backup`, `smsgated restore`).
//
// Backup runs beside a running daemon. It reads through its own connection inside one
// read transaction, so the copy is the database as it was at one commit: in WAL mode
// a reader never blocks the daemon's writer, and holding the snapshot keeps SQLite's
// online backup (sqlite3_backup_step, a chunk of pages at a time) from starting over
// each time the daemon commits. The copy is written to a private (0600) file beside
// the destination, made a self-contained file (rollback journal, no -wal), checked
// (integrity_check, schema version), fsync'd and renamed into place, so the
// destination is either the old file or a whole, checked backup.
//
// Restore must not run beside a daemon: a database that another connection holds open
// is refused (database_in_use). It checks the backup first (an SQLite file that passes
// quick_check, with the store's tables, of a schema this binary can read), keeps the
// current database aside under a timestamped name, puts the backup in its place with
// the current file's private mode and the database directory's owner, then opens it
// with Store::open, which applies the migrations a backup from an older smsgated needs.
// Anything wrong before the swap changes nothing.
//
// Thread safety: plain functions; each opens its own connections.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace smsgate::store {

struct BackupReport {
  std::string path;          // the backup written
  uint64_t size_bytes = 0;
  int schema_version = 0;
  int64_t messages = 0;      // outbound messages in it
};

// Copies the database at `source` (which must exist) to `destination`.
// Errors: no database at `source`, the destination's directory cannot be written, the
// copy fails its check (the partial file is removed; a file already at `destination`
// is left as it was).
Result<BackupReport> backup_database(const std::string& source, const std::string& destination);

// Whether another connection (a running daemon, in this process or another) holds the
// database at `path` open. False when there is no file. How: SQLite in WAL mode keeps
// a shared lock on the database file for as long as a connection is open, so a probe
// that asks for an exclusive lock (locking_mode=EXCLUSIVE, BEGIN EXCLUSIVE, no busy
// wait) gets it only when no one else has the file open. SQLite's own locks see
// connections of this process as well as others'.
Result<bool> database_in_use(const std::string& path);

struct RestoreReport {
  std::string restored_from;
  std::string database;
  std::string previous;       // where the database that was replaced now is; "" if none
  int backup_schema_version = 0;
  int schema_version = 0;     // after migrating
  int64_t messages = 0;
};

// Puts the backup at `backup` in place of the database at `database`. `now_ms` names
// the file the current database is kept as (`<database>.before-restore-<UTC time>`).
// Errors (nothing changed): the backup is not an smsgate database or is newer than
// this binary; the database is in use; the files cannot be moved.
Result<RestoreReport> restore_database(const std::string& backup, const std::string& database,
                                       int64_t now_ms);

}  // namespace smsgate::store

// Backup and restore (backup.h).
#include "store/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string_view>
#include <thread>

#include "common/clock.h"
#include "store/engine.h"
#include "store/files.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace smsgate::store {

namespace fs = std::filesystem;

namespace {

// 256 pages of 4 KiB: 1 MiB a step, so a step is short and a large database is copied
// in many of them.
constexpr int kPagesPerStep = 256;
// A step that meets a lock (another process checkpointing) tries again this often, for
// at most kLockedPatience.
constexpr auto kLockedRetry = std::chrono::milliseconds(20);
constexpr auto kLockedPatience = std::chrono::seconds(10);

Error system_error(const std::string& what, int error) {
  return make_error(what + ": " + std::strerror(error));
}

bool is_regular_file(const std::string& path) {
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode);
}

std::string directory_of(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// A new private (0600) file beside `path`, named after it; its name is returned.
Result<std::string> make_private_temporary(const std::string& path, std::string_view role) {
  std::string name = path + "." + std::string(role) + "-XXXXXX";
  int fd = ::mkstemp(name.data());  // 0600, whatever the umask
  if (fd < 0) return system_error("cannot create a file beside " + path, errno);
  ::close(fd);
  return name;
}

Status sync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return system_error("cannot open " + path, errno);
  int synced = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (synced != 0) return system_error("cannot sync " + path, error);
  return ok_status();
}

// After a rename: the directory entry itself must reach the disk.
Status sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return system_error("cannot open directory " + dir, errno);
  int synced = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (synced != 0) return system_error("cannot sync directory " + dir, error);
  return ok_status();
}

// Removes `path` when it goes out of scope, unless kept.
class RemoveUnlessKept {
 public:
  explicit RemoveUnlessKept(std::string path) : path_(std::move(path)) {}
  ~RemoveUnlessKept() {
    if (path_.empty()) return;
    std::error_code ignored;
    fs::remove(path_, ignored);
    for (const std::string& companion : companion_files(path_)) fs::remove(companion, ignored);
  }
  void keep() { path_.clear(); }

 private:
  std::string path_;
};

Result<std::string> single_text(Connection& db, const char* sql) {
  auto query = db.query(sql);
  if (!query.ok()) return query.error();
  auto row = query->step();
  if (!row.ok()) return row.error();
  if (!*row) return make_error(std::string("no answer to ") + sql);
  return query->text(0);
}

Result<int64_t> single_int(Connection& db, const char* sql) {
  auto query = db.query(sql);
  if (!query.ok()) return query.error();
  auto row = query->step();
  if (!row.ok()) return row.error();
  if (!*row) return make_error(std::string("no answer to ") + sql);
  return query->int64(0);
}

// What a copy holds, once it passed `check` ("integrity_check" or "quick_check").
struct Contents {
  int schema_version = 0;
  int64_t messages = 0;
};

// `path` as an smsgate database: SQLite's check passes, it has the store's tables and a
// schema this binary can read.
Result<Contents> inspect(const std::string& path, const char* check_sql) {
  auto db = Connection::open(path, /*create=*/false);
  if (!db.ok()) return db.error();
  auto check = single_text(*db, check_sql);
  if (!check.ok()) return make_error("not an SQLite database (" + check.error().message + ")");
  if (*check != "ok") return make_error("damaged: " + *check);
  auto version = schema_version(*db);
  if (!version.ok()) return version.error();
  auto has_messages = single_int(
      *db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'messages'");
  if (!has_messages.ok()) return has_messages.error();
  if (*version < 1 || *has_messages == 0) return make_error("not an smsgate database");
  if (*version > kSchemaVersion)
    return make_error("schema " + std::to_string(*version) + " is newer than this smsgated (" +
                      std::to_string(kSchemaVersion) + "); restore it with the smsgated that made it");
  auto messages = single_int(*db, "SELECT count(*) FROM messages");
  if (!messages.ok()) return messages.error();
  return Contents{*version, *messages};
}

// Copies every page of `source` into `destination` while `source` holds one read
// transaction (backup.h says why).
Status copy_pages(Connection& source, Connection& destination) {
  sqlite3_backup* backup =
      sqlite3_backup_init(destination.handle(), "main", source.handle(), "main");
  if (!backup) return destination.error("backup");
  auto patience = MonotonicClock::now() + kLockedPatience;
  int rc = SQLITE_OK;
  for (;;) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) continue;
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && MonotonicClock::now() < patience) {
      std::this_thread::sleep_for(kLockedRetry);
      continue;
    }
    break;
  }
  int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return make_error(std::string("backup failed: ") + sqlite3_errstr(rc));
  if (finished != SQLITE_OK) return destination.error("backup");
  return ok_status();
}

std::string utc_stamp(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &parts);
  return text;
}

// The database directory's owner gets the file, so that the daemon's user can open a
// database that root restored.
Status give_to_directory_owner(const std::string& file, const std::string& dir) {
  struct stat owner {};
  if (::stat(dir.c_str(), &owner) != 0) return system_error("cannot read " + dir, errno);
  struct stat current {};
  if (::stat(file.c_str(), &current) != 0) return system_error("cannot read " + file, errno);
  if (current.st_uid == owner.st_uid && current.st_gid == owner.st_gid) return ok_status();
  if (::chown(file.c_str(), owner.st_uid, owner.st_gid) != 0)
    return system_error("cannot give the restored database to the owner of " + dir + " (uid " +
                            std::to_string(owner.st_uid) + "); run restore as root or as that user",
                        errno);
  return ok_status();
}

Status copy_file_contents(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, error);
  if (error) return make_error("cannot copy " + from + " to " + to + ": " + error.message());
  // copy_file carries the source's mode over; the copy stays private.
  if (::chmod(to.c_str(), 0600) != 0) return system_error("cannot set the mode of " + to, errno);
  return sync_file(to);
}

}  // namespace

Result<BackupReport> backup_database(const std::string& source, const std::string& destination) {
  if (!is_regular_file(source)) return make_error("no database at " + source);
  auto temporary = make_private_temporary(destination, "partial");
  if (!temporary.ok()) return temporary.error();
  RemoveUnlessKept cleanup(*temporary);
  {
    auto from = Connection::open(source, /*create=*/false);
    if (!from.ok()) return from.error();
    sqlite3_busy_timeout(from->handle(), 5000);
    if (auto s = from->exec("PRAGMA query_only=ON"); !s.ok()) return s.error();
    // The read transaction starts at the first read and holds this snapshot until the
    // end: every step copies from the same commit.
    if (auto s = from->exec("BEGIN"); !s.ok()) return s.error();
    if (auto read = single_int(*from, "SELECT count(*) FROM sqlite_schema"); !read.ok())
      return make_error(source + ": " + read.error().message);
    auto to = Connection::open(*temporary, /*create=*/false);
    if (!to.ok()) return to.error();
    // A scratch file until it is checked and synced below: no journal, no fsync per step.
    if (auto s = to->exec("PRAGMA journal_mode=OFF"); !s.ok()) return s.error();
    if (auto s = to->exec("PRAGMA synchronous=OFF"); !s.ok()) return s.error();
    if (auto s = copy_pages(*from, *to); !s.ok()) return s.error();
    (void)from->exec("COMMIT");
  }
  {
    // The copy carries the live file's WAL mark; a backup is one self-contained file.
    auto copy = Connection::open(*temporary, /*create=*/false);
    if (!copy.ok()) return copy.error();
    auto mode = single_text(*copy, "PRAGMA journal_mode=DELETE");
    if (!mode.ok()) return mode.error();
    if (*mode != "delete") return make_error("the copy stays in journal mode " + *mode);
  }
  auto contents = inspect(*temporary, "PRAGMA integrity_check");
  if (!contents.ok()) return make_error("the copy of " + source + " is " + contents.error().message);
  if (auto s = sync_file(*temporary); !s.ok()) return s.error();
  if (::rename(temporary->c_str(), destination.c_str()) != 0)
    return system_error("cannot rename " + *temporary + " to " + destination, errno);
  cleanup.keep();
  if (auto s = sync_directory(directory_of(destination)); !s.ok()) return s.error();
  std::error_code error;
  auto size = fs::file_size(destination, error);
  return BackupReport{destination, error ? 0 : static_cast<uint64_t>(size),
                      contents->schema_version, contents->messages};
}

Result<bool> database_in_use(const std::string& path) {
  if (!is_regular_file(path)) return false;
  auto db = Connection::open(path, /*create=*/false);
  if (!db.ok()) return db.error();
  sqlite3_busy_timeout(db->handle(), 0);
  if (auto s = db->exec("PRAGMA locking_mode=EXCLUSIVE"); !s.ok()) return s.error();
  if (db->exec("BEGIN EXCLUSIVE").ok()) {
    // Closing the last connection checkpoints a WAL left by a daemon that stopped
    // without doing so, and removes it: the file holds everything on its own.
    (void)db->exec("COMMIT");
    return false;
  }
  int code = sqlite3_errcode(db->handle()) & 0xff;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return true;
  return db->error("the check whether " + path + " is in use");
}

Result<RestoreReport> restore_database(const std::string& backup, const std::string& database,
                                       int64_t now_ms) {
  if (!is_regular_file(backup)) return make_error("no backup at " + backup);
  std::string dir = directory_of(database);
  auto temporary = make_private_temporary(database, "restoring");
  if (!temporary.ok()) return temporary.error();
  RemoveUnlessKept cleanup(*temporary);
  // Checked as a copy: the backup itself is never touched.
  if (auto s = copy_file_contents(backup, *temporary); !s.ok()) return s.error();
  auto contents = inspect(*temporary, "PRAGMA quick_check");
  if (!contents.ok()) return make_error(backup + " is " + contents.error().message);
  if (auto s = give_to_directory_owner(*temporary, dir); !s.ok()) return s.error();

  auto in_use = database_in_use(database);
  if (!in_use.ok()) return in_use.error();
  if (*in_use)
    return make_error("the database " + database +
                      " is in use; stop smsgated first (systemctl stop smsgated)");

  RestoreReport report;
  report.restored_from = backup;
  report.database = database;
  report.backup_schema_version = contents->schema_version;
  report.messages = contents->messages;
  if (is_regular_file(database)) {
    std::string previous = database + ".before-restore-" + utc_stamp(now_ms);
    if (fs::exists(previous)) return make_error(previous + " exists already; try again");
    if (::rename(database.c_str(), previous.c_str()) != 0)
      return system_error("cannot move " + database + " aside", errno);
    // A stale -wal beside the restored file would be replayed into it: each companion
    // goes with the file it belongs to.
    auto kept = companion_files(previous);
    auto live = companion_files(database);
    for (size_t i = 0; i < live.size(); ++i) {
      if (fs::exists(live[i]) && ::rename(live[i].c_str(), kept[i].c_str()) != 0)
        return system_error("cannot move " + live[i] + " aside", errno);
    }
    report.previous = previous;
  }
  if (::rename(temporary->c_str(), database.c_str()) != 0)
    return system_error("cannot move the backup to " + database, errno);
  cleanup.keep();
  if (auto s = sync_directory(dir); !s.ok()) return s.error();

  auto engine = Engine::open(database);
  if (!engine.ok())
    return make_error("restored, but opening it failed: " + engine.error().message +
                      (report.previous.empty() ? "" : "; the previous database is " + report.previous));
  auto reader = (*engine)->read();
  if (!reader.ok()) return reader.error();
  auto version = schema_version(**reader);
  if (!version.ok()) return version.error();
  report.schema_version = *version;
  return report;
}

}  // namespace smsgate::store

// Backup and restore of the database file (store/backup.h): the copy is private,
// checked and self-contained; restore refuses a database in use, a file that is not an
// smsgate database and one from a newer smsgated, changing nothing; a good backup
// replaces the database, the old one kept aside, and an older schema is migrated.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/backup.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
using namespace smsgate::store::testing;
namespace fs = std::filesystem;

constexpr int64_t kT0 = 1'790'000'000'000;  // 2026-09-21T14:13:20Z

NewMessage message_to(std::string to) {
  NewMessage m;
  m.to = std::move(to);
  m.text = "See you at 10:00";
  m.parts.push_back(NewPart{"00" + std::string(40, 'A'), 20});
  return m;
}

void submit(Store& store, const std::string& to, int count) {
  for (int i = 0; i < count; ++i) REQUIRE(store.submit({message_to(to)}, kT0).ok());
}

int64_t count_messages(const std::string& path) {
  auto store = Store::open(path);
  REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
  MessageFilter all;
  all.limit = 500;
  auto page = (*store)->list_messages(all);
  REQUIRE(page.ok());
  return static_cast<int64_t>(page->items.size());
}

unsigned mode_of(const std::string& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_mode & 07777;
}

std::string contents_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The names in `dir`, for "nothing else was left behind".
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("store backup: a private, checked, self-contained copy of an open database") {
  TempDir dir;
  auto store = open_store(dir);
  submit(*store, "+420601234567", 3);
  std::string backup = (dir.path / "backup.db").string();

  auto report = backup_database(dir.db(), backup);
  REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
  CHECK(report->path == backup);
  CHECK(report->schema_version == kSchemaVersion);
  CHECK(report->messages == 3);
  CHECK(report->size_bytes == fs::file_size(backup));
  CHECK(mode_of(backup) == 0600);
  // One file: no -wal or -shm beside it, and no partial file left.
  CHECK(names_in(dir.path) == std::vector<std::string>{"backup.db", "smsgate.db", "smsgate.db-shm",
                                                       "smsgate.db-wal"});
  submit(*store, "+420601234567", 1);  // the live database goes on; the copy does not move
  store.reset();
  CHECK(count_messages(backup) == 3);
  CHECK(count_messages(dir.db()) == 4);
}

TEST_CASE("store backup: a missing database or an unwritable place is an error, no file made") {
  TempDir dir;
  auto missing = backup_database((dir.path / "none.db").string(), (dir.path / "b.db").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("no database at") != std::string::npos);
  auto store = open_store(dir);
  auto nowhere = backup_database(dir.db(), (dir.path / "no" / "b.db").string());
  REQUIRE_FALSE(nowhere.ok());
  CHECK_FALSE(fs::exists(dir.path / "b.db"));
}

TEST_CASE("store restore: refused while a connection holds the database open") {
  TempDir dir;
  auto store = open_store(dir);
  submit(*store, "+420601234567", 2);
  std::string backup = (dir.path / "backup.db").string();
  REQUIRE(backup_database(dir.db(), backup).ok());
  submit(*store, "+420601234567", 1);

  auto in_use = database_in_use(dir.db());
  REQUIRE(in_use.ok());
  CHECK(*in_use);
  auto before = names_in(dir.path);
  auto refused = restore_database(backup, dir.db(), kT0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("is in use; stop smsgated first") != std::string::npos);
  CHECK(names_in(dir.path) == before);
  submit(*store, "+420601234567", 1);  // the daemon's store still works
  store.reset();

  in_use = database_in_use(dir.db());
  REQUIRE(in_use.ok());
  CHECK_FALSE(*in_use);
  CHECK(count_messages(dir.db()) == 4);
}

TEST_CASE("store restore: a good backup replaces the database, the old one kept aside") {
  TempDir dir;
  auto store = open_store(dir);
  submit(*store, "+420601234567", 2);
  std::string backup = (dir.path / "backup.db").string();
  REQUIRE(backup_database(dir.db(), backup).ok());
  submit(*store, "+420601234567", 3);
  store.reset();
  std::string backup_bytes = contents_of(backup);

  auto report = restore_database(backup, dir.db(), kT0);
  REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
  std::string previous = dir.db() + ".before-restore-20260921T141320Z";
  CHECK(report->previous == previous);
  CHECK(report->messages == 2);
  CHECK(report->backup_schema_version == kSchemaVersion);
  CHECK(report->schema_version == kSchemaVersion);
  CHECK(mode_of(dir.db()) == 0600);
  CHECK(contents_of(backup) == backup_bytes);  // the backup itself is untouched
  CHECK(count_messages(dir.db()) == 2);
  CHECK(count_messages(previous) == 5);
}

TEST_CASE("store restore: a backup of an older schema is migrated") {
  TempDir dir;
  std::string old = (dir.path / "old.db").string();
  {
    auto db = Connection::open(old, /*create=*/true);
    REQUIRE(db.ok());
    for (const Migration& migration : kMigrations) {
      if (migration.version > 3) break;
      REQUIRE(db->exec(std::string(migration.sql).c_str()).ok());
    }
  }
  auto report = restore_database(old, dir.db(), kT0);
  REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
  CHECK(report->backup_schema_version == 3);
  CHECK(report->schema_version == kSchemaVersion);
  CHECK(report->previous.empty());  // there was no database yet
  CHECK(count_messages(dir.db()) == 0);
}

TEST_CASE("store restore: not a database, not smsgate's, or newer: refused, nothing changed") {
  TempDir dir;
  auto store = open_store(dir);
  submit(*store, "+420601234567", 2);
  store.reset();
  std::string live_bytes = contents_of(dir.db());

  std::string text = (dir.path / "notes.txt").string();
  std::ofstream(text) << "this is not a database, just some notes that are long enough\n";
  std::string other = (dir.path / "other.db").string();
  {
    auto db = Connection::open(other, /*create=*/true);
    REQUIRE(db.ok());
    REQUIRE(db->exec("CREATE TABLE photos (id INTEGER PRIMARY KEY)").ok());
  }
  std::string newer = (dir.path / "newer.db").string();
  REQUIRE(backup_database(dir.db(), newer).ok());
  {
    auto db = Connection::open(newer, /*create=*/false);
    REQUIRE(db.ok());
    REQUIRE(db->exec("PRAGMA user_version = 999").ok());
  }
  auto before = names_in(dir.path);

  auto refused = restore_database(text, dir.db(), kT0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("notes.txt is not an SQLite database") != std::string::npos);
  refused = restore_database(other, dir.db(), kT0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("other.db is not an smsgate database") != std::string::npos);
  refused = restore_database(newer, dir.db(), kT0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("schema 999 is newer than this smsgated") !=
        std::string::npos);
  refused = restore_database((dir.path / "missing.db").string(), dir.db(), kT0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("no backup at") != std::string::npos);

  CHECK(names_in(dir.path) == before);
  CHECK(contents_of(dir.db()) == live_bytes);
}

// Migrations: a fresh database gets the whole schema, an old one is upgraded in place
// with its data kept, a newer one is refused; and the pragmas the guarantees rest on.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/schema.h"
#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
using namespace smsgate::store::testing;

// Runs `sql` on the file directly, as an older smsgated (or a person) would.
void run_sql(const std::string& path, const std::string& sql) {
  auto connection = Connection::open(path, true);
  REQUIRE(connection.ok());
  auto done = connection->exec(sql.c_str());
  REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error().message));
}

int version_of(const std::string& path) {
  auto connection = Connection::open(path, false);
  REQUIRE(connection.ok());
  auto version = schema_version(*connection);
  REQUIRE(version.ok());
  return *version;
}

}  // namespace

TEST_CASE("store: a new database gets the latest schema in WAL mode") {
  TempDir dir;
  {
    auto store = Store::open(dir.db());
    REQUIRE(store.ok());
  }
  CHECK(version_of(dir.db()) == kSchemaVersion);
  auto connection = Connection::open(dir.db(), false);
  REQUIRE(connection.ok());
  auto mode = connection->query("PRAGMA journal_mode");
  REQUIRE(mode.ok());
  REQUIRE(*mode->step());
  CHECK(mode->text(0) == "wal");
}

TEST_CASE("store: a version 1 database is upgraded in place and keeps its messages") {
  TempDir dir;
  run_sql(dir.db(), std::string(kMigrations[0].sql));
  run_sql(dir.db(),
          "INSERT INTO messages (recipient, text, category, status, created_at, updated_at, "
          "encoding, part_count, due_at) VALUES ('+420601000001', 'kept', 'otp', 'queued', 1, 1, "
          "'gsm7', 1, 1);"
          "INSERT INTO parts (message_id, number, pdu_hex, tpdu_length, status) "
          "VALUES (1, 1, '00AA', 1, 'queued');");
  REQUIRE(version_of(dir.db()) == 1);

  auto store = Store::open(dir.db());
  REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
  CHECK(version_of(dir.db()) == kSchemaVersion);
  auto detail = (*store)->get_message(1);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  CHECK((*detail)->message.text == "kept");
  CHECK((*detail)->parts.size() == 1);
  // The tables of later migrations are there and work.
  CHECK((*store)->add_optout("+420601000001", "STOP", 2).ok());
  auto next = (*store)->next_due_message(10, "modem-a");
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  CHECK((*next)->id == 1);
}

TEST_CASE("store: a database newer than this binary is refused and left alone") {
  TempDir dir;
  { REQUIRE(Store::open(dir.db()).ok()); }
  run_sql(dir.db(), "PRAGMA user_version = " + std::to_string(kSchemaVersion + 3));
  auto store = Store::open(dir.db());
  REQUIRE_FALSE(store.ok());
  std::string expected = "database schema " + std::to_string(kSchemaVersion + 3) +
                         " is newer than this smsgated (" + std::to_string(kSchemaVersion) +
                         "); upgrade smsgated";
  CHECK_MESSAGE(store.error().message.find(expected) != std::string::npos, store.error().message);
  CHECK(version_of(dir.db()) == kSchemaVersion + 3);
}

TEST_CASE("store: a file that is not a database is an error, not a crash") {
  TempDir dir;
  {
    FILE* f = std::fopen(dir.db().c_str(), "w");
    REQUIRE(f);
    std::fputs("this is not an SQLite database, just text that is long enough to look", f);
    std::fclose(f);
  }
  auto store = Store::open(dir.db());
  CHECK_FALSE(store.ok());
  auto missing_dir = Store::open((dir.path / "no" / "such" / "dir.db").string());
  CHECK_FALSE(missing_dir.ok());
}

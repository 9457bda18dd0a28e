// The store's schema as an ordered list of migrations. `PRAGMA user_version` holds the
// number of migrations a database has had; opening applies the missing ones, each in
// its own transaction, and refuses a database written by a newer smsgated (its tables
// may mean things this binary does not know).
//
// Rules for changing the schema: never edit a migration that has shipped; append a new
// one. A migration is plain SQL with no values in it.
#pragma once

#include <array>
#include <string_view>

#include "common/result.h"
#include "store/sqlite.h"

namespace smsgate::store {

struct Migration {
  int version;           // user_version after it ran
  std::string_view sql;  // one or more statements
};

extern const std::array<Migration, 22> kMigrations;
inline constexpr int kSchemaVersion = 22;

// PRAGMA user_version.
Result<int> schema_version(Connection& connection);

// Brings the database on `connection` to kSchemaVersion; errors (and changes nothing)
// when it is newer than that.
Status migrate(Connection& connection);

}  // namespace smsgate::store

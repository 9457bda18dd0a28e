// A thin layer over the SQLite C API for the store: a Connection that owns its
// prepared statements (prepared once with SQLITE_PREPARE_PERSISTENT and reused), and a
// borrowed Query that binds parameters, steps and reads columns, and resets the
// statement when it goes out of scope so that no read transaction stays open by
// accident (a forgotten reset would pin an old WAL snapshot and stop checkpoints).
//
// Values only ever reach SQL as bound parameters; the SQL text is always a constant.
//
// Thread safety: a Connection and its Queries belong to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace smsgate::store {

class Query;

// The code of an error SQLite answered `sqlite_code` (primary or extended) for: the
// disk's faults (full, I/O, cannot open or create, read-only) are
// kStorageUnavailable, a state that passes when space returns; anything else is
// kStorage, the daemon's own failure.
ErrorCode error_code_for(int sqlite_code);

class Connection {
 public:
  // Opens (creating when `create`) the database at `path` in "no mutex" mode: each
  // connection is used by one thread at a time.
  static Result<Connection> open(const std::string& path, bool create);

  Connection() = default;
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs constant SQL that takes no values (pragmas, migration scripts, BEGIN/COMMIT).
  Status exec(const char* sql);
  // A cached statement for the constant `sql`; prepared on first use.
  Result<Query> query(const char* sql);

  sqlite3* handle() const { return db_; }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  // "<what>: <sqlite's message>".
  Error error(std::string_view what) const;

 private:
  void close();

  sqlite3* db_ = nullptr;
  // Keyed by the SQL constant's address: every call site passes a literal, so the key
  // is stable and lookups cost no string hashing.
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

// A statement borrowed from its Connection for one use. Parameters are numbered from 1
// in the order of bind() calls.
class Query {
 public:
  Query(Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
  Query(Query&& other) noexcept
      : connection_(other.connection_), stmt_(other.stmt_), next_(other.next_) {
    other.stmt_ = nullptr;
  }
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  ~Query();

  Query& bind(int64_t value);
  Query& bind(int value) { return bind(static_cast<int64_t>(value)); }
  Query& bind(bool value) { return bind(static_cast<int64_t>(value ? 1 : 0)); }
  Query& bind(std::string_view value);
  Query& bind(const std::string& value) { return bind(std::string_view(value)); }
  Query& bind(const char* value) { return bind(std::string_view(value)); }
  Query& bind(std::nullopt_t);
  template <class T>
  Query& bind(const std::optional<T>& value) {
    return value ? bind(*value) : bind(std::nullopt);
  }
  template <class... Args>
  Query& bind_all(const Args&... args) {
    (bind(args), ...);
    return *this;
  }

  // One step: true with a row to read, false when done; an Error otherwise (a
  // constraint that failed, a full disk, ...).
  Result<bool> step();
  // Steps to the end, for statements that return no rows.
  Status run();

  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  int int32(int column) const { return sqlite3_column_int(stmt_, column); }
  bool boolean(int column) const { return int64(column) != 0; }
  std::string text(int column) const;
  std::optional<int64_t> optional_int64(int column) const;
  std::optional<std::string> optional_text(int column) const;

 private:
  Connection* connection_;
  sqlite3_stmt* stmt_;
  int next_ = 1;
  Status bind_status_ = ok_status();
  friend class Connection;
};

}  // namespace smsgate::store

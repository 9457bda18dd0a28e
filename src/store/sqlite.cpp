#include "store/sqlite.h"

#include <utility>

namespace smsgate::store {

ErrorCode error_code_for(int sqlite_code) {
  switch (sqlite_code & 0xff) {
    case SQLITE_FULL:      // the disk (or the page limit) is full
    case SQLITE_IOERR:     // every SQLITE_IOERR_*: reading, writing, fsync, locking
    case SQLITE_CANTOPEN:  // the file or its -wal/-shm cannot be opened or created
    case SQLITE_READONLY:  // a read-only mount, or a file that lost its write permission
    case SQLITE_NOLFS:
      return ErrorCode::kStorageUnavailable;
    default:
      return ErrorCode::kStorage;
  }
}

Result<Connection> Connection::open(const std::string& path, bool create) {
  // SQLite counts every allocation under one process-wide mutex unless told not to;
  // with the writer and the readers busy at once that mutex was a tenth of the CPU
  // time of a batch submission. Must come before SQLite initialises, hence here.
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  // NOMUTEX: a connection is confined to one thread at a time (the writer thread or
  // the reader that borrowed it from the pool), so SQLite's own locking is wasted work.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  Connection connection;
  int rc = sqlite3_open_v2(path.c_str(), &connection.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open database " + path + ": " +
                          (connection.db_ ? sqlite3_errmsg(connection.db_) : sqlite3_errstr(rc));
    return Error{std::move(message), error_code_for(rc)};
  }
  sqlite3_extended_result_codes(connection.db_, 1);
  return connection;
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), statements_(std::move(other.statements_)) {
  other.statements_.clear();
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    statements_ = std::move(other.statements_);
    other.statements_.clear();
  }
  return *this;
}

Connection::~Connection() { close(); }

void Connection::close() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Error Connection::error(std::string_view what) const {
  // Coded, so that the API answers 500 (or 503 for the disk's faults) rather than
  // blaming the request.
  return Error{"database error in " + std::string(what) + ": " + sqlite3_errmsg(db_),
               error_code_for(sqlite3_extended_errcode(db_))};
}

Status Connection::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_status();
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Error{"database error: " + text, error_code_for(rc)};
}

Result<Query> Connection::query(const char* sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return Query(*this, found->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(std::string("cannot prepare \"") + sql + "\"");
  statements_.emplace(sql, stmt);
  return Query(*this, stmt);
}

Query::~Query() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind(int64_t value) {
  if (sqlite3_bind_int64(stmt_, next_++, value) != SQLITE_OK && bind_status_.ok())
    bind_status_ = connection_->error("bind");
  return *this;
}

Query& Query::bind(std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the text, so a temporary passed to bind() may die
  // before step() runs.
  if (sqlite3_bind_text64(stmt_, next_++, value.data(), value.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK &&
      bind_status_.ok())
    bind_status_ = connection_->error("bind");
  return *this;
}

Query& Query::bind(std::nullopt_t) {
  if (sqlite3_bind_null(stmt_, next_++) != SQLITE_OK && bind_status_.ok())
    bind_status_ = connection_->error("bind");
  return *this;
}

Result<bool> Query::step() {
  if (!bind_status_.ok()) return bind_status_.error();
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->error("sql");
}

Status Query::run() {
  for (;;) {
    auto row = step();
    if (!row.ok()) return row.error();
    if (!*row) return ok_status();
  }
}

std::string Query::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!data) return {};
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<int64_t> Query::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::optional<std::string> Query::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

}  // namespace smsgate::store

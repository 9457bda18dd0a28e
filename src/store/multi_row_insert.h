// Multi-row INSERT statements for inserting many rows of one table at once.
//
// Why: SQLite evaluates a CHECK such as `status IN ('queued', ...)` (more than two
// values) through a lookup table it builds once per run of a statement. Inserting a
// batch row by row built it for every row, and that was most of the cost of storing a
// message. One statement per chunk of rows builds it once per chunk.
//
// Thread safety: immutable after construction.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace smsgate::store {

// Rows per statement at most: 32 rows of the widest insert (20 columns) stay under 999
// parameters, SQLite's limit before 3.32 (SQLITE_MAX_VARIABLE_NUMBER).
inline constexpr size_t kMaxRowsPerInsert = 32;

// `head` ("INSERT INTO t (a, b) VALUES ") followed by `rows` groups of `row`
// ("(?,?)"), separated by commas.
std::string multi_row_insert_sql(std::string_view head, std::string_view row, size_t rows);

// How many of `remaining` rows the next statement takes: the largest power of two up to
// kMaxRowsPerInsert, so that a few distinct statements (1, 2, 4, ... rows) cover any
// count and each stays prepared in the connection's cache.
size_t next_chunk(size_t remaining);

// The statements for one table, one per chunk size, built once. Connection::query()
// caches prepared statements by the SQL's address, which stays fixed here.
class MultiRowInsert {
 public:
  MultiRowInsert(std::string_view head, std::string_view row);
  // The SQL for `rows` rows; `rows` is a value next_chunk() returns.
  const char* sql(size_t rows) const;

 private:
  static constexpr size_t kChunkSizes = 6;  // 1, 2, 4, 8, 16, 32
  static_assert(size_t{1} << (kChunkSizes - 1) == kMaxRowsPerInsert);
  std::array<std::string, kChunkSizes> sql_;
};

}  // namespace smsgate::store

#include "store/multi_row_insert.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace smsgate::store {

std::string multi_row_insert_sql(std::string_view head, std::string_view row, size_t rows) {
  std::string sql;
  sql.reserve(head.size() + rows * (row.size() + 1));
  sql += head;
  for (size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ',';
    sql += row;
  }
  return sql;
}

size_t next_chunk(size_t remaining) {
  if (remaining == 0) return 0;
  return std::bit_floor(std::min(remaining, kMaxRowsPerInsert));
}

MultiRowInsert::MultiRowInsert(std::string_view head, std::string_view row) {
  for (size_t i = 0; i < kChunkSizes; ++i)
    sql_[i] = multi_row_insert_sql(head, row, size_t{1} << i);
}

const char* MultiRowInsert::sql(size_t rows) const {
  assert(std::has_single_bit(rows) && rows <= kMaxRowsPerInsert);
  return sql_[static_cast<size_t>(std::countr_zero(rows))].c_str();
}

}  // namespace smsgate::store

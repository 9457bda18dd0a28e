// CSV as RFC 4180 writes it, for contact lists to and from spreadsheets: cells split by
// commas, records by CRLF (or LF, or CR alone, as other programs write them); a cell in
// double quotes may hold commas, line breaks and quotes (doubled). A UTF-8 byte order
// mark before the first cell is dropped (spreadsheets write one). Pure.
//
// What it accepts and what it refuses:
//   a,b\r\nc,d          two records of two cells
//   "x, ""y""",z\n      one record: `x, "y"` and `z`
//   "two\nlines",w      one record whose first cell holds a line break
//   a,b\n\n             one record: blank lines are no records
//   a"b,c               `a"b` and `c`: a quote inside an unquoted cell is kept as it is
//   "a"b,c              refused: a quoted cell must end at a comma or a line's end
//   "a,b                refused: a quoted cell is never closed
// Errors name the line (counting from 1) where the fault is.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::policy {

struct CsvRecord {
  std::vector<std::string> cells;
  size_t line = 0;  // where the record starts, from 1
};

Result<std::vector<CsvRecord>> parse_csv(std::string_view text);

// One record as a line, CRLF at its end; a cell is quoted when it holds a comma, a
// quote, a line break, or starts with a space or a byte order mark, so that parse_csv
// gives it back.
std::string csv_record(const std::vector<std::string>& cells);

}  // namespace smsgate::policy

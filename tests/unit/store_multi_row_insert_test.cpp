// Multi-row INSERT statements: their SQL and how a count is cut into chunks.
#include <doctest/doctest.h>

#include <string>

#include "store/multi_row_insert.h"

using namespace smsgate::store;

TEST_CASE("multi_row_insert_sql repeats the row, comma-separated") {
  CHECK(multi_row_insert_sql("INSERT INTO t (a, b) VALUES ", "(?,?)", 1) ==
        "INSERT INTO t (a, b) VALUES (?,?)");
  CHECK(multi_row_insert_sql("INSERT INTO t (a, b) VALUES ", "(?,?)", 3) ==
        "INSERT INTO t (a, b) VALUES (?,?),(?,?),(?,?)");
}

TEST_CASE("next_chunk takes the largest power of two up to the limit") {
  CHECK(next_chunk(0) == 0);
  CHECK(next_chunk(1) == 1);
  CHECK(next_chunk(2) == 2);
  CHECK(next_chunk(3) == 2);
  CHECK(next_chunk(31) == 16);
  CHECK(next_chunk(kMaxRowsPerInsert) == kMaxRowsPerInsert);
  CHECK(next_chunk(1000) == kMaxRowsPerInsert);
}

TEST_CASE("next_chunk covers any count exactly") {
  for (size_t count : {size_t{1}, size_t{7}, size_t{33}, size_t{1000}}) {
    size_t covered = 0;
    int statements = 0;
    while (covered < count) {
      covered += next_chunk(count - covered);
      ++statements;
    }
    CHECK(covered == count);
    // At most the full chunks and one per set bit of the rest.
    CHECK(statements <= static_cast<int>(count / kMaxRowsPerInsert) + 5);
  }
}

TEST_CASE("MultiRowInsert keeps one statement per chunk size, at a fixed address") {
  MultiRowInsert inserts("INSERT INTO t (a) VALUES ", "(?)");
  CHECK(std::string(inserts.sql(1)) == "INSERT INTO t (a) VALUES (?)");
  CHECK(std::string(inserts.sql(4)) == "INSERT INTO t (a) VALUES (?),(?),(?),(?)");
  CHECK(std::string(inserts.sql(kMaxRowsPerInsert)) ==
        multi_row_insert_sql("INSERT INTO t (a) VALUES ", "(?)", kMaxRowsPerInsert));
  CHECK(inserts.sql(8) == inserts.sql(8));
}

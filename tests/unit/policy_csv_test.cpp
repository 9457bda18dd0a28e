// parse_csv and csv_record (policy/csv.h): RFC 4180 as spreadsheets write it, the
// faults refused with their line, and every record written read back as it was.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policy/csv.h"

namespace smsgate::policy {
namespace {

using Cells = std::vector<std::vector<std::string>>;

Cells cells_of(std::string_view text) {
  auto records = parse_csv(text);
  REQUIRE_MESSAGE(records.ok(), (records.ok() ? "" : records.error().message));
  Cells cells;
  for (const CsvRecord& record : *records) cells.push_back(record.cells);
  return cells;
}

TEST_CASE("csv: cells, records and the line breaks other programs write") {
  CHECK(cells_of("a,b\r\nc,d\r\n") == Cells{{"a", "b"}, {"c", "d"}});
  CHECK(cells_of("a,b\nc,d") == Cells{{"a", "b"}, {"c", "d"}});
  CHECK(cells_of("a,b\rc,d\r") == Cells{{"a", "b"}, {"c", "d"}});
  CHECK(cells_of("a,,\n") == Cells{{"a", "", ""}});
  CHECK(cells_of(",") == Cells{{"", ""}});
  CHECK(cells_of("a,b\n\n\r\nc,d\n\n") == Cells{{"a", "b"}, {"c", "d"}});
  CHECK(cells_of("").empty());
  CHECK(cells_of("\xEF\xBB\xBFnumber,name\n") == Cells{{"number", "name"}});
  CHECK(cells_of(" a , b ") == Cells{{" a ", " b "}});
  CHECK(cells_of("a\"b,c") == Cells{{"a\"b", "c"}});
}

TEST_CASE("csv: quoted cells hold commas, quotes and line breaks; records start on their line") {
  auto records = parse_csv("\"x, \"\"y\"\"\",z\r\n\"two\r\nlines\",w\n\"\"\nlast,\"\"");
  REQUIRE(records.ok());
  REQUIRE(records->size() == 4);
  CHECK((*records)[0].cells == std::vector<std::string>{"x, \"y\"", "z"});
  CHECK((*records)[0].line == 1);
  CHECK((*records)[1].cells == std::vector<std::string>{"two\r\nlines", "w"});
  CHECK((*records)[1].line == 2);
  // A lone quoted empty cell is a record, not a blank line.
  CHECK((*records)[2].cells == std::vector<std::string>{""});
  CHECK((*records)[2].line == 4);
  CHECK((*records)[3].cells == std::vector<std::string>{"last", ""});
  CHECK((*records)[3].line == 5);
  CHECK(cells_of("\"a\",") == Cells{{"a", ""}});
}

TEST_CASE("csv: a broken quote is refused with its line") {
  auto unclosed = parse_csv("a,b\n\"c,d\ne,f\n");
  REQUIRE_FALSE(unclosed.ok());
  CHECK(unclosed.error().message == "csv: line 2: a quoted cell is never closed");
  auto trailing = parse_csv("a,b\nc,d\n\"e\"f,g\n");
  REQUIRE_FALSE(trailing.ok());
  CHECK(trailing.error().message ==
        "csv: line 3: a quoted cell must end at a comma or the line's end");
}

TEST_CASE("csv: a record written is read back as it was") {
  const Cells records = {{"+4917012345678", "Müller, Anna", "de", "monday;diabetes"},
                         {"x\"y\"", "two\r\nlines", " leading", ""},
                         {""},
                         {"", ""},
                         {"plain"}};
  std::string text;
  for (const auto& cells : records) text += csv_record(cells);
  CHECK(csv_record({"a", "b,c"}) == "a,\"b,c\"\r\n");
  CHECK(cells_of(text) == records);
  // A cell's own byte order mark at the very start is not taken for the file's.
  const Cells marked = {{"\xEF\xBB\xBFmarked", "x"}};
  CHECK(cells_of(csv_record(marked[0])) == marked);
}

}  // namespace
}  // namespace smsgate::policy

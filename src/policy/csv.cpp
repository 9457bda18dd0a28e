#include "policy/csv.h"

namespace smsgate::policy {

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

Error csv_error(size_t line, const std::string& what) {
  return Error{"csv: line " + std::to_string(line) + ": " + what, ErrorCode::kInvalidField, "csv"};
}

}  // namespace

Result<std::vector<CsvRecord>> parse_csv(std::string_view text) {
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string cell;
  size_t line = 1;
  size_t i = 0;
  bool in_record = false;
  bool quoted = false;  // the record has a quoted cell: `""` alone is a record, not a blank line
  // A line break at i: CRLF, LF or CR. Its length, 0 when there is none.
  auto break_at = [&](size_t at) -> size_t {
    if (at >= text.size()) return 0;
    if (text[at] == '\r') return at + 1 < text.size() && text[at + 1] == '\n' ? 2 : 1;
    return text[at] == '\n' ? 1 : 0;
  };
  auto end_record = [&] {
    record.cells.push_back(std::move(cell));
    cell.clear();
    // A line with nothing on it is no record.
    if (quoted || !(record.cells.size() == 1 && record.cells[0].empty()))
      records.push_back(std::move(record));
    record = CsvRecord{};
    in_record = false;
    quoted = false;
  };
  while (i < text.size()) {
    if (!in_record) {
      record.line = line;
      in_record = true;
    }
    if (text[i] == '"' && cell.empty()) {
      // A quoted cell, to its closing quote.
      size_t opened = line;
      quoted = true;
      ++i;
      for (;;) {
        if (i >= text.size()) return csv_error(opened, "a quoted cell is never closed");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            cell += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (size_t length = break_at(i)) {
          ++line;
          cell.append(text.substr(i, length));
          i += length;
        } else {
          cell += text[i++];
        }
      }
      if (i < text.size() && text[i] != ',' && break_at(i) == 0)
        return csv_error(line, "a quoted cell must end at a comma or the line's end");
      if (i >= text.size() || text[i] == ',') {
        if (i < text.size()) {
          record.cells.push_back(std::move(cell));
          cell.clear();
          ++i;
          // A comma at the very end leaves one more, empty, cell.
          if (i >= text.size()) end_record();
        }
        continue;
      }
      // A line break: handled below.
    }
    if (text[i] == ',') {
      record.cells.push_back(std::move(cell));
      cell.clear();
      ++i;
      if (i >= text.size()) end_record();
      continue;
    }
    if (size_t length = break_at(i)) {
      end_record();
      ++line;
      i += length;
      continue;
    }
    cell += text[i++];
  }
  if (in_record) end_record();
  return records;
}

std::string csv_record(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += ',';
    const std::string& cell = cells[i];
    // A byte order mark in front would be taken for the file's own at its start.
    bool quoted = cell.find_first_of(",\"\r\n") != std::string::npos ||
                  (!cell.empty() && cell.front() == ' ') || cell.starts_with(kByteOrderMark);
    // A lone first cell that is empty would read back as a blank line.
    if (cells.size() == 1 && cell.empty()) quoted = true;
    if (!quoted) {
      line += cell;
      continue;
    }
    line += '"';
    for (char c : cell) {
      if (c == '"') line += '"';
      line += c;
    }
    line += '"';
  }
  return line + "\r\n";
}

}  // namespace smsgate::policy

// Whatever bytes a CSV import brings, parse_csv answers records or an error naming its
// line: never a crash or undefined behaviour; and the records it gives, written again
// with csv_record, read back the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace smsgate::policy;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto records = parse_csv(text);
  if (!records.ok()) {
    if (records.error().message.empty()) __builtin_trap();
    return 0;
  }
  std::string written;
  for (const CsvRecord& record : *records) written += csv_record(record.cells);
  auto again = parse_csv(written);
  if (!again.ok() || again->size() != records->size()) __builtin_trap();
  for (size_t i = 0; i < records->size(); ++i)
    if ((*again)[i].cells != (*records)[i].cells) __builtin_trap();
  return 0;
}

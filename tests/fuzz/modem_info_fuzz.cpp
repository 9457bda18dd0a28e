// Whatever a modem answers, the parsers of src/modem/info return a value or an error:
// never a crash, an out-of-range read (ASan) or undefined behaviour (UBSan). The input
// is split into lines, as AtParser would frame them, and every parser sees every line
// (and the whole list where it takes a response).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modem/info.h"

namespace {

using namespace smsgate::modem;

template <class T>
void consume(const smsgate::Result<T>& result) {
  if (result) {
    volatile bool ok = true;
    (void)ok;
  } else if (result.error().message.empty()) {
    __builtin_trap();  // every error says what is wrong
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    lines.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  for (const std::string& line : lines) {
    consume(parse_csq(line));
    consume(parse_creg(line));
    consume(parse_cops(line));
    consume(parse_cpin(line));
    consume(parse_identity_line(line));
    consume(parse_imei(line));
    consume(parse_cmti(line));
    consume(parse_cdsi(line));
    consume(parse_cmgs(line));
    consume(parse_cmt_header(line));
    consume(parse_cds_header(line));
    consume(parse_cpms(line));
  }
  for (std::string_view prefix : {"+CRSM:", "^ICCID:", "+QCCID:", "+ICCID:", "#CCID:", ""}) {
    consume(parse_iccid(lines, prefix));
  }
  consume(parse_cmgl(lines));
  consume(parse_cmgr(lines));
  return 0;
}

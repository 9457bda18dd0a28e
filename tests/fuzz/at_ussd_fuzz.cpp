// Whatever a modem says after "+CUSD:", the USSD reader returns a line or an error, and
// the text of any <str> under any <dcs> decodes to UTF-8 or an error, in either form a
// modem family writes it: never a crash, an out-of-range read (ASan) or undefined
// behaviour (UBSan). The input is split into lines, as AtParser frames them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "at/ussd.h"

namespace {

using namespace smsgate::at;

template <class T>
void consume(const smsgate::Result<T>& result) {
  if (!result && result.error().message.empty()) __builtin_trap();  // errors say what
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string line = "+CUSD: " + std::string(input.substr(start, end - start));
    start = end + 1;
    auto cusd = parse_cusd(line);
    consume(cusd);
    if (!cusd || !cusd->text) continue;
    const int dcs = cusd->dcs.value_or(0);
    for (UssdStringForm form : {UssdStringForm::kCharacterSet, UssdStringForm::kPackedGsm7Hex}) {
      consume(decode_ussd_text(*cusd->text, dcs, form));
      // Every coding, not only those the line names.
      consume(decode_ussd_text(*cusd->text, dcs & 0xFF, form));
    }
    if (is_ussd_code(*cusd->text)) {
      auto command = ussd_request_command(*cusd->text, UssdStringForm::kPackedGsm7Hex);
      if (!command) __builtin_trap();  // a valid code always makes a command
    }
  }
  return 0;
}

// UTF-8 to and from ICU's strings, for the policies that read text through ICU (time
// zone ids, keywords). Private to src/policy/.
#pragma once

#include <unicode/unistr.h>

#include <string>
#include <string_view>

namespace smsgate::policy::detail {

inline icu::UnicodeString unicode(std::string_view utf8) {
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
}

inline std::string utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace smsgate::policy::detail

// Safe transliteration: typographic characters that have a plain GSM-7 equivalent
// (curly quotes, dashes, ellipsis, non-breaking and thin spaces, ...) so that one
// curly apostrophe does not turn a message into UCS-2 and double its cost. Only
// replacements that keep the meaning are listed; letters are never stripped of accents.
#pragma once

#include <optional>
#include <string_view>

namespace smsgate::pdu {

// The replacement for `c` (possibly empty: invisible characters are dropped), or
// nullopt when `c` has none.
std::optional<std::u32string_view> safe_transliteration(char32_t c);

}  // namespace smsgate::pdu

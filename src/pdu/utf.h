// UTF-8 and UTF-16 conversions for message text. Text inside the codec is a
// sequence of Unicode code points (std::u32string).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace smsgate::pdu {

// Refuses malformed UTF-8 (overlong forms, surrogates, truncated sequences) and
// says at which byte.
Result<std::u32string> utf8_to_code_points(std::string_view utf8);
std::string code_points_to_utf8(std::u32string_view text);
void append_utf8(std::string& out, char32_t code_point);

inline bool needs_surrogate_pair(char32_t c) { return c > 0xFFFF; }
// Big-endian UTF-16, as TS 23.038 clause 6.2.3 carries UCS-2 in SMS.
void append_utf16be(std::u16string& out, char32_t code_point);
// Decodes big-endian UTF-16 octets; an unpaired surrogate becomes U+FFFD (a phone may
// split a pair across the parts of a long message). `octets` must have even size.
std::u32string utf16be_to_code_points(std::span<const uint8_t> octets);

}  // namespace smsgate::pdu

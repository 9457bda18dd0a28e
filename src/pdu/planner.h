// The segment planner: for a text and options, the cheapest encoding, the parts the
// text will be sent as and what each part carries. The sender and the API's preview
// use the same plan, so what the preview promises is what is sent. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "pdu/gsm7.h"

namespace smsgate::pdu {

enum class Encoding : uint8_t { kGsm7, kUcs2, kEightBit };
std::string_view encoding_name(Encoding encoding);  // "gsm7", "ucs2", "8bit"

enum class EncodingChoice : uint8_t { kAuto, kGsm7, kUcs2 };

struct PlanOptions {
  EncodingChoice encoding = EncodingChoice::kAuto;
  // National language tables the sender may use (TS 23.038 Annex A), in order of
  // preference. Empty: the default alphabet and extension table only.
  std::vector<Language> languages;
  bool transliterate = false;
  // Concatenation with a 16-bit reference (IEI 0x08) instead of 8-bit (IEI 0x00).
  bool ref16 = false;
};

struct Transliteration {
  char32_t from;
  std::u32string to;
  size_t count;  // occurrences replaced
};

struct PlannedPart {
  // GSM-7: unpacked septets. UCS-2: UTF-16 big-endian octets.
  std::vector<uint8_t> payload;
  size_t characters = 0;  // code points of the text in this part
  size_t units = 0;       // septets (GSM-7) or UTF-16 code units (UCS-2)
};

struct Plan {
  Encoding encoding = Encoding::kGsm7;
  Gsm7Tables tables;  // GSM-7 only
  bool ref16 = false;
  std::u32string text;             // after transliteration
  std::vector<PlannedPart> parts;  // never empty; an empty text is one empty part
  // Units (septets or UTF-16 code units) one part can carry with this plan's header.
  size_t units_per_part = 0;
  size_t units_left = 0;  // in the last part
  std::vector<Transliteration> transliterations;
  std::u32string not_in_gsm7;  // distinct characters that forced UCS-2, in order of appearance

  bool concatenated() const { return parts.size() > 1; }
  // Octets of user data header each part carries (UDHL included), 0 for none.
  size_t header_octets() const;
};

// Refuses only what no encoding can carry: kGsm7 on a text outside the alphabets
// allowed, and texts over 255 parts.
Result<Plan> plan_text(std::u32string_view text, const PlanOptions& options);

}  // namespace smsgate::pdu

// The GSM 7-bit alphabets of 3GPP TS 23.038: the default alphabet and its extension
// table (clause 6.2.1), and the national language locking-shift and single-shift
// tables (clause 6.2.1.2.4, Annex A). Pure data; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace smsgate::pdu {

// Values are the national language identifiers of TS 23.038 clause 6.2.1.2.4, as
// carried in the UDH information elements 0x24 (single shift) and 0x25 (locking shift).
enum class Language : uint8_t {
  kDefault = 0,
  kTurkish = 1,
  kSpanish = 2,
  kPortuguese = 3,
  kBengali = 4,
  kGujarati = 5,
  kHindi = 6,
  kKannada = 7,
  kMalayalam = 8,
  kOriya = 9,
  kPunjabi = 10,
  kTamil = 11,
  kTelugu = 12,
  kUrdu = 13,
};
inline constexpr int kLanguageCount = 14;

// One 128-entry table: septet value -> Unicode code point. kNoChar marks a septet
// the table does not define. In a single-shift (extension) table, 0x1B is the escape
// to a further extension table and is kNoChar.
using Gsm7Table = std::array<char32_t, 128>;
inline constexpr char32_t kNoChar = 0;
inline constexpr uint8_t kEscape = 0x1B;

// The locking-shift table of `language`: the default alphabet for kDefault, nullptr
// for a language that has none (Spanish).
const Gsm7Table* locking_shift_table(Language language);
// The single-shift table of `language`: the default extension table for kDefault.
const Gsm7Table* single_shift_table(Language language);

// "tr", "es", "pt", "bn", "gu", "hi", "kn", "ml", "or", "pa", "ta", "te", "ur".
std::optional<Language> language_from_code(std::string_view iso639_1);
std::string_view language_code(Language language);

}  // namespace smsgate::pdu

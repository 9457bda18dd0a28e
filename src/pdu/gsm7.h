// GSM 7-bit text: code points <-> septets under a pair of shift tables, and the
// packing of septets into octets (TS 23.038 clause 6.1.2.1.1). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pdu/gsm7_tables.h"

namespace smsgate::pdu {

// The pair of tables a GSM-7 text is written in: the locking shift replaces the
// default alphabet, the single shift replaces the extension table.
struct Gsm7Tables {
  Language locking = Language::kDefault;
  Language single = Language::kDefault;
  friend bool operator==(const Gsm7Tables&, const Gsm7Tables&) = default;
};

// Reverse lookup for one table pair, built once per pair and shared.
class Gsm7Encoder {
 public:
  // nullptr when `tables.locking` names a language without a locking-shift table.
  static const Gsm7Encoder* get(Gsm7Tables tables);

  // Septets for one code point: 1 (a table character), 2 (escape + single-shift
  // character) or 0 when the tables cannot carry it.
  int septets_for(char32_t c, uint8_t out[2]) const {
    uint16_t v = c < kDirect ? direct_[c] : lookup_slow(c);
    if (v == kNone) return 0;
    if (v & kEscaped) {
      out[0] = kEscape;
      out[1] = static_cast<uint8_t>(v & 0x7F);
      return 2;
    }
    out[0] = static_cast<uint8_t>(v);
    return 1;
  }
  bool can_encode(char32_t c) const { return (c < kDirect ? direct_[c] : lookup_slow(c)) != kNone; }
  // 1 or 2 septets, or 0 when not encodable.
  int cost(char32_t c) const {
    uint16_t v = c < kDirect ? direct_[c] : lookup_slow(c);
    return v == kNone ? 0 : (v & kEscaped) ? 2 : 1;
  }

  Gsm7Tables tables() const { return tables_; }

 private:
  static constexpr char32_t kDirect = 0x500;  // Latin, Greek and Cyrillic blocks
  static constexpr uint16_t kNone = 0xFFFF;
  static constexpr uint16_t kEscaped = 0x100;
  explicit Gsm7Encoder(Gsm7Tables tables);
  uint16_t lookup_slow(char32_t c) const;

  Gsm7Tables tables_;
  uint16_t direct_[kDirect];
  std::vector<std::pair<char32_t, uint16_t>> sorted_rest_;
};

// Septets -> text. An escape followed by a septet the single-shift table does not
// define reads as that septet of the locking table (TS 23.038 clause 6.2.1.1); a
// trailing lone escape reads as a space.
std::u32string septets_to_code_points(std::span<const uint8_t> septets, Gsm7Tables tables);

// Appends `septets` packed LSB first after `fill_bits` zero bits (0..6), the fill
// that aligns text after a user data header (TS 23.040 clause 9.2.3.24).
void pack_septets(std::span<const uint8_t> septets, int fill_bits, std::vector<uint8_t>& out);
// Reads `count` septets starting after `fill_bits` bits. The caller checks that
// `octets` is long enough: ceil((fill_bits + 7 * count) / 8) octets.
std::vector<uint8_t> unpack_septets(std::span<const uint8_t> octets, size_t count, int fill_bits);

inline size_t packed_octets(size_t septets, int fill_bits) {
  return (septets * 7 + static_cast<size_t>(fill_bits) + 7) / 8;
}

}  // namespace smsgate::pdu

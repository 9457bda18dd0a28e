#include "pdu/address.h"

#include "pdu/gsm7.h"
#include "pdu/utf.h"

namespace smsgate::pdu {
namespace {

// TS 23.040 clause 9.1.2.5: the address value is at most 10 octets (20 semi-octets).
constexpr size_t kMaxSemiOctets = 20;
constexpr size_t kMaxAlphanumeric = 11;  // 11 septets fill 10 octets

// Semi-octet digits of TS 24.008 table 10.5.118: 0-9, then * # a b c.
int semi_octet(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  switch (c) {
    case '*':
      return 0xA;
    case '#':
      return 0xB;
    case 'a':
      return 0xC;
    case 'b':
      return 0xD;
    case 'c':
      return 0xE;
  }
  return -1;
}

constexpr char kSemiOctetChars[] = "0123456789*#abc";

void append_semi_octets(std::string_view digits, std::vector<uint8_t>& out) {
  for (size_t i = 0; i < digits.size(); i += 2) {
    int lo = semi_octet(digits[i]);
    int hi = i + 1 < digits.size() ? semi_octet(digits[i + 1]) : 0xF;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
}

// Reads `count` semi-octets; a filler (F) is allowed only as the last nibble of the
// last octet, and only when `count` is odd.
Result<std::string> read_semi_octets(std::span<const uint8_t> octets, size_t count) {
  std::string out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    uint8_t octet = octets[i / 2];
    int nibble = i % 2 == 0 ? octet & 0x0F : octet >> 4;
    if (nibble == 0xF) {
      return make_error("filler semi-octet inside the number at digit " + std::to_string(i + 1));
    }
    out.push_back(kSemiOctetChars[nibble]);
  }
  return out;
}

// What a person types as a phone number: digits, the service codes * and #, and the
// separators people write between digits (a "+" after the start is misplaced). Such
// text is a number and nothing else.
bool written_as_number(std::string_view s) {
  return s.find_first_not_of("0123456789*#+-() ./") == std::string_view::npos &&
         s.find_first_of("0123456789") != std::string_view::npos;
}

}  // namespace

Result<bool> append_address(std::string_view address, std::vector<uint8_t>& out) {
  if (address.empty()) return make_error("empty address");
  if (address[0] == '+') {
    std::string_view digits = address.substr(1);
    if (digits.empty()) return make_error("no digits after '+'");
    for (size_t i = 0; i < digits.size(); ++i) {
      if (digits[i] < '0' || digits[i] > '9') {
        return make_error("not a digit at position " + std::to_string(i + 2) + " of the number");
      }
    }
    if (digits.size() > kMaxSemiOctets) return make_error("number longer than 20 digits");
    out.push_back(static_cast<uint8_t>(digits.size()));
    out.push_back(kToaInternational);
    append_semi_octets(digits, out);
    return true;
  }
  if (written_as_number(address)) {
    // Separators would otherwise make it an alphanumeric address no phone receives.
    size_t bad = address.find_first_not_of("0123456789*#");
    if (bad != std::string_view::npos) {
      return make_error("separator '" + std::string(1, address[bad]) + "' at position " +
                        std::to_string(bad + 1) + " of the number; give only digits");
    }
    if (address.size() > kMaxSemiOctets) return make_error("number longer than 20 digits");
    out.push_back(static_cast<uint8_t>(address.size()));
    out.push_back(kToaUnknown);
    append_semi_octets(address, out);
    return true;
  }
  if (address.front() == ' ' || address.back() == ' ') {
    return make_error("address has leading or trailing spaces");
  }
  auto text = utf8_to_code_points(address);
  if (!text) return make_error("address: " + text.error().message);
  const Gsm7Encoder& encoder = *Gsm7Encoder::get({});
  std::vector<uint8_t> septets;
  uint8_t s[2];
  for (char32_t c : *text) {
    int n = encoder.septets_for(c, s);
    if (n == 0) return make_error("alphanumeric address has a character outside GSM 7-bit");
    septets.insert(septets.end(), s, s + n);
  }
  if (septets.size() > kMaxAlphanumeric) {
    return make_error("alphanumeric address longer than 11 characters");
  }
  out.push_back(static_cast<uint8_t>((septets.size() * 7 + 3) / 4));  // semi-octets used
  out.push_back(kToaAlphanumeric);
  pack_septets(septets, 0, out);
  return true;
}

Result<DecodedAddress> decode_address(std::span<const uint8_t> field) {
  if (field.size() < 2) return make_error("address truncated");
  size_t semi_octets = field[0];
  uint8_t type = field[1];
  if (semi_octets > kMaxSemiOctets) {
    return make_error("address length " + std::to_string(semi_octets) + " exceeds 20 digits");
  }
  size_t value_octets = (semi_octets + 1) / 2;
  if (field.size() < 2 + value_octets) return make_error("address truncated");
  auto value = field.subspan(2, value_octets);
  DecodedAddress out;
  out.octets = 2 + value_octets;
  int type_of_number = type >> 4 & 0x07;
  if (type_of_number == 0x5) {  // alphanumeric, GSM-7 packed (TS 23.040 9.1.2.5)
    size_t septets = semi_octets * 4 / 7;
    out.text = code_points_to_utf8(septets_to_code_points(unpack_septets(value, septets, 0), {}));
    return out;
  }
  auto digits = read_semi_octets(value, semi_octets);
  if (!digits) return make_error("address: " + digits.error().message);
  out.text = type_of_number == 0x1 && !digits->empty() ? "+" + *digits : std::move(*digits);
  return out;
}

Result<DecodedAddress> decode_smsc(std::span<const uint8_t> field) {
  if (field.empty()) return make_error("SMSC length missing");
  size_t octets = field[0];
  if (octets == 0) return DecodedAddress{"", 1};
  if (octets > 11) {
    return make_error("SMSC length " + std::to_string(octets) + " exceeds 11 octets");
  }
  if (field.size() < 1 + octets) return make_error("SMSC address truncated");
  uint8_t type = field[1];
  auto value = field.subspan(2, octets - 1);
  size_t digits = value.size() * 2;
  if (!value.empty() && (value.back() >> 4) == 0xF) --digits;
  auto text = read_semi_octets(value, digits);
  if (!text) return make_error("SMSC " + text.error().message);
  bool international = (type >> 4 & 0x07) == 0x1 && !text->empty();
  return DecodedAddress{international ? "+" + *text : std::move(*text), 1 + octets};
}

}  // namespace smsgate::pdu

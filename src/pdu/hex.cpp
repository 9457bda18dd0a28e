#include "pdu/hex.h"

namespace smsgate::pdu {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string to_hex(std::span<const uint8_t> octets) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out(octets.size() * 2, '0');
  for (size_t i = 0; i < octets.size(); ++i) {
    out[2 * i] = kDigits[octets[i] >> 4];
    out[2 * i + 1] = kDigits[octets[i] & 0x0F];
  }
  return out;
}

Result<std::vector<uint8_t>> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return make_error("odd number of hex digits (" + std::to_string(hex.size()) + ")");
  }
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      size_t bad = hi < 0 ? i : i + 1;
      return make_error("not a hex digit at character " + std::to_string(bad + 1));
    }
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace smsgate::pdu

// Hexadecimal text <-> octets, as PDUs travel over the AT interface.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::pdu {

std::string to_hex(std::span<const uint8_t> octets);
// Accepts upper and lower case; refuses odd lengths and non-hex characters.
Result<std::vector<uint8_t>> from_hex(std::string_view hex);

}  // namespace smsgate::pdu

// Addresses (TS 23.040 clause 9.1.2.5): semi-octet numbers with a type of number, and
// alphanumeric addresses packed as GSM-7.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::pdu {

// Type-of-address octets this codec writes (TS 23.040 clause 9.1.2.5).
inline constexpr uint8_t kToaInternational = 0x91;  // TON 001, NPI 0001 (E.164)
inline constexpr uint8_t kToaUnknown = 0x81;        // TON 000, NPI 0001
inline constexpr uint8_t kToaAlphanumeric = 0xD0;   // TON 101, NPI 0000

// Appends an address field (length, type, value). "+" followed by digits is
// international; digits (and * #) alone are taken as given, type unknown; digits
// written with separators ("030 1234") are an error; anything else is alphanumeric
// (at most 11 GSM-7 characters, no leading or trailing space).
Result<bool> append_address(std::string_view address, std::vector<uint8_t>& out);

struct DecodedAddress {
  std::string text;   // "+4915..." international, digits otherwise, text when alphanumeric
  size_t octets = 0;  // octets the field took, length and type included
};
// Reads the address field at the start of `field`.
Result<DecodedAddress> decode_address(std::span<const uint8_t> field);
// Reads the SMSC information at the start of a PDU as given by AT+CMGL/+CMGR:
// a length in octets (type included), then type and semi-octets. Empty when 0.
Result<DecodedAddress> decode_smsc(std::span<const uint8_t> field);

}  // namespace smsgate::pdu

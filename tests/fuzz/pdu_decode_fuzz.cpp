// Any octets, read with and without the SMSC prefix, and as hex text: the decoder
// returns a value or an error and never reads out of bounds (ASan/UBSan watch).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "pdu/decode.h"
#include "pdu/hex.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> octets(data, size);
  (void)smsgate::pdu::decode_pdu(octets, true);
  (void)smsgate::pdu::decode_pdu(octets, false);
  auto hex = smsgate::pdu::from_hex(std::string_view(reinterpret_cast<const char*>(data), size));
  if (hex) (void)smsgate::pdu::decode_pdu_any(*hex);
  return 0;
}

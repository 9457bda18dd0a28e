#include "at/ussd.h"

#include <charconv>
#include <cstdint>
#include <vector>

#include "common/strings.h"
#include "pdu/gsm7.h"
#include "pdu/hex.h"
#include "pdu/utf.h"

namespace smsgate::at {
namespace {

constexpr char kCarriageReturn = '\r';
constexpr uint8_t kCarriageReturnSeptet = 0x0D;  // CR in the default alphabet

std::optional<int> parse_int(std::string_view text) {
  text = trim(text, " ");
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string latin1_to_utf8(const std::vector<uint8_t>& octets) {
  std::string out;
  for (uint8_t octet : octets) pdu::append_utf8(out, octet);
  return out;
}

// TS 23.038 clause 6.1.2.3.1: USSD packs septets like SMS, but when the last octet would
// hold 7 spare bits they carry a CR, not 7 zero bits that read as '@'. A CR that ends a
// septet-aligned text (a multiple of 8 septets) is that padding.
std::vector<uint8_t> unpack_ussd_septets(const std::vector<uint8_t>& octets) {
  std::vector<uint8_t> septets = pdu::unpack_septets(octets, octets.size() * 8 / 7, 0);
  if (octets.size() % 7 == 0 && !septets.empty() && septets.back() == kCarriageReturnSeptet)
    septets.pop_back();
  return septets;
}

std::string gsm7_to_utf8(const std::vector<uint8_t>& septets) {
  return pdu::code_points_to_utf8(pdu::septets_to_code_points(septets, {}));
}

// "en\r..." -> "...": the language of a 0001 0000 text (TS 23.038 clause 5).
std::string_view without_language(std::string_view text) {
  if (text.size() >= 3 && (text[2] == kCarriageReturn || text[2] == '\n')) return text.substr(3);
  return text;
}

Result<std::string> decode_gsm7(std::string_view text, const CbsCoding& coding,
                                UssdStringForm form) {
  if (form == UssdStringForm::kPackedGsm7Hex) {
    if (Result<std::vector<uint8_t>> octets = pdu::from_hex(text)) {
      std::string decoded = gsm7_to_utf8(unpack_ussd_septets(*octets));
      return coding.language_prefix ? std::string(without_language(decoded)) : decoded;
    }
    // Not hex: the firmware gave characters after all (ModemManager takes those as they
    // are, too).
  }
  return std::string(coding.language_prefix ? without_language(text) : text);
}

Result<std::string> decode_ucs2(std::string_view text, const CbsCoding& coding) {
  Result<std::vector<uint8_t>> octets = pdu::from_hex(text);
  if (!octets) return std::string(text);
  std::vector<uint8_t> ucs2 = std::move(*octets);
  // Two septets of language padded to two octets come first (TS 23.038 clause 5).
  if (coding.language_prefix) {
    if (ucs2.size() < 2) return make_error("UCS-2 text too short for its language indication");
    ucs2.erase(ucs2.begin(), ucs2.begin() + 2);
  }
  if (ucs2.size() % 2 != 0)
    return make_error("UCS-2 text of " + std::to_string(ucs2.size()) + " octets (an odd number)");
  return pdu::code_points_to_utf8(pdu::utf16be_to_code_points(ucs2));
}

}  // namespace

Result<CusdLine> parse_cusd(std::string_view line) {
  line = trim(line, " \r\n");
  if (!starts_with_ignore_case(line, "+CUSD:"))
    return make_error("not a +CUSD: line: " + std::string(line));
  std::string_view rest = trim(line.substr(6), " ");
  size_t comma = rest.find(',');
  std::optional<int> status = parse_int(rest.substr(0, comma));
  if (!status) return make_error("+CUSD: without a number for <m>: " + std::string(line));
  CusdLine cusd;
  cusd.status = *status;
  if (comma == std::string_view::npos) return cusd;
  rest = trim(rest.substr(comma + 1), " ");
  std::string_view after_text;
  if (!rest.empty() && rest.front() == '"') {
    size_t closing = rest.rfind('"');
    if (closing == 0)
      return make_error("+CUSD: <str> without its closing quote: " + std::string(line));
    cusd.text = std::string(rest.substr(1, closing - 1));
    after_text = trim(rest.substr(closing + 1), " ");
    if (!after_text.empty() && after_text.front() != ',')
      return make_error("+CUSD: text after <str>: " + std::string(line));
  } else {
    // Unquoted, as some firmware writes hex: <dcs> is what follows the last comma, when
    // that is a number.
    size_t last = rest.rfind(',');
    if (last != std::string_view::npos && parse_int(rest.substr(last + 1))) {
      cusd.text = std::string(trim(rest.substr(0, last), " "));
      after_text = rest.substr(last);
    } else {
      cusd.text = std::string(rest);
    }
  }
  if (!after_text.empty()) {
    std::optional<int> dcs = parse_int(after_text.substr(1));
    if (!dcs) return make_error("+CUSD: <dcs> is not a number: " + std::string(line));
    cusd.dcs = *dcs;
  }
  return cusd;
}

std::string_view ussd_status_meaning(int status) {
  switch (status) {
    case static_cast<int>(UssdStatus::kDone):
      return "no further action required";
    case static_cast<int>(UssdStatus::kFurtherAction):
      return "further action required";
    case static_cast<int>(UssdStatus::kTerminated):
      return "terminated by the network";
    case static_cast<int>(UssdStatus::kOtherClient):
      return "answered by another client of the modem";
    case static_cast<int>(UssdStatus::kNotSupported):
      return "not supported by the network";
    case static_cast<int>(UssdStatus::kTimedOut):
      return "timed out in the network";
  }
  return "an unknown USSD status";
}

Result<CbsCoding> cbs_coding(int dcs) {
  if (dcs < 0 || dcs > 0xFF) return make_error("<dcs> " + std::to_string(dcs) + " is not an octet");
  const int group = dcs >> 4;
  // Bits 3..2 of the general data coding groups: 00 GSM-7, 01 8-bit, 10 UCS-2, 11
  // reserved (read as GSM-7).
  auto general = [dcs]() -> CbsCoding {
    switch ((dcs >> 2) & 0x3) {
      case 1:
        return {CbsAlphabet::kEightBit};
      case 2:
        return {CbsAlphabet::kUcs2};
      default:
        return {CbsAlphabet::kGsm7};
    }
  };
  switch (group) {
    case 0x0:  // 0000: GSM-7 in a given language
    case 0x2:  // 0010: GSM-7, more languages
    case 0x3:  // 0011: GSM-7, languages to come
      return CbsCoding{CbsAlphabet::kGsm7};
    case 0x1:  // 0001: 0000 GSM-7 with language, 0001 UCS-2 with language, others reserved
      if (dcs == 0x11) return CbsCoding{CbsAlphabet::kUcs2, true};
      return CbsCoding{CbsAlphabet::kGsm7, dcs == 0x10};
    case 0x4:  // 01xx: general data coding; bit 5 says compressed
    case 0x5:
    case 0x6:
    case 0x7:
      if (dcs & 0x20) return make_error("<dcs> " + std::to_string(dcs) + ": compressed text");
      return general();
    case 0x9:  // 1001: with a user data header (TS 23.041), alphabet as 01xx
      return general();
    case 0xE:  // 1110: WAP data (TS 23.048): octets
      return CbsCoding{CbsAlphabet::kEightBit};
    case 0xF:  // 1111: bit 2 says 8-bit, else GSM-7
      return CbsCoding{(dcs & 0x04) ? CbsAlphabet::kEightBit : CbsAlphabet::kGsm7};
    default:  // 1000, 1010..1101: reserved, "assumed to be GSM 7 bit default alphabet"
      return CbsCoding{CbsAlphabet::kGsm7};
  }
}

Result<std::string> decode_ussd_text(std::string_view text, int dcs, UssdStringForm form) {
  Result<CbsCoding> coding = cbs_coding(dcs);
  if (!coding) return coding.error();
  switch (coding->alphabet) {
    case CbsAlphabet::kGsm7:
      return decode_gsm7(text, *coding, form);
    case CbsAlphabet::kUcs2:
      return decode_ucs2(text, *coding);
    case CbsAlphabet::kEightBit: {
      // 27.007 gives octets as hex; networks that use it send Latin-1 text.
      Result<std::vector<uint8_t>> octets = pdu::from_hex(text);
      if (!octets) return std::string(text);
      return latin1_to_utf8(*octets);
    }
  }
  return std::string(text);
}

bool is_ussd_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxUssdCodeLength) return false;
  for (char c : code) {
    if (!is_ascii_digit(c) && c != '*' && c != '#' && c != '+') return false;
  }
  return true;
}

Result<std::string> ussd_request_command(std::string_view code, UssdStringForm form) {
  if (!is_ussd_code(code)) return make_error("a USSD code is 1 to 160 of the characters 0-9 * # +");
  std::string field(code);
  if (form == UssdStringForm::kPackedGsm7Hex) {
    // These characters sit at their ASCII values in the default alphabet (TS 23.038
    // clause 6.2.1), so the code's bytes are its septets.
    std::vector<uint8_t> septets(code.begin(), code.end());
    if (septets.size() % 8 == 7) septets.push_back(kCarriageReturnSeptet);  // clause 6.1.2.3.1
    std::vector<uint8_t> packed;
    pdu::pack_septets(septets, 0, packed);
    field = pdu::to_hex(packed);
  }
  // <dcs> 15: GSM-7, language unspecified (TS 23.038 clause 5), the network's coding of
  // the request, whatever form the modem wants it in.
  return "AT+CUSD=1,\"" + field + "\",15";
}

}  // namespace smsgate::at

// USSD over AT (3GPP TS 27.007 clause 7.15): the AT+CUSD command that asks the network a
// code, the "+CUSD: <m>[,<str>[,<dcs>]]" line that answers it (on most modems
// unsolicited, seconds after the command's OK), and the text of <str> decoded by <dcs>,
// the Cell Broadcast data coding scheme (TS 23.038 clause 5). Pure; thread-safe.
//
// How <str> is written depends on the modem as much as on the standard. 27.007 puts
// GSM-7 text in the TE character set (AT+CSCS: "IRA" or "GSM" as characters) and 8-bit
// data as two hex digits per octet; UCS-2 text comes as hex of its octets on every
// modem that reports it. Huawei firmware instead wants the code and gives GSM-7 answers
// as hex of packed septets (ModemManager's huawei plugin encode()/decode(); gammu's
// F_ENCODED_USSD on the E1xx/E3xx sticks). A driver says which (UssdStringForm); the
// decoder never guesses from the text, since "1500" is both a balance and hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace smsgate::at {

// How a modem family writes <str> of AT+CUSD and +CUSD:.
enum class UssdStringForm {
  // GSM-7 as characters of the TE character set; 8-bit and UCS-2 as hex octets.
  kCharacterSet,
  // GSM-7 as hex of packed septets, the code included (Huawei); 8-bit and UCS-2 as
  // hex octets.
  kPackedGsm7Hex,
};

// <m> of +CUSD: (TS 27.007 clause 7.15).
enum class UssdStatus : int {
  kDone = 0,           // no further user action required
  kFurtherAction = 1,  // the network asks for more (a menu): the session stays open
  kTerminated = 2,     // USSD terminated by the network
  kOtherClient = 3,    // another local client has responded
  kNotSupported = 4,   // operation not supported
  kTimedOut = 5,       // network time out
};

// One "+CUSD:" line, its fields as the modem gave them.
struct CusdLine {
  int status = 0;                   // <m>; other values than UssdStatus are kept as given
  std::optional<std::string> text;  // <str> without its quotes, still encoded
  std::optional<int> dcs;           // <dcs>; absent means 0 (27.007 clause 7.15)
  friend bool operator==(const CusdLine&, const CusdLine&) = default;
};

// Reads "+CUSD: 0,\"Balance 5.00\",15". A quoted <str> ends at the last quote of the
// line, so commas and quotes inside a text survive. An error in words for a line that
// is not one.
Result<CusdLine> parse_cusd(std::string_view line);

// What <m> means, in words ("terminated by the network").
std::string_view ussd_status_meaning(int status);

// The alphabet a CBS data coding scheme gives its text (TS 23.038 clause 5).
enum class CbsAlphabet { kGsm7, kEightBit, kUcs2 };

struct CbsCoding {
  CbsAlphabet alphabet = CbsAlphabet::kGsm7;
  // 0001 0000 and 0001 0001: the text begins with its ISO 639 language (GSM-7: two
  // characters and a CR; UCS-2: two packed septets in two octets), which is dropped.
  bool language_prefix = false;
  friend bool operator==(const CbsCoding&, const CbsCoding&) = default;
};

// The coding of `dcs` (0..255); reserved groups read as GSM-7, as clause 5 says a
// receiver shall. An error for values outside an octet and for compressed text
// (TS 23.042), which no modem seen decodes for its host.
Result<CbsCoding> cbs_coding(int dcs);

// The text of <str> in UTF-8, decoded by `dcs` as `form` writes it. A <str> that
// should be hex but is not (a modem that rendered it as characters) is taken as it is.
Result<std::string> decode_ussd_text(std::string_view text, int dcs, UssdStringForm form);

// Whether `code` is a USSD string the API accepts: 1..160 of 0-9 * # + (TS 22.030
// clause 6.5.2 builds service codes from these; 160 is the most one USSD string can
// carry in GSM-7, TS 23.038 clause 6.1.2.3).
bool is_ussd_code(std::string_view code);
inline constexpr size_t kMaxUssdCodeLength = 160;

// AT+CUSD=1,"<code>",15: result codes on, `code` in `form`, and <dcs> 15 (GSM-7,
// language unspecified) for the network. An error when `code` is not is_ussd_code().
Result<std::string> ussd_request_command(std::string_view code, UssdStringForm form);

// Ends the session (27.007 clause 7.15, <n>=2): after a menu (<m>=1) that nobody
// answers, and after a request the network did not answer in time.
inline constexpr std::string_view kUssdCancelCommand = "AT+CUSD=2";

}  // namespace smsgate::at

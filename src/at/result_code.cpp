#include "at/result_code.h"

#include <array>
#include <charconv>
#include <cstddef>

#include "common/strings.h"

namespace smsgate::at {
namespace {

using enum ErrorClass;

struct CodeInfo {
  int code;
  std::string_view meaning;
  ErrorClass error_class;
};

// TS 27.007 clause 9.2.1 (general) and 9.2.2 (GPRS) <err> values.
constexpr std::array kCmeCodes{
    CodeInfo{0, "phone failure", kModemBroken},
    CodeInfo{1, "no connection to phone", kModemBroken},
    CodeInfo{2, "phone-adaptor link reserved", kTemporary},
    CodeInfo{3, "operation not allowed", kCommandRejected},
    CodeInfo{4, "operation not supported", kCommandRejected},
    CodeInfo{5, "PH-SIM PIN required", kModemBroken},
    CodeInfo{6, "PH-FSIM PIN required", kModemBroken},
    CodeInfo{7, "PH-FSIM PUK required", kModemBroken},
    CodeInfo{10, "SIM not inserted", kModemBroken},
    CodeInfo{11, "SIM PIN required", kModemBroken},
    CodeInfo{12, "SIM PUK required", kModemBroken},
    CodeInfo{13, "SIM failure", kModemBroken},
    CodeInfo{14, "SIM busy", kTemporary},  // still reading its files after power-up
    CodeInfo{15, "SIM wrong", kModemBroken},
    // A wrong PIN must never be retried as is: three tries block the SIM.
    CodeInfo{16, "incorrect password", kCommandRejected},
    CodeInfo{17, "SIM PIN2 required", kModemBroken},
    CodeInfo{18, "SIM PUK2 required", kModemBroken},
    CodeInfo{20, "memory full", kTemporary},  // clears when stored messages are deleted
    CodeInfo{21, "invalid index", kCommandRejected},
    CodeInfo{22, "not found", kCommandRejected},
    CodeInfo{23, "memory failure", kModemBroken},
    CodeInfo{24, "text string too long", kCommandRejected},
    CodeInfo{25, "invalid characters in text string", kCommandRejected},
    CodeInfo{26, "dial string too long", kCommandRejected},
    CodeInfo{27, "invalid characters in dial string", kCommandRejected},
    CodeInfo{30, "no network service", kTemporary},
    CodeInfo{31, "network timeout", kTemporary},
    // Registration refused for now; the worker's health check watches +CREG.
    CodeInfo{32, "network not allowed - emergency calls only", kTemporary},
    CodeInfo{40, "network personalization PIN required", kModemBroken},
    CodeInfo{41, "network personalization PUK required", kModemBroken},
    CodeInfo{42, "network subset personalization PIN required", kModemBroken},
    CodeInfo{43, "network subset personalization PUK required", kModemBroken},
    CodeInfo{44, "service provider personalization PIN required", kModemBroken},
    CodeInfo{45, "service provider personalization PUK required", kModemBroken},
    CodeInfo{46, "corporate personalization PIN required", kModemBroken},
    CodeInfo{47, "corporate personalization PUK required", kModemBroken},
    CodeInfo{48, "hidden key required", kModemBroken},
    CodeInfo{49, "EAP method not supported", kCommandRejected},
    CodeInfo{50, "incorrect parameters", kCommandRejected},
    CodeInfo{51, "command implemented but currently disabled", kCommandRejected},
    CodeInfo{52, "command aborted by user", kTemporary},
    // 53..55: the MT is in a restricted functionality mode (+CFUN); the worker must
    // bring it back, the message is not at fault.
    CodeInfo{53, "not attached to network due to MT functionality restrictions", kModemBroken},
    CodeInfo{54, "modem not allowed - MT restricted to emergency calls only", kModemBroken},
    CodeInfo{55, "operation not allowed because of MT functionality restrictions", kModemBroken},
    // Fixed dialling: this SIM may only reach listed numbers, so this recipient fails.
    CodeInfo{56, "fixed dial number only allowed - called number is not a fixed dial number",
             kPermanentForRecipient},
    CodeInfo{57, "temporarily out of service due to other MT usage", kTemporary},
    CodeInfo{58, "language/alphabet not supported", kCommandRejected},
    CodeInfo{59, "unexpected data value", kCommandRejected},
    CodeInfo{60, "system failure", kTemporary},
    CodeInfo{61, "data missing", kCommandRejected},
    CodeInfo{62, "call barred", kPermanentForRecipient},
    CodeInfo{63, "message waiting indication subscription failure", kCommandRejected},
    CodeInfo{100, "unknown", kTemporary},
    CodeInfo{103, "illegal MS", kModemBroken},
    CodeInfo{106, "illegal ME", kModemBroken},
    CodeInfo{107, "GPRS services not allowed", kTemporary},
    CodeInfo{111, "PLMN not allowed", kTemporary},
    CodeInfo{112, "location area not allowed", kTemporary},
    CodeInfo{113, "roaming not allowed in this location area", kTemporary},
    CodeInfo{148, "unspecified GPRS error", kTemporary},
};

// TS 27.005 clause 3.2.5: 0..127 are RP-causes of TS 24.011 Annex E-2, 128..255
// TP-Failure-Causes of TS 23.040 clause 9.2.3.22, 300..500 the ME's own, 512.. the
// manufacturer's.
constexpr std::array kCmsCodes{
    CodeInfo{1, "unassigned (unallocated) number", kPermanentForRecipient},
    CodeInfo{8, "operator determined barring", kPermanentForRecipient},
    CodeInfo{10, "call barred", kPermanentForRecipient},
    CodeInfo{17, "network failure", kTemporary},
    CodeInfo{21, "short message transfer rejected", kPermanentForRecipient},
    CodeInfo{22, "memory capacity exceeded", kTemporary},
    // "cannot be reached because the interface to the destination is not functioning
    // correctly" (24.011 E-2): the destination may come back.
    CodeInfo{27, "destination out of service", kTemporary},
    // The sending subscriber is not registered in the network (24.011 E-2): a
    // registration problem of this modem, which re-registration may cure.
    CodeInfo{28, "unidentified subscriber", kTemporary},
    CodeInfo{29, "facility rejected", kPermanentForRecipient},
    CodeInfo{30, "unknown subscriber", kPermanentForRecipient},
    CodeInfo{38, "network out of order", kTemporary},
    CodeInfo{41, "temporary failure", kTemporary},
    CodeInfo{42, "congestion", kTemporary},
    CodeInfo{47, "resources unavailable, unspecified", kTemporary},
    CodeInfo{50, "requested facility not subscribed", kPermanentForRecipient},
    CodeInfo{69, "requested facility not implemented", kPermanentForRecipient},
    CodeInfo{81, "invalid short message transfer reference value", kTemporary},
    // 95..99: the network found our RP/TPDU malformed; resending the same bytes cannot
    // help.
    CodeInfo{95, "invalid message, unspecified", kCommandRejected},
    CodeInfo{96, "invalid mandatory information", kCommandRejected},
    CodeInfo{97, "message type non-existent or not implemented", kCommandRejected},
    CodeInfo{98, "message not compatible with short message protocol state", kTemporary},
    CodeInfo{99, "information element non-existent or not implemented", kCommandRejected},
    CodeInfo{111, "protocol error, unspecified", kTemporary},
    CodeInfo{127, "interworking, unspecified", kTemporary},
    CodeInfo{128, "telematic interworking not supported", kPermanentForRecipient},
    CodeInfo{129, "short message type 0 not supported", kPermanentForRecipient},
    CodeInfo{130, "cannot replace short message", kPermanentForRecipient},
    CodeInfo{143, "unspecified TP-PID error", kCommandRejected},
    CodeInfo{144, "data coding scheme (alphabet) not supported", kCommandRejected},
    CodeInfo{145, "message class not supported", kCommandRejected},
    CodeInfo{159, "unspecified TP-DCS error", kCommandRejected},
    CodeInfo{160, "command cannot be actioned", kCommandRejected},
    CodeInfo{161, "command unsupported", kCommandRejected},
    CodeInfo{175, "unspecified TP-Command error", kCommandRejected},
    CodeInfo{176, "TPDU not supported", kCommandRejected},
    CodeInfo{192, "SC busy", kTemporary},
    CodeInfo{193, "no SC subscription", kPermanentForRecipient},
    CodeInfo{194, "SC system failure", kTemporary},
    CodeInfo{195, "invalid SME address", kPermanentForRecipient},
    CodeInfo{196, "destination SME barred", kPermanentForRecipient},
    // The SC already holds a message with this TP-MR (TP-RD set): the earlier copy
    // went through, so sending again is pointless.
    CodeInfo{197, "SM rejected-duplicate SM", kPermanentForRecipient},
    CodeInfo{198, "TP-VPF not supported", kCommandRejected},
    CodeInfo{199, "TP-VP not supported", kCommandRejected},
    CodeInfo{208, "(U)SIM SMS storage full", kTemporary},
    CodeInfo{209, "no SMS storage capability in (U)SIM", kCommandRejected},
    CodeInfo{210, "error in MS", kModemBroken},
    CodeInfo{211, "memory capacity exceeded", kTemporary},
    CodeInfo{212, "(U)SIM application toolkit busy", kTemporary},
    CodeInfo{213, "(U)SIM data download error", kTemporary},
    CodeInfo{255, "unspecified error cause", kTemporary},
    CodeInfo{300, "ME failure", kModemBroken},
    CodeInfo{301, "SMS service of ME reserved", kTemporary},
    CodeInfo{302, "operation not allowed", kCommandRejected},
    CodeInfo{303, "operation not supported", kCommandRejected},
    CodeInfo{304, "invalid PDU mode parameter", kCommandRejected},
    CodeInfo{305, "invalid text mode parameter", kCommandRejected},
    CodeInfo{310, "(U)SIM not inserted", kModemBroken},
    CodeInfo{311, "(U)SIM PIN required", kModemBroken},
    CodeInfo{312, "PH-(U)SIM PIN required", kModemBroken},
    CodeInfo{313, "(U)SIM failure", kModemBroken},
    CodeInfo{314, "(U)SIM busy", kTemporary},
    CodeInfo{315, "(U)SIM wrong", kModemBroken},
    CodeInfo{316, "(U)SIM PUK required", kModemBroken},
    CodeInfo{317, "(U)SIM PIN2 required", kModemBroken},
    CodeInfo{318, "(U)SIM PUK2 required", kModemBroken},
    CodeInfo{320, "memory failure", kModemBroken},
    CodeInfo{321, "invalid memory index", kCommandRejected},
    CodeInfo{322, "memory full", kTemporary},
    // No SMSC address on the SIM and none given (+CSCA): nothing sends from this
    // modem until it is configured, while other modems can carry the message.
    CodeInfo{330, "SMSC address unknown", kModemBroken},
    CodeInfo{331, "no network service", kTemporary},
    CodeInfo{332, "network timeout", kTemporary},
    CodeInfo{340, "no +CNMA acknowledgement expected", kCommandRejected},
    // Modems answer 500 for network hiccups as often as for anything else; the
    // dispatcher's retry limit bounds the cost of calling it temporary.
    CodeInfo{500, "unknown error", kTemporary},
    // Manufacturer specific; 515 is what Huawei, SIMCom and others say while still
    // initialising ("please wait, init or command processing in progress").
    CodeInfo{515, "please wait, init or command processing in progress", kTemporary},
};

template <size_t N>
constexpr const CodeInfo* find_code(const std::array<CodeInfo, N>& table, int code) {
  for (const auto& info : table) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

// Verbose errors (+CMEE=2) carry the spec's text, with vendor spellings of case and
// "(U)SIM"; matching it recovers the code's class.
template <size_t N>
const CodeInfo* find_meaning(const std::array<CodeInfo, N>& table, std::string_view text) {
  for (const auto& info : table) {
    if (equals_ignore_case(info.meaning, text)) return &info;
    std::string_view meaning = info.meaning;
    if (meaning.starts_with("(U)") && equals_ignore_case(meaning.substr(3), text)) return &info;
  }
  return nullptr;
}

// Unknown RP-causes are treated as 41 "temporary failure" (TS 24.011 Annex E-2 note);
// unknown TP-FCS values by their range in TS 23.040 clause 9.2.3.22.
ErrorClass default_cms_class(int code) {
  if (code >= 0x80 && code <= 0xBF) return kCommandRejected;  // TP-PID, DCS, command, TPDU
  return kTemporary;  // SC and MS errors, application specific, 300.., 512..
}

FinalResult coded(FinalKind kind, std::string_view argument) {
  argument = trim(argument);
  int code = 0;
  auto [end, ec] = std::from_chars(argument.data(), argument.data() + argument.size(), code);
  if (ec == std::errc() && end == argument.data() + argument.size() && code >= 0) {
    return FinalResult{kind, code, {}};
  }
  return FinalResult{kind, -1, std::string(argument)};
}

struct Word {
  std::string_view text;
  FinalKind kind;
};

// V.250 clause 5.7.1 verbose result codes, and the vendors' own.
constexpr std::array kFinalWords{
    Word{"OK", FinalKind::kOk},
    Word{"ERROR", FinalKind::kError},
    Word{"NO CARRIER", FinalKind::kNoCarrier},
    Word{"NO DIALTONE", FinalKind::kNoDialtone},
    Word{"NO DIAL TONE", FinalKind::kNoDialtone},
    Word{"BUSY", FinalKind::kBusy},
    Word{"NO ANSWER", FinalKind::kNoAnswer},
    Word{"COMMAND NOT SUPPORT", FinalKind::kCommandNotSupport},
    Word{"TOO MANY PARAMETERS", FinalKind::kTooManyParameters},
};

}  // namespace

std::optional<FinalResult> parse_final_result(std::string_view line) {
  line = trim(line);
  for (const auto& word : kFinalWords) {
    // Exact, so that "OK" inside a longer text line is not a result.
    if (line == word.text) return FinalResult{word.kind, -1, {}};
  }
  constexpr std::string_view kCme = "+CME ERROR:";
  constexpr std::string_view kCms = "+CMS ERROR:";
  if (starts_with_ignore_case(line, kCme)) {
    return coded(FinalKind::kCmeError, line.substr(kCme.size()));
  }
  if (starts_with_ignore_case(line, kCms)) {
    return coded(FinalKind::kCmsError, line.substr(kCms.size()));
  }
  return std::nullopt;
}

std::string_view error_class_name(ErrorClass c) {
  switch (c) {
    case kPermanentForRecipient:
      return "permanent";
    case kTemporary:
      return "temporary";
    case kModemBroken:
      return "modem_broken";
    case kCommandRejected:
      return "command_rejected";
  }
  return "unknown";
}

std::optional<ErrorClass> classify(const FinalResult& result) {
  switch (result.kind) {
    case FinalKind::kOk:
      return std::nullopt;
    // V.250: ERROR is "command not recognized, command line maximum length exceeded,
    // parameter value invalid, or other problem with processing the command line";
    // with +CMEE=1 the ME's own failures come as +CME/+CMS instead.
    case FinalKind::kError:
    case FinalKind::kCommandNotSupport:
    case FinalKind::kTooManyParameters:
      return kCommandRejected;
    // Call progress codes; for SMS only a dropped link or an absent network says them.
    case FinalKind::kNoCarrier:
    case FinalKind::kNoDialtone:
    case FinalKind::kBusy:
    case FinalKind::kNoAnswer:
      return kTemporary;
    case FinalKind::kCmeError: {
      const CodeInfo* info = result.code >= 0 ? find_code(kCmeCodes, result.code)
                                              : find_meaning(kCmeCodes, result.text);
      return info ? info->error_class : kTemporary;
    }
    case FinalKind::kCmsError: {
      if (result.code >= 0) {
        const CodeInfo* info = find_code(kCmsCodes, result.code);
        return info ? info->error_class : default_cms_class(result.code);
      }
      const CodeInfo* info = find_meaning(kCmsCodes, result.text);
      return info ? info->error_class : kTemporary;
    }
  }
  return kTemporary;
}

std::string_view cme_error_meaning(int code) {
  const CodeInfo* info = find_code(kCmeCodes, code);
  return info ? info->meaning : std::string_view();
}

std::string_view cms_error_meaning(int code) {
  const CodeInfo* info = find_code(kCmsCodes, code);
  return info ? info->meaning : std::string_view();
}

std::string describe(const FinalResult& result) {
  switch (result.kind) {
    case FinalKind::kCmeError:
    case FinalKind::kCmsError: {
      bool cme = result.kind == FinalKind::kCmeError;
      std::string out = cme ? "+CME ERROR: " : "+CMS ERROR: ";
      if (result.code < 0) return out + result.text;
      out += std::to_string(result.code);
      std::string_view meaning =
          cme ? cme_error_meaning(result.code) : cms_error_meaning(result.code);
      if (!meaning.empty()) out += " (" + std::string(meaning) + ")";
      return out;
    }
    default:
      break;
  }
  for (const auto& word : kFinalWords) {
    if (word.kind == result.kind) return std::string(word.text);
  }
  return "?";
}

}  // namespace smsgate::at

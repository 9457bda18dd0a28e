// Final result codes of an AT command (ITU-T V.250 clause 5.7.1, 3GPP TS 27.007
// clause 9.2, TS 27.005 clause 3.2.5) and what an error means for the message that
// caused it. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace smsgate::at {

enum class FinalKind {
  kOk,
  kError,     // plain ERROR (V.250), or every error while +CMEE=0
  kCmeError,  // +CME ERROR: <err>, TS 27.007 clause 9.2
  kCmsError,  // +CMS ERROR: <err>, TS 27.005 clause 3.2.5
  kNoCarrier,
  kNoDialtone,
  kBusy,
  kNoAnswer,
  kCommandNotSupport,  // ZTE and Huawei instead of ERROR for unknown commands
  kTooManyParameters,  // ZTE and Huawei, likewise
};

struct FinalResult {
  FinalKind kind = FinalKind::kOk;
  // For +CME/+CMS: the numeric <err>, or -1 for the verbose form (+CMEE=2), whose
  // text is then in `text`.
  int code = -1;
  std::string text;

  bool ok() const { return kind == FinalKind::kOk; }
  friend bool operator==(const FinalResult&, const FinalResult&) = default;
};

// nullopt when the (already framed, trimmed) line is not a final result code.
std::optional<FinalResult> parse_final_result(std::string_view line);

// What the error means for the work that caused it; the dispatcher decides retries on
// this, never on the raw code.
enum class ErrorClass {
  // The network or SMSC refused this message for its destination or for the
  // subscription's right to send it: sending it again will fail again. (Codes such as
  // 8 "operator determined barring" can also mean the SIM ran out of credit; the
  // dispatcher sees that as many recipients failing on one modem.)
  kPermanentForRecipient,
  // Network, SMSC or SIM transiently unable; the same command later, or on another
  // modem, may succeed.
  kTemporary,
  // The modem or its SIM needs attention (no SIM, PIN/PUK, hardware failure, no SMSC
  // address configured): the message is not at fault and goes to another modem while
  // this one is recovered.
  kModemBroken,
  // The modem refused the command line or the PDU itself (syntax, unsupported,
  // invalid parameter): repeating the same bytes on this modem cannot succeed. A bug
  // on our side or a quirk for drivers/ to learn.
  kCommandRejected,
};

std::string_view error_class_name(ErrorClass c);  // "permanent", "temporary", ...

// nullopt for OK, which is no error.
std::optional<ErrorClass> classify(const FinalResult& result);

// The spec's name for a +CME / +CMS <err> ("SIM not inserted"), or "" when unknown.
std::string_view cme_error_meaning(int code);
std::string_view cms_error_meaning(int code);

// "OK", "+CMS ERROR: 38 (network out of order)": one line for logs.
std::string describe(const FinalResult& result);

}  // namespace smsgate::at

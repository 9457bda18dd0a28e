// SMS-SUBMIT encoding (TS 23.040 clause 9.2.2.2): one PDU per planned part, each led
// by the SMSC octet 00 (use the SIM's service centre) as AT+CMGS takes it. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "pdu/planner.h"
#include "pdu/timestamp.h"

namespace smsgate::pdu {

struct RelativeValidity {
  int minutes;  // rounded up to the next value TP-VP can hold
};
// TP-VP: none, relative (one octet), or absolute (a time stamp).
using Validity = std::variant<std::monostate, RelativeValidity, Timestamp>;

struct SubmitOptions {
  bool status_report = false;  // TP-SRR
  Validity validity;
  uint8_t message_reference = 0;   // TP-MR; most modems put their own in
  bool reject_duplicates = false;  // TP-RD
  bool flash = false;              // message class 0, shown and not stored
  uint16_t concat_reference = 0;   // shared by all parts; 8-bit plans use the low octet
};

struct SubmitPdu {
  int part = 1;
  int parts = 1;
  Encoding encoding = Encoding::kGsm7;
  std::vector<uint8_t> octets;                              // SMSC octet 00, then the TPDU
  size_t tpdu_length() const { return octets.size() - 1; }  // the length AT+CMGS wants
};

// TP-VP relative value for a validity of at least `minutes`, or an error when it is
// beyond the field's 63 weeks (TS 23.040 clause 9.2.3.12.1).
Result<uint8_t> relative_validity_octet(int minutes);
int relative_validity_minutes(uint8_t octet);
// Rewrites the relative TP-VP of an encoded SMS-SUBMIT (SMSC information first), so a
// message sent late still lapses when it should. An error when the PDU carries no
// relative validity period or is not an SMS-SUBMIT; `octets` is then unchanged.
Status set_relative_validity(std::vector<uint8_t>& octets, int minutes);
// Rewrites the concatenation reference of an encoded SMS-SUBMIT part (the low octet
// for an 8-bit reference), so a message sent again whole from another modem is not
// joined by the phone with what the first modem sent. The reference it had; an error
// when the PDU is not an SMS-SUBMIT or carries no concatenation header (`octets` is
// then unchanged).
Result<uint16_t> set_concat_reference(std::vector<uint8_t>& octets, uint16_t reference);

Result<std::vector<SubmitPdu>> encode_submit(std::string_view to, const Plan& plan,
                                             const SubmitOptions& options);
// 8-bit data, split into parts of at most 140 octets (134 with an 8-bit reference).
Result<std::vector<SubmitPdu>> encode_submit_data(std::string_view to,
                                                  std::span<const uint8_t> data, bool ref16,
                                                  const SubmitOptions& options);

}  // namespace smsgate::pdu

// Decoding of the TPDUs a modem hands over (TS 23.040 clause 9.2.2): SMS-DELIVER,
// SMS-SUBMIT (stored or sent messages) and SMS-STATUS-REPORT, with or without the SMSC
// prefix. Every malformed input is an Error naming the field and octet; nothing
// reads out of bounds. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "pdu/gsm7.h"
#include "pdu/planner.h"
#include "pdu/timestamp.h"

namespace smsgate::pdu {

struct Concat {
  uint16_t reference = 0;
  uint8_t part = 0;  // 1-based
  uint8_t total = 0;
  int reference_bits = 8;
  friend bool operator==(const Concat&, const Concat&) = default;
};

struct UserData {
  Encoding encoding = Encoding::kGsm7;
  std::u32string text;        // GSM-7 and UCS-2
  std::vector<uint8_t> data;  // 8-bit
  std::optional<Concat> concat;
  Gsm7Tables tables;       // from IEs 0x24/0x25
  int message_class = -1;  // 0..3 from TP-DCS, -1 when none
};

struct Deliver {
  std::string from;
  Timestamp timestamp;
  uint8_t protocol_id = 0;
  bool status_report_indication = false;
  bool more_messages_to_send = false;
  UserData user_data;
};

struct Submit {
  uint8_t reference = 0;
  std::string to;
  bool status_report_request = false;
  bool reject_duplicates = false;
  std::optional<int> validity_minutes;      // relative TP-VP
  std::optional<Timestamp> validity_until;  // absolute TP-VP
  uint8_t protocol_id = 0;
  UserData user_data;
};

enum class StatusClass : uint8_t { kDelivered, kPending, kFailedPermanent, kFailedTemporary };
std::string_view status_class_name(StatusClass c);  // "delivered", "pending", ...
// TP-ST (TS 23.040 clause 9.2.3.15).
StatusClass classify_status(uint8_t status);
std::string_view status_meaning(uint8_t status);

struct StatusReport {
  uint8_t reference = 0;
  std::string recipient;
  Timestamp timestamp;       // when the SC received the message
  Timestamp discharge_time;  // when the status was reached
  uint8_t status = 0;
  bool is_report_of_command = false;  // TP-SRQ
};

struct DecodedPdu {
  std::optional<std::string> smsc;
  std::variant<Deliver, Submit, StatusReport> tpdu;
};

// with_smsc: the PDU starts with the SMSC information, as AT+CMGL/+CMGR/+CMT/+CDS
// deliver it (unless the modem was told otherwise).
Result<DecodedPdu> decode_pdu(std::span<const uint8_t> octets, bool with_smsc);
// Tries the SMSC reading first and the bare TPDU when that fails; the error is the
// SMSC reading's when both fail.
Result<DecodedPdu> decode_pdu_any(std::span<const uint8_t> octets);

}  // namespace smsgate::pdu

// The PDUs a simulated network sends to the modem: SMS-DELIVER (inbound texts, split
// and encoded by the gateway's own planner) and SMS-STATUS-REPORT. The gateway itself
// never encodes these, so they live with the simulator. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "pdu/planner.h"
#include "pdu/timestamp.h"

namespace smsgate::sim {

struct DeliverOptions {
  pdu::EncodingChoice encoding = pdu::EncodingChoice::kAuto;
  uint16_t concat_reference = 0;
  bool ref16 = false;
};

// One SMS-DELIVER TPDU per part (TS 23.040 clause 9.2.2.1), without SMSC information.
Result<std::vector<std::vector<uint8_t>>> encode_deliver_tpdus(std::string_view from,
                                                               std::u32string_view text,
                                                               const pdu::Timestamp& scts,
                                                               const DeliverOptions& options);

// An SMS-STATUS-REPORT TPDU (TS 23.040 clause 9.2.2.3) without SMSC information.
Result<std::vector<uint8_t>> encode_status_report_tpdu(uint8_t reference,
                                                       std::string_view recipient,
                                                       const pdu::Timestamp& scts,
                                                       const pdu::Timestamp& discharge_time,
                                                       uint8_t status);

// The SMSC information that leads a PDU in AT+CMGL/+CMGR/+CMT/+CDS (TS 27.005 clause
// 3.1 <pdu>): length in octets (type included), type of address, semi-octets.
Result<std::vector<uint8_t>> encode_smsc_information(std::string_view smsc);

}  // namespace smsgate::sim

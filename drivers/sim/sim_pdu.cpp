#include "drivers/sim/sim_pdu.h"

#include "pdu/address.h"
#include "pdu/gsm7.h"

namespace smsgate::sim {
namespace {

// First octets (TS 23.040 clause 9.2.3.1): TP-MTI in bits 1-0, TP-MMS (bit 2) set
// means "no more messages are waiting", TP-UDHI bit 6.
constexpr uint8_t kDeliverFirstOctet = 0x04;       // MTI 00, MMS 1
constexpr uint8_t kStatusReportFirstOctet = 0x06;  // MTI 10, MMS 1
constexpr uint8_t kUserDataHeaderIndicator = 0x40;

// TP-DCS general data coding, no message class (TS 23.038 clause 4).
constexpr uint8_t kDcsGsm7 = 0x00;
constexpr uint8_t kDcsUcs2 = 0x08;

// Concatenation and national language IEs (TS 23.040 clauses 9.2.3.24.1, .8, .15, .16).
std::vector<uint8_t> user_data_header(const pdu::Plan& plan, uint16_t reference, int part) {
  std::vector<uint8_t> ies;
  const auto parts = static_cast<uint8_t>(plan.parts.size());
  if (plan.concatenated()) {
    if (plan.ref16) {
      ies.insert(ies.end(), {0x08, 0x04, static_cast<uint8_t>(reference >> 8),
                             static_cast<uint8_t>(reference), parts, static_cast<uint8_t>(part)});
    } else {
      ies.insert(ies.end(),
                 {0x00, 0x03, static_cast<uint8_t>(reference), parts, static_cast<uint8_t>(part)});
    }
  }
  if (plan.tables.single != pdu::Language::kDefault) {
    ies.insert(ies.end(), {0x24, 0x01, static_cast<uint8_t>(plan.tables.single)});
  }
  if (plan.tables.locking != pdu::Language::kDefault) {
    ies.insert(ies.end(), {0x25, 0x01, static_cast<uint8_t>(plan.tables.locking)});
  }
  if (ies.empty()) return ies;
  ies.insert(ies.begin(), static_cast<uint8_t>(ies.size()));  // UDHL
  return ies;
}

}  // namespace

Result<std::vector<std::vector<uint8_t>>> encode_deliver_tpdus(std::string_view from,
                                                               std::u32string_view text,
                                                               const pdu::Timestamp& scts,
                                                               const DeliverOptions& options) {
  pdu::PlanOptions plan_options;
  plan_options.encoding = options.encoding;
  plan_options.ref16 = options.ref16;
  auto plan = pdu::plan_text(text, plan_options);
  if (!plan) return plan.error();

  std::vector<uint8_t> originator;
  if (auto address = pdu::append_address(from, originator); !address) {
    return make_error("from: " + address.error().message);
  }
  uint8_t stamp[7];
  pdu::encode_timestamp(scts, stamp);

  std::vector<std::vector<uint8_t>> tpdus;
  for (size_t i = 0; i < plan->parts.size(); ++i) {
    const auto& part = plan->parts[i];
    const auto header = user_data_header(*plan, options.concat_reference, static_cast<int>(i + 1));
    std::vector<uint8_t> tpdu;
    tpdu.push_back(header.empty() ? kDeliverFirstOctet
                                  : kDeliverFirstOctet | kUserDataHeaderIndicator);
    tpdu.insert(tpdu.end(), originator.begin(), originator.end());
    tpdu.push_back(0x00);  // TP-PID: plain short message
    tpdu.push_back(plan->encoding == pdu::Encoding::kGsm7 ? kDcsGsm7 : kDcsUcs2);
    tpdu.insert(tpdu.end(), stamp, stamp + 7);
    if (plan->encoding == pdu::Encoding::kGsm7) {
      // TP-UDL counts septets, the header's fill bits included (TS 23.040 9.2.3.24).
      const int fill = static_cast<int>((7 - header.size() * 8 % 7) % 7);
      const size_t header_septets = (header.size() * 8 + static_cast<size_t>(fill)) / 7;
      tpdu.push_back(static_cast<uint8_t>(header_septets + part.payload.size()));
      tpdu.insert(tpdu.end(), header.begin(), header.end());
      pdu::pack_septets(part.payload, fill, tpdu);
    } else {
      tpdu.push_back(static_cast<uint8_t>(header.size() + part.payload.size()));
      tpdu.insert(tpdu.end(), header.begin(), header.end());
      tpdu.insert(tpdu.end(), part.payload.begin(), part.payload.end());
    }
    tpdus.push_back(std::move(tpdu));
  }
  return tpdus;
}

Result<std::vector<uint8_t>> encode_status_report_tpdu(uint8_t reference,
                                                       std::string_view recipient,
                                                       const pdu::Timestamp& scts,
                                                       const pdu::Timestamp& discharge_time,
                                                       uint8_t status) {
  std::vector<uint8_t> tpdu{kStatusReportFirstOctet, reference};
  if (auto address = pdu::append_address(recipient, tpdu); !address) {
    return make_error("recipient: " + address.error().message);
  }
  uint8_t stamp[7];
  pdu::encode_timestamp(scts, stamp);
  tpdu.insert(tpdu.end(), stamp, stamp + 7);
  pdu::encode_timestamp(discharge_time, stamp);
  tpdu.insert(tpdu.end(), stamp, stamp + 7);
  tpdu.push_back(status);  // TP-ST; no TP-PI, so no optional fields follow
  return tpdu;
}

Result<std::vector<uint8_t>> encode_smsc_information(std::string_view smsc) {
  if (smsc.empty()) return std::vector<uint8_t>{0x00};  // none: the SIM's own
  std::vector<uint8_t> field;
  if (auto address = pdu::append_address(smsc, field); !address) {
    return make_error("SMSC: " + address.error().message);
  }
  // An address field counts semi-octets; the SMSC information counts octets.
  field[0] = static_cast<uint8_t>(field.size() - 1);
  return field;
}

}  // namespace smsgate::sim

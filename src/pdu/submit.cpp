#include "pdu/submit.h"

#include <array>
#include <initializer_list>

#include "pdu/address.h"
#include "pdu/gsm7.h"

namespace smsgate::pdu {
namespace {

// TP-VP relative bands (TS 23.040 clause 9.2.3.12.1), in minutes.
constexpr int kTwelveHours = 720;
constexpr int kOneDay = 1440;
constexpr int kThirtyDays = 30 * kOneDay;
constexpr int kOneWeek = 7 * kOneDay;
constexpr int kMaxRelativeMinutes = 63 * kOneWeek;

int ceil_div(int a, int b) { return (a + b - 1) / b; }

// TP-DCS general data coding (TS 23.038 clause 4): bits 3-2 the alphabet, bit 4 says
// bits 1-0 hold a message class.
uint8_t data_coding_scheme(Encoding encoding, bool flash) {
  uint8_t alphabet = encoding == Encoding::kGsm7       ? 0x00
                     : encoding == Encoding::kEightBit ? 0x04
                                                       : 0x08;
  return flash ? static_cast<uint8_t>(alphabet | 0x10) : alphabet;  // class 0
}

struct Header {
  bool concatenated;
  bool ref16;
  uint16_t reference;
  int part;
  int parts;
  Gsm7Tables tables;
};

// At most 1 + 6 (16-bit concatenation) + 3 + 3 (national language shifts) octets.
struct UserDataHeader {
  std::array<uint8_t, 13> octets{};
  size_t size = 0;
  void add(std::initializer_list<uint8_t> ie) {
    for (uint8_t o : ie) octets[size++] = o;
  }
  const uint8_t* begin() const { return octets.data(); }
  const uint8_t* end() const { return octets.data() + size; }
};

UserDataHeader user_data_header(const Header& h) {
  UserDataHeader udh;
  udh.size = 1;  // UDHL, filled in below
  if (h.concatenated) {
    if (h.ref16) {  // TS 23.040 9.2.3.24.8
      udh.add({0x08, 0x04, static_cast<uint8_t>(h.reference >> 8),
               static_cast<uint8_t>(h.reference), static_cast<uint8_t>(h.parts),
               static_cast<uint8_t>(h.part)});
    } else {  // TS 23.040 9.2.3.24.1
      udh.add({0x00, 0x03, static_cast<uint8_t>(h.reference), static_cast<uint8_t>(h.parts),
               static_cast<uint8_t>(h.part)});
    }
  }
  if (h.tables.single != Language::kDefault) {  // TS 23.040 9.2.3.24.15
    udh.add({0x24, 0x01, static_cast<uint8_t>(h.tables.single)});
  }
  if (h.tables.locking != Language::kDefault) {  // TS 23.040 9.2.3.24.16
    udh.add({0x25, 0x01, static_cast<uint8_t>(h.tables.locking)});
  }
  if (udh.size == 1) {
    udh.size = 0;
  } else {
    udh.octets[0] = static_cast<uint8_t>(udh.size - 1);
  }
  return udh;
}

// Everything of the TPDU up to TP-UDL: first octet, TP-MR, TP-DA, TP-PID, TP-DCS, TP-VP.
Result<std::vector<uint8_t>> submit_head(std::string_view to, Encoding encoding, bool has_header,
                                         const SubmitOptions& options) {
  std::vector<uint8_t> out;
  out.reserve(176);
  out.push_back(0x00);   // SMSC: the one stored on the SIM
  uint8_t first = 0x01;  // TP-MTI SMS-SUBMIT
  if (options.reject_duplicates) first |= 0x04;
  if (std::holds_alternative<RelativeValidity>(options.validity)) first |= 0x10;
  if (std::holds_alternative<Timestamp>(options.validity)) first |= 0x18;
  if (options.status_report) first |= 0x20;
  if (has_header) first |= 0x40;
  out.push_back(first);
  out.push_back(options.message_reference);
  auto address = append_address(to, out);
  if (!address) return address.error();
  out.push_back(0x00);  // TP-PID: plain short message
  out.push_back(data_coding_scheme(encoding, options.flash));
  if (auto* relative = std::get_if<RelativeValidity>(&options.validity)) {
    auto octet = relative_validity_octet(relative->minutes);
    if (!octet) return octet.error();
    out.push_back(*octet);
  } else if (auto* absolute = std::get_if<Timestamp>(&options.validity)) {
    uint8_t stamp[7];
    encode_timestamp(*absolute, stamp);
    out.insert(out.end(), stamp, stamp + 7);
  }
  return out;
}

}  // namespace

Result<uint8_t> relative_validity_octet(int minutes) {
  if (minutes < 0) return make_error("validity must not be negative");
  if (minutes > kMaxRelativeMinutes) {
    return make_error("validity of " + std::to_string(minutes) +
                      " minutes exceeds the maximum of 63 weeks (635040 minutes)");
  }
  int octet;
  if (minutes <= kTwelveHours) {
    octet = minutes <= 5 ? 0 : ceil_div(minutes, 5) - 1;
  } else if (minutes <= kOneDay) {
    octet = 143 + ceil_div(minutes - kTwelveHours, 30);
  } else if (minutes <= kThirtyDays) {
    octet = 166 + std::max(2, ceil_div(minutes, kOneDay));
  } else {
    octet = 192 + std::max(5, ceil_div(minutes, kOneWeek));
  }
  return static_cast<uint8_t>(octet);
}

Status set_relative_validity(std::vector<uint8_t>& octets, int minutes) {
  auto octet = relative_validity_octet(minutes);
  if (!octet) return octet.error();
  // SMSC information, then TP-MTI/flags, TP-MR, TP-DA, TP-PID, TP-DCS, TP-VP
  // (TS 23.040 clause 9.2.2.2).
  if (octets.empty()) return make_error("empty PDU");
  size_t first = 1 + size_t{octets[0]};
  if (first + 3 >= octets.size()) return make_error("PDU too short for an SMS-SUBMIT");
  uint8_t flags = octets[first];
  if ((flags & 0x03) != 0x01) return make_error("not an SMS-SUBMIT");
  // TP-VPF 10: relative format (TS 23.040 clause 9.2.3.3).
  if (((flags >> 3) & 0x03) != 0x02) return make_error("the PDU has no relative validity period");
  size_t address_digits = octets[first + 2];
  size_t vp = first + 2 + 2 + (address_digits + 1) / 2 + 2;
  if (vp >= octets.size()) return make_error("PDU too short for its validity period");
  octets[vp] = *octet;
  return ok_status();
}

Result<uint16_t> set_concat_reference(std::vector<uint8_t>& octets, uint16_t reference) {
  // SMSC information, then TP-MTI/flags, TP-MR, TP-DA, TP-PID, TP-DCS, TP-VP, TP-UDL
  // and the user data with its header (TS 23.040 clauses 9.2.2.2 and 9.2.3.24).
  if (octets.empty()) return make_error("empty PDU");
  const size_t first = 1 + size_t{octets[0]};
  if (first + 3 >= octets.size()) return make_error("PDU too short for an SMS-SUBMIT");
  const uint8_t flags = octets[first];
  if ((flags & 0x03) != 0x01) return make_error("not an SMS-SUBMIT");
  if ((flags & 0x40) == 0) return make_error("the PDU has no user data header");
  const size_t address_digits = octets[first + 2];
  constexpr size_t kValidityLength[] = {0, 7, 1, 7};  // by TP-VPF
  const size_t udl =
      first + 2 + 2 + (address_digits + 1) / 2 + 2 + kValidityLength[(flags >> 3) & 0x03];
  const size_t header = udl + 1;
  if (header >= octets.size()) return make_error("PDU too short for its user data header");
  const size_t header_end = header + 1 + size_t{octets[header]};
  if (header_end > octets.size()) return make_error("user data header longer than the PDU");
  for (size_t at = header + 1; at + 1 < header_end;) {
    const uint8_t id = octets[at];
    const size_t length = octets[at + 1];
    const size_t value = at + 2;
    if (value + length > header_end) return make_error("user data header element overruns");
    if (id == 0x00 && length == 3) {  // 9.2.3.24.1, 8-bit reference
      const uint16_t was = octets[value];
      octets[value] = static_cast<uint8_t>(reference & 0xff);
      return was;
    }
    if (id == 0x08 && length == 4) {  // 9.2.3.24.8, 16-bit reference
      const auto was = static_cast<uint16_t>(octets[value] << 8 | octets[value + 1]);
      octets[value] = static_cast<uint8_t>(reference >> 8);
      octets[value + 1] = static_cast<uint8_t>(reference & 0xff);
      return was;
    }
    at = value + length;
  }
  return make_error("the PDU has no concatenation header");
}

int relative_validity_minutes(uint8_t octet) {
  if (octet <= 143) return (octet + 1) * 5;
  if (octet <= 167) return kTwelveHours + (octet - 143) * 30;
  if (octet <= 196) return (octet - 166) * kOneDay;
  return (octet - 192) * kOneWeek;
}

Result<std::vector<SubmitPdu>> encode_submit(std::string_view to, const Plan& plan,
                                             const SubmitOptions& options) {
  const int parts = static_cast<int>(plan.parts.size());
  const size_t header_octets = plan.header_octets();
  auto head = submit_head(to, plan.encoding, header_octets > 0, options);
  if (!head) return head.error();
  std::vector<SubmitPdu> out;
  out.reserve(plan.parts.size());
  for (int i = 0; i < parts; ++i) {
    const PlannedPart& part = plan.parts[i];
    SubmitPdu pdu{i + 1, parts, plan.encoding, {}};
    pdu.octets.reserve(head->size() + 1 + 140);
    pdu.octets.assign(head->begin(), head->end());
    const UserDataHeader header = user_data_header(
        {plan.concatenated(), plan.ref16, options.concat_reference, i + 1, parts, plan.tables});
    if (plan.encoding == Encoding::kGsm7) {
      // Fill bits align the first septet after the header (TS 23.040 9.2.3.24).
      const int fill = static_cast<int>((7 - header.size * 8 % 7) % 7);
      const size_t header_septets = (header.size * 8 + fill) / 7;
      pdu.octets.push_back(static_cast<uint8_t>(header_septets + part.payload.size()));
      pdu.octets.insert(pdu.octets.end(), header.begin(), header.end());
      pack_septets(part.payload, fill, pdu.octets);
    } else {
      pdu.octets.push_back(static_cast<uint8_t>(header.size + part.payload.size()));
      pdu.octets.insert(pdu.octets.end(), header.begin(), header.end());
      pdu.octets.insert(pdu.octets.end(), part.payload.begin(), part.payload.end());
    }
    out.push_back(std::move(pdu));
  }
  return out;
}

Result<std::vector<SubmitPdu>> encode_submit_data(std::string_view to,
                                                  std::span<const uint8_t> data, bool ref16,
                                                  const SubmitOptions& options) {
  constexpr size_t kUserDataOctets = 140;
  const size_t concat_capacity = kUserDataOctets - (ref16 ? 7 : 6);
  const bool concatenated = data.size() > kUserDataOctets;
  const size_t capacity = concatenated ? concat_capacity : kUserDataOctets;
  const size_t parts = data.empty() ? 1 : (data.size() + capacity - 1) / capacity;
  if (parts > 255) return make_error("data needs more than 255 parts");
  auto head = submit_head(to, Encoding::kEightBit, concatenated, options);
  if (!head) return head.error();
  std::vector<SubmitPdu> out;
  for (size_t i = 0; i < parts; ++i) {
    auto chunk = data.subspan(i * capacity, std::min(capacity, data.size() - i * capacity));
    SubmitPdu pdu{static_cast<int>(i + 1), static_cast<int>(parts), Encoding::kEightBit, *head};
    auto header = user_data_header({concatenated,
                                    ref16,
                                    options.concat_reference,
                                    static_cast<int>(i + 1),
                                    static_cast<int>(parts),
                                    {}});
    pdu.octets.push_back(static_cast<uint8_t>(header.size + chunk.size()));
    pdu.octets.insert(pdu.octets.end(), header.begin(), header.end());
    pdu.octets.insert(pdu.octets.end(), chunk.begin(), chunk.end());
    out.push_back(std::move(pdu));
  }
  return out;
}

}  // namespace smsgate::pdu

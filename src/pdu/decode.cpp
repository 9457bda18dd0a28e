#include "pdu/decode.h"

#include "pdu/address.h"
#include "pdu/submit.h"
#include "pdu/utf.h"

namespace smsgate::pdu {
namespace {

// Walks a PDU with bounds checks; errors name the field and the 1-based octet.
class Reader {
 public:
  Reader(std::span<const uint8_t> octets, size_t base) : octets_(octets), base_(base) {}

  size_t left() const { return octets_.size() - pos_; }
  size_t octet_number() const { return base_ + pos_ + 1; }
  std::span<const uint8_t> rest() const { return octets_.subspan(pos_); }
  void skip(size_t n) { pos_ += n; }

  Error truncated(const char* field, size_t needed) const {
    return make_error(std::string(field) + " truncated at octet " + std::to_string(octet_number()) +
                      ": needs " + std::to_string(needed) + ", " + std::to_string(left()) +
                      " left");
  }
  Error wrong(const std::string& what) const {
    return make_error(what + " at octet " + std::to_string(octet_number()));
  }

  Result<uint8_t> octet(const char* field) {
    if (left() < 1) return truncated(field, 1);
    return octets_[pos_++];
  }
  Result<std::span<const uint8_t>> take(size_t n, const char* field) {
    if (left() < n) return truncated(field, n);
    auto out = octets_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Result<std::string> address(const char* field) {
    auto decoded = decode_address(rest());
    if (!decoded) return wrong(std::string(field) + ": " + decoded.error().message);
    pos_ += decoded->octets;
    return std::move(decoded->text);
  }
  Result<Timestamp> timestamp(const char* field) {
    auto octets = take(7, field);
    if (!octets) return octets.error();
    auto t = decode_timestamp(*octets);
    if (!t) {
      pos_ -= 7;
      return wrong(std::string(field) + ": " + t.error().message);
    }
    return *t;
  }

 private:
  std::span<const uint8_t> octets_;
  size_t base_;
  size_t pos_ = 0;
};

struct DataCoding {
  Encoding encoding = Encoding::kGsm7;
  int message_class = -1;
  bool compressed = false;
};

// TP-DCS, TS 23.038 clause 4.
DataCoding parse_dcs(uint8_t dcs) {
  DataCoding out;
  const uint8_t group = dcs >> 4;
  if (group <= 0x7) {  // general data coding, with or without automatic deletion
    out.compressed = dcs & 0x20;
    if (dcs & 0x10) out.message_class = dcs & 0x03;
    switch (dcs >> 2 & 0x03) {
      case 1:
        out.encoding = Encoding::kEightBit;
        break;
      case 2:
        out.encoding = Encoding::kUcs2;
        break;
      default:  // 3 is reserved: read as the default alphabet (TS 23.038 clause 4)
        out.encoding = Encoding::kGsm7;
    }
  } else if (group == 0xE) {  // message waiting indication, store, UCS-2
    out.encoding = Encoding::kUcs2;
  } else if (group == 0xF) {  // data coding / message class
    out.encoding = dcs & 0x04 ? Encoding::kEightBit : Encoding::kGsm7;
    out.message_class = dcs & 0x03;
  }
  return out;
}

std::optional<Language> language_value(uint8_t v) {
  if (v >= kLanguageCount) return std::nullopt;
  return static_cast<Language>(v);
}

// Information elements of the UDH (TS 23.040 clause 9.2.3.24). Elements this codec
// does not use (port addressing, special SMS indication, ...) are skipped.
void read_information_elements(std::span<const uint8_t> ies, UserData& out) {
  size_t pos = 0;
  while (pos + 2 <= ies.size()) {
    uint8_t iei = ies[pos];
    uint8_t length = ies[pos + 1];
    if (pos + 2 + length > ies.size()) break;  // checked by the caller
    auto value = ies.subspan(pos + 2, length);
    pos += 2 + length;
    if (iei == 0x00 && length == 3) {
      Concat c{value[0], value[2], value[1], 8};
      // A sequence of 0 or beyond the total means the IE is ignored (9.2.3.24.1).
      if (c.total > 0 && c.part > 0 && c.part <= c.total) out.concat = c;
    } else if (iei == 0x08 && length == 4) {
      Concat c{static_cast<uint16_t>(value[0] << 8 | value[1]), value[3], value[2], 16};
      if (c.total > 0 && c.part > 0 && c.part <= c.total) out.concat = c;
    } else if (iei == 0x24 && length == 1) {
      if (auto l = language_value(value[0]); l && single_shift_table(*l)) out.tables.single = *l;
    } else if (iei == 0x25 && length == 1) {
      if (auto l = language_value(value[0]); l && locking_shift_table(*l)) out.tables.locking = *l;
    }
  }
}

// TP-UDL and TP-UD, which end the TPDU: nothing may follow them.
// `dcs_octet` is the 1-based position of TP-DCS, for errors about it.
Result<UserData> read_user_data(Reader& r, uint8_t dcs, size_t dcs_octet, bool has_header) {
  DataCoding coding = parse_dcs(dcs);
  UserData out;
  out.encoding = coding.encoding;
  out.message_class = coding.message_class;
  if (coding.compressed) {
    return make_error("compressed user data (TP-DCS bit 5) is not supported at octet " +
                      std::to_string(dcs_octet));
  }
  const size_t udl_octet = r.octet_number();
  auto udl = r.octet("TP-UDL");
  if (!udl) return udl.error();
  const bool septets = coding.encoding == Encoding::kGsm7;
  if (septets ? *udl > 160 : *udl > 140) {
    return make_error("TP-UDL " + std::to_string(*udl) + " exceeds the maximum of " +
                      (septets ? "160 septets" : "140 octets") + " at octet " +
                      std::to_string(udl_octet));
  }
  const size_t ud_octets = septets ? packed_octets(*udl, 0) : *udl;
  if (r.left() != ud_octets) {
    return r.wrong("TP-UDL says " + std::to_string(*udl) + (septets ? " septets (" : " octets (") +
                   std::to_string(ud_octets) + " octets) but " + std::to_string(r.left()) +
                   " octets follow");
  }
  auto ud = r.rest();
  size_t header_octets = 0;
  if (has_header) {
    if (ud.empty()) return r.wrong("TP-UDHI set but the user data is empty");
    header_octets = ud[0] + 1;
    if (header_octets > ud.size()) {
      return r.wrong("user data header length " + std::to_string(ud[0]) + " exceeds the user data");
    }
    auto ies = ud.subspan(1, header_octets - 1);
    for (size_t pos = 0; pos < ies.size();) {
      if (pos + 2 > ies.size() || pos + 2 + ies[pos + 1] > ies.size()) {
        return r.wrong("information element at header offset " + std::to_string(pos + 1) +
                       " overruns the user data header");
      }
      pos += 2 + ies[pos + 1];
    }
    read_information_elements(ies, out);
  }
  if (septets) {
    const size_t header_septets = (header_octets * 8 + 6) / 7;
    if (header_septets > *udl) return r.wrong("user data header longer than TP-UDL");
    auto text = unpack_septets(ud, *udl - header_septets, static_cast<int>(header_septets * 7));
    out.text = septets_to_code_points(text, out.tables);
  } else if (coding.encoding == Encoding::kUcs2) {
    auto body = ud.subspan(header_octets);
    if (body.size() % 2 != 0) return r.wrong("UCS-2 user data has an odd number of octets");
    out.text = utf16be_to_code_points(body);
  } else {
    auto body = ud.subspan(header_octets);
    out.data.assign(body.begin(), body.end());
  }
  r.skip(r.left());
  return out;
}

Result<Deliver> read_deliver(Reader& r, uint8_t first) {
  Deliver d;
  d.more_messages_to_send = !(first & 0x04);  // TP-MMS is set when there are none
  d.status_report_indication = first & 0x20;
  auto from = r.address("TP-OA");
  if (!from) return from.error();
  d.from = std::move(*from);
  auto pid = r.octet("TP-PID");
  if (!pid) return pid.error();
  d.protocol_id = *pid;
  const size_t dcs_octet = r.octet_number();
  auto dcs = r.octet("TP-DCS");
  if (!dcs) return dcs.error();
  auto stamp = r.timestamp("TP-SCTS");
  if (!stamp) return stamp.error();
  d.timestamp = *stamp;
  auto ud = read_user_data(r, *dcs, dcs_octet, first & 0x40);
  if (!ud) return ud.error();
  d.user_data = std::move(*ud);
  return d;
}

Result<Submit> read_submit(Reader& r, uint8_t first) {
  Submit s;
  s.reject_duplicates = first & 0x04;
  s.status_report_request = first & 0x20;
  auto mr = r.octet("TP-MR");
  if (!mr) return mr.error();
  s.reference = *mr;
  auto to = r.address("TP-DA");
  if (!to) return to.error();
  s.to = std::move(*to);
  auto pid = r.octet("TP-PID");
  if (!pid) return pid.error();
  s.protocol_id = *pid;
  const size_t dcs_octet = r.octet_number();
  auto dcs = r.octet("TP-DCS");
  if (!dcs) return dcs.error();
  switch (first >> 3 & 0x03) {  // TP-VPF
    case 0x2: {
      auto vp = r.octet("TP-VP");
      if (!vp) return vp.error();
      s.validity_minutes = relative_validity_minutes(*vp);
      break;
    }
    case 0x3: {
      auto until = r.timestamp("TP-VP");
      if (!until) return until.error();
      s.validity_until = *until;
      break;
    }
    case 0x1: {  // enhanced format (TS 23.040 9.2.3.12.3): not used by this gateway
      auto vp = r.take(7, "TP-VP");
      if (!vp) return vp.error();
      break;
    }
  }
  auto ud = read_user_data(r, *dcs, dcs_octet, first & 0x40);
  if (!ud) return ud.error();
  s.user_data = std::move(*ud);
  return s;
}

Result<StatusReport> read_status_report(Reader& r, uint8_t first) {
  StatusReport s;
  s.is_report_of_command = first & 0x20;
  auto mr = r.octet("TP-MR");
  if (!mr) return mr.error();
  s.reference = *mr;
  auto recipient = r.address("TP-RA");
  if (!recipient) return recipient.error();
  s.recipient = std::move(*recipient);
  auto stamp = r.timestamp("TP-SCTS");
  if (!stamp) return stamp.error();
  s.timestamp = *stamp;
  auto discharge = r.timestamp("TP-DT");
  if (!discharge) return discharge.error();
  s.discharge_time = *discharge;
  auto status = r.octet("TP-ST");
  if (!status) return status.error();
  s.status = *status;
  if (r.left() == 0) return s;
  // Optional TP-PI and the fields it announces (TS 23.040 9.2.3.27).
  auto pi = r.octet("TP-PI");
  if (!pi) return pi.error();
  uint8_t dcs = 0;
  size_t dcs_octet = 0;
  if (*pi & 0x01) {
    if (auto pid = r.octet("TP-PID"); !pid) return pid.error();
  }
  if (*pi & 0x02) {
    dcs_octet = r.octet_number();
    auto d = r.octet("TP-DCS");
    if (!d) return d.error();
    dcs = *d;
  }
  if (*pi & 0x04) {
    auto ud = read_user_data(r, dcs, dcs_octet, first & 0x40);
    if (!ud) return ud.error();
  }
  return s;
}

}  // namespace

std::string_view status_class_name(StatusClass c) {
  switch (c) {
    case StatusClass::kDelivered:
      return "delivered";
    case StatusClass::kPending:
      return "pending";
    case StatusClass::kFailedPermanent:
      return "failed-permanent";
    case StatusClass::kFailedTemporary:
      return "failed-temporary";
  }
  return "?";
}

StatusClass classify_status(uint8_t status) {
  if (status <= 0x1F) return StatusClass::kDelivered;
  if (status <= 0x3F) return StatusClass::kPending;
  if (status >= 0x60 && status <= 0x7F) return StatusClass::kFailedTemporary;
  // 0x40-0x5F are permanent errors; 0x80-0xFF are reserved and treated the same, as
  // the SC makes no further attempt on a value it does not define.
  return StatusClass::kFailedPermanent;
}

std::string_view status_meaning(uint8_t status) {
  switch (status) {  // TS 23.040 clause 9.2.3.15
    case 0x00:
      return "short message received by the SME";
    case 0x01:
      return "forwarded by the SC to the SME but the SC is unable to confirm delivery";
    case 0x02:
      return "short message replaced by the SC";
    case 0x20:
    case 0x60:
      return "congestion";
    case 0x21:
    case 0x61:
      return "SME busy";
    case 0x22:
    case 0x62:
      return "no response from SME";
    case 0x23:
    case 0x63:
      return "service rejected";
    case 0x24:
    case 0x44:
    case 0x64:
      return "quality of service not available";
    case 0x25:
    case 0x65:
      return "error in SME";
    case 0x40:
      return "remote procedure error";
    case 0x41:
      return "incompatible destination";
    case 0x42:
      return "connection rejected by SME";
    case 0x43:
      return "not obtainable";
    case 0x45:
      return "no interworking available";
    case 0x46:
      return "SM validity period expired";
    case 0x47:
      return "SM deleted by originating SME";
    case 0x48:
      return "SM deleted by SC administration";
    case 0x49:
      return "SM does not exist";
  }
  if (status >= 0x80) return "reserved";
  if ((status & 0x1F) >= 0x10) return "SC specific";
  return "reserved";
}

Result<DecodedPdu> decode_pdu(std::span<const uint8_t> octets, bool with_smsc) {
  DecodedPdu out;
  size_t offset = 0;
  if (with_smsc) {
    auto smsc = decode_smsc(octets);
    if (!smsc) return make_error(smsc.error().message + " at octet 1");
    if (!smsc->text.empty()) out.smsc = std::move(smsc->text);
    offset = smsc->octets;
  }
  Reader r(octets.subspan(offset), offset);
  auto first = r.octet("first octet");
  if (!first) return first.error();
  switch (*first & 0x03) {  // TP-MTI, as seen by the MS receiving it (TS 23.040 9.2.3.1)
    case 0x0: {
      auto d = read_deliver(r, *first);
      if (!d) return d.error();
      out.tpdu = std::move(*d);
      break;
    }
    case 0x1: {
      auto s = read_submit(r, *first);
      if (!s) return s.error();
      out.tpdu = std::move(*s);
      break;
    }
    case 0x2: {
      auto s = read_status_report(r, *first);
      if (!s) return s.error();
      out.tpdu = std::move(*s);
      break;
    }
    default:
      return make_error("reserved message type (TP-MTI 3) at octet " + std::to_string(offset + 1));
  }
  if (r.left() != 0) {
    return r.wrong(std::to_string(r.left()) + " unexpected octets after the TPDU");
  }
  return out;
}

Result<DecodedPdu> decode_pdu_any(std::span<const uint8_t> octets) {
  auto with_smsc = decode_pdu(octets, true);
  if (with_smsc) return with_smsc;
  auto bare = decode_pdu(octets, false);
  if (bare) return bare;
  return with_smsc;
}

}  // namespace smsgate::pdu

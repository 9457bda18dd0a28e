#include "cli/pdu_json.h"

#include "pdu/hex.h"
#include "pdu/utf.h"

namespace smsgate::cli {
namespace {

Json concat_json(const std::optional<pdu::Concat>& concat) {
  if (!concat) return nullptr;
  return Json{{"ref", concat->reference},
              {"part", concat->part},
              {"total", concat->total},
              {"ref_bits", concat->reference_bits}};
}

void add_user_data(Json& out, const pdu::UserData& ud) {
  if (ud.encoding == pdu::Encoding::kEightBit) {
    out["data"] = pdu::to_hex(ud.data);
  } else {
    out["text"] = pdu::code_points_to_utf8(ud.text);
  }
  out["concat"] = concat_json(ud.concat);
}

Json head(std::string_view type, const pdu::DecodedPdu& decoded, pdu::Encoding encoding) {
  return Json{{"type", type},
              {"smsc", decoded.smsc ? Json(*decoded.smsc) : Json(nullptr)},
              {"encoding", pdu::encoding_name(encoding)}};
}

}  // namespace

Json submit_pdu_json(const pdu::SubmitPdu& part) {
  return Json{{"part", part.part},
              {"parts", part.parts},
              {"encoding", pdu::encoding_name(part.encoding)},
              {"pdu", pdu::to_hex(part.octets)},
              {"tpdu_length", part.tpdu_length()}};
}

Json decoded_pdu_json(const pdu::DecodedPdu& decoded) {
  if (auto* d = std::get_if<pdu::Deliver>(&decoded.tpdu)) {
    Json out = head("deliver", decoded, d->user_data.encoding);
    out["from"] = d->from;
    out["timestamp"] = d->timestamp.iso8601();
    add_user_data(out, d->user_data);
    return out;
  }
  if (auto* s = std::get_if<pdu::Submit>(&decoded.tpdu)) {
    Json out = head("submit", decoded, s->user_data.encoding);
    out["to"] = s->to;
    out["reference"] = s->reference;
    out["srr"] = s->status_report_request;
    out["validity_minutes"] = s->validity_minutes ? Json(*s->validity_minutes) : Json(nullptr);
    if (s->validity_until) out["validity_until"] = s->validity_until->iso8601();
    add_user_data(out, s->user_data);
    return out;
  }
  const auto& r = std::get<pdu::StatusReport>(decoded.tpdu);
  Json out = head("status-report", decoded, pdu::Encoding::kGsm7);
  out["reference"] = r.reference;
  out["recipient"] = r.recipient;
  out["timestamp"] = r.timestamp.iso8601();
  out["discharge_time"] = r.discharge_time.iso8601();
  out["status"] = Json{{"code", r.status},
                       {"class", pdu::status_class_name(pdu::classify_status(r.status))},
                       {"meaning", pdu::status_meaning(r.status)}};
  return out;
}

}  // namespace smsgate::cli

#include "http/message_json.h"

#include "http/json_input.h"
#include "pdu/utf.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

void put_time(nlohmann::json& object, const char* name, const std::optional<int64_t>& at) {
  if (at) object[name] = store::iso8601_utc(*at);
}

template <class T>
void put(nlohmann::json& object, const char* name, const std::optional<T>& value) {
  if (value) object[name] = *value;
}

std::string utf8(char32_t c) { return pdu::code_points_to_utf8(std::u32string(1, c)); }

}  // namespace

nlohmann::json message_json(const store::Message& m) {
  nlohmann::json json = {{"id", m.id},
                         {"to", m.to},
                         {"text", store::shown_text(m)},
                         {"category", policy::category_name(m.category)},
                         {"priority", m.priority},
                         {"status", store::message_status_name(m.status)},
                         {"parts", m.part_count},
                         {"encoding", m.encoding},
                         {"status_report", m.status_report},
                         {"expect_reply", m.expect_reply},
                         {"attempts", m.attempts},
                         {"created_at", store::iso8601_utc(m.created_at)},
                         {"updated_at", store::iso8601_utc(m.updated_at)}};
  put_time(json, "send_at", m.send_at);
  put_time(json, "expires_at", m.expires_at);
  put_time(json, "sent_at", m.sent_at);
  put(json, "external_id", m.external_id);
  put(json, "modem", m.modem_pin);
  put(json, "sent_by", m.assigned_modem);
  put(json, "failure_reason", m.failure_reason);
  put(json, "resent_from", m.resent_from);
  return json;
}

nlohmann::json message_detail_json(const store::MessageDetail& detail) {
  nlohmann::json json = message_json(detail.message);
  nlohmann::json parts = nlohmann::json::array();
  for (const store::Part& part : detail.parts) {
    nlohmann::json p = {{"number", part.number}, {"status", store::part_status_name(part.status)}};
    put(p, "modem", part.modem);
    put(p, "reference", part.tp_mr);
    put_time(p, "submitted_at", part.submitted_at);
    put_time(p, "sent_at", part.sent_at);
    put_time(p, "delivered_at", part.delivered_at);
    put(p, "report_status", part.report_status);
    put(p, "failure_reason", part.failure_reason);
    parts.push_back(std::move(p));
  }
  json["part_status"] = std::move(parts);
  nlohmann::json history = nlohmann::json::array();
  for (const store::HistoryEntry& entry : detail.history) {
    history.push_back({{"at", store::iso8601_utc(entry.at)},
                       {"status", store::message_status_name(entry.status)},
                       {"reason", entry.reason}});
  }
  json["history"] = std::move(history);
  nlohmann::json superseded = nlohmann::json::array();
  for (const store::SupersededPart& part : detail.superseded) {
    nlohmann::json p = {{"number", part.number},
                        {"modem", part.modem},
                        {"sent_at", store::iso8601_utc(part.sent_at)},
                        {"superseded_at", store::iso8601_utc(part.superseded_at)}};
    put(p, "reference", part.tp_mr);
    superseded.push_back(std::move(p));
  }
  json["superseded_parts"] = std::move(superseded);
  return json;
}

nlohmann::json plan_json(const pdu::Plan& plan) {
  nlohmann::json forced = nlohmann::json::array();
  for (char32_t c : plan.not_in_gsm7) forced.push_back(utf8(c));
  nlohmann::json transliterations = nlohmann::json::array();
  for (const pdu::Transliteration& t : plan.transliterations) {
    transliterations.push_back(
        {{"from", utf8(t.from)}, {"to", pdu::code_points_to_utf8(t.to)}, {"count", t.count}});
  }
  nlohmann::json per_part = nlohmann::json::array();
  for (const pdu::PlannedPart& part : plan.parts) {
    per_part.push_back({{"characters", part.characters}, {"units", part.units}});
  }
  nlohmann::json json = {{"encoding", pdu::encoding_name(plan.encoding)},
                         {"parts", plan.parts.size()},
                         {"characters", plan.text.size()},
                         {"units_per_part", plan.units_per_part},
                         {"characters_left", plan.units_left},
                         {"forced_ucs2", std::move(forced)},
                         {"transliterations", std::move(transliterations)},
                         {"part_sizes", std::move(per_part)}};
  if (plan.encoding == pdu::Encoding::kGsm7) {
    json["languages"] = {{"locking", pdu::language_code(plan.tables.locking)},
                         {"single", pdu::language_code(plan.tables.single)}};
  }
  return json;
}

nlohmann::json modem_json(const store::ModemRecord& record,
                          const std::optional<modem::ModemStatus>& status, bool sending_enabled,
                          const std::optional<dispatch::ModemPacing>& pacing) {
  const store::ModemIdentity& id = record.identity;
  nlohmann::json json = {{"id", id.imei},
                         {"imei", id.imei},
                         {"imsi", id.imsi},
                         {"iccid", id.iccid},
                         {"manufacturer", id.manufacturer},
                         {"model", id.model},
                         {"sending_enabled", sending_enabled},
                         {"parts_sent", record.parts_sent},
                         {"parts_failed", record.parts_failed},
                         {"received", record.received}};
  // A running modem not recorded yet (still probing) has no history to show.
  if (record.first_seen > 0) {
    json["first_seen"] = store::iso8601_utc(record.first_seen);
    json["last_seen"] = store::iso8601_utc(record.last_seen);
  }
  if (status) {
    json["state"] = modem::state_name(status->state);
    json["detail"] = status->detail;
    json["port"] = status->port;
    json["family"] = status->family;
    json["registered"] = status->health.registered();
    json["operator"] = status->health.operator_name;
    if (status->health.dbm) json["signal_dbm"] = *status->health.dbm;
    json["registration"] = modem::registration_status_name(status->health.registration);
    json["signal_rssi"] = nullptr;
    if (status->health.rssi) json["signal_rssi"] = *status->health.rssi;
    if (const auto& storage = status->health.message_storage) {
      json["storage"] = {
          {"used", storage->used}, {"total", storage->total}, {"memory", storage->storage}};
    }
    json["resets"] = status->resets;
    if (!status->last_error.empty() && status->last_error_at) {
      json["last_error"] = {{"reason", status->last_error},
                            {"at", store::iso8601_utc(*status->last_error_at)}};
    } else {
      json["last_error"] = nullptr;
    }
    json["revision"] = status->identity.revision;  // firmware, as AT+CGMR says (not stored)
  } else {
    json["state"] = "absent";  // seen before, not plugged in now
    json["revision"] = nullptr;
  }
  auto limit_or_null = [](int limit) -> nlohmann::json {
    if (limit <= 0) return nullptr;
    return limit;
  };
  json["rate_per_minute"] = pacing ? limit_or_null(pacing->limits.per_minute) : nullptr;
  json["daily_limit"] = pacing ? limit_or_null(pacing->limits.per_day) : nullptr;
  json["sent_today"] = pacing ? nlohmann::json(pacing->sent_today) : nlohmann::json();
  return json;
}

nlohmann::json signal_history_json(const std::vector<modem::SignalSample>& samples) {
  nlohmann::json history = nlohmann::json::array();
  for (const modem::SignalSample& sample : samples) {
    history.push_back({{"at", store::iso8601_utc(sample.at_ms)},
                       {"dbm", sample.dbm ? nlohmann::json(*sample.dbm) : nlohmann::json()}});
  }
  return history;
}

}  // namespace smsgate::http

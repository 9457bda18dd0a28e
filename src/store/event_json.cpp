#include "store/event_json.h"

#include <chrono>
#include <cstdio>

namespace smsgate::store {

std::string iso8601_utc(int64_t ms) {
  using namespace std::chrono;
  // Floor, not truncation, so times before 1970 still print the right second.
  sys_time<milliseconds> time{milliseconds{ms}};
  auto day = floor<days>(time);
  year_month_day date{day};
  hh_mm_ss<milliseconds> clock{time - day};
  char text[32];
  std::snprintf(
      text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
  return text;
}

nlohmann::json inbound_json(const InboundMessage& message) {
  nlohmann::json item = {
      {"id", message.id},
      {"from", message.from},
      {"modem", message.modem},
      {"text", message.text},
      {"received_at", iso8601_utc(message.received_at)},
      {"parts", message.parts},
      {"partial", message.partial},
  };
  if (message.in_reply_to) {
    const ReplyTo& reply = *message.in_reply_to;
    item["in_reply_to"] = {{"id", reply.id}, {"category", policy::category_name(reply.category)}};
    if (reply.external_id) item["in_reply_to"]["external_id"] = *reply.external_id;
  }
  if (message.rating) item["rating"] = *message.rating;
  return item;
}

std::string mask_digits(std::string_view text) {
  std::string masked;
  masked.reserve(text.size());
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      masked += "\u2022";
    } else {
      masked += c;
    }
  }
  return masked;
}

std::string shown_text(const Message& message) {
  if (message.category == policy::Category::kOtp) return mask_digits(message.text);
  return message.text;
}

nlohmann::json message_event_data(const Message& message, std::string_view reason) {
  nlohmann::json data = {
      {"id", message.id},
      {"to", message.to},
      {"category", policy::category_name(message.category)},
      {"status", message_status_name(message.status)},
      {"reason", reason},
      {"parts", message.part_count},
  };
  // Absent rather than null, as everywhere in the API.
  if (message.external_id) data["external_id"] = *message.external_id;
  if (message.sent_at) data["sent_at"] = iso8601_utc(*message.sent_at);
  return data;
}

std::string event_body(std::string_view event, int64_t occurred_at, nlohmann::json data) {
  nlohmann::json envelope = {
      {"event", event}, {"occurred_at", iso8601_utc(occurred_at)}, {"data", std::move(data)}};
  return envelope.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json modem_event_data(const ModemEventInfo& info) {
  nlohmann::json data = {{"modem", info.modem}};
  if (!info.port.empty()) data["port"] = info.port;
  if (!info.model.empty()) data["model"] = info.model;
  if (!info.operator_name.empty()) data["operator"] = info.operator_name;
  if (!info.reason.empty()) data["reason"] = info.reason;
  if (info.storage_used) data["storage_used"] = *info.storage_used;
  if (info.storage_total) data["storage_total"] = *info.storage_total;
  return data;
}

std::string_view modem_event_name(bool online) { return online ? "modem.online" : "modem.offline"; }

std::string webhook_test_body(int64_t webhook_id, int64_t at) {
  nlohmann::json envelope = {{"event", kWebhookTest},
                             {"at", iso8601_utc(at)},
                             {"occurred_at", iso8601_utc(at)},
                             {"data", {{"webhook_id", webhook_id}}}};
  return envelope.dump();
}

std::string modem_event_body(bool online, const ModemEventInfo& info, int64_t occurred_at) {
  return event_body(modem_event_name(online), occurred_at, modem_event_data(info));
}

std::string modem_storage_full_body(const ModemEventInfo& info, int64_t occurred_at) {
  return event_body(kModemStorageFull, occurred_at, modem_event_data(info));
}

nlohmann::json alarm_json(const ModemAlarm& alarm) {
  nlohmann::json data = {{"modem", alarm.modem},
                         {"kind", alarm.kind},
                         {"state", alarm.cleared_at ? "cleared" : "raised"},
                         {"detail", alarm.detail},
                         {"raised_at", iso8601_utc(alarm.raised_at)}};
  if (alarm.cleared_at) data["cleared_at"] = iso8601_utc(*alarm.cleared_at);
  return data;
}

std::string modem_alarm_body(const ModemAlarm& alarm, int64_t occurred_at) {
  return event_body(kModemAlarm, occurred_at, alarm_json(alarm));
}

std::string modem_state_body(const ModemStateInfo& info, int64_t occurred_at) {
  nlohmann::json data = {{"modem", info.modem}, {"state", info.state}};
  if (!info.detail.empty()) data["detail"] = info.detail;
  if (!info.port.empty()) data["port"] = info.port;
  return event_body("modem.state", occurred_at, std::move(data));
}

}  // namespace smsgate::store

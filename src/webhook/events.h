// What a webhook request carries besides the body the store wrote: its signature and
// delivery id, and the bodies of the events that come from outside the store (modem
// online/offline). Pure functions, thread-safe.
//
// Headers of every request (DESIGN.md, "Webhook events"):
//   Content-Type: application/json
//   User-Agent: smsgated/<version>
//   X-Smsgate-Event: message.delivered
//   X-Smsgate-Delivery: evt_123            (the same on every retry of one event)
//   X-Smsgate-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace smsgate::webhook {

// "sha256=" and the lowercase hex HMAC-SHA256 of `body` keyed with `secret` (any length).
std::string sign_body(std::string_view secret, std::string_view body);

// X-Smsgate-Delivery for an outbox row: stable across retries, so receivers can dedupe.
std::string delivery_id(int64_t outbox_id);

// A modem as modem.online / modem.offline describe it. Empty fields are left out.
struct ModemEventInfo {
  std::string modem;  // its id (IMEI), as in GET /api/v1/modems
  std::string port;   // "/dev/ttyUSB2"
  std::string model;  // "Quectel EC25"
  std::string operator_name;
  std::string reason;  // why it went offline ("unplugged", "not answering", ...)
};

// {"modem": ..., "port": ..., "model": ..., "operator": ..., "reason": ...}
nlohmann::json modem_event_data(const ModemEventInfo& info);

// The whole body for Store::enqueue_event: online ? "modem.online" : "modem.offline".
//   store.enqueue_event(modem_event_name(online), modem_event_body(online, info, now), now);
//   deliverer.wake();
std::string_view modem_event_name(bool online);
std::string modem_event_body(bool online, const ModemEventInfo& info, int64_t occurred_at);

}  // namespace smsgate::webhook

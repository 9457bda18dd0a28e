// What a webhook request carries besides the body the store wrote (every body,
// modem events included, is built by store/event_json.h): its signature and delivery
// id. Pure functions, thread-safe.
//
// Headers of every request (DESIGN.md, "Webhook events"):
//   Content-Type: application/json
//   User-Agent: smsgated/<version>
//   X-Smsgate-Event: message.delivered
//   X-Smsgate-Delivery: evt_123            (the same on every retry of one event)
//   X-Smsgate-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smsgate::webhook {

// "sha256=" and the lowercase hex HMAC-SHA256 of `body` keyed with `secret` (any length).
std::string sign_body(std::string_view secret, std::string_view body);

// X-Smsgate-Delivery for an outbox row: stable across retries, so receivers can dedupe.
std::string delivery_id(int64_t outbox_id);
// The outbox id in "evt_12" (what receivers see) or "12" (what the API lists); none
// for anything else.
std::optional<int64_t> parse_delivery_id(std::string_view text);

// A subscription's URL as every log line shows it: credentials in it
// ("https://user:pass@host/...") become "***", so logs never carry them:
// "https://***@host/...". Anything else is kept as it is.
std::string url_for_log(std::string_view url);

}  // namespace smsgate::webhook

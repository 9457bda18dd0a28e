// The JSON shapes of webhook events and inbound items, shared by the store (which
// writes event bodies into the outbox) and the HTTP API (which lists the same records),
// so that a webhook and GET /api/v1/... describe a thing with the same fields.
//
// Every webhook body is an envelope:
//
//   {"event": "message.delivered", "occurred_at": "2026-11-23T10:15:00.123Z", "data": {...}}
//
// data by event:
//   message.sent|delivered|failed|expired:
//     {"id": 42, "external_id": "order-7" (when it has one), "to": "+4917...", "category": "reminder",
//      "status": "delivered", "reason": "delivered", "parts": 2,
//      "sent_at": "2026-11-23T10:14:58.002Z"}          (sent_at only once it was sent)
//   inbound.received: an inbound item (inbound_json below)
//   modem.online|offline: {"modem": "<IMEI>", ...} (webhook/events.h)
//
// Times are ISO 8601 UTC with milliseconds. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/types.h"

namespace smsgate::store {

// "2026-11-23T10:15:00.123Z" for milliseconds since the epoch.
std::string iso8601_utc(int64_t ms);

// DESIGN.md's inbound item: {id, from, modem, text, received_at, parts, partial,
// in_reply_to?: {id, external_id, category}, rating?}.
nlohmann::json inbound_json(const InboundMessage& message);

// The data of a message.* event.
nlohmann::json message_event_data(const Message& message, std::string_view reason);

// {"event", "occurred_at", "data"}.
nlohmann::json event_envelope(std::string_view event, int64_t occurred_at, nlohmann::json data);

}  // namespace smsgate::store

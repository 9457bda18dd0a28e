// The JSON shapes of webhook events and inbound items, shared by the store (which
// writes event bodies into the outbox; every body is built here) and the HTTP API
// (which lists the same records), so that a webhook and GET /api/v1/... describe a
// thing with the same fields.
//
// Every webhook body is an envelope:
//
//   {"event": "message.delivered", "occurred_at": "2026-11-23T10:15:00.123Z", "data": {...}}
//
// data by event:
//   message.sent|delivered|failed|expired:
//     {"id": 42, "external_id": "order-7" (when it has one), "to": "+4917...",
//      "category": "reminder", "status": "delivered", "reason": "delivered", "parts": 2,
//      "sent_at": "2026-11-23T10:14:58.002Z"}          (sent_at only once it was sent)
//   inbound.received: an inbound item (inbound_json below)
//   modem.online|offline: {"modem": "<IMEI>", "port": "/dev/ttyUSB2", "model": "...",
//     "operator": "...", "reason": "unplugged"}         (all but modem only when known)
//   modem.storage_full: as modem.online, with "storage_used" and "storage_total"
//   modem.alarm: {"modem": "<IMEI>", "kind": "low_balance", "state": "raised",
//     "detail": "balance 0.80 EUR is below 1.00 EUR", "raised_at": "...",
//     "cleared_at": "..."}          (state "cleared" and cleared_at once it cleared)
//   appointment.confirmed|declined: {"external_id": "visit-1001", "to": "+62...",
//     "at": ..., "state": "confirmed", "state_at": ..., "reply_id": 7 (the inbound
//     message), "in_reply_to": 51 (the appointment's message)}; written by
//     store/appointments.cpp with event_body
// Only in the event stream (GET /api/v1/events), never to a webhook:
//   message.sending|cancelled: as message.sent
//   modem.state: {"modem": "<IMEI>", "state": "offline", "detail": "port gone",
//     "port": "/dev/ttyUSB2"}                            (detail and port only when known)
//
// Times are ISO 8601 UTC with milliseconds. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/alarms.h"
#include "store/types.h"

namespace smsgate::store {

// "2026-11-23T10:15:00.123Z" for milliseconds since the epoch.
std::string iso8601_utc(int64_t ms);

// DESIGN.md's inbound item: {id, from, modem, text, received_at, parts, partial,
// in_reply_to?: {id, external_id, category}, rating?}.
nlohmann::json inbound_json(const InboundMessage& message);

// A message's text as the API may show it: a one-time password's with its code masked
// ("Your code is ••••••": every digit becomes U+2022, as the store redacts it once the
// message is final, see schema migration 9); any other message's as it is.
std::string shown_text(const Message& message);
// `text` with every ASCII digit replaced by "•".
std::string mask_digits(std::string_view text);

// The data of a message.* event. It carries no text, so no event shows a code.
nlohmann::json message_event_data(const Message& message, std::string_view reason);

// The whole body of an event, the envelope {"event", "occurred_at", "data"}, dumped
// once: the outbox stores it and the signature covers these bytes. Text from a modem
// that is not valid UTF-8 gets U+FFFD rather than an exception.
std::string event_body(std::string_view event, int64_t occurred_at, nlohmann::json data);

// The data of a modem.* event: {"modem", "port"?, "model"?, "operator"?, "reason"?,
// "storage_used"?, "storage_total"?}.
nlohmann::json modem_event_data(const ModemEventInfo& info);
// online ? "modem.online" : "modem.offline".
std::string_view modem_event_name(bool online);
inline constexpr std::string_view kModemStorageFull = "modem.storage_full";
// webhook.test, sent to one subscription on request (never subscribed to):
//   {"event": "webhook.test", "at": ..., "occurred_at": ..., "data": {"webhook_id": 3}}
inline constexpr std::string_view kWebhookTest = "webhook.test";
std::string webhook_test_body(int64_t webhook_id, int64_t at);
// The body of a modem.* event (Webhooks::enqueue_modem_event writes it).
std::string modem_event_body(bool online, const ModemEventInfo& info, int64_t occurred_at);
// The body of modem.storage_full (Webhooks::enqueue_modem_storage_full).
std::string modem_storage_full_body(const ModemEventInfo& info, int64_t occurred_at);

// modem.alarm, raised and cleared (Alarms::raise_alarm, Alarms::clear_alarm), and an
// alarm as GET /api/v1/alarms lists it: the event's data.
inline constexpr std::string_view kModemAlarm = "modem.alarm";
nlohmann::json alarm_json(const ModemAlarm& alarm);
std::string modem_alarm_body(const ModemAlarm& alarm, int64_t occurred_at);

// The body of modem.state (Events::log_modem_state writes it).
std::string modem_state_body(const ModemStateInfo& info, int64_t occurred_at);

}  // namespace smsgate::store

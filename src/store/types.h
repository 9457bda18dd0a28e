// The records the store takes and gives back. Plain values, no behaviour; times are
// int64 milliseconds since the Unix epoch (UTC), as common/clock.h hands them out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/category.h"

namespace smsgate::store {

// A message's life (DESIGN.md, "Message status"):
//
//   queued ─► sending ─► sent ─► delivered
//   scheduled ─┘  │  ▲          └─► failed (a status report said so)
//      ▲          │  └ release (retry, failover): back to queued
//      └ reschedule (quiet hours)
//   queued/scheduled/sending ─► failed | expired; queued/scheduled ─► cancelled
enum class MessageStatus : uint8_t {
  kQueued,
  kScheduled,
  kSending,
  kSent,
  kDelivered,
  kFailed,
  kExpired,
  kCancelled,
};
inline constexpr int kMessageStatusCount = 8;
std::string_view message_status_name(MessageStatus status);  // "queued", ...
std::optional<MessageStatus> parse_message_status(std::string_view name);
// Nothing will send it again: sent and beyond, or given up on.
bool is_final(MessageStatus status);

enum class PartStatus : uint8_t { kQueued, kSubmitting, kSent, kDelivered, kFailed };
std::string_view part_status_name(PartStatus status);
std::optional<PartStatus> parse_part_status(std::string_view name);

// One PDU of a message, precomputed by the planner and encoder.
struct NewPart {
  std::string pdu_hex;  // with the SMSC prefix ("00..."), as AT+CMGS takes it
  int tpdu_length = 0;  // octets after the SMSC prefix
};

struct NewMessage {
  std::string to;  // E.164, already normalised
  std::string text;
  policy::Category category = policy::Category::kTransactional;
  int priority = 0;                // higher goes first; kMinPriority..kMaxPriority
  std::optional<int64_t> send_at;  // none or not in the future: at once
  std::optional<int64_t> expires_at;
  bool status_report = false;
  bool expect_reply = false;
  int64_t reply_window_ms = 0;
  std::optional<std::string> external_id;
  std::optional<std::string> modem;            // pin to this modem id
  std::optional<std::string> idempotency_key;  // the same key returns the same message
  std::string encoding = "gsm7";               // gsm7|ucs2|8bit
  std::vector<NewPart> parts;                  // at least one
  std::optional<int64_t> resent_from;          // the message this one sends again
};
inline constexpr int kMinPriority = -1000;
inline constexpr int kMaxPriority = 1000;

struct SubmitResult {
  int64_t id = 0;
  MessageStatus status = MessageStatus::kQueued;
  int parts = 0;
  std::string encoding;
  // The idempotency key was known: this is the message submitted then, not a new one.
  bool existing = false;
};

struct Message {
  int64_t id = 0;
  std::string to;
  std::string text;
  policy::Category category = policy::Category::kTransactional;
  int priority = 0;
  MessageStatus status = MessageStatus::kQueued;
  std::optional<int64_t> send_at;
  std::optional<int64_t> expires_at;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  bool status_report = false;
  bool expect_reply = false;
  int64_t reply_window_ms = 0;
  std::optional<std::string> external_id;
  std::optional<std::string> modem_pin;
  std::optional<std::string> idempotency_key;
  std::string encoding;
  int part_count = 0;
  std::optional<std::string> failure_reason;
  int attempts = 0;
  std::optional<int64_t> next_attempt_at;
  int64_t due_at = 0;  // when it may go out; the queue's order within a priority
  std::optional<std::string> assigned_modem;
  std::optional<int64_t> sent_at;
  std::optional<int64_t> resent_from;  // staff sent this again as a new message
};

struct Part {
  int64_t id = 0;
  int64_t message_id = 0;
  int number = 0;  // 1-based
  std::string pdu_hex;
  int tpdu_length = 0;
  PartStatus status = PartStatus::kQueued;
  std::optional<std::string> modem;
  std::optional<int> tp_mr;
  std::optional<int64_t> submitted_at;
  std::optional<int64_t> sent_at;
  std::optional<int64_t> delivered_at;
  std::optional<int> report_status;  // TP-ST
  std::optional<std::string> failure_reason;
};

struct HistoryEntry {
  int64_t at = 0;
  MessageStatus status = MessageStatus::kQueued;
  std::string reason;
};

// A part one modem sent before the message went again whole from another
// (superseded_parts): it reached the network, but no phone joins it with the others.
struct SupersededPart {
  int number = 0;  // 1-based
  std::string modem;
  std::optional<int> tp_mr;
  int64_t sent_at = 0;
  int64_t superseded_at = 0;
};

struct MessageDetail {
  Message message;
  std::vector<Part> parts;                 // by number
  std::vector<HistoryEntry> history;       // oldest first
  std::vector<SupersededPart> superseded;  // oldest first
};

// A message that was claimed for sending, with what the modem needs.
struct Claimed {
  Message message;
  std::vector<Part> parts;  // by number; the ones still to send have status kQueued
};

// A message moved to a new status; the caller turns these into webhook events.
struct StatusChange {
  int64_t message_id = 0;
  MessageStatus status = MessageStatus::kQueued;
  std::string reason;
  friend bool operator==(const StatusChange&, const StatusChange&) = default;
};

struct Exclusions {
  // Messages the dispatcher does not want from this call (already tried on this modem,
  // held by a policy it is applying, ...).
  std::vector<int64_t> message_ids;
};

struct RecoveryCounts {
  int messages_requeued = 0;  // were sending
  int parts_requeued = 0;     // were submitting: will be sent again (at least once)
};

struct StatusReportIn {
  std::string modem;
  int tp_mr = 0;  // 0..255
  std::string recipient;
  int status_code = 0;  // TP-ST, 0..255
  std::optional<int64_t> discharge_time;
  int64_t received_at = 0;
};

struct StatusReportOutcome {
  int64_t report_id = 0;
  std::optional<int64_t> part_id;      // none: matched nothing (kept all the same)
  std::optional<StatusChange> change;  // the message's status moved
};

struct InboundPartIn {
  std::string modem;
  std::string pdu_hex;  // as read from the modem (SMSC prefix included); the dedupe key
  std::string sender;
  std::string text;
  struct Concat {
    int reference = 0;
    int part = 0;  // 1-based
    int total = 0;
  };
  std::optional<Concat> concat;  // none: a single-part message
  std::string sent_timestamp;    // the SC time stamp, ISO 8601 (may be empty)
  int64_t received_at = 0;
};

struct ReplyTo {
  int64_t id = 0;
  std::optional<std::string> external_id;
  policy::Category category = policy::Category::kTransactional;
};

struct InboundMessage {
  int64_t id = 0;
  std::string from;
  std::string modem;
  std::string text;
  int64_t received_at = 0;
  int parts = 0;
  bool partial = false;
  std::optional<ReplyTo> in_reply_to;
  // A reply to a `feedback` message whose text is a score from 1 to 10
  // (dispatch/rating.h says what counts as one).
  std::optional<int> rating;
};

struct InboundOutcome {
  // The PDU was stored before; nothing changed (the modem may delete it).
  bool duplicate = false;
  int64_t part_id = 0;
  // This part completed a message (at once for a single part).
  std::optional<InboundMessage> completed;
};

struct OptOut {
  std::string number;
  std::string keyword;
  int64_t at = 0;
};

struct ModemIdentity {
  std::string imei;  // the modem's id everywhere in the store
  std::string imsi;
  std::string iccid;
  std::string manufacturer;
  std::string model;
};

struct ModemRecord {
  ModemIdentity identity;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  int64_t parts_sent = 0;
  int64_t parts_failed = 0;
  int64_t received = 0;
};

// How many messages became sent, delivered and failed in one hour (status history).
struct HourOutcomes {
  int64_t start = 0;  // ms since the epoch, a whole UTC hour
  int64_t sent = 0;
  int64_t delivered = 0;
  int64_t failed = 0;
  friend bool operator==(const HourOutcomes&, const HourOutcomes&) = default;
};

// Lists are newest first, paged with an opaque cursor (keyset: no OFFSET, so a page
// costs the same however deep it is, and rows added meanwhile do not shift pages).
struct MessageFilter {
  std::optional<MessageStatus> status;
  std::optional<std::string> to;
  std::optional<int64_t> since;  // created_at >= since
  std::optional<int64_t> until;  // created_at < until
  std::optional<policy::Category> category;
  // Words of the text or digits of the number (policy/text_search.h), matched against
  // the text as shown: a one-time password's code is never found.
  std::optional<std::string> query;
  int limit = 50;      // 1..kMaxPageSize
  std::string cursor;  // from the previous page; empty: the first page
};

struct InboundFilter {
  std::optional<std::string> from;
  std::optional<int64_t> since;  // received_at >= since
  int limit = 50;
  std::string cursor;
};
inline constexpr int kMaxPageSize = 1000;

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;  // none on the last page
};

// --- API keys, settings, one-time passwords (store/credentials.cpp) -----------------

struct ApiKeyRecord {
  int64_t id = 0;
  std::string name;
  std::string hash;    // of the key (hex); the key itself is never stored
  std::string scopes;  // what it may do, as auth wrote it ("send,read")
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
};

// What checking an answer against a recipient's one-time password found.
enum class OtpCheck : uint8_t {
  kValid,            // matched: the code is used up now
  kWrongCode,        // counted as an attempt
  kExpired,          // past its expiry
  kTooManyAttempts,  // the attempts allowed are spent, whatever the answer
  kNoCode,           // none sent, or the newest one was already used
};

// How many codes one number may be sent within a sliding window (against SMS pumping:
// a form that sends codes to any number typed in is a way to send paid SMS to
// premium-rate numbers). max_codes 0: no limit.
struct OtpSendLimit {
  int max_codes = 0;
  int64_t window_ms = 0;
};

struct OtpSubmitResult {
  SubmitResult message;
  int64_t expires_at = 0;  // of the code
  // Set when the limit refused the code: nothing was stored, and from this time on a
  // code to that number would be accepted again. message and expires_at are empty.
  std::optional<int64_t> refused_until;
};

// --- Webhooks (store/webhooks.cpp) ---------------------------------------------------

// The events a subscription can ask for (DESIGN.md, "Webhook events"); "*" is all.
inline constexpr std::string_view kWebhookEventNames[] = {
    "message.sent",     "message.delivered",     "message.failed",      "message.expired",
    "inbound.received", "modem.online",          "modem.offline",       "modem.storage_full",
    "modem.alarm",      "appointment.confirmed", "appointment.declined"};
bool is_webhook_event(std::string_view name);
// Events only the event stream (GET /api/v1/events, store/events.h) carries: the
// console's table refresh and every modem state change. A webhook cannot ask for them
// ("*" does not include them).
inline constexpr std::string_view kStreamOnlyEventNames[] = {"message.sending", "message.cancelled",
                                                             "modem.state"};
// A webhook event or a stream-only one.
bool is_event_name(std::string_view name);

// A subscription. The secret is never read back: only the deliverer sees it.
struct Webhook {
  int64_t id = 0;
  std::string url;
  std::vector<std::string> events;  // names from kWebhookEventNames, or {"*"}
  int64_t created_at = 0;
};

// One event for one subscription, in the outbox.
struct WebhookEvent {
  int64_t id = 0;  // the outbox id; X-Smsgate-Delivery is derived from it
  int64_t webhook_id = 0;
  std::string event;
  std::string body;  // the JSON sent, byte for byte (it is what is signed)
  int64_t created_at = 0;
  int attempts = 0;
  int64_t next_attempt_at = 0;
  std::optional<int64_t> delivered_at;
  std::optional<int64_t> given_up_at;  // retried until max_age, then dropped
  // Failed for too long at the head of its subscription: no longer holds the later
  // events up, retried beside them (see webhook/deliverer.h).
  std::optional<int64_t> set_aside_at;
  // The current round of tries (since written, or since a retry on request): when its
  // first try began, and how many there were.
  std::optional<int64_t> held_since;
  int round_attempts = 0;
  std::optional<std::string> last_error;
};

// What the deliverer needs to send one event now.
struct DueWebhookEvent {
  WebhookEvent event;
  std::string url;
  std::string secret;
};

struct WebhookAttempt {
  int64_t at = 0;
  std::optional<int> http_status;  // none: no answer (refused, timed out, ...)
  std::optional<std::string> error;
  int64_t duration_ms = 0;
};

// The outcome of one try, as the deliverer reports it.
struct WebhookAttemptIn {
  int64_t outbox_id = 0;
  int64_t at = 0;
  std::optional<int> http_status;
  std::string error;  // empty when delivered
  int64_t duration_ms = 0;
  bool delivered = false;
  // When not delivered: the next try, or none to give up.
  std::optional<int64_t> next_attempt_at;
  // With next_attempt_at: set the event aside now (it stops holding up the later ones).
  bool set_aside = false;
};

struct WebhookDelivery {
  WebhookEvent event;
  std::vector<WebhookAttempt> attempts;  // oldest first
};

// A subscription's events, newest first, paged like the other lists.
struct WebhookDeliveryFilter {
  int64_t webhook_id = 0;
  int limit = 50;
  std::string cursor;
};

// A modem as modem.online, modem.offline and modem.storage_full describe it (store/event_json.h).
// Empty fields are left out of the event.
struct ModemEventInfo {
  std::string modem;  // its id (IMEI), as in GET /api/v1/modems
  std::string port;   // "/dev/ttyUSB2"
  std::string model;  // "Quectel EC25"
  std::string operator_name;
  std::string reason;  // why it went offline ("unplugged", "not answering", ...)
  // modem.storage_full: the message storage's slots used and in all.
  std::optional<int> storage_used;
  std::optional<int> storage_total;
};

// --- The event log (store/events.cpp) -------------------------------------------------

// One row of the event log: an event as a webhook gets it, with the id the stream
// gives it.
struct LoggedEvent {
  int64_t id = 0;
  std::string event;
  std::string body;  // the envelope, one line of JSON
  int64_t created_at = 0;
  friend bool operator==(const LoggedEvent&, const LoggedEvent&) = default;
};

// A modem's state changed (modem.state).
struct ModemStateInfo {
  std::string modem;   // its id, as in GET /api/v1/modems
  std::string state;   // modem::state_name: "ready", "offline", "needs-attention", ...
  std::string detail;  // why, in words ("SIM PIN refused"); may be empty
  std::string port;
};

}  // namespace smsgate::store

// The event stream's pure parts (GET /api/v1/events, api_events.cpp): Server-Sent
// Events framing (the WHATWG HTML standard, "Server-sent events", 9.2.6) and the
// request's choices, read with errors in words.
//
// An event is framed as
//
//   id: 42
//   event: message.sent
//   data: {"event":"message.sent","occurred_at":"...","data":{...}}
//   <empty line>
//
// The body is one line of JSON (store/event_json.h dumps it so); should a body ever
// hold a line break, each line becomes its own "data:" line, which a client joins back
// with "\n", so no body can end an event early or forge a field.
//
// Resuming: `Last-Event-ID` (the header a browser's EventSource sends when it
// reconnects) or `?since_id=` names the last event the client has; the stream starts
// after it. The header wins when both are given: it is the newer of the two. Without
// either, the stream starts at the newest event (nothing is replayed).
// Filtering: `?events=message.sent,inbound.received` (names from store/types.h, webhook
// events and stream-only ones; "*" or nothing: all).
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::http {

// What a stream starts with: how long a browser waits before it reconnects (ms).
inline constexpr std::string_view kSseRetry = "retry: 3000\n\n";
// A comment sent when nothing else was for this long, so that proxies and NAT keep the
// connection open and a client can tell a quiet stream from a dead one.
inline constexpr std::chrono::seconds kSseHeartbeat{15};

// One event, framed: "id: <id>\nevent: <name>\ndata: <line>\n...\n".
std::string sse_event(int64_t id, std::string_view event, std::string_view data);
// A comment line (": <text>\n\n"), which a client ignores.
std::string sse_comment(std::string_view text);

// The event names of `?events=` (comma-separated, spaces around a name ignored): an
// empty list for all (absent, or "*"). Errors (field "events", invalid_field): an
// empty name, an unknown one.
Result<std::vector<std::string>> parse_event_filter(std::optional<std::string_view> events);

// The id after which the stream starts: from `Last-Event-ID` (field "Last-Event-ID")
// or else `since_id` (field "since_id"); none when neither is given. An id is a whole
// number from 0. Errors (invalid_field) say which was wrong and why.
Result<std::optional<int64_t>> parse_resume_point(std::optional<std::string_view> last_event_id,
                                                  std::optional<std::string_view> since_id);

}  // namespace smsgate::http

// GET /api/v1/events: the event log (store/events.h) as Server-Sent Events
// (http/event_stream.h), live, for the console and local software. Each stream holds a
// server thread while it is open, so [http] max_event_streams caps them; one more is
// 503 too_many_streams with Retry-After.
//
// The stream's loop: read what is new (one query on the event log's key), write it,
// then wait for the store's next commit that logs events (Events::wait_for_events),
// waking for the heartbeat, to look whether the client is still there, and at once when
// the server stops.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "http/api.h"
#include "http/event_stream.h"

namespace smsgate::http {

namespace {

// Events read per query; a client resuming far back gets them in these steps.
constexpr int kReadBatch = 200;
// How often a quiet stream looks whether its client has gone (a poll of its socket, no
// query), so that a closed tab gives its thread back within a second.
constexpr std::chrono::seconds kClientCheck{1};
// When every slot is taken: a client tries again after this.
constexpr std::string_view kRetryAfterSeconds = "10";

// One of the slots of StreamSlots, given back when the last copy goes (the stream ended,
// or its response was never sent).
class StreamSlot {
 public:
  static std::shared_ptr<StreamSlot> take(StreamSlots& slots) {
    if (slots.open.fetch_add(1) >= slots.max) {
      slots.open.fetch_sub(1);
      return nullptr;
    }
    return std::shared_ptr<StreamSlot>(new StreamSlot(slots));
  }
  ~StreamSlot() { slots_.open.fetch_sub(1); }
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;

 private:
  explicit StreamSlot(StreamSlots& slots) : slots_(slots) {}
  StreamSlots& slots_;
};

// 403 for ?events=inbound.received from a caller without the scope inbound, which
// GET /api/v1/inbound needs for the same texts: named as a missing scope is
// (api.cpp), with the field.
Response inbound_refused(const Caller& caller) {
  std::string who = caller.kind == Caller::Kind::kApiKey
                        ? "the API key \"" + caller.name + "\" does not have"
                        : "the role " + std::string(auth::role_name(caller.role)) + " of " +
                              caller.name + " does not have";
  nlohmann::json error = {{"code", error_code_name(ErrorCode::kForbidden)},
                          {"message", "inbound.received carries the texts people sent; " + who +
                                          " the scope \"inbound\" it needs"},
                          {"field", "events"},
                          {"scope", "inbound"}};
  Response response = json_response(http_status(ErrorCode::kForbidden), {{"error", error}});
  if (caller.kind == Caller::Kind::kApiKey)
    response.headers.emplace_back("WWW-Authenticate",
                                  "Bearer error=\"insufficient_scope\", scope=\"inbound\"");
  return response;
}

// Every event but those the key may not see; `names` as the client asked (empty: all).
std::vector<std::string> visible_names(std::vector<std::string> names, bool sees_inbound) {
  if (sees_inbound || !names.empty()) return names;
  for (std::string_view name : store::kWebhookEventNames)
    if (name != "inbound.received") names.emplace_back(name);
  for (std::string_view name : store::kStreamOnlyEventNames) names.emplace_back(name);
  return names;
}

// Writes the events after `last` (moving it on); false when the stream is over.
bool write_new_events(store::Events& events, const std::vector<std::string>& names, int64_t& last,
                      BodyWriter& out) {
  for (;;) {
    auto batch = events.events_after(last, names, kReadBatch);
    if (!batch) {
      // The client reconnects after `retry` and resumes from its last id.
      spdlog::warn("api: event stream ended, the event log could not be read: {}",
                   batch.error().message);
      return false;
    }
    for (const store::LoggedEvent& event : *batch) {
      if (!out.write(sse_event(event.id, event.event, event.body))) return false;
      last = event.id;
    }
    if (batch->size() < static_cast<size_t>(kReadBatch)) return true;
  }
}

void run_stream(store::Events& events, const std::vector<std::string>& names, int64_t after,
                BodyWriter& out) {
  if (!out.write(kSseRetry)) return;
  const std::stop_token stopping = out.stopping();
  int64_t last = after;
  auto next_heartbeat = MonotonicClock::now() + kSseHeartbeat;
  // Taken before each read: a commit after it moves the generation, so the wait below
  // returns at once instead of missing it.
  uint64_t seen = events.event_generation();
  bool fresh = true;
  while (!stopping.stop_requested()) {
    if (fresh && !write_new_events(events, names, last, out)) return;
    auto now = MonotonicClock::now();
    if (now >= next_heartbeat) {
      if (!out.write(sse_comment("heartbeat"))) return;
      next_heartbeat = now + kSseHeartbeat;
    }
    if (out.client_gone()) return;
    uint64_t generation =
        events.wait_for_events(seen, std::min(next_heartbeat, now + kClientCheck), stopping);
    fresh = generation != seen;
    seen = generation;
  }
}

Response stream_events(ApiContext& context, const Request& request, const Caller& caller) {
  auto names = parse_event_filter(query_param(request, "events"));
  if (!names) return error_from(names.error());
  const bool sees_inbound = caller.may(auth::Scope::kInbound, request.method);
  if (!sees_inbound && std::find(names->begin(), names->end(), "inbound.received") != names->end())
    return inbound_refused(caller);
  auto resume =
      parse_resume_point(request.header("last-event-id"), query_param(request, "since_id"));
  if (!resume) return error_from(resume.error());
  auto slot = StreamSlot::take(context.event_streams);
  if (!slot) {
    Response busy = error_response(
        ErrorCode::kTooManyStreams,
        "all " + std::to_string(context.event_streams.max) +
            " event streams are open ([http] max_event_streams); close one or try again later");
    busy.headers.emplace_back("Retry-After", std::string(kRetryAfterSeconds));
    return busy;
  }
  int64_t after = 0;
  if (*resume) {
    after = **resume;
  } else {
    auto newest = context.store.latest_event_id();
    if (!newest) return server_error(newest.error());
    after = *newest;
  }
  Response response{200, "text/event-stream", "", {}};
  response.stream = [&context, slot, after, names = visible_names(std::move(*names), sees_inbound)](
                        BodyWriter& out) { run_stream(context.store, names, after, out); };
  return response;
}

}  // namespace

void add_event_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/events", Scope::kRead, stream_events},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

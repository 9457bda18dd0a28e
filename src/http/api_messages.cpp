// /api/v1/messages: submit (one, or a batch in one transaction), preview, read, list,
// cancel.
#include <sodium.h>

#include <random>

#include "http/api.h"
#include "http/json_input.h"
#include "http/message_json.h"
#include "http/message_request.h"
#include "pdu/utf.h"
#include "policy/phone.h"

namespace smsgate::http {

namespace {

constexpr size_t kMaxBatch = 1000;

// Concatenation references only need to differ between messages to one phone; a
// seeded generator per thread spares a getrandom() system call per message.
uint16_t random_reference() {
  thread_local std::mt19937 generator(randombytes_random());
  return static_cast<uint16_t>(generator() & 0xFFFF);
}

nlohmann::json submitted_json(const store::SubmitResult& result, const std::string& to) {
  return {{"id", result.id},
          {"status", store::message_status_name(result.status)},
          {"parts", result.parts},
          {"encoding", result.encoding},
          {"to", to}};
}

// Composes one message (its modem pin checked); the caller checks the opt-out and
// stores it.
Result<store::NewMessage> compose(ApiContext& context, const dispatch::OutgoingRequest& request,
                                  const std::string& prefix, int64_t now) {
  if (request.modem) {
    auto modems = context.store.list_modems();
    if (!modems) return modems.error();
    bool known = std::any_of(modems->begin(), modems->end(), [&](const store::ModemRecord& m) {
      return m.identity.imei == *request.modem;
    });
    if (!known)
      return invalid(prefix + "modem", "no modem \"" + *request.modem + "\"", "unknown_modem");
  }
  auto message = dispatch::compose_message(request, now, random_reference(), context.compose);
  if (!message) {
    Error error = message.error();
    if (!prefix.empty()) error.message = prefix + error.message;
    return error;
  }
  return message;
}

bool subject_to_optout(const store::NewMessage& message) {
  return policy::blocked_by_optout(message.category);
}

Error opted_out_error(const std::string& prefix, const std::string& to) {
  return Error{prefix + "to: " + to + " has opted out of messages", "recipient_opted_out",
               prefix + "to"};
}

// Composes and checks one message; the caller stores it.
Result<store::NewMessage> prepare(ApiContext& context, const dispatch::OutgoingRequest& request,
                                  int64_t now) {
  auto message = compose(context, request, "", now);
  if (!message) return message.error();
  if (subject_to_optout(*message)) {
    auto opted_out = context.store.is_opted_out(message->to);
    if (!opted_out) return opted_out.error();
    if (*opted_out) return opted_out_error("", message->to);
  }
  return message;
}

// The first of `messages` whose recipient opted out, if any: one read for the batch.
Result<std::optional<size_t>> first_opted_out(ApiContext& context,
                                              const std::vector<store::NewMessage>& messages) {
  std::vector<std::string> numbers;
  std::vector<size_t> indexes;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (!subject_to_optout(messages[i])) continue;
    numbers.push_back(messages[i].to);
    indexes.push_back(i);
  }
  auto opted_out = context.store.are_opted_out(numbers);
  if (!opted_out) return opted_out.error();
  for (size_t j = 0; j < indexes.size(); ++j)
    if ((*opted_out)[j]) return std::optional<size_t>(indexes[j]);
  return std::optional<size_t>();
}

std::string item_prefix(size_t index) { return "messages[" + std::to_string(index) + "]."; }

// One item of a batch read and composed; errors name it ("messages[3].to").
Result<store::NewMessage> compose_item(ApiContext& context, const nlohmann::json& item,
                                       size_t index, std::optional<std::string_view> key,
                                       int64_t now) {
  std::string prefix = item_prefix(index);
  if (!item.is_object())
    return invalid("messages[" + std::to_string(index) + "]", "must be an object");
  auto outgoing = read_message_request(item, prefix);
  if (!outgoing) return outgoing.error();
  // One key for the batch: each message gets its own, derived from it, so that the
  // same batch sent again returns the same messages.
  if (key) outgoing->idempotency_key = std::string(*key) + "#" + std::to_string(index);
  return compose(context, *outgoing, prefix, now);
}

// Only for messages due now: the dispatcher finds scheduled ones on its own when their
// time comes, and waking it for each of thousands of reminders submitted for next week
// would have it look for work thousands of times for nothing.
void wake_if_due(ApiContext& context, const std::vector<store::SubmitResult>& stored) {
  bool due = std::any_of(stored.begin(), stored.end(), [](const store::SubmitResult& result) {
    return result.status == store::MessageStatus::kQueued && !result.existing;
  });
  if (due) context.dispatcher.wake();
}

Response submit_error(const Error& error) {
  return error_from(error, error.code == "recipient_opted_out" ? 409 : 400);
}

Response submit_one(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  auto outgoing = read_message_request(*body, "");
  if (!outgoing) return error_from(outgoing.error());
  if (auto key = request.header("idempotency-key")) {
    if (key->empty() || key->size() > 255)
      return error_response(400, "invalid_field", "Idempotency-Key: must be 1 to 255 characters",
                            "Idempotency-Key");
    outgoing->idempotency_key = std::string(*key);
  }
  int64_t now = context.clock.now();
  auto message = prepare(context, *outgoing, now);
  if (!message) return submit_error(message.error());
  std::string to = message->to;
  std::vector<store::NewMessage> batch;
  batch.push_back(std::move(*message));
  auto stored = context.store.submit(std::move(batch), now);
  if (!stored) return error_from(stored.error(), 500);
  const store::SubmitResult& result = stored->front();
  wake_if_due(context, *stored);
  Response response = json_response(result.existing ? 200 : 202, submitted_json(result, to));
  if (result.existing) response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

Response submit_batch(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto items = fields.array("messages", kMaxBatch);
  if (!items) return error_from(items.error());
  if (!*items) return error_from(missing("messages"));
  if ((*items)->empty()) return error_from(invalid("messages", "is empty"));
  if (Status done = fields.finish(); !done) return error_from(done.error());
  std::optional<std::string_view> key = request.header("idempotency-key");
  if (key && (key->empty() || key->size() > 240))
    return error_response(400, "invalid_field", "Idempotency-Key: must be 1 to 240 characters",
                          "Idempotency-Key");
  int64_t now = context.clock.now();
  std::vector<store::NewMessage> messages;
  messages.reserve((*items)->size());
  std::optional<Error> invalid_item;  // the first, if any; the messages before it are composed
  for (size_t i = 0; i < (*items)->size(); ++i) {
    auto message = compose_item(context, (**items)[i], i, key, now);
    if (!message) {
      invalid_item = message.error();
      break;
    }
    messages.push_back(std::move(*message));
  }
  // The error of the first message in order that fails, as if each were checked in
  // turn: an opted-out recipient before the first invalid message is the one reported.
  auto opted_out = first_opted_out(context, messages);
  if (!opted_out) return submit_error(opted_out.error());
  if (*opted_out)
    return submit_error(opted_out_error(item_prefix(**opted_out), messages[**opted_out].to));
  if (invalid_item) return submit_error(*invalid_item);
  std::vector<std::string> recipients;
  recipients.reserve(messages.size());
  for (const store::NewMessage& message : messages) recipients.push_back(message.to);
  auto stored = context.store.submit(std::move(messages), now);
  if (!stored) return error_from(stored.error(), 500);
  wake_if_due(context, *stored);
  nlohmann::json list = nlohmann::json::array();
  bool all_existing = true;
  for (size_t i = 0; i < stored->size(); ++i) {
    list.push_back(submitted_json((*stored)[i], recipients[i]));
    all_existing = all_existing && (*stored)[i].existing;
  }
  return json_response(all_existing ? 200 : 202, {{"items", std::move(list)}});
}

Response preview(ApiContext&, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto text = fields.required_string("text", kMaxTextBytes);
  if (!text) return error_from(text.error());
  auto plan_options = read_plan_options(fields);
  if (!plan_options) return error_from(plan_options.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  auto code_points = pdu::utf8_to_code_points(*text);
  if (!code_points) return error_from(invalid("text", code_points.error().message, "invalid_text"));
  auto plan = pdu::plan_text(*code_points, *plan_options);
  if (!plan) return error_from(invalid("text", plan.error().message, "invalid_text"));
  return json_response(200, plan_json(*plan));
}

Response get_message(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("message", request.params.at(0));
  auto detail = context.store.get_message(*id);
  if (!detail) return error_from(detail.error(), 500);
  if (!*detail) return not_found("message", request.params.at(0));
  return json_response(200, message_detail_json(**detail));
}

Response list_messages(ApiContext& context, const Request& request) {
  store::MessageFilter filter;
  if (auto status = request.query.find("status"); status != request.query.end()) {
    filter.status = store::parse_message_status(status->second);
    if (!filter.status)
      return error_from(invalid("status",
                                "must be queued, scheduled, sending, sent, delivered, "
                                "failed, expired or cancelled"));
  }
  if (auto to = request.query.find("to"); to != request.query.end()) {
    auto number = policy::normalize_number(to->second, context.compose.default_region);
    if (!number) return error_from(invalid("to", number.error().message, "invalid_number"));
    filter.to = *number;
  }
  auto since = query_time(query_param(request, "since"), "since");
  if (!since) return error_from(since.error());
  filter.since = *since;
  auto paging = page_params(request);
  if (!paging) return error_from(paging.error());
  filter.limit = paging->limit;
  filter.cursor = std::move(paging->cursor);
  auto page = context.store.list_messages(filter);
  if (!page) return error_from(page.error());
  return page_response(*page, message_json);
}

Response cancel_message(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("message", request.params.at(0));
  auto existing = context.store.get_message(*id);
  if (!existing) return error_from(existing.error(), 500);
  if (!*existing) return not_found("message", request.params.at(0));
  auto cancelled =
      context.store.cancel_message(*id, "cancelled through the API", context.clock.now());
  if (!cancelled) {
    // Gone to a modem meanwhile, or already final.
    auto now = context.store.get_message(*id);
    std::string status =
        now && *now ? std::string(store::message_status_name((*now)->message.status)) : "unknown";
    return error_response(409, "not_cancellable",
                          "message " + std::to_string(*id) + " is " + status +
                              "; only queued or scheduled messages can be cancelled");
  }
  auto detail = context.store.get_message(*id);
  if (!detail || !*detail) return error_from(make_error("message vanished"), 500);
  return json_response(200, message_json((*detail)->message));
}

}  // namespace

void add_message_routes(Router& router, ApiContext& context) {
  auto route = [&](std::string method, std::string pattern, ContextHandler handler) {
    add_authenticated(router, context, std::move(method), std::move(pattern), handler);
  };
  route("POST", "/api/v1/messages", submit_one);
  route("POST", "/api/v1/messages/batch", submit_batch);
  route("POST", "/api/v1/messages/preview", preview);
  route("GET", "/api/v1/messages", list_messages);
  route("GET", "/api/v1/messages/{id}", get_message);
  route("DELETE", "/api/v1/messages/{id}", cancel_message);
}

}  // namespace smsgate::http

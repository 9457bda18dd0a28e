// /api/v1/messages: submit (one, or a batch in one transaction), preview, read, list,
// cancel.
#include "http/api.h"
#include "http/json_input.h"
#include "http/message_json.h"
#include "http/message_request.h"
#include "pdu/utf.h"
#include "policy/phone.h"

namespace smsgate::http {

namespace {

constexpr size_t kMaxBatch = 1000;

nlohmann::json submitted_json(const dispatch::Accepted& accepted) {
  return {{"id", accepted.stored.id},
          {"status", store::message_status_name(accepted.stored.status)},
          {"parts", accepted.stored.parts},
          {"encoding", accepted.stored.encoding},
          {"to", accepted.to}};
}

std::string item_name(size_t index) { return "messages[" + std::to_string(index) + "]."; }

// One item of a batch read; errors name it ("messages[3].to").
Result<dispatch::OutgoingRequest> read_item(const nlohmann::json& item, size_t index,
                                            std::optional<std::string_view> key) {
  if (!item.is_object())
    return invalid("messages[" + std::to_string(index) + "]", "must be an object");
  auto outgoing = read_message_request(item, item_name(index));
  if (!outgoing) return outgoing.error();
  // One key for the batch: each message gets its own, derived from it, so that the
  // same batch sent again returns the same messages.
  if (key) outgoing->idempotency_key = std::string(*key) + "#" + std::to_string(index);
  return outgoing;
}

Response submit_one(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  auto outgoing = read_message_request(*body, "");
  if (!outgoing) return error_from(outgoing.error());
  if (auto key = request.header("idempotency-key")) {
    if (key->empty() || key->size() > 255)
      return error_response(ErrorCode::kInvalidField,
                            "Idempotency-Key: must be 1 to 255 characters", "Idempotency-Key");
    outgoing->idempotency_key = std::string(*key);
  }
  auto accepted = context.intake.submit(*outgoing, context.clock.now());
  if (!accepted) return error_from(accepted.error());
  bool existing = accepted->stored.existing;
  Response response = json_response(existing ? 200 : 202, submitted_json(*accepted));
  if (existing) response.headers.emplace_back("Idempotent-Replayed", "true");
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
    return error_response(ErrorCode::kInvalidField, "Idempotency-Key: must be 1 to 240 characters",
                          "Idempotency-Key");
  // Read up to the first unreadable item: the intake reports the first error in order.
  std::vector<Result<dispatch::OutgoingRequest>> requests;
  requests.reserve((*items)->size());
  for (size_t i = 0; i < (*items)->size(); ++i) {
    requests.push_back(read_item((**items)[i], i, key));
    if (!requests.back()) break;
  }
  auto accepted = context.intake.submit_batch(std::move(requests), context.clock.now(), item_name);
  if (!accepted) return error_from(accepted.error());
  nlohmann::json list = nlohmann::json::array();
  bool all_existing = true;
  for (const dispatch::Accepted& one : *accepted) {
    list.push_back(submitted_json(one));
    all_existing = all_existing && one.stored.existing;
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
  if (!code_points)
    return error_from(invalid("text", code_points.error().message, ErrorCode::kInvalidText));
  auto plan = pdu::plan_text(*code_points, *plan_options);
  if (!plan) return error_from(invalid("text", plan.error().message, ErrorCode::kInvalidText));
  return json_response(200, plan_json(*plan));
}

Response get_message(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("message", request.params.at(0));
  auto detail = context.store.get_message(*id);
  if (!detail) return server_error(detail.error());
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
    auto number = policy::normalize_number(to->second, context.intake.defaults().default_region);
    if (!number)
      return error_from(invalid("to", number.error().message, ErrorCode::kInvalidNumber));
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
  if (!existing) return server_error(existing.error());
  if (!*existing) return not_found("message", request.params.at(0));
  auto cancelled =
      context.store.cancel_message(*id, "cancelled through the API", context.clock.now());
  if (!cancelled) {
    // Gone to a modem meanwhile, or already final.
    auto now = context.store.get_message(*id);
    std::string status =
        now && *now ? std::string(store::message_status_name((*now)->message.status)) : "unknown";
    return error_response(ErrorCode::kNotCancellable,
                          "message " + std::to_string(*id) + " is " + status +
                              "; only queued or scheduled messages can be cancelled");
  }
  auto detail = context.store.get_message(*id);
  if (!detail || !*detail) return server_error(make_error("message vanished"));
  return json_response(200, message_json((*detail)->message));
}

}  // namespace

void add_message_routes(Router& router, ApiContext& context) {
  using auth::Scope;
  auto route = [&](std::string method, std::string pattern, Scope scope, ContextHandler handler) {
    add_authenticated(router, context, std::move(method), std::move(pattern), scope, handler);
  };
  route("POST", "/api/v1/messages", Scope::kSend, submit_one);
  route("POST", "/api/v1/messages/batch", Scope::kSend, submit_batch);
  // Preview is the sender's own planner: part of sending, and it reads nothing stored.
  route("POST", "/api/v1/messages/preview", Scope::kSend, preview);
  route("GET", "/api/v1/messages", Scope::kRead, list_messages);
  route("GET", "/api/v1/messages/{id}", Scope::kRead, get_message);
  // Cancelling undoes a send; reading a message does not allow stopping it.
  route("DELETE", "/api/v1/messages/{id}", Scope::kSend, cancel_message);
}

}  // namespace smsgate::http

// /api/v1/messages: submit (one, or a batch in one transaction), preview, read, list,
// cancel.
#include "http/api.h"
#include "http/json_input.h"
#include "http/message_json.h"
#include "http/message_request.h"
#include "pdu/utf.h"
#include "policy/category.h"
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

// {group, ...}: one message per member of a contact group.
Response submit_to_group(ApiContext& context, const Request& request, const nlohmann::json& body) {
  auto read = read_group_send_request(body);
  if (!read) return error_from(read.error());
  if (auto key = request.header("idempotency-key")) {
    if (key->empty() || key->size() > 200)
      return error_response(ErrorCode::kInvalidField,
                            "Idempotency-Key: must be 1 to 200 characters", "Idempotency-Key");
    read->message.idempotency_key = std::string(*key);
  }
  auto accepted = context.intake.submit_to_group(read->group, read->message, context.clock.now());
  if (!accepted) return error_from(accepted.error());
  nlohmann::json messages = nlohmann::json::array();
  bool all_existing = !accepted->messages.empty();
  for (const dispatch::Accepted& one : accepted->messages) {
    messages.push_back(submitted_json(one));
    all_existing = all_existing && one.stored.existing;
  }
  return json_response(all_existing ? 200 : 202,
                       {{"group", read->group},
                        {"messages", std::move(messages)},
                        {"skipped_opted_out", accepted->skipped_opted_out}});
}

Response submit_one(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  if (body->contains("group")) return submit_to_group(context, request, *body);
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

Response preview(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto given_text = fields.string("text", kMaxTextBytes);
  if (!given_text) return error_from(given_text.error());
  auto template_name = fields.string("template", kMaxTemplateNameBytes);
  if (!template_name) return error_from(template_name.error());
  auto variables = read_template_variables(fields);
  if (!variables) return error_from(variables.error());
  auto plan_options = read_plan_options(fields);
  if (!plan_options) return error_from(plan_options.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  if (*given_text && *template_name)
    return error_from(invalid("template", "give a text or a template, not both"));
  if (!*given_text && !*template_name)
    return error_from(
        Error{"text: missing (or give a template)", ErrorCode::kMissingField, "text"});
  // A template is previewed as it would be sent: rendered, so the parts are the real ones.
  std::string text;
  if (*template_name) {
    auto rendered = context.intake.render(**template_name, *variables);
    if (!rendered) return error_from(rendered.error());
    text = std::move(rendered->text);
  } else {
    text = std::move(**given_text);
  }
  auto code_points = pdu::utf8_to_code_points(text);
  if (!code_points)
    return error_from(invalid("text", code_points.error().message, ErrorCode::kInvalidText));
  auto plan = pdu::plan_text(*code_points, *plan_options);
  if (!plan) return error_from(invalid("text", plan.error().message, ErrorCode::kInvalidText));
  nlohmann::json answer = plan_json(*plan);
  if (*template_name) answer["text"] = text;
  return json_response(200, answer);
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
  auto until = query_time(query_param(request, "until"), "until");
  if (!until) return error_from(until.error());
  filter.until = *until;
  if (auto category = query_param(request, "category")) {
    filter.category = policy::parse_category(*category);
    if (!filter.category)
      return error_from(invalid("category", "must be " + std::string(policy::category_choices()),
                                ErrorCode::kInvalidField));
  }
  if (auto text = query_param(request, "q")) filter.query = std::string(*text);
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

// Staff send a message again that did not reach its recipient: the same recipient,
// text, category and priority as a new message through the intake, so opt-outs and
// quiet hours apply as to any other.
Response resend_message(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("message", request.params.at(0));
  auto existing = context.store.get_message(*id);
  if (!existing) return server_error(existing.error());
  if (!*existing) return not_found("message", request.params.at(0));
  const store::Message& old = (*existing)->message;
  if (old.category == policy::Category::kOtp)
    return error_response(ErrorCode::kNotResendable,
                          "message " + std::to_string(*id) +
                              " is a one-time password, whose code is not kept; request a new "
                              "code instead (POST /api/v1/otp)");
  if (old.status != store::MessageStatus::kFailed && old.status != store::MessageStatus::kExpired &&
      old.status != store::MessageStatus::kCancelled)
    return error_response(ErrorCode::kNotResendable,
                          "message " + std::to_string(*id) + " is " +
                              std::string(store::message_status_name(old.status)) +
                              "; only failed, expired or cancelled messages can be sent again");
  dispatch::OutgoingRequest again;
  again.to = old.to;
  again.text = old.text;
  again.category = old.category;
  again.priority = old.priority;
  again.status_report = old.status_report;
  again.expect_reply = old.expect_reply;
  again.reply_window_ms = old.reply_window_ms;
  again.external_id = old.external_id;
  again.resent_from = old.id;
  // A button pressed twice sends once, when the console names the press.
  if (auto key = request.header("idempotency-key")) {
    if (key->empty() || key->size() > 255)
      return error_response(ErrorCode::kInvalidField,
                            "Idempotency-Key: must be 1 to 255 characters", "Idempotency-Key");
    again.idempotency_key = std::string(*key);
  }
  auto accepted = context.intake.submit(again, context.clock.now());
  if (!accepted) return error_from(accepted.error());
  auto detail = context.store.get_message(accepted->stored.id);
  if (!detail) return server_error(detail.error());
  if (!*detail) return server_error(make_error("the message sent again vanished"));
  return json_response(accepted->stored.existing ? 200 : 201, message_detail_json(**detail));
}

}  // namespace

void add_message_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"POST", "/api/v1/messages", Scope::kSend, submit_one},
      {"POST", "/api/v1/messages/batch", Scope::kSend, submit_batch},
      // Preview is the sender's own planner: part of sending, and it reads nothing stored.
      {"POST", "/api/v1/messages/preview", Scope::kSend, preview},
      {"GET", "/api/v1/messages", Scope::kRead, list_messages},
      {"GET", "/api/v1/messages/{id}", Scope::kRead, get_message},
      // Cancelling undoes a send; reading a message does not allow stopping it.
      {"DELETE", "/api/v1/messages/{id}", Scope::kSend, cancel_message},
      {"POST", "/api/v1/messages/{id}/resend", Scope::kSend, resend_message},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

// /api/v1/conversations: the console's inbox, one conversation per number with what
// was last said either way and how many inbound texts are unread; one number's thread,
// both ways interleaved; and marking a number's texts read.
#include "http/api.h"
#include "http/json_input.h"
#include "http/message_json.h"
#include "policy/phone.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

// The {number} of the path: E.164 with or without its "+" (a "+" in a path is often
// lost or must be written %2B), or a number as written locally in the default region.
Result<std::string> number_param(ApiContext& context, const Request& request) {
  const std::string& written = request.params.at(0);
  const std::string& region = context.intake.defaults().default_region;
  const bool bare_international = !written.empty() && written[0] != '0' &&
                                  written.find_first_not_of("0123456789") == std::string::npos;
  if (bare_international) {
    if (auto number = policy::normalize_number("+" + written, region)) return *number;
  }
  auto number = policy::normalize_number(written, region);
  if (!number) return invalid("number", number.error().message, ErrorCode::kInvalidNumber);
  return *number;
}

Response list_conversations(ApiContext& context, const Request& request) {
  store::ConversationFilter filter;
  if (auto text = query_param(request, "q")) filter.query = std::string(*text);
  auto paging = page_params(request);
  if (!paging) return error_from(paging.error());
  filter.limit = paging->limit;
  filter.cursor = std::move(paging->cursor);
  auto page = context.store.list_conversations(filter);
  if (!page) return error_from(page.error());
  return page_response(*page, [](const store::Conversation& c) {
    return nlohmann::json{{"number", c.number},
                          {"last_at", store::iso8601_utc(c.last_at)},
                          {"last_text", c.last_text},
                          {"last_direction", c.last_inbound ? "in" : "out"},
                          {"unread", c.unread}};
  });
}

Response get_conversation(ApiContext& context, const Request& request) {
  auto number = number_param(context, request);
  if (!number) return error_from(number.error());
  auto paging = page_params(request);
  if (!paging) return error_from(paging.error());
  auto page = context.store.conversation(*number, paging->limit, paging->cursor);
  if (!page) return error_from(page.error());
  return page_response(*page, [](const store::ThreadItem& item) {
    nlohmann::json json;
    if (item.inbound()) {
      json = store::inbound_json(std::get<store::InboundMessage>(item.text));
      json["direction"] = "in";
    } else {
      json = message_json(std::get<store::Message>(item.text));
      json["direction"] = "out";
    }
    return json;
  });
}

Response mark_read(ApiContext& context, const Request& request) {
  auto number = number_param(context, request);
  if (!number) return error_from(number.error());
  auto marked = context.store.mark_conversation_read(*number, context.clock.now());
  if (!marked) return server_error(marked.error());
  return Response{204, "application/json", "", {}};
}

}  // namespace

void add_conversation_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/conversations", Scope::kInbound, list_conversations},
      {"GET", "/api/v1/conversations/{number}", Scope::kInbound, get_conversation},
      {"POST", "/api/v1/conversations/{number}/read", Scope::kInbound, mark_read},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

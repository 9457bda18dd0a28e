// /api/v1/inbound: reassembled texts received, newest first, with in_reply_to.
#include "dispatch/phone.h"
#include "http/api.h"
#include "http/json_input.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

Response list_inbound(ApiContext& context, const Request& request) {
  auto query = [&](std::string_view name) -> std::optional<std::string_view> {
    auto found = request.query.find(name);
    if (found == request.query.end()) return std::nullopt;
    return std::string_view(found->second);
  };
  store::InboundFilter filter;
  if (auto from = query("from")) {
    // A number is matched in E.164; an alphanumeric sender ("DHL") as written.
    auto number = dispatch::normalize_number(*from, context.compose.default_region);
    filter.from = number ? *number : std::string(*from);
  }
  auto since = query_time(query("since"), "since");
  if (!since) return error_from(since.error());
  filter.since = *since;
  auto limit = query_integer(query("limit"), "limit", 1, store::kMaxPageSize);
  if (!limit) return error_from(limit.error());
  filter.limit = static_cast<int>(limit->value_or(50));
  filter.cursor = std::string(query("cursor").value_or(""));
  auto page = context.store.list_inbound(filter);
  if (!page) return error_from(page.error());
  nlohmann::json items = nlohmann::json::array();
  for (const store::InboundMessage& message : page->items) items.push_back(store::inbound_json(message));
  nlohmann::json body = {{"items", std::move(items)}};
  if (page->next_cursor) body["next_cursor"] = *page->next_cursor;
  return json_response(200, body);
}

}  // namespace

void add_inbound_routes(Router& router, ApiContext& context) {
  add_authenticated(router, context, "GET", "/api/v1/inbound", list_inbound);
}

}  // namespace smsgate::http

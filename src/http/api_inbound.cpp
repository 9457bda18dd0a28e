// /api/v1/inbound: reassembled texts received, newest first, with in_reply_to; one
// text with the automatic replies it got (dispatch/autoreply.h).
#include "http/api.h"
#include "http/json_input.h"
#include "policy/phone.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

Response list_inbound(ApiContext& context, const Request& request) {
  store::InboundFilter filter;
  if (auto from = query_param(request, "from")) {
    // A number is matched in E.164; an alphanumeric sender ("DHL") as written.
    auto number = policy::normalize_number(*from, context.intake.defaults().default_region);
    filter.from = number ? *number : std::string(*from);
  }
  auto since = query_time(query_param(request, "since"), "since");
  if (!since) return error_from(since.error());
  filter.since = *since;
  auto paging = page_params(request);
  if (!paging) return error_from(paging.error());
  filter.limit = paging->limit;
  filter.cursor = std::move(paging->cursor);
  auto page = context.store.list_inbound(filter);
  if (!page) return error_from(page.error());
  return page_response(*page, store::inbound_json);
}

Response get_inbound(ApiContext& context, const Request& request) {
  auto id = parse_id(request.params.at(0));
  if (!id) return not_found("inbound message", request.params.at(0));
  auto found = context.store.find_answered_inbound(*id);
  if (!found) return server_error(found.error());
  if (!*found) return not_found("inbound message", request.params.at(0));
  nlohmann::json body = store::inbound_json((*found)->message);
  nlohmann::json replies = nlohmann::json::array();
  for (const store::AutoReplyRecord& reply : (*found)->auto_replies) {
    nlohmann::json item = {{"kind", reply.kind}, {"at", store::iso8601_utc(reply.created_at)}};
    item["message_id"] = reply.message_id ? nlohmann::json(*reply.message_id) : nlohmann::json();
    item["rule_id"] = reply.rule_id ? nlohmann::json(*reply.rule_id) : nlohmann::json();
    replies.push_back(std::move(item));
  }
  body["auto_replies"] = std::move(replies);
  return json_response(200, body);
}

}  // namespace

void add_inbound_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/inbound", Scope::kInbound, list_inbound},
      {"GET", "/api/v1/inbound/{id}", Scope::kInbound, get_inbound},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

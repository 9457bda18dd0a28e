// /api/v1/inbound: reassembled texts received, newest first, with in_reply_to.
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

}  // namespace

void add_inbound_routes(Router& router, ApiContext& context) {
  add_authenticated(router, context, "GET", "/api/v1/inbound", auth::Scope::kInbound, list_inbound);
}

}  // namespace smsgate::http

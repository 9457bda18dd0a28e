// /api/v1/optouts: numbers that said STOP (or were added by staff); only OTPs reach
// them.
#include "http/api.h"
#include "http/json_input.h"
#include "policy/phone.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

Response list_optouts(ApiContext& context, const Request& request) {
  auto paging = page_params(request);
  if (!paging) return error_from(paging.error());
  int limit = paging->limit;
  std::string after;
  if (!paging->cursor.empty()) {
    // The cursor is the last number of the previous page, prefixed so it stays opaque.
    if (!paging->cursor.starts_with("o"))
      return error_from(invalid("cursor", "\"" + paging->cursor + "\" is not a cursor of this list",
                                ErrorCode::kInvalidCursor));
    after = paging->cursor.substr(1);
  }
  // One more than asked tells whether there is a next page.
  auto list = context.store.list_optouts(after, limit + 1);
  if (!list) return error_from(list.error());
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < list->size() && i < static_cast<size_t>(limit); ++i) {
    const store::OptOut& optout = (*list)[i];
    items.push_back({{"number", optout.number},
                     {"keyword", optout.keyword},
                     {"at", store::iso8601_utc(optout.at)}});
  }
  nlohmann::json body = {{"items", std::move(items)}};
  if (list->size() > static_cast<size_t>(limit))
    body["next_cursor"] = "o" + (*list)[static_cast<size_t>(limit) - 1].number;
  return json_response(200, body);
}

Response add_optout(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto number = fields.required_string("number", 64);
  if (!number) return error_from(number.error());
  auto keyword = fields.string("keyword", 100);
  if (!keyword) return error_from(keyword.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  auto normalized = policy::normalize_number(*number, context.intake.defaults().default_region);
  if (!normalized)
    return error_from(invalid("number", normalized.error().message, ErrorCode::kInvalidNumber));
  int64_t now = context.clock.now();
  std::string why = keyword->value_or("added through the API");
  if (Status added = context.store.add_optout(*normalized, why, now); !added)
    return server_error(added.error());
  return json_response(
      201, {{"number", *normalized}, {"keyword", why}, {"at", store::iso8601_utc(now)}});
}

Response remove(ApiContext& context, std::string_view number) {
  auto normalized = policy::normalize_number(number, context.intake.defaults().default_region);
  if (!normalized)
    return error_from(invalid("number", normalized.error().message, ErrorCode::kInvalidNumber));
  auto removed = context.store.remove_optout(*normalized);
  if (!removed) return server_error(removed.error());
  if (!*removed) return not_found("opt-out for", *normalized);
  return json_response(200, {{"number", *normalized}, {"removed", true}});
}

Response remove_by_path(ApiContext& context, const Request& request) {
  return remove(context, request.params.at(0));
}

Response remove_by_query(ApiContext& context, const Request& request) {
  auto number = request.query.find("number");
  if (number == request.query.end()) return error_from(missing("number"));
  return remove(context, number->second);
}

}  // namespace

void add_optout_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/optouts", Scope::kOptouts, list_optouts},
      {"POST", "/api/v1/optouts", Scope::kOptouts, add_optout, action::kOptoutAdd},
      {"DELETE", "/api/v1/optouts", Scope::kOptouts, remove_by_query, action::kOptoutRemove},
      {"DELETE", "/api/v1/optouts/{number}", Scope::kOptouts, remove_by_path,
       action::kOptoutRemove},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

// GET /api/v1/audit: what admins did (store/people.h AuditEntry), newest first, paged
// like the other lists, filtered by actor and action. For admins' sessions only: an
// API key never reads it, so a leaked key cannot learn who does what.
#include "http/api.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

nlohmann::json audit_json(const store::AuditEntry& entry) {
  nlohmann::json json = {{"id", entry.id},         {"at", store::iso8601_utc(entry.at)},
                         {"actor", entry.actor},   {"action", entry.action},
                         {"target", entry.target}, {"client", entry.client},
                         {"detail", entry.detail}};
  if (entry.count > 1) json["count"] = entry.count;
  return json;
}

Response list_audit(ApiContext& context, const Request& request, const auth::OpenSession&) {
  auto page = page_params(request);
  if (!page) return error_from(page.error());
  store::AuditFilter filter;
  filter.limit = page->limit;
  filter.cursor = page->cursor;
  if (auto actor = query_param(request, "actor")) filter.actor = std::string(*actor);
  if (auto action = query_param(request, "action")) filter.action = std::string(*action);
  auto listed = context.store.list_audit(filter);
  if (!listed) return error_from(listed.error());
  return page_response(*listed, audit_json);
}

}  // namespace

void add_audit_routes(Router& router, ApiContext& context) {
  static constexpr SessionRoute kRoutes[] = {
      {"GET", "/api/v1/audit", SessionRoute::Who::kAdmin, list_audit},
  };
  add_session_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

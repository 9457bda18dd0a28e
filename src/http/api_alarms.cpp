// /api/v1/alarms: the modem alarms raised and not cleared (low balance, SIM expiring,
// offline, storage full), as dispatch/alarms.h raised them; operators may read them.
#include "http/api.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

Response list_alarms(ApiContext& context, const Request&) {
  auto alarms = context.store.open_alarms();
  if (!alarms) return server_error(alarms.error());
  nlohmann::json items = nlohmann::json::array();
  for (const store::ModemAlarm& alarm : *alarms) items.push_back(store::alarm_json(alarm));
  return json_response(200, {{"items", std::move(items)}});
}

}  // namespace

void add_alarm_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/alarms", Scope::kModems, list_alarms},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

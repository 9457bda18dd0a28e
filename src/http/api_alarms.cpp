// /api/v1/alarms: the modem alarms raised and not cleared (low balance, SIM expiring,
// offline, storage full), as dispatch/alarms.h raised them; operators may read them.
#include "http/api.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

Response list_alarms(ApiContext& context, const Request&) {
  return list_response(context.store.open_alarms(), store::alarm_json);
}

}  // namespace

void add_alarm_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/alarms", Scope::kModems, list_alarms},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

// /api/v1/numbers/{number}: erasure, everything the gateway holds about one person (their
// contact too) but the fact that they opted out (store/retention.h). Under the optouts scope: the
// key that keeps a person from being texted is the one that answers their request to be forgotten.
#include "http/api.h"
#include "http/json_input.h"
#include "policy/phone.h"

namespace smsgate::http {

namespace {

Response erase_number(ApiContext& context, const Request& request) {
  auto number =
      policy::normalize_number(request.params.at(0), context.intake.defaults().default_region);
  if (!number)
    return error_from(invalid("number", number.error().message, ErrorCode::kInvalidNumber));
  auto erased = context.store.erase_number(*number, context.clock.now());
  if (!erased) {
    if (erased.error().code == ErrorCode::kNotCancellable) return error_from(erased.error());
    return server_error(erased.error());
  }
  return json_response(200, {{"number", *number},
                             {"deleted",
                              {{"messages", erased->messages},
                               {"inbound", erased->inbound_messages},
                               {"status_reports", erased->status_reports},
                               {"otp_codes", erased->otp_codes},
                               {"appointments", erased->appointments},
                               {"webhook_events", erased->webhook_events},
                               {"contacts", erased->contacts}}},
                             {"cancelled", erased->cancelled},
                             {"opted_out", erased->opted_out}});
}

}  // namespace

void add_number_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"DELETE", "/api/v1/numbers/{number}", Scope::kOptouts, erase_number, action::kNumberErase},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

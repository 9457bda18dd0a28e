#include "auth/roles.h"

namespace smsgate::auth {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kOperator:
      return "operator";
  }
  return "";
}

std::optional<Role> role_named(std::string_view name) {
  for (Role role : {Role::kAdmin, Role::kOperator}) {
    if (role_name(role) == name) return role;
  }
  return std::nullopt;
}

bool role_may(Role role, Scope scope, std::string_view method) {
  if (role == Role::kAdmin) return true;
  switch (scope) {
    case Scope::kSend:
    case Scope::kRead:
    case Scope::kInbound:
    case Scope::kAppointments:  // the front desk books, moves and cancels
    case Scope::kContacts:  // the front desk keeps patients' numbers and names up to date
      return true;
    case Scope::kModems:
      // The dashboard shows every modem; stopping or resetting one is an admin's call.
      return method == "GET" || method == "HEAD";
    case Scope::kOtp:
    case Scope::kWebhooks:
    case Scope::kOptouts:
    case Scope::kMetrics:
    case Scope::kTemplates:  // operators send with templates; changing them is an admin's
    case Scope::kRules:      // what the gateway says by itself is an admin's to decide
      return false;
  }
  return false;
}

}  // namespace smsgate::auth

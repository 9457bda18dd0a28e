// What each console role may call, in the scopes' terms.
#include <doctest/doctest.h>

#include "auth/roles.h"

namespace smsgate::auth {
namespace {

TEST_CASE("roles: names both ways, and nothing else is a role") {
  CHECK(role_name(Role::kAdmin) == "admin");
  CHECK(role_name(Role::kOperator) == "operator");
  CHECK(role_named("admin") == Role::kAdmin);
  CHECK(role_named("operator") == Role::kOperator);
  CHECK_FALSE(role_named("Admin").has_value());
  CHECK_FALSE(role_named("").has_value());
  CHECK_FALSE(role_named("root").has_value());
}

TEST_CASE("roles: an admin may call every route of every scope") {
  for (Scope scope : kAllScopes) {
    CAPTURE(scope_name(scope));
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      CAPTURE(method);
      CHECK(role_may(Role::kAdmin, scope, method));
    }
  }
}

TEST_CASE(
    "roles: an operator sends, reads, books appointments, keeps the contacts and sees the "
    "modems, and nothing more") {
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    CAPTURE(method);
    CHECK(role_may(Role::kOperator, Scope::kSend, method));
    CHECK(role_may(Role::kOperator, Scope::kRead, method));
    CHECK(role_may(Role::kOperator, Scope::kInbound, method));
    CHECK(role_may(Role::kOperator, Scope::kAppointments, method));
    CHECK(role_may(Role::kOperator, Scope::kContacts, method));
    CHECK_FALSE(role_may(Role::kOperator, Scope::kTemplates, method));
    CHECK_FALSE(role_may(Role::kOperator, Scope::kOtp, method));
    CHECK_FALSE(role_may(Role::kOperator, Scope::kWebhooks, method));
    CHECK_FALSE(role_may(Role::kOperator, Scope::kOptouts, method));
    CHECK_FALSE(role_may(Role::kOperator, Scope::kMetrics, method));
    CHECK_FALSE(role_may(Role::kOperator, Scope::kRules, method));
  }
  CHECK(role_may(Role::kOperator, Scope::kModems, "GET"));
  CHECK_FALSE(role_may(Role::kOperator, Scope::kModems, "POST"));
  CHECK_FALSE(role_may(Role::kOperator, Scope::kModems, "DELETE"));
}

}  // namespace
}  // namespace smsgate::auth

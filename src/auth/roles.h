// Roles of the people who sign in to the console (DESIGN.md, "People (console) have
// roles admin and operator"). A person's role decides which API routes the console's
// session may call, in the same terms as an API key's scopes, so that one table of
// routes (http/api.h) serves programs and people alike:
//
//   admin     everything: every scope, and the console's own routes (keys, users, ...)
//   operator  the day's work: send, read messages, the inbox, and seeing the modems;
//             not enabling, disabling or resetting them, no webhooks, opt-out list,
//             one-time passwords or metrics
//
// Thread safety: pure values and functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "auth/scopes.h"

namespace smsgate::auth {

enum class Role : uint8_t { kAdmin, kOperator };

// "admin", "operator": the names of the CLI, the API and the database.
std::string_view role_name(Role role);
// The role called `name` (exactly, lower case); none for anything else.
std::optional<Role> role_named(std::string_view name);

// Whether a person of `role` may call a route of `method` that needs `scope`.
bool role_may(Role role, Scope scope, std::string_view method);

}  // namespace smsgate::auth

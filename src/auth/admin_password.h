// The generated admin password: the password of the console user "admin" (users.h),
// for the first sign-in of an appliance and for getting back in. It is generated,
// never chosen: a reset makes a new one and hands it out once (`run --demo` prints
// it, `smsgated admin-password reset`). A reset makes the user "admin" (role admin)
// when there is none, ends its sessions, and is written to the audit log.
//
// Thread safety: the functions may be called from any thread; each costs ~64 MiB and
// tens of milliseconds on purpose (argon2id).
#pragma once

#include <string>
#include <string_view>

#include "auth/audit.h"
#include "common/result.h"
#include "store/people.h"

namespace smsgate::auth {

// The user whose password a reset replaces, and whom a sign-in without a name means.
inline constexpr std::string_view kAdminUser = "admin";

// Four groups of five lower-case letters and digits ("k3f9q-..."), without the look-alikes
// l, 1, o and 0, so that it can be read aloud and typed from a screen: 100 random bits.
// Replaces the user admin's password; returns it, shown once.
Result<std::string> reset_admin_password(store::People& people, int64_t now, const Actor& by);
// The same, now, from the command line.
Result<std::string> reset_admin_password(store::People& people);

// false when it does not match, or when there is no user admin.
Result<bool> verify_admin_password(store::People& people, std::string_view password);

// Whether the user admin exists.
Result<bool> admin_password_set(store::People& people);

}  // namespace smsgate::auth

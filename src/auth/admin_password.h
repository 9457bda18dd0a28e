// The admin password of the web UI: one per appliance, stored as an argon2id hash in
// the settings table (key "admin_password"). It is generated, never chosen: a reset
// makes a new one and hands it out once (`run --demo` prints it, DESIGN.md).
//
// Thread safety: the functions may be called from any thread; each verification costs
// ~64 MiB and tens of milliseconds on purpose (argon2id, libsodium's INTERACTIVE limits),
// so callers should not run many at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/credentials.h"

namespace smsgate::auth {

// Four groups of five lower-case letters and digits ("k3f9q-..."), without the look-alikes
// l, 1, o and 0, so that it can be read aloud and typed from a screen: 100 random bits.
// Replaces the stored hash; returns the password, shown once.
Result<std::string> reset_admin_password(store::Credentials& store);

// false when it does not match, or when no password is set.
Result<bool> verify_admin_password(store::Credentials& store, std::string_view password);

// Which admin password is set: a name that changes with every reset (a digest of the
// stored hash, whose salt is new each time), so that a session can tell whether the
// password that opened it is still the one set, even when another process (the CLI)
// made the new one. None when no password is set.
Result<std::optional<std::string>> admin_password_version(store::Credentials& store);

// verify_admin_password, and the version of the password it compared against (none
// when it did not match), read once so that a reset in between cannot mix the two.
Result<std::optional<std::string>> verify_admin_password_version(store::Credentials& store,
                                                                 std::string_view password);

Result<bool> admin_password_set(store::Credentials& store);

}  // namespace smsgate::auth

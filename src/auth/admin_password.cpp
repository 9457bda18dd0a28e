#include "auth/admin_password.h"

#include <sodium.h>

#include "auth/sodium_util.h"
#include "auth/users.h"
#include "common/clock.h"

namespace smsgate::auth {

namespace {

// 32 symbols (5 bits each): the lower-case letters and digits without l, 1, o and 0.
constexpr std::string_view kAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
constexpr int kGroups = 4;
constexpr int kGroupLength = 5;

}  // namespace

Result<std::string> reset_admin_password(store::People& people, int64_t now, const Actor& by) {
  detail::ensure_sodium();
  std::string password;
  for (int group = 0; group < kGroups; ++group) {
    if (group > 0) password += '-';
    for (int i = 0; i < kGroupLength; ++i)
      password += kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))];
  }
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  std::string admin(kAdminUser);
  auto set = people.set_user_password(
      admin, *hash, now,
      audit_entry(by, action::kAdminPasswordReset, admin, "generated; sessions ended", now),
      std::string(role_name(Role::kAdmin)));
  if (!set) return set.error();
  return password;
}

Result<std::string> reset_admin_password(store::People& people) {
  return reset_admin_password(people, SystemClock().now(), Actor::command_line());
}

Result<bool> verify_admin_password(store::People& people, std::string_view password) {
  auto user = people.find_user(std::string(kAdminUser));
  if (!user) return user.error();
  return *user && password_matches((*user)->password_hash, password);
}

Result<bool> admin_password_set(store::People& people) {
  auto user = people.find_user(std::string(kAdminUser));
  if (!user) return user.error();
  return user->has_value();
}

}  // namespace smsgate::auth

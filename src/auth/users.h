// The people who sign in to the console, each with a role (auth/roles.h) and a
// password of their own, kept as an argon2id hash (libsodium's INTERACTIVE limits, as
// the admin password was). The generated admin password is the user "admin"'s
// (admin_password.h).
//
//   a name     1 to 64 printable characters, no "/" (it is part of the users' URLs),
//              no space at either end; unique whatever its case
//   accepted   "anna", "Dr. Weber", "Zoë", "front-desk 2"
//   refused    "", " anna", "a/b", a tab or another control character, 65 characters
//   a password at least kMinPasswordLength (12) characters, at most 256 bytes
//
// Every change writes its audit row in the same transaction (auth/audit.h), and a
// new password ends the user's sessions (but the one that changed it, when it was
// the user's own). The last admin cannot be removed. No answer ever holds a hash.
//
// Thread safety: the functions and Users' methods may be called from any thread; a
// hash costs ~64 MiB and tens of milliseconds on purpose.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/roles.h"
#include "common/result.h"
#include "store/people.h"

namespace smsgate::auth {

inline constexpr size_t kMaxUserNameLength = 64;  // characters
inline constexpr size_t kMinPasswordLength = 12;  // characters
inline constexpr size_t kMaxPasswordBytes = 256;

// A user as everyone may see it: never the hash.
struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kOperator;
  int64_t created_at = 0;
  int64_t password_changed_at = 0;
};

// An error (code kInvalidName, field "name") saying what is wrong with `name`.
Status check_user_name(std::string_view name);
// An error (code kInvalidField, field "password") when `password` is too short or long.
Status check_new_password(std::string_view password);

// argon2id in libsodium's string form ("$argon2id$v=19$m=...").
Result<std::string> hash_password(std::string_view password);
// Whether `password` is the one `hash` was made from (constant time in libsodium).
bool password_matches(const std::string& hash, std::string_view password);
// Which password a hash is: a digest that changes with every new password (the salt is
// new each time), so that a session can tell whether the password that opened it is
// still the one set, even when another process (the CLI) set the new one.
std::string password_version(const std::string& hash);

// The user record as auth sees it (the role parsed); none when the stored role is
// not one this version knows (it grants nothing).
std::optional<User> user_from_record(const store::UserRecord& record);

class Users {
 public:
  explicit Users(store::People& people) : people_(people) {}

  // Errors: the name or password (checked as above), kNameTaken.
  Result<User> add(std::string_view name, Role role, std::string_view password, int64_t now,
                   const Actor& by);
  Result<std::vector<User>> list();  // by name
  Result<std::optional<User>> find(std::string_view name);
  // A new password for `name`; false when there is no such user. Every session of
  // the user ends but `keep_session` (a session token's hash: the person who changed
  // their own password stays signed in there).
  Result<bool> set_password(std::string_view name, std::string_view password, int64_t now,
                            const Actor& by,
                            const std::optional<std::string>& keep_session = std::nullopt);
  // false: no such user. kLastAdmin: the only admin left.
  Result<bool> remove(std::string_view name, int64_t now, const Actor& by);

 private:
  store::People& people_;
};

}  // namespace smsgate::auth

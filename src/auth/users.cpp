#include "auth/users.h"

#include <sodium.h>

#include "auth/sodium_util.h"

namespace smsgate::auth {

namespace {

// Code points of valid UTF-8 `text`; none when it is not valid UTF-8 or holds a
// control character (C0, DEL, C1).
std::optional<size_t> printable_length(std::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80           ? 1
                    : (byte >> 5) == 0x6  ? 2
                    : (byte >> 4) == 0xE  ? 3
                    : (byte >> 3) == 0x1E ? 4
                                          : 0;
    if (length == 0 || i + length > text.size()) return std::nullopt;
    uint32_t code = length == 1 ? byte : byte & (0x3F >> (length - 1));
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and beyond U+10FFFF are not UTF-8 (RFC 3629 3).
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)
      return std::nullopt;
    if (code < 0x20 || (code >= 0x7F && code < 0xA0)) return std::nullopt;
    i += length;
    ++count;
  }
  return count;
}

Error name_error(std::string message) {
  return Error{"name: " + std::move(message), ErrorCode::kInvalidName, "name"};
}

}  // namespace

Status check_user_name(std::string_view name) {
  if (name.empty()) return name_error("must not be empty");
  auto length = printable_length(name);
  if (!length) return name_error("must be printable text (UTF-8, no control characters)");
  if (*length > kMaxUserNameLength)
    return name_error("must be at most " + std::to_string(kMaxUserNameLength) + " characters");
  if (name.find('/') != std::string_view::npos)
    return name_error("must not contain \"/\" (it is part of the user's URL)");
  if (name.front() == ' ' || name.back() == ' ')
    return name_error("must not start or end with a space");
  return ok_status();
}

Status check_new_password(std::string_view password) {
  auto length = printable_length(password);
  if (password.size() > kMaxPasswordBytes)
    return Error{"password: must be at most " + std::to_string(kMaxPasswordBytes) + " bytes",
                 ErrorCode::kInvalidField, "password"};
  // Control characters are allowed in a password, but the length counts characters.
  size_t characters = length.value_or(password.size());
  if (characters < kMinPasswordLength)
    return Error{"password: must be at least " + std::to_string(kMinPasswordLength) + " characters",
                 ErrorCode::kInvalidField, "password"};
  return ok_status();
}

Result<std::string> hash_password(std::string_view password) {
  detail::ensure_sodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return make_error("password: out of memory while hashing");
  return std::string(hash);
}

bool password_matches(const std::string& hash, std::string_view password) {
  detail::ensure_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string password_version(const std::string& hash) { return detail::blake2b_hex(hash); }

std::optional<User> user_from_record(const store::UserRecord& record) {
  auto role = role_named(record.role);
  if (!role) return std::nullopt;
  return User{record.id, record.name, *role, record.created_at, record.password_changed_at};
}

Result<User> Users::add(std::string_view name, Role role, std::string_view password, int64_t now,
                        const Actor& by) {
  if (Status s = check_user_name(name); !s.ok()) return s.error();
  if (Status s = check_new_password(password); !s.ok()) return s.error();
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  std::string role_text(role_name(role));
  auto added = people_.add_user(
      std::string(name), role_text, *hash, now,
      audit_entry(by, action::kUserAdd, std::string(name), "role " + role_text, now));
  if (!added) return added.error();
  return User{added->id, added->name, role, added->created_at, added->password_changed_at};
}

Result<std::vector<User>> Users::list() {
  auto records = people_.list_users();
  if (!records) return records.error();
  std::vector<User> users;
  for (const store::UserRecord& record : *records)
    if (auto user = user_from_record(record)) users.push_back(std::move(*user));
  return users;
}

Result<std::optional<User>> Users::find(std::string_view name) {
  auto record = people_.find_user(std::string(name));
  if (!record) return record.error();
  if (!*record) return std::optional<User>();
  return user_from_record(**record);
}

Result<bool> Users::set_password(std::string_view name, std::string_view password, int64_t now,
                                 const Actor& by, const std::optional<std::string>& keep_session) {
  if (Status s = check_new_password(password); !s.ok()) return s.error();
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  return people_.set_user_password(
      std::string(name), *hash, now,
      audit_entry(by, action::kUserPassword, "",
                  keep_session ? "own password; other sessions ended" : "sessions ended", now),
      std::nullopt, keep_session, password_version(*hash));
}

Result<bool> Users::remove(std::string_view name, int64_t now, const Actor& by) {
  return people_.remove_user(std::string(name), audit_entry(by, action::kUserRemove, "", "", now));
}

}  // namespace smsgate::auth

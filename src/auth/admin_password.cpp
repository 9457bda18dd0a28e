#include "auth/admin_password.h"

#include <sodium.h>

#include "auth/sodium_util.h"

namespace smsgate::auth {

namespace {

constexpr const char* kSettingKey = "admin_password";
// 32 symbols (5 bits each): the lower-case letters and digits without l, 1, o and 0.
constexpr std::string_view kAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
constexpr int kGroups = 4;
constexpr int kGroupLength = 5;

}  // namespace

Result<std::string> reset_admin_password(store::Credentials& store) {
  detail::ensure_sodium();
  std::string password;
  for (int group = 0; group < kGroups; ++group) {
    if (group > 0) password += '-';
    for (int i = 0; i < kGroupLength; ++i)
      password += kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))];
  }
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return make_error("admin password: out of memory while hashing");
  if (auto s = store.put_setting(kSettingKey, hash); !s.ok()) return s.error();
  return password;
}

Result<bool> verify_admin_password(store::Credentials& store, std::string_view password) {
  auto version = verify_admin_password_version(store, password);
  if (!version) return version.error();
  return version->has_value();
}

Result<std::optional<std::string>> admin_password_version(store::Credentials& store) {
  detail::ensure_sodium();
  auto hash = store.get_setting(kSettingKey);
  if (!hash) return hash.error();
  if (!*hash) return std::optional<std::string>();
  return std::optional<std::string>(detail::blake2b_hex(**hash));
}

Result<std::optional<std::string>> verify_admin_password_version(store::Credentials& store,
                                                                 std::string_view password) {
  detail::ensure_sodium();
  auto hash = store.get_setting(kSettingKey);
  if (!hash) return hash.error();
  if (!*hash || crypto_pwhash_str_verify((*hash)->c_str(), password.data(), password.size()) != 0)
    return std::optional<std::string>();
  return std::optional<std::string>(detail::blake2b_hex(**hash));
}

Result<bool> admin_password_set(store::Credentials& store) {
  auto hash = store.get_setting(kSettingKey);
  if (!hash) return hash.error();
  return hash->has_value();
}

}  // namespace smsgate::auth

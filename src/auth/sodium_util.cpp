#include "auth/sodium_util.h"

#include <sodium.h>

#include <cstdlib>

namespace smsgate::auth::detail {

void ensure_sodium() {
  static const bool initialised = [] {
    if (sodium_init() < 0) std::abort();
    return true;
  }();
  (void)initialised;
}

std::string to_hex(const unsigned char* bytes, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, size);
  hex.pop_back();  // the terminator sodium_bin2hex writes
  return hex;
}

std::string blake2b_hex(std::string_view data, std::string_view key) {
  unsigned char hash[crypto_generichash_BYTES];  // 32: BLAKE2b-256
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return to_hex(hash, sizeof hash);
}

}  // namespace smsgate::auth::detail

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

std::string random_base64url(size_t bytes) {
  ensure_sodium();
  std::string random(bytes, '\0');
  randombytes_buf(random.data(), random.size());
  std::string encoded(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<const unsigned char*>(random.data()),
                    random.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  sodium_memzero(random.data(), random.size());
  return encoded;
}

std::string blake2b_hex(std::string_view data, std::string_view key) {
  unsigned char hash[crypto_generichash_BYTES];  // 32: BLAKE2b-256
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return to_hex(hash, sizeof hash);
}

}  // namespace smsgate::auth::detail

#include "webhook/events.h"

#include <sodium.h>

namespace smsgate::webhook {

std::string sign_body(std::string_view secret, std::string_view body) {
  // The init/update/final form takes a key of any length (HMAC hashes a long one first,
  // RFC 2104), as receivers' HMAC libraries do.
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string signature = "sha256=";
  for (unsigned char byte : mac) {
    signature.push_back(kHex[byte >> 4]);
    signature.push_back(kHex[byte & 0x0F]);
  }
  return signature;
}

std::string delivery_id(int64_t outbox_id) { return "evt_" + std::to_string(outbox_id); }

}  // namespace smsgate::webhook

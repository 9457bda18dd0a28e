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

std::optional<int64_t> parse_delivery_id(std::string_view text) {
  if (text.starts_with("evt_")) text.remove_prefix(4);
  if (text.empty() || text.size() > 18 || text.front() == '0') return std::nullopt;
  int64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

std::string url_for_log(std::string_view url) {
  // RFC 3986 section 3.2: the authority follows "//" and ends at the path, query or
  // fragment; user information is what comes before its last "@".
  size_t scheme = url.find("://");
  size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", authority);
  if (end == std::string_view::npos) end = url.size();
  size_t at = url.substr(authority, end - authority).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, authority)) + "***" + std::string(url.substr(authority + at));
}

}  // namespace smsgate::webhook

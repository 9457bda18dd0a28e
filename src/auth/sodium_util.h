// libsodium helpers shared by the auth files; not part of the module's interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace smsgate::auth::detail {

// sodium_init() once per process (idempotent and thread-safe; aborts the process when
// libsodium cannot start, as it then has no safe randomness to offer).
void ensure_sodium();

// Lower-case hex of `size` bytes.
std::string to_hex(const unsigned char* bytes, size_t size);

// `bytes` random bytes in base64url without padding (keys and session tokens).
std::string random_base64url(size_t bytes);

// BLAKE2b-256 of `data` (crypto_generichash), keyed when `key` is not empty, in hex.
std::string blake2b_hex(std::string_view data, std::string_view key = {});

}  // namespace smsgate::auth::detail

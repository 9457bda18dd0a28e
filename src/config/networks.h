// Networks in CIDR notation ("192.168.1.0/24", "fd00::/8", or one address alone), as
// [email] allow_networks lists them, and whether a client's address is in one. IPv4
// clients seen on an IPv6 socket (::ffff:192.168.1.20) match IPv4 networks.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::config {

struct Network {
  std::array<uint8_t, 16> address{};  // IPv4 in its first 4 bytes
  bool ipv4 = false;
  int prefix_bits = 0;
};

// Errors say what is wrong: "\"10.0.0.0/33\": a prefix of at most 32 bits".
Result<Network> parse_network(std::string_view text);

// Whether `address` (an IP literal, as accept() reports it) is in any of `networks`.
bool in_networks(std::string_view address, const std::vector<Network>& networks);

}  // namespace smsgate::config

#include "config/networks.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <string>

namespace smsgate::config {
namespace {

struct Address {
  std::array<uint8_t, 16> bytes{};
  bool ipv4 = false;
};

std::optional<Address> parse_address(std::string_view text) {
  std::string terminated(text);
  Address address;
  in_addr v4{};
  if (inet_pton(AF_INET, terminated.c_str(), &v4) == 1) {
    address.ipv4 = true;
    std::memcpy(address.bytes.data(), &v4, 4);
    return address;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, terminated.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(address.bytes.data(), &v6, 16);
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket.
  constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(address.bytes.data(), kMapped, 12) == 0) {
    address.ipv4 = true;
    std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
    std::memset(address.bytes.data() + 4, 0, 12);
  }
  return address;
}

bool prefix_matches(const Address& address, const Network& network) {
  if (address.ipv4 != network.ipv4) return false;
  int bits = network.prefix_bits;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address.bytes[i] & mask) != (network.address[i] & mask)) return false;
  }
  return true;
}

}  // namespace

Result<Network> parse_network(std::string_view text) {
  std::string quoted = "\"" + std::string(text) + "\"";
  size_t slash = text.find('/');
  auto address = parse_address(text.substr(0, slash));
  if (!address) return make_error(quoted + ": not an IPv4 or IPv6 address or network");
  Network network;
  network.address = address->bytes;
  network.ipv4 = address->ipv4;
  int max_bits = network.ipv4 ? 32 : 128;
  network.prefix_bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view bits = text.substr(slash + 1);
    int value = -1;
    auto [end, error] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (bits.empty() || error != std::errc() || end != bits.data() + bits.size() || value < 0 ||
        value > max_bits)
      return make_error(quoted + ": a prefix of at most " + std::to_string(max_bits) + " bits");
    network.prefix_bits = value;
  }
  return network;
}

bool in_networks(std::string_view address, const std::vector<Network>& networks) {
  auto parsed = parse_address(address);
  if (!parsed) return false;
  for (const Network& network : networks) {
    if (prefix_matches(*parsed, network)) return true;
  }
  return false;
}

}  // namespace smsgate::config

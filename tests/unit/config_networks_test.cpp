// [email] allow_networks: CIDR networks read or refused in words, and which client
// addresses they hold (IPv4, IPv6, IPv4 seen on a dual-stack socket).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/networks.h"

namespace smsgate::config {
namespace {

std::vector<Network> networks(std::initializer_list<std::string_view> texts) {
  std::vector<Network> out;
  for (std::string_view text : texts) {
    auto network = parse_network(text);
    REQUIRE_MESSAGE(network.ok(), text);
    out.push_back(*network);
  }
  return out;
}

TEST_CASE("networks: addresses inside and outside") {
  auto lan = networks({"192.168.1.0/24", "10.1.2.3", "fd00::/8", "::1/128"});
  CHECK(in_networks("192.168.1.20", lan));
  CHECK(in_networks("192.168.1.255", lan));
  CHECK_FALSE(in_networks("192.168.2.1", lan));
  CHECK(in_networks("10.1.2.3", lan));
  CHECK_FALSE(in_networks("10.1.2.4", lan));
  CHECK(in_networks("fd12:3456::1", lan));
  CHECK_FALSE(in_networks("fe80::1", lan));
  CHECK(in_networks("::1", lan));
  CHECK(in_networks("::ffff:192.168.1.7", lan));  // IPv4 on an IPv6 socket
  CHECK_FALSE(in_networks("not an address", lan));
  CHECK_FALSE(in_networks("192.168.1.20", {}));
  CHECK(in_networks("203.0.113.9", networks({"0.0.0.0/0"})));
  CHECK_FALSE(in_networks("::1", networks({"0.0.0.0/0"})));
  CHECK(in_networks("127.0.0.1", networks({"127.0.0.0/8"})));
  CHECK(in_networks("192.168.1.130", networks({"192.168.1.128/25"})));
  CHECK_FALSE(in_networks("192.168.1.127", networks({"192.168.1.128/25"})));
}

TEST_CASE("networks: what is refused") {
  CHECK(parse_network("10.0.0.0/33").error().message ==
        "\"10.0.0.0/33\": a prefix of at most 32 bits");
  CHECK(parse_network("::/129").error().message == "\"::/129\": a prefix of at most 128 bits");
  CHECK(parse_network("10.0.0.0/").error().message == "\"10.0.0.0/\": a prefix of at most 32 bits");
  CHECK(parse_network("10.0.0.0/8x").error().message ==
        "\"10.0.0.0/8x\": a prefix of at most 32 bits");
  CHECK(parse_network("lan").error().message == "\"lan\": not an IPv4 or IPv6 address or network");
  CHECK(parse_network("").error().message == "\"\": not an IPv4 or IPv6 address or network");
}

}  // namespace
}  // namespace smsgate::config

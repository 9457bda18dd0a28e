// The health route's warning about an API served in the clear beyond loopback
// (http/api.h plaintext_warning).
#include <doctest/doctest.h>

#include "http/api.h"

using smsgate::http::plaintext_warning;

TEST_CASE("health: plain HTTP on loopback is fine; beyond it, a warning that names the address") {
  CHECK_FALSE(plaintext_warning("127.0.0.1:8080", false));
  CHECK_FALSE(plaintext_warning("127.0.0.53:0", false));
  CHECK_FALSE(plaintext_warning("[::1]:8080", false));
  CHECK_FALSE(plaintext_warning("[::ffff:127.0.0.1]:8080", false));

  for (const char* listen : {"0.0.0.0:8080", "192.168.1.20:8080", "[::]:8080", "[fe80::1]:80"}) {
    CAPTURE(listen);
    auto warning = plaintext_warning(listen, false);
    REQUIRE(warning);
    CHECK(warning->find(std::string("listens on ") + listen + " without TLS") != std::string::npos);
    CHECK(warning->find("tls_certificate") != std::string::npos);
    // Over TLS the same address is fine.
    CHECK_FALSE(plaintext_warning(listen, true));
  }
}

// The address the watchdog and doctor ask the daemon's own API on.
#include "daemon/local_api.h"

#include <doctest/doctest.h>

namespace smsgate::daemon {

TEST_CASE("local api: wildcard listen addresses are asked on loopback, with the real port") {
  CHECK(local_base_url("0.0.0.0:8080", false) == "http://127.0.0.1:8080");
  CHECK(local_base_url("[::]:8080", true) == "https://[::1]:8080");
  CHECK(local_base_url("192.168.1.20:8443", true) == "https://192.168.1.20:8443");
  CHECK(local_base_url("127.0.0.1:0", false, 41234) == "http://127.0.0.1:41234");
}

TEST_CASE("local api: nothing listening is no answer, with the reason") {
  LocalAnswer answer = get_local("http://127.0.0.1:9/", std::chrono::milliseconds(2000));
  CHECK(answer.http_status == 0);
  CHECK_FALSE(answer.error.empty());
}

}  // namespace smsgate::daemon

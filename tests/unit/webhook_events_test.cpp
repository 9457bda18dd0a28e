// What a webhook request carries and how its URL is logged: credentials never reach a
// log line; delivery ids read back in both spellings.
#include <doctest/doctest.h>

#include "webhook/events.h"

namespace {

using smsgate::webhook::delivery_id;
using smsgate::webhook::parse_delivery_id;
using smsgate::webhook::url_for_log;

TEST_CASE("url_for_log drops the credentials in a URL and keeps the rest") {
  CHECK(url_for_log("https://user:pa55@portal.example/hooks/sms?x=1") ==
        "https://***@portal.example/hooks/sms?x=1");
  CHECK(url_for_log("http://token@10.0.0.5:8080/in") == "http://***@10.0.0.5:8080/in");
  // A password may hold '@' (unencoded, as people paste it): up to the last one.
  CHECK(url_for_log("https://a:b@c@host.example/") == "https://***@host.example/");
  CHECK(url_for_log("https://user:secret@host.example") == "https://***@host.example");
  CHECK(url_for_log("https://user:secret@[::1]:9000#frag") == "https://***@[::1]:9000#frag");
}

TEST_CASE("url_for_log keeps URLs without credentials as they are") {
  CHECK(url_for_log("https://portal.example/hooks/sms") == "https://portal.example/hooks/sms");
  // An '@' after the host is in the path or query, not credentials.
  CHECK(url_for_log("https://portal.example/to/a@b.example") ==
        "https://portal.example/to/a@b.example");
  CHECK(url_for_log("https://portal.example?mail=a@b") == "https://portal.example?mail=a@b");
  CHECK(url_for_log("http://127.0.0.1:9/hook") == "http://127.0.0.1:9/hook");
  CHECK(url_for_log("") == "");
}

TEST_CASE("parse_delivery_id reads evt_<n> and <n>, nothing else") {
  CHECK(parse_delivery_id("evt_12") == 12);
  CHECK(parse_delivery_id("12") == 12);
  CHECK(parse_delivery_id(delivery_id(987654321)) == 987654321);
  for (const char* bad : {"", "evt_", "0", "evt_0", "012", "-3", "12a", "evt-12", "EVT_12",
                          "1234567890123456789", " 12"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_delivery_id(bad).has_value());
  }
}

}  // namespace

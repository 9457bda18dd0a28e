// Wrong admin passwords per client address: five a minute, then a wait that doubles.
#include <doctest/doctest.h>

#include <string>

#include "auth/sign_in_limiter.h"

namespace smsgate::auth {

namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;

void fail_times(SignInLimiter& limiter, std::string_view client, int times, int64_t& now,
                int64_t step = kSecond) {
  for (int i = 0; i < times; ++i) {
    REQUIRE_FALSE(limiter.wait_before_attempt(client, now).has_value());
    limiter.record_failure(client, now);
    now += step;
  }
}

}  // namespace

TEST_CASE("sign-in limiter: five wrong passwords within a minute make the address wait a minute") {
  SignInLimiter limiter;
  int64_t now = 1'000'000;
  fail_times(limiter, "10.0.0.7", 4, now);
  CHECK_FALSE(limiter.wait_before_attempt("10.0.0.7", now).has_value());
  limiter.record_failure("10.0.0.7", now);  // the fifth
  const int64_t fifth = now;
  CHECK(limiter.wait_before_attempt("10.0.0.7", now) == kMinute);
  CHECK(limiter.wait_before_attempt("10.0.0.7", now + 20 * kSecond) == 40 * kSecond);
  CHECK_FALSE(limiter.wait_before_attempt("10.0.0.7", fifth + kMinute).has_value());
  // Another address is not affected.
  CHECK_FALSE(limiter.wait_before_attempt("10.0.0.8", now).has_value());
}

TEST_CASE("sign-in limiter: failures spread over more than a minute do not add up") {
  SignInLimiter limiter;
  int64_t now = 0;
  fail_times(limiter, "10.0.0.7", 20, now, 15 * kSecond);  // four a minute, never five
  CHECK_FALSE(limiter.wait_before_attempt("10.0.0.7", now).has_value());
}

TEST_CASE("sign-in limiter: each block that follows another lasts twice as long, up to the cap") {
  SignInLimiter limiter;
  int64_t now = 0;
  int64_t expected = kMinute;
  for (int block = 1; block <= 8; ++block) {
    CAPTURE(block);
    fail_times(limiter, "10.0.0.7", 4, now);
    limiter.record_failure("10.0.0.7", now);
    CHECK(limiter.wait_before_attempt("10.0.0.7", now) == expected);
    now += expected;  // waits it out, then fails again
    expected = std::min<int64_t>(expected * 2, 60 * kMinute);
  }
  // An hour without failing after the last block: the next one is a minute again.
  now += 60 * kMinute;
  fail_times(limiter, "10.0.0.7", 4, now);
  limiter.record_failure("10.0.0.7", now);
  CHECK(limiter.wait_before_attempt("10.0.0.7", now) == kMinute);
}

TEST_CASE("sign-in limiter: the right password forgives the address") {
  SignInLimiter limiter;
  int64_t now = 0;
  fail_times(limiter, "10.0.0.7", 4, now);
  limiter.record_success("10.0.0.7");
  fail_times(limiter, "10.0.0.7", 4, now);
  CHECK_FALSE(limiter.wait_before_attempt("10.0.0.7", now).has_value());
  limiter.record_failure("10.0.0.7", now);
  CHECK(limiter.wait_before_attempt("10.0.0.7", now).has_value());
}

TEST_CASE("sign-in limiter: a scanner from many addresses cannot grow the table") {
  SignInLimiter::Limits limits;
  limits.max_clients = 8;
  SignInLimiter limiter(limits);
  int64_t now = 0;
  fail_times(limiter, "10.0.0.7", 5, now, 0);  // blocked
  const int64_t blocked_at = now;
  for (int i = 0; i < 1000; ++i) {
    limiter.record_failure("192.0.2." + std::to_string(i % 250) + "/" + std::to_string(i), now);
    CHECK(limiter.remembered_clients() <= limits.max_clients);
    now += 10;
  }
  CHECK(limiter.remembered_clients() == limits.max_clients);
  // The addresses pushed out were the scanner's own, not the blocked one.
  CHECK(limiter.wait_before_attempt("10.0.0.7", now).has_value());
  // Nothing left to remember after the window and the forgiveness: all are dropped
  // to make room rather than the newest being refused a place.
  now = blocked_at + 3 * 3'600'000;
  limiter.record_failure("198.51.100.1", now);
  CHECK(limiter.remembered_clients() == 1);
}

}  // namespace smsgate::auth

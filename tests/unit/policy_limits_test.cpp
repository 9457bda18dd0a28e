// Rate limits (evenly spaced sends, local day), retry backoff with injected randomness,
// routing by prefix, TTL, and opt-out keywords; all driven by a manual clock.
#include <doctest/doctest.h>

#include <vector>

#include "common/clock.h"
#include "policy/keywords.h"
#include "policy/limits.h"
#include "policy/routes.h"
#include "policy_test_support.h"

namespace smsgate::policy {
namespace {

TimeZone berlin() { return *TimeZone::create("Europe/Berlin"); }

TEST_CASE("policy: rate per minute spaces sends evenly, never in a burst") {
  RateLimiter limiter({.per_minute = 10, .per_day = 0}, TimeZone::utc());
  CHECK(limiter.spacing_ms() == 6 * kSecond);
  ManualClock clock(utc(2026, 5, 4, 10, 0, 0));
  // A modem that sends whenever it may, polled every 100 ms for five minutes.
  std::vector<int64_t> sends;
  for (; clock.now() < utc(2026, 5, 4, 10, 5, 0); clock.advance(100)) {
    if (!limiter.may_send(clock.now())) continue;
    sends.push_back(clock.now());
    limiter.record(clock.now());
  }
  CHECK(sends.size() == 50);
  for (size_t i = 1; i < sends.size(); ++i) CHECK(sends[i] - sends[i - 1] == 6 * kSecond);
  // Never more than per_minute in any minute.
  for (size_t i = 10; i < sends.size(); ++i) CHECK(sends[i] - sends[i - 10] >= kMinute);
}

TEST_CASE("policy: the parts of a long message go together and the next message waits for all") {
  RateLimiter limiter({.per_minute = 3, .per_day = 0}, TimeZone::utc());
  const int64_t t = utc(2026, 5, 4, 10, 0, 30);
  REQUIRE(limiter.may_send(t));
  for (int part = 0; part < 3; ++part) limiter.record(t + part * 100);
  CHECK(limiter.next_allowed(t + 300) == t + kMinute);
  CHECK_FALSE(limiter.may_send(t + kMinute - 1));
  CHECK(limiter.may_send(t + kMinute));
  // An idle spell is not saved up for a burst later.
  limiter.record(t + 10 * kMinute);
  CHECK(limiter.next_allowed(t + 10 * kMinute) == t + 10 * kMinute + 20 * kSecond);
}

TEST_CASE("policy: sends replayed out of order count the same") {
  RateLimiter in_order({.per_minute = 2, .per_day = 5}, TimeZone::utc());
  RateLimiter shuffled({.per_minute = 2, .per_day = 5}, TimeZone::utc());
  const int64_t now = utc(2026, 5, 4, 10, 0);
  for (int64_t ago : {50, 40, 10}) in_order.record(now - ago * kSecond);
  for (int64_t ago : {10, 50, 40}) shuffled.record(now - ago * kSecond);
  // 09:59:10, then 30 s apart: 09:59:40, 10:00:10, and the next at 10:00:40.
  CHECK(in_order.next_allowed(now) == now + 40 * kSecond);
  CHECK(shuffled.next_allowed(now) == in_order.next_allowed(now));
  CHECK(shuffled.sent_on_day_of(now) == 3);
  shuffled.record(now - 2 * kHour);  // long paid for
  CHECK(shuffled.next_allowed(now) == now + 40 * kSecond);
}

TEST_CASE("policy: a clock set back does not stall a modem") {
  RateLimiter limiter({.per_minute = 1, .per_day = 0}, TimeZone::utc());
  const int64_t now = utc(2026, 5, 4, 10, 0);
  limiter.record(now);
  CHECK_FALSE(limiter.may_send(now + kSecond));
  CHECK(limiter.may_send(now + kMinute));
  CHECK(limiter.may_send(now - 2 * kHour));  // the send "in the future" is not counted
}

TEST_CASE("policy: the day's sends are counted without a daily limit too") {
  RateLimiter limiter({.per_minute = 0, .per_day = 0}, berlin());
  const int64_t evening = utc(2026, 1, 15, 22, 0);  // 23:00 in Berlin
  limiter.record(evening - kHour);
  limiter.record(evening);
  CHECK(limiter.sent_on_day_of(evening) == 2);
  CHECK(limiter.may_send(evening));
  // Midnight in Berlin begins the next day's count.
  CHECK(limiter.sent_on_day_of(utc(2026, 1, 15, 23, 0)) == 0);
  limiter.record(utc(2026, 1, 15, 23, 30));
  CHECK(limiter.sent_on_day_of(utc(2026, 1, 15, 23, 30)) == 1);
  CHECK(limiter.sent_on_day_of(evening) == 2);
}

TEST_CASE("policy: the daily limit starts afresh at local midnight") {
  RateLimiter limiter({.per_minute = 0, .per_day = 2}, berlin());
  const int64_t evening = utc(2026, 1, 15, 21, 0);  // 22:00 CET
  limiter.record(evening);
  CHECK(limiter.may_send(evening));
  limiter.record(evening + kMinute);
  CHECK(limiter.sent_on_day_of(evening) == 2);
  CHECK_FALSE(limiter.may_send(evening + 2 * kMinute));
  // Midnight in Berlin is 23:00 UTC, not 00:00 UTC.
  CHECK(limiter.next_allowed(evening + 2 * kMinute) == utc(2026, 1, 15, 23, 0));
  CHECK(limiter.may_send(utc(2026, 1, 15, 23, 0)));
  CHECK(limiter.sent_on_day_of(utc(2026, 1, 15, 23, 0)) == 0);
}

TEST_CASE("policy: the daily limit on the days the clocks change") {
  RateLimiter limiter({.per_minute = 0, .per_day = 1}, berlin());
  // Sunday 29 March begins at 23:00 UTC on Saturday (CET) and ends at 22:00 UTC (CEST).
  limiter.record(utc(2026, 3, 29, 10, 0));
  CHECK(limiter.next_allowed(utc(2026, 3, 29, 10, 0)) == utc(2026, 3, 29, 22, 0));
  // Sunday 25 October begins at 22:00 UTC on Saturday (CEST) and ends at 23:00 UTC (CET).
  limiter.record(utc(2026, 10, 24, 22, 0));
  CHECK(limiter.next_allowed(utc(2026, 10, 25, 12, 0)) == utc(2026, 10, 25, 23, 0));
  CHECK_FALSE(limiter.may_send(utc(2026, 10, 25, 22, 59)));
  CHECK(limiter.may_send(utc(2026, 10, 25, 23, 0)));
}

TEST_CASE("policy: both limits together, and none") {
  RateLimiter limiter({.per_minute = 1, .per_day = 2}, TimeZone::utc());
  const int64_t t = utc(2026, 5, 4, 23, 59, 30);
  limiter.record(t);
  CHECK(limiter.next_allowed(t) == t + kMinute);  // the minute, into the next day
  limiter.record(t - 5 * kMinute);
  CHECK(limiter.next_allowed(t) == t + kMinute);  // the day's two are used, but the day ends sooner

  RateLimiter unlimited({}, TimeZone::utc());
  for (int i = 0; i < 1000; ++i) unlimited.record(t);
  CHECK(unlimited.may_send(t));
}

TEST_CASE("policy: retry delays double up to the cap, less the jitter") {
  const RetryPolicy policy{
      .max_attempts = 5, .base_delay_ms = 30 * kSecond, .max_delay_ms = kHour, .jitter = 0.2};
  const Backoff exact(policy, [] { return 0.0; });
  CHECK(exact.retry_delay(1) == 30 * kSecond);
  CHECK(exact.retry_delay(2) == 60 * kSecond);
  CHECK(exact.retry_delay(3) == 120 * kSecond);
  CHECK(exact.retry_delay(7) == 1920 * kSecond);
  CHECK(exact.retry_delay(8) == kHour);  // 3840 s capped
  CHECK(exact.retry_delay(1000) == kHour);
  CHECK(exact.retry_delay(0) == 30 * kSecond);
  CHECK(exact.retry_delay(-3) == 30 * kSecond);

  const Backoff half(policy, [] { return 0.5; });
  CHECK(half.retry_delay(1) == 27 * kSecond);  // 10% off
  CHECK(half.retry_delay(20) == kHour - kHour / 10);

  const Backoff most(policy, [] { return 0.999999; });
  CHECK(most.retry_delay(1) > 24 * kSecond);
  const Backoff broken(policy, [] { return 7.0; });  // out of range: clamped
  CHECK(broken.retry_delay(1) == 24 * kSecond);

  const Backoff random(policy);
  for (int i = 0; i < 100; ++i) {
    const int64_t delay = random.retry_delay(2);
    CHECK(delay > 48 * kSecond);
    CHECK(delay <= 60 * kSecond);
  }
}

TEST_CASE("policy: attempts run out") {
  const Backoff backoff({.max_attempts = 3}, [] { return 0.0; });
  CHECK_FALSE(backoff.attempts_exhausted(0));
  CHECK_FALSE(backoff.attempts_exhausted(2));
  CHECK(backoff.attempts_exhausted(3));
  CHECK(backoff.attempts_exhausted(4));
  const Backoff huge({.base_delay_ms = 1, .max_delay_ms = INT64_MAX, .jitter = 0},
                     [] { return 0.0; });
  CHECK(huge.retry_delay(200) == INT64_MAX);
  const Backoff once({.max_attempts = 1}, [] { return 0.0; });
  CHECK(once.attempts_exhausted(1));
}

TEST_CASE("policy: the longest matching prefix picks the modem") {
  const Router router(
      {{"+49", "germany"}, {"+1", "usa"}, {"+4915", "vodafone"}, {"+491", "mobile"}});
  CHECK(router.modem_for("+4915112345678") == "vodafone");
  CHECK(router.modem_for("+491701234567") == "mobile");
  CHECK(router.modem_for("+49301234567") == "germany");
  CHECK(router.modem_for("+12015550123") == "usa");
  CHECK(router.modem_for("+33612345678") == std::nullopt);
  CHECK(Router({}).modem_for("+491701234567") == std::nullopt);
}

TEST_CASE("policy: TTL") {
  ManualClock clock(utc(2026, 5, 4, 12, 0));
  const int64_t expires_at = clock.now() + 10 * kMinute;
  CHECK_FALSE(expired(clock.now(), expires_at));
  clock.advance(10 * kMinute - 1);
  CHECK_FALSE(expired(clock.now(), expires_at));
  clock.advance(1);
  CHECK(expired(clock.now(), expires_at));
  CHECK_FALSE(expired(clock.now(), std::nullopt));
}

TEST_CASE("policy: opt-out and opt-in keywords") {
  Result<KeywordMatcher> created =
      KeywordMatcher::create({"STOP", "UNSUBSCRIBE", "CANCEL", "ARRÊT", "stop all"}, {"START"});
  REQUIRE(created.ok());
  const KeywordMatcher& matcher = *created;
  for (const char* text : {"STOP", "Stop", "stop", "STOP.", " stop ", "stop!!", "\"Stop\"",
                           "Stop 🙏", "¡STOP!", "\tstop\n", "ＳＴＯＰ", "unsubscribe", "Cancel.",
                           "arrêt", "ARRE\xcc\x82T" /* decomposed */, "Stop  all", "STOP ALL!"}) {
    CAPTURE(std::string(text));
    CHECK(matcher.classify_keyword(text) == KeywordKind::kOptOut);
  }
  CHECK(matcher.classify_keyword("Start") == KeywordKind::kOptIn);
  CHECK(matcher.classify_keyword(" START! ") == KeywordKind::kOptIn);
  for (const char* text : {"", "   ", "...", "please stop", "stop it", "STOPP", "sto p", "restart",
                           "Yes", "\xff\xfe"}) {
    CAPTURE(std::string(text));
    CHECK(matcher.classify_keyword(text) == KeywordKind::kNone);
  }
  CHECK(fold_keyword("  Stop  All!! ") == "stop all");
}

TEST_CASE("policy: keyword lists that cannot work are refused") {
  CHECK(KeywordMatcher::create({"STOP"}, {"stop"}).error().message ==
        "'stop' is both an opt-out and an opt-in keyword");
  CHECK(KeywordMatcher::create({"STOP", "!!"}, {}).error().message ==
        "keyword '!!' has no letters or digits");
  CHECK(KeywordMatcher::create({}, {}).ok());
}

}  // namespace
}  // namespace smsgate::policy

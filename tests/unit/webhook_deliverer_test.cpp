// The deliverer's decision after a failed try (Deliverer::after_failure): retried,
// set aside once it has held its subscription for set_aside_after, given up at
// max_age; and its backoff. Pure functions, times in milliseconds.
#include <doctest/doctest.h>

#include <chrono>

#include "store/types.h"
#include "webhook/deliverer.h"

namespace {

using namespace std::chrono_literals;
using smsgate::webhook::Deliverer;
using smsgate::webhook::DelivererOptions;
using Next = Deliverer::Next;

constexpr int64_t kT0 = 1'790'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;

DelivererOptions options() {
  DelivererOptions o;
  o.max_age = 72h;
  o.set_aside_after = 10min;
  return o;
}

// An event written at kT0 whose current round began at `held_since` (none: its first try).
smsgate::store::WebhookEvent event(std::optional<int64_t> held_since = std::nullopt,
                                   std::optional<int64_t> set_aside_at = std::nullopt) {
  smsgate::store::WebhookEvent e;
  e.id = 7;
  e.created_at = kT0;
  e.held_since = held_since;
  e.set_aside_at = set_aside_at;
  return e;
}

TEST_CASE("after_failure: a head is retried after the delay while its hold lasts") {
  auto after = Deliverer::after_failure(event(), kT0, kT0 + 100, 5'000, options());
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == kT0 + 5'100);
  after =
      Deliverer::after_failure(event(kT0), kT0 + 2 * kMinute, kT0 + 2 * kMinute, 20'000, options());
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == kT0 + 2 * kMinute + 20'000);
}

TEST_CASE("after_failure: a head's last try lands on the end of its hold") {
  auto after = Deliverer::after_failure(event(kT0), kT0 + 5 * kMinute, kT0 + 5 * kMinute,
                                        6 * kMinute, options());
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == kT0 + 10 * kMinute);
}

TEST_CASE("after_failure: a head failing set_aside_after since its round began is set aside") {
  auto after = Deliverer::after_failure(event(kT0), kT0 + 10 * kMinute, kT0 + 10 * kMinute + 30,
                                        10 * kMinute, options());
  CHECK(after.next == Next::kSetAside);
  CHECK(after.next_attempt_at == kT0 + 20 * kMinute + 30);
  // The hold counts from the round's first try, not from when the event was written:
  // an event that waited an hour behind another still gets its ten minutes.
  after = Deliverer::after_failure(event(kT0 + kHour), kT0 + kHour + 9 * kMinute,
                                   kT0 + kHour + 9 * kMinute, 5'000, options());
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == kT0 + kHour + 9 * kMinute + 5'000);
}

TEST_CASE("after_failure: a set-aside event keeps its backoff, up to max_age") {
  auto after = Deliverer::after_failure(event(kT0, kT0 + 10 * kMinute), kT0 + 5 * kHour,
                                        kT0 + 5 * kHour, 10 * kMinute, options());
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == kT0 + 5 * kHour + 10 * kMinute);
  // The last try lands on the deadline, and a failure there gives it up.
  after = Deliverer::after_failure(event(kT0, kT0 + 10 * kMinute), kT0 + 72 * kHour - kMinute,
                                   kT0 + 72 * kHour - kMinute, 10 * kMinute, options());
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == kT0 + 72 * kHour);
  after = Deliverer::after_failure(event(kT0, kT0 + 10 * kMinute), kT0 + 72 * kHour,
                                   kT0 + 72 * kHour, 10 * kMinute, options());
  CHECK(after.next == Next::kGiveUp);
}

TEST_CASE("after_failure: an event past max_age retried on request gets one round, then ends") {
  int64_t retried_at = kT0 + 100 * kHour;
  auto after = Deliverer::after_failure(event(), retried_at, retried_at + 10, 5'000, options());
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == retried_at + 5'010);
  after = Deliverer::after_failure(event(retried_at), retried_at + 8 * kMinute,
                                   retried_at + 8 * kMinute, 5 * kMinute, options());
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == retried_at + 10 * kMinute);
  // At the end of its round it is given up, not set aside: it is past max_age.
  after = Deliverer::after_failure(event(retried_at), retried_at + 10 * kMinute,
                                   retried_at + 10 * kMinute, 5 * kMinute, options());
  CHECK(after.next == Next::kGiveUp);
}

TEST_CASE("after_failure: with set_aside_after equal to max_age nothing is set aside") {
  DelivererOptions o = options();
  o.max_age = 1h;
  o.set_aside_after = 1h;
  auto after =
      Deliverer::after_failure(event(kT0), kT0 + 59 * kMinute, kT0 + 59 * kMinute, 10 * kMinute, o);
  CHECK(after.next == Next::kRetry);
  CHECK(after.next_attempt_at == kT0 + kHour);
  after = Deliverer::after_failure(event(kT0), kT0 + kHour, kT0 + kHour, 10 * kMinute, o);
  CHECK(after.next == Next::kGiveUp);
}

TEST_CASE("backoff doubles from the base up to the cap") {
  DelivererOptions o = options();
  CHECK(Deliverer::backoff(1, o) == 5s);
  CHECK(Deliverer::backoff(2, o) == 10s);
  CHECK(Deliverer::backoff(4, o) == 40s);
  CHECK(Deliverer::backoff(8, o) == 10min);
  CHECK(Deliverer::backoff(1000, o) == 10min);
}

}  // namespace

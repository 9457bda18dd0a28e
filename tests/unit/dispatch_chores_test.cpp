// The dispatcher's table of chores (src/dispatch/chores.h) with a manual clock: a
// chore runs when due and not before, is due again a period after it ran, several
// rows keep their own times, and a chore added later joins the table.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "dispatch/chores.h"

namespace smsgate::dispatch {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;

// Each run of a chore, as "name@minutes since kT0".
struct Runs {
  Chores::Task task(const std::string& name) {
    return [this, name](int64_t now) {
      log.push_back(name + "@" + std::to_string((now - kT0) / kMinute));
    };
  }
  std::vector<std::string> log;
};

TEST_CASE("dispatch chores: an empty table is never due") {
  Chores chores;
  CHECK_FALSE(chores.next_due().has_value());
  chores.run_due(kT0);  // nothing to run
}

TEST_CASE("dispatch chores: a chore runs when due, not before, and again a period later") {
  ManualClock clock(kT0);
  Runs runs;
  Chores chores;
  chores.add("partial", kMinute, runs.task("partial"));
  // Due at once: it runs at the first look, whenever that is.
  CHECK(chores.next_due() == Chores::kAtOnce);
  chores.run_due(clock.now());
  CHECK(runs.log == std::vector<std::string>{"partial@0"});
  CHECK(chores.next_due() == kT0 + kMinute);

  clock.advance(kMinute - 1);
  chores.run_due(clock.now());  // a millisecond early
  CHECK(runs.log.size() == 1);
  clock.advance(1);
  chores.run_due(clock.now());
  chores.run_due(clock.now());  // once per due time, however often asked
  CHECK(runs.log == std::vector<std::string>{"partial@0", "partial@1"});
  CHECK(chores.next_due() == kT0 + 2 * kMinute);

  // Late by half a period: due a period after it ran, not after it was due.
  clock.advance(kMinute + kMinute / 2);
  chores.run_due(clock.now());
  CHECK(chores.next_due() == clock.now() + kMinute);
  // Asleep for hours: it runs once, not once per missed period.
  clock.advance(5 * kHour);
  chores.run_due(clock.now());
  CHECK(runs.log.size() == 4);
  CHECK(runs.log.back() == "partial@302");
}

TEST_CASE("dispatch chores: several rows keep their own times; the earliest is next") {
  ManualClock clock(kT0);
  Runs runs;
  Chores chores;
  chores.add("partial", kMinute, runs.task("partial"));
  chores.add("otp", kHour, runs.task("otp"));
  chores.run_due(clock.now());
  CHECK(runs.log == std::vector<std::string>{"partial@0", "otp@0"});  // in the order added
  for (int minute = 1; minute <= 60; ++minute) {
    clock.set(kT0 + minute * kMinute);
    REQUIRE(chores.next_due() == clock.now());
    chores.run_due(clock.now());
  }
  CHECK(runs.log.size() == 2 + 60 + 1);
  CHECK(runs.log[runs.log.size() - 2] == "partial@60");
  CHECK(runs.log.back() == "otp@60");
  CHECK(chores.next_due() == kT0 + 61 * kMinute);
}

TEST_CASE("dispatch chores: a chore added later, due at once or at a time of its own") {
  ManualClock clock(kT0);
  Runs runs;
  Chores chores;
  chores.add("otp", kHour, runs.task("otp"));
  chores.run_due(clock.now());
  clock.advance(10 * kMinute);
  chores.add("retention", 24 * kHour, runs.task("retention"));
  CHECK(chores.next_due() == Chores::kAtOnce);
  chores.run_due(clock.now());
  CHECK(runs.log == std::vector<std::string>{"otp@0", "retention@10"});
  CHECK(chores.next_due() == kT0 + kHour);

  // First due later than its period would say: an alarm check at 02:00.
  chores.add("alarm", 24 * kHour, runs.task("alarm"), kT0 + 2 * kHour);
  clock.set(kT0 + kHour);
  chores.run_due(clock.now());
  CHECK(runs.log.back() == "otp@60");
  CHECK(chores.next_due() == kT0 + 2 * kHour);
  clock.set(kT0 + 2 * kHour);
  chores.run_due(clock.now());
  CHECK(runs.log.back() == "alarm@120");
  CHECK(runs.log.size() == 5);  // otp was due again at 02:00 too
  CHECK(runs.log[3] == "otp@120");
}

}  // namespace
}  // namespace smsgate::dispatch

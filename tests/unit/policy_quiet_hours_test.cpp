// Quiet hours and the time zones under them: windows that wrap midnight, categories
// that are and are not held, and the nights the clocks change in Europe/Berlin and
// America/New_York (2026: Berlin 29 March and 25 October, New York 8 March and
// 1 November), all with a manual clock.
#include <doctest/doctest.h>

#include <optional>

#include "common/clock.h"
#include "policy/category.h"
#include "policy/quiet_hours.h"
#include "policy_test_support.h"

namespace smsgate::policy {
namespace {

TimeZone zone(std::string_view name) {
  Result<TimeZone> created = TimeZone::create(name);
  REQUIRE_MESSAGE(created.ok(), created.error().message);
  return *created;
}

QuietHours quiet(std::string_view window, std::string_view zone_name) {
  Result<QuietWindow> parsed = parse_quiet_hours(window);
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
  return QuietHours(*parsed, zone(zone_name));
}

TEST_CASE("policy: quiet hours parse") {
  CHECK(*parse_quiet_hours("21:00-08:00") == QuietWindow{21 * 60, 8 * 60});
  CHECK(*parse_quiet_hours(" 9:30 - 17:05 ") == QuietWindow{9 * 60 + 30, 17 * 60 + 5});
  CHECK(*parse_quiet_hours("22:00-24:00") == QuietWindow{22 * 60, 24 * 60});
  CHECK(*parse_quiet_hours("00:00-06:00") == QuietWindow{0, 6 * 60});

  CHECK(parse_quiet_hours("25:00-08:00").error().message ==
        "'25:00' is not a time of day (expected a window such as \"21:00-08:00\")");
  CHECK(parse_quiet_hours("21:60-08:00").error().message ==
        "'21:60' is not a time of day (expected a window such as \"21:00-08:00\")");
  CHECK(parse_quiet_hours("24:00-08:00").error().message ==
        "'24:00' is not a time of day (expected a window such as \"21:00-08:00\")");
  CHECK(parse_quiet_hours("21:00").error().message ==
        "'21:00' is not a window such as \"21:00-08:00\"");
  CHECK(parse_quiet_hours("9pm-8am").error().message ==
        "'9pm' is not HH:MM (expected a window such as \"21:00-08:00\")");
  CHECK(parse_quiet_hours("21:0-08:00").error().message ==
        "'21:0' is not HH:MM (expected a window such as \"21:00-08:00\")");
  CHECK(parse_quiet_hours("+1:00-08:00").error().message ==
        "'+1:00' is not HH:MM (expected a window such as \"21:00-08:00\")");
  CHECK(parse_quiet_hours("21:00-21:00").error().message ==
        "'21:00-21:00' would hold messages all day or never");
  CHECK(parse_quiet_hours("00:00-24:00").error().message ==
        "'00:00-24:00' would hold messages all day or never");

  CHECK(format_quiet_hours({21 * 60, 8 * 60}) == "21:00-08:00");
  CHECK(format_quiet_hours({9 * 60 + 5, 17 * 60 + 30}) == "09:05-17:30");
}

TEST_CASE("policy: time zones come from the tz database") {
  const TimeZone berlin = zone("Europe/Berlin");
  CHECK(berlin.name() == "Europe/Berlin");
  CHECK(berlin.offset_ms(utc(2026, 1, 15, 12)) == 1 * kHour);
  CHECK(berlin.offset_ms(utc(2026, 7, 15, 12)) == 2 * kHour);
  // The change itself: 01:00 UTC on the last Sunday of March.
  CHECK(berlin.offset_ms(utc(2026, 3, 29, 0, 59)) == 1 * kHour);
  CHECK(berlin.offset_ms(utc(2026, 3, 29, 1, 0)) == 2 * kHour);

  const LocalTime local = berlin.local(utc(2026, 7, 15, 22, 30));  // 00:30 the next day
  CHECK(local.millis_of_day == 30 * kMinute);
  CHECK(berlin.to_utc(local.day, local.millis_of_day) == utc(2026, 7, 15, 22, 30));
  // 02:30 does not exist on 29 March; the first instant after the gap is 03:00 CEST.
  const int64_t spring_day = berlin.local(utc(2026, 3, 29, 12)).day;
  CHECK(berlin.to_utc(spring_day, 2 * kHour + 30 * kMinute) == utc(2026, 3, 29, 1, 0));
  // 02:30 happens twice on 25 October: first in summer time, then in winter time.
  const int64_t autumn_day = berlin.local(utc(2026, 10, 25, 12)).day;
  CHECK(berlin.to_utc(autumn_day, 2 * kHour + 30 * kMinute) == utc(2026, 10, 25, 0, 30));
  CHECK(berlin.to_utc(autumn_day, 2 * kHour + 30 * kMinute, /*later=*/true) ==
        utc(2026, 10, 25, 1, 30));

  CHECK(zone("America/New_York").offset_ms(utc(2026, 1, 15)) == -5 * kHour);
  CHECK(zone("UTC").offset_ms(utc(2026, 7, 1)) == 0);
  CHECK(TimeZone::utc().name() == "UTC");
  CHECK(TimeZone::create("").ok());  // the host's own zone, or UTC

  CHECK(TimeZone::create("Europe/Berln").error().message ==
        "'Europe/Berln' is not a time zone of the tz database");
  CHECK_FALSE(TimeZone::create("GMT+1").ok());  // no daylight-saving rules
  CHECK_FALSE(TimeZone::create("Mars/Olympus").ok());
  CHECK(is_valid_timezone("Asia/Ho_Chi_Minh"));
  CHECK_FALSE(is_valid_timezone("Etc/Unknown"));
  CHECK_FALSE(is_valid_timezone(""));
  CHECK(timezone_ids().size() > 300);
}

TEST_CASE("policy: quiet hours hold reminder, feedback and marketing until the window opens") {
  const QuietHours hours = quiet("21:00-08:00", "Europe/Berlin");
  const int64_t evening = utc(2026, 1, 15, 20, 30);  // 21:30 CET
  const int64_t morning = utc(2026, 1, 16, 7, 0);    // 08:00 CET
  for (Category category : {Category::kReminder, Category::kFeedback, Category::kMarketing}) {
    CAPTURE(category_name(category));
    CHECK(hours.held_until(evening, category) == morning);
  }
  for (Category category : {Category::kOtp, Category::kTransactional}) {
    CAPTURE(category_name(category));
    CHECK(hours.held_until(evening, category) == std::nullopt);
  }
  // After midnight the window ends the same morning.
  CHECK(hours.held_until(utc(2026, 1, 16, 2, 0), Category::kReminder) == morning);
  // The edges: 21:00 is in, 08:00 is out; midday is out.
  CHECK(hours.held_until(utc(2026, 1, 15, 20, 0), Category::kReminder) == morning);
  CHECK(hours.held_until(utc(2026, 1, 15, 19, 59, 59), Category::kReminder) == std::nullopt);
  CHECK(hours.held_until(morning, Category::kReminder) == std::nullopt);
  CHECK(hours.held_until(morning - 1, Category::kReminder) == morning);
  CHECK(hours.held_until(utc(2026, 1, 15, 11, 0), Category::kMarketing) == std::nullopt);
}

TEST_CASE("policy: quiet hours that do not cross midnight") {
  const QuietHours hours = quiet("12:00-14:00", "UTC");
  CHECK(hours.held_until(utc(2026, 5, 1, 11, 59), Category::kReminder) == std::nullopt);
  CHECK(hours.held_until(utc(2026, 5, 1, 12, 0), Category::kReminder) == utc(2026, 5, 1, 14, 0));
  CHECK(hours.held_until(utc(2026, 5, 1, 13, 59), Category::kReminder) == utc(2026, 5, 1, 14, 0));
  CHECK(hours.held_until(utc(2026, 5, 1, 14, 0), Category::kReminder) == std::nullopt);
  CHECK(hours.held_until(utc(2026, 5, 1, 23, 0), Category::kReminder) == std::nullopt);

  const QuietHours until_midnight = quiet("22:00-24:00", "UTC");
  CHECK(until_midnight.held_until(utc(2026, 5, 1, 23, 0), Category::kReminder) == utc(2026, 5, 2));
  CHECK(until_midnight.held_until(utc(2026, 5, 2, 0, 0), Category::kReminder) == std::nullopt);

  const QuietHours none(std::nullopt, TimeZone::utc());
  CHECK(none.held_until(utc(2026, 5, 1, 3, 0), Category::kMarketing) == std::nullopt);
}

TEST_CASE("policy: quiet hours across the DST changes in Europe/Berlin") {
  const QuietHours hours = quiet("21:00-08:00", "Europe/Berlin");
  // Spring forward in the night of 28-29 March: the night is an hour shorter, and
  // 08:00 on Sunday is summer time (06:00 UTC), not 07:00 UTC as on Saturday.
  CHECK(hours.held_until(utc(2026, 3, 28, 20, 0), Category::kReminder) == utc(2026, 3, 29, 6, 0));
  CHECK(hours.held_until(utc(2026, 3, 29, 0, 30), Category::kReminder) ==
        utc(2026, 3, 29, 6, 0));  // 01:30 CET
  CHECK(hours.held_until(utc(2026, 3, 29, 1, 30), Category::kReminder) ==
        utc(2026, 3, 29, 6, 0));  // 03:30 CEST
  CHECK(hours.held_until(utc(2026, 3, 29, 6, 0), Category::kReminder) == std::nullopt);
  CHECK(hours.held_until(utc(2026, 3, 29, 18, 59), Category::kReminder) ==
        std::nullopt);  // 20:59 CEST
  CHECK(hours.held_until(utc(2026, 3, 29, 19, 0), Category::kReminder) == utc(2026, 3, 30, 6, 0));

  // Fall back in the night of 24-25 October: 21:00 CEST is 19:00 UTC, 08:00 CET is 07:00 UTC.
  CHECK(hours.held_until(utc(2026, 10, 24, 18, 59), Category::kReminder) == std::nullopt);
  CHECK(hours.held_until(utc(2026, 10, 24, 19, 0), Category::kReminder) == utc(2026, 10, 25, 7, 0));
  CHECK(hours.held_until(utc(2026, 10, 25, 0, 30), Category::kReminder) ==
        utc(2026, 10, 25, 7, 0));  // 02:30 CEST
  CHECK(hours.held_until(utc(2026, 10, 25, 1, 30), Category::kReminder) ==
        utc(2026, 10, 25, 7, 0));  // 02:30 CET
  CHECK(hours.held_until(utc(2026, 10, 25, 7, 0), Category::kReminder) == std::nullopt);
  CHECK(hours.held_until(utc(2026, 10, 25, 20, 0), Category::kReminder) == utc(2026, 10, 26, 7, 0));
}

TEST_CASE("policy: quiet hours across the DST changes in America/New_York") {
  const QuietHours hours = quiet("21:00-08:00", "America/New_York");
  // 21:00 EST on 7 March is 02:00 UTC on the 8th; 08:00 EDT on the 8th is 12:00 UTC.
  CHECK(hours.held_until(utc(2026, 3, 8, 1, 59), Category::kFeedback) == std::nullopt);
  CHECK(hours.held_until(utc(2026, 3, 8, 2, 0), Category::kFeedback) == utc(2026, 3, 8, 12, 0));
  CHECK(hours.held_until(utc(2026, 3, 8, 11, 59), Category::kFeedback) == utc(2026, 3, 8, 12, 0));
  CHECK(hours.held_until(utc(2026, 3, 8, 12, 0), Category::kFeedback) == std::nullopt);
  // 21:00 EDT on 31 October is 01:00 UTC on 1 November; 08:00 EST is 13:00 UTC.
  CHECK(hours.held_until(utc(2026, 11, 1, 1, 0), Category::kFeedback) == utc(2026, 11, 1, 13, 0));
  CHECK(hours.held_until(utc(2026, 11, 1, 12, 30), Category::kFeedback) == utc(2026, 11, 1, 13, 0));
  CHECK(hours.held_until(utc(2026, 11, 1, 13, 0), Category::kFeedback) == std::nullopt);
}

TEST_CASE("policy: a window that ends in the hour the clocks skip or repeat") {
  // Ends at 02:30, which Berlin skips on 29 March: the window ends at 03:00 CEST.
  const QuietHours skipped = quiet("22:00-02:30", "Europe/Berlin");
  CHECK(skipped.held_until(utc(2026, 3, 28, 22, 0), Category::kMarketing) ==
        utc(2026, 3, 29, 1, 0));
  CHECK(skipped.held_until(utc(2026, 3, 29, 1, 0), Category::kMarketing) == std::nullopt);

  // Ends at 01:30, which New York sees twice on 1 November. Held in the first 01:15
  // (EDT) until the first 01:30; in the second 01:15 (EST) until the second 01:30.
  const QuietHours repeated = quiet("22:00-01:30", "America/New_York");
  CHECK(repeated.held_until(utc(2026, 11, 1, 5, 15), Category::kMarketing) ==
        utc(2026, 11, 1, 5, 30));
  CHECK(repeated.held_until(utc(2026, 11, 1, 6, 15), Category::kMarketing) ==
        utc(2026, 11, 1, 6, 30));
  CHECK(repeated.held_until(utc(2026, 11, 1, 6, 30), Category::kMarketing) == std::nullopt);
}

TEST_CASE("policy: quiet hours with a manual clock through one night") {
  const QuietHours hours = quiet("21:00-08:00", "Europe/Berlin");
  ManualClock clock(utc(2026, 3, 28, 19, 0));  // 20:00 CET, Saturday
  CHECK_FALSE(hours.in_window(clock.now()));
  clock.advance(1 * kHour);
  REQUIRE(hours.held_until(clock.now(), Category::kReminder).has_value());
  const int64_t release = *hours.held_until(clock.now(), Category::kReminder);
  CHECK(release - clock.now() == 10 * kHour);  // 21:00 to 08:00 with an hour skipped
  clock.set(release - 1);
  CHECK(hours.in_window(clock.now()));
  clock.advance(1);
  CHECK_FALSE(hours.in_window(clock.now()));
  CHECK(hours.held_until(clock.now(), Category::kMarketing) == std::nullopt);
}

TEST_CASE("policy: categories") {
  CHECK(parse_category("otp") == Category::kOtp);
  CHECK(parse_category("marketing") == Category::kMarketing);
  CHECK(parse_category("OTP") == std::nullopt);
  CHECK(parse_category("") == std::nullopt);
  CHECK(category_name(Category::kFeedback) == "feedback");
  CHECK(held_by_quiet_hours(Category::kReminder));
  CHECK_FALSE(held_by_quiet_hours(Category::kOtp));
  CHECK_FALSE(held_by_quiet_hours(Category::kTransactional));
}

}  // namespace
}  // namespace smsgate::policy

// Opening hours: the days written in the configuration, and "open now? when next?
// since when closed?" across midnight, over a closed Sunday, and over the nights the
// clocks change in Europe/Berlin (2026: 29 March forward, 25 October back), with a
// manual clock. 7 December 2026 is a Monday.
#include <doctest/doctest.h>

#include "policy/opening_hours.h"
#include "policy_test_support.h"

namespace smsgate::policy {
namespace {

std::vector<OpenInterval> day(std::string_view text) {
  auto parsed = parse_day_hours(text);
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
  return *parsed;
}

// Monday to Friday 08:00-17:00, Saturday 09:00-12:00, Sunday closed, in Berlin.
OpeningHours clinic() {
  WeeklyHours week;
  for (int weekday = 0; weekday < 5; ++weekday) week[weekday] = day("08:00-17:00");
  week[5] = day("09:00-12:00");
  auto zone = TimeZone::create("Europe/Berlin");
  REQUIRE(zone.ok());
  return OpeningHours(week, *zone);
}

TEST_CASE("policy: opening hours are written per day") {
  CHECK(day("08:00-17:00") == std::vector<OpenInterval>{{8 * 60, 17 * 60}});
  CHECK(day(" 08:00-12:00, 14:00-18:30 ") ==
        std::vector<OpenInterval>{{8 * 60, 12 * 60}, {14 * 60, 18 * 60 + 30}});
  CHECK(day("00:00-24:00") == std::vector<OpenInterval>{{0, 24 * 60}});
  CHECK(day("closed").empty());
  CHECK(day("Closed").empty());
  CHECK(day("").empty());
  CHECK(format_day_hours(day("8:00-12:00,14:00-18:30")) == "08:00-12:00, 14:00-18:30");
  CHECK(format_day_hours({}) == "closed");

  CHECK(parse_day_hours("8-17").error().message ==
        "\"8-17\" is not hours such as \"08:00-17:00\" (HH:MM, 24-hour clock)");
  CHECK(parse_day_hours("morning").error().message ==
        "\"morning\" is not hours such as \"08:00-17:00\" (or \"closed\")");
  CHECK(parse_day_hours("17:00-08:00").error().message ==
        "\"17:00-08:00\" ends before it starts; hours past midnight go on the next day "
        "(\"00:00-02:00\")");
  CHECK(parse_day_hours("08:00-12:00, 11:00-13:00").error().message ==
        "\"11:00-13:00\" starts before the hours before it end");
  CHECK(parse_day_hours("24:00-24:00").error().message ==
        "\"24:00-24:00\" is not hours such as \"08:00-17:00\" (HH:MM, 24-hour clock)");
}

TEST_CASE("policy: weekdays count from a Thursday") {
  CHECK(weekday_of(0) == 3);   // 1970-01-01
  CHECK(weekday_of(4) == 0);   // 1970-01-05, a Monday
  CHECK(weekday_of(-1) == 2);  // 1969-12-31, a Wednesday
  CHECK(weekday_of(utc(2026, 12, 7) / (24 * kHour)) == 0);
  CHECK(weekday_of(utc(2026, 12, 13) / (24 * kHour)) == 6);
}

TEST_CASE("policy: open on a weekday, closed in the evening until the next morning") {
  const OpeningHours hours = clinic();
  CHECK(hours.any());
  CHECK(hours.open_at(utc(2026, 12, 7, 9, 0)));  // Monday 10:00 in Berlin
  CHECK(hours.open_at(utc(2026, 12, 7, 7, 0)));  // 08:00: opening is open
  CHECK_FALSE(hours.open_at(utc(2026, 12, 7, 6, 59)));
  CHECK_FALSE(hours.open_at(utc(2026, 12, 7, 16, 0)));  // 17:00: closed
  // Monday night, 23:30 in Berlin: across midnight to Tuesday 08:00.
  const int64_t night = utc(2026, 12, 7, 22, 30);
  CHECK_FALSE(hours.open_at(night));
  CHECK(hours.next_opening(night) == utc(2026, 12, 8, 7, 0));
  CHECK(hours.last_closing(night) == utc(2026, 12, 7, 16, 0));
  // Just after midnight the closed period is the same one.
  CHECK(hours.last_closing(utc(2026, 12, 7, 23, 30)) == utc(2026, 12, 7, 16, 0));
  // While open, the next opening is tomorrow's.
  CHECK(hours.next_opening(utc(2026, 12, 7, 9, 0)) == utc(2026, 12, 8, 7, 0));
}

TEST_CASE("policy: a closed Sunday is skipped to Monday") {
  const OpeningHours hours = clinic();
  const int64_t saturday_afternoon = utc(2026, 12, 12, 13, 0);  // 14:00 in Berlin
  CHECK_FALSE(hours.open_at(saturday_afternoon));
  CHECK(hours.next_opening(saturday_afternoon) == utc(2026, 12, 14, 7, 0));
  CHECK(hours.last_closing(saturday_afternoon) == utc(2026, 12, 12, 11, 0));
  const int64_t sunday_noon = utc(2026, 12, 13, 11, 0);
  CHECK_FALSE(hours.open_at(sunday_noon));
  CHECK(hours.next_opening(sunday_noon) == utc(2026, 12, 14, 7, 0));
  CHECK(hours.last_closing(sunday_noon) == utc(2026, 12, 12, 11, 0));
}

TEST_CASE("policy: hours through the night are written on both days") {
  WeeklyHours week;
  week[1] = day("22:00-24:00");  // Tuesday
  week[2] = day("00:00-02:00");  // Wednesday
  const OpeningHours hours(week, TimeZone::utc());
  CHECK(hours.open_at(utc(2026, 12, 8, 23, 0)));
  CHECK(hours.open_at(utc(2026, 12, 9, 1, 0)));
  CHECK_FALSE(hours.open_at(utc(2026, 12, 9, 3, 0)));
  CHECK(hours.last_closing(utc(2026, 12, 9, 3, 0)) == utc(2026, 12, 9, 2, 0));
  // Closed until next Tuesday evening.
  CHECK(hours.next_opening(utc(2026, 12, 9, 3, 0)) == utc(2026, 12, 15, 22, 0));
}

TEST_CASE("policy: opening hours keep their wall-clock time over a change of the clocks") {
  const OpeningHours hours = clinic();
  // Saturday 28 March, 14:00 CET; Monday 30 March opens at 08:00 CEST = 06:00 UTC.
  const int64_t before_spring = utc(2026, 3, 28, 13, 0);
  CHECK(hours.next_opening(before_spring) == utc(2026, 3, 30, 6, 0));
  CHECK(hours.open_at(utc(2026, 3, 30, 6, 0)));
  CHECK_FALSE(hours.open_at(utc(2026, 3, 30, 5, 59)));
  // Friday 23 October closes at 17:00 CEST = 15:00 UTC; Monday 26 opens at 08:00 CET
  // = 07:00 UTC.
  const int64_t weekend = utc(2026, 10, 24, 20, 0);
  CHECK(hours.last_closing(utc(2026, 10, 23, 20, 0)) == utc(2026, 10, 23, 15, 0));
  CHECK(hours.next_opening(weekend) == utc(2026, 10, 26, 7, 0));
  // An opening in the hour the clocks skip is the first instant after it: 03:00 CEST.
  WeeklyHours sunday;
  sunday[6] = day("02:30-04:00");
  auto berlin = TimeZone::create("Europe/Berlin");
  REQUIRE(berlin.ok());
  const OpeningHours early(sunday, *berlin);
  CHECK(early.next_opening(utc(2026, 3, 28, 12, 0)) == utc(2026, 3, 29, 1, 0));
}

TEST_CASE("policy: a week without hours is never open and has no opening") {
  const OpeningHours never(WeeklyHours{}, TimeZone::utc());
  CHECK_FALSE(never.any());
  CHECK_FALSE(never.open_at(utc(2026, 12, 7, 10, 0)));
  CHECK_FALSE(never.next_opening(utc(2026, 12, 7, 10, 0)).has_value());
  CHECK_FALSE(never.last_closing(utc(2026, 12, 7, 10, 0)).has_value());
}

}  // namespace
}  // namespace smsgate::policy

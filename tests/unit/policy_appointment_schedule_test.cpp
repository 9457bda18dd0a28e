// Reminder offsets and reminder times: offsets read and refused in words, quiet hours
// pulling a reminder to the minute before them (across midnight, on the nights the
// clocks change in Europe/Berlin: 29 March and 25 October 2026, and for an appointment
// itself inside them), and reminders whose time has passed skipped.
#include <doctest/doctest.h>

#include "policy/appointment_schedule.h"
#include "policy_test_support.h"

namespace smsgate::policy {
namespace {

TimeZone zone(std::string_view name) {
  Result<TimeZone> created = TimeZone::create(name);
  REQUIRE_MESSAGE(created.ok(), created.error().message);
  return *created;
}

const std::optional<QuietWindow> kNights = QuietWindow{21 * 60, 8 * 60};

TEST_CASE("policy: reminder offsets are read before the appointment") {
  CHECK(*parse_reminder_offset("-24h") == -24 * kHour);
  CHECK(*parse_reminder_offset("-90m") == -90 * kMinute);
  CHECK(*parse_reminder_offset("-2d") == -48 * kHour);
  CHECK(*parse_reminder_offset("-1d12h30m") == -(36 * kHour + 30 * kMinute));
  CHECK(format_reminder_offset(-24 * kHour) == "-24h");
  CHECK(format_reminder_offset(-48 * kHour) == "-2d");
  CHECK(format_reminder_offset(-90 * kMinute) == "-90m");
  CHECK(format_reminder_offset(-3 * kHour) == "-3h");
}

TEST_CASE("policy: reminder offsets that are not before the appointment are refused") {
  CHECK(parse_reminder_offset("24h").error().message ==
        "\"24h\" is not before the appointment; write it with a minus, as \"-24h\"");
  CHECK(parse_reminder_offset("+1h").error().message ==
        "\"+1h\" is not before the appointment; write it with a minus, as \"-24h\"");
  CHECK(parse_reminder_offset("-0h").error().message == "\"-0h\" is not before the appointment");
  CHECK(parse_reminder_offset("-1w").error().message ==
        "\"-1w\": 'w' is not a unit; use d (days), h (hours) or m (minutes)");
  CHECK(parse_reminder_offset("-h").error().message ==
        "\"-h\" is not an offset such as \"-24h\", \"-90m\" or \"-2d\" (a number, then d, h or m)");
  CHECK(parse_reminder_offset("-24 h").error().message.starts_with("\"-24 h\" is not an offset"));
  CHECK(parse_reminder_offset("-24").error().message.starts_with("\"-24\" is not an offset"));
  CHECK(parse_reminder_offset("-1h2d").error().message ==
        "\"-1h2d\": units go once each, days, then hours, then minutes");
  CHECK(parse_reminder_offset("").error().message ==
        "is empty; expected an offset such as \"-24h\"");
  CHECK(parse_reminder_offset("soon").error().message ==
        "\"soon\" is not an offset such as \"-24h\", \"-90m\" or \"-2d\"");
  CHECK(parse_reminder_offset("-400d").error().message ==
        "\"-400d\" is more than 366 days before the appointment");
}

TEST_CASE("policy: a reminder outside quiet hours goes at its time") {
  const TimeZone gmt = TimeZone::utc();
  const int64_t at = utc(2026, 12, 8, 10, 0);
  PlannedReminder plan = plan_reminder(at, -24 * kHour, utc(2026, 12, 1), kNights, gmt);
  CHECK(plan.send_at == utc(2026, 12, 7, 10, 0));
  CHECK_FALSE(plan.pulled_earlier);
  CHECK(plan.skipped.empty());
  CHECK(plan_reminder(at, -2 * kHour, utc(2026, 12, 1), kNights, gmt).send_at ==
        utc(2026, 12, 8, 8, 0));
}

TEST_CASE("policy: quiet hours pull a reminder to the minute before them, across midnight") {
  const TimeZone gmt = TimeZone::utc();
  const QuietHours quiet(kNights, gmt);
  // 22:00 and 02:00 both fall in the window that began at 21:00 on the 7th.
  for (int64_t due : {utc(2026, 12, 7, 22, 0), utc(2026, 12, 8, 2, 0), utc(2026, 12, 8, 7, 59)}) {
    CAPTURE(due);
    PlannedReminder plan = plan_reminder(due + kHour, -kHour, utc(2026, 12, 1), kNights, gmt);
    CHECK(plan.send_at == utc(2026, 12, 7, 20, 59));
    CHECK(plan.pulled_earlier);
    // The dispatcher does not hold it again: that minute is outside the window.
    CHECK_FALSE(quiet.in_window(*plan.send_at));
    CHECK_FALSE(quiet.held_until(*plan.send_at, Category::kReminder).has_value());
  }
  // A window that does not wrap midnight.
  const std::optional<QuietWindow> lunch = QuietWindow{12 * 60, 13 * 60 + 30};
  CHECK(plan_reminder(utc(2026, 12, 8, 14, 0), -90 * kMinute, 0, lunch, gmt).send_at ==
        utc(2026, 12, 8, 11, 59));
  // 08:00 is the window's end: allowed.
  CHECK(plan_reminder(utc(2026, 12, 8, 9, 0), -kHour, 0, kNights, gmt).send_at ==
        utc(2026, 12, 8, 8, 0));
  // No quiet hours: nothing moves.
  CHECK(plan_reminder(utc(2026, 12, 8, 3, 0), -kHour, 0, std::nullopt, gmt).send_at ==
        utc(2026, 12, 8, 2, 0));
}

TEST_CASE("policy: an appointment inside quiet hours has its reminders before them") {
  const TimeZone gmt = TimeZone::utc();
  // At 07:30: its -1h reminder (06:30) goes the evening before, never after 07:30.
  const int64_t at = utc(2026, 12, 8, 7, 30);
  PlannedReminder plan = plan_reminder(at, -kHour, utc(2026, 12, 1), kNights, gmt);
  CHECK(plan.send_at == utc(2026, 12, 7, 20, 59));
  CHECK(*plan.send_at < at);
}

TEST_CASE("policy: quiet hours in local time across the changes of the clocks") {
  const TimeZone berlin = zone("Europe/Berlin");
  // 29 March 2026: 02:00 CET becomes 03:00 CEST. A reminder due 06:00 CEST goes at
  // 20:59 CET on the 28th (19:59 UTC).
  PlannedReminder spring =
      plan_reminder(utc(2026, 3, 29, 4, 0) + kHour, -kHour, utc(2026, 3, 1), kNights, berlin);
  CHECK(spring.send_at == utc(2026, 3, 28, 19, 59));
  // 25 October 2026: 03:00 CEST becomes 02:00 CET. 05:00 UTC is 06:00 CET; the
  // window began at 21:00 CEST on the 24th, 19:00 UTC.
  PlannedReminder autumn =
      plan_reminder(utc(2026, 10, 25, 5, 0) + kHour, -kHour, utc(2026, 10, 1), kNights, berlin);
  CHECK(autumn.send_at == utc(2026, 10, 24, 18, 59));
  // A window that starts at a time the clocks skip starts at 03:00 CEST (01:00 UTC).
  const std::optional<QuietWindow> small_hours = QuietWindow{2 * 60 + 30, 6 * 60};
  PlannedReminder skipped_start =
      plan_reminder(utc(2026, 3, 29, 3, 0), -kHour, utc(2026, 3, 1), small_hours, berlin);
  CHECK(skipped_start.send_at == utc(2026, 3, 29, 0, 59));
  CHECK_FALSE(QuietHours(small_hours, berlin).in_window(*skipped_start.send_at));
}

TEST_CASE("policy: a reminder whose time has passed is skipped, and says why") {
  const TimeZone gmt = TimeZone::utc();
  PlannedReminder passed =
      plan_reminder(utc(2026, 12, 8, 10, 0), -24 * kHour, utc(2026, 12, 7, 11, 0), kNights, gmt);
  CHECK_FALSE(passed.send_at.has_value());
  CHECK(passed.skipped == "its time has passed");
  // Due at 22:00, pulled to 20:59, but it is 21:30 already.
  PlannedReminder too_late = plan_reminder(utc(2026, 12, 8, 7, 30), -kHour * 9 - 30 * kMinute,
                                           utc(2026, 12, 7, 21, 30), kNights, gmt);
  CHECK_FALSE(too_late.send_at.has_value());
  CHECK(too_late.pulled_earlier);
  CHECK(too_late.skipped ==
        "its time falls in quiet hours and the last minute before them has passed");
}

}  // namespace
}  // namespace smsgate::policy

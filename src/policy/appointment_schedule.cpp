#include "policy/appointment_schedule.h"

#include <charconv>

namespace smsgate::policy {
namespace {

constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;

int64_t unit_millis(char unit) {
  switch (unit) {
    case 'd':
      return kMillisPerDay;
    case 'h':
      return kMillisPerHour;
    case 'm':
      return kMillisPerMinute;
  }
  return 0;
}

}  // namespace

Result<int64_t> parse_reminder_offset(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) return make_error("is empty; expected an offset such as \"-24h\"");
  if (text.front() == '+' || (text.front() >= '0' && text.front() <= '9'))
    return make_error(quoted +
                      " is not before the appointment; write it with a minus, as \"-24h\"");
  if (text.front() != '-')
    return make_error(quoted + " is not an offset such as \"-24h\", \"-90m\" or \"-2d\"");
  std::string_view rest = text.substr(1);
  if (rest.empty())
    return make_error(quoted + " has no amount; expected an offset such as \"-24h\"");
  int64_t total = 0;
  char previous_unit = 0;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0 || digits > 6 || digits == rest.size())
      return make_error(quoted +
                        " is not an offset such as \"-24h\", \"-90m\" or \"-2d\" (a number, "
                        "then d, h or m)");
    int64_t amount = 0;
    std::from_chars(rest.data(), rest.data() + digits, amount);
    const char unit = rest[digits];
    const int64_t millis = unit_millis(unit);
    const bool letter = (unit >= 'a' && unit <= 'z') || (unit >= 'A' && unit <= 'Z');
    if (millis == 0 && letter)
      return make_error(quoted + ": '" + std::string(1, unit) +
                        "' is not a unit; use d (days), h (hours) or m (minutes)");
    if (millis == 0)
      return make_error(quoted +
                        " is not an offset such as \"-24h\", \"-90m\" or \"-2d\" (a number, "
                        "then d, h or m)");
    if (previous_unit != 0 && unit_millis(previous_unit) <= millis)
      return make_error(quoted + ": units go once each, days, then hours, then minutes");
    previous_unit = unit;
    total += amount * millis;
    rest.remove_prefix(digits + 1);
  }
  if (total == 0) return make_error(quoted + " is not before the appointment");
  if (total > kMaxReminderOffsetDays * kMillisPerDay)
    return make_error(quoted + " is more than " + std::to_string(kMaxReminderOffsetDays) +
                      " days before the appointment");
  return -total;
}

std::string format_reminder_offset(int64_t offset_ms) {
  const int64_t before = -offset_ms;
  // "-24h" reads better than "-1d"; "-2d" better than "-48h".
  if (before % kMillisPerDay == 0 && before > kMillisPerDay)
    return "-" + std::to_string(before / kMillisPerDay) + "d";
  if (before % kMillisPerHour == 0) return "-" + std::to_string(before / kMillisPerHour) + "h";
  return "-" + std::to_string(before / kMillisPerMinute) + "m";
}

std::optional<int64_t> last_minute_before_quiet(int64_t instant,
                                                const std::optional<QuietWindow>& window,
                                                const TimeZone& zone) {
  if (!window) return std::nullopt;
  if (!QuietHours(window, zone).in_window(instant)) return std::nullopt;
  const LocalTime local = zone.local(instant);
  const int64_t start = window->start_minute * kMillisPerMinute;
  // In a window that wraps midnight, the small hours belong to yesterday evening's.
  const bool began_yesterday =
      window->start_minute > window->end_minute && local.millis_of_day < start;
  const int64_t start_day = began_yesterday ? local.day - 1 : local.day;
  // A start the clocks skip begins the window at the first instant after the gap; one
  // they repeat, at its first occurrence (TimeZone::to_utc).
  const int64_t window_start = zone.to_utc(start_day, start);
  // The minute before the window starts, whole: seconds carried in `instant` go.
  int64_t last = window_start - kMillisPerMinute;
  last -= ((last % kMillisPerMinute) + kMillisPerMinute) % kMillisPerMinute;
  return last;
}

PlannedReminder plan_reminder(int64_t appointment_at, int64_t offset_ms, int64_t now,
                              const std::optional<QuietWindow>& window, const TimeZone& zone) {
  PlannedReminder plan;
  plan.due_at = appointment_at + offset_ms;
  int64_t send_at = plan.due_at;
  if (auto earlier = last_minute_before_quiet(plan.due_at, window, zone)) {
    send_at = *earlier;
    plan.pulled_earlier = true;
  }
  if (send_at <= now) {
    plan.skipped = plan.pulled_earlier
                       ? "its time falls in quiet hours and the last minute before them has passed"
                       : "its time has passed";
    return plan;
  }
  plan.send_at = send_at;
  return plan;
}

}  // namespace smsgate::policy

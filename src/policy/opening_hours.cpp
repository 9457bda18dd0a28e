#include "policy/opening_hours.h"

#include <algorithm>
#include <charconv>

#include "common/strings.h"
#include "policy/quiet_hours.h"

namespace smsgate::policy {
namespace {

constexpr int kMinutesPerDay = 24 * 60;

}  // namespace

Result<std::vector<OpenInterval>> parse_day_hours(std::string_view text) {
  std::vector<OpenInterval> intervals;
  const std::string_view spec = trim(text);
  if (spec.empty() || to_lower(std::string(spec)) == "closed") return intervals;
  for (const std::string& piece : split_nonempty(spec, ',')) {
    const std::string_view interval = trim(piece);
    const size_t dash = interval.find('-');
    const std::string quoted = "\"" + std::string(interval) + "\"";
    if (dash == std::string_view::npos)
      return make_error(quoted + " is not hours such as \"08:00-17:00\" (or \"closed\")");
    std::string why;  // the hours' own message says more
    auto start = parse_clock(trim(interval.substr(0, dash)), false, why);
    auto end = parse_clock(trim(interval.substr(dash + 1)), true, why);
    if (!start || !end)
      return make_error(quoted + " is not hours such as \"08:00-17:00\" (HH:MM, 24-hour clock)");
    if (*start >= *end)
      return make_error(quoted +
                        " ends before it starts; hours past midnight go on the next day "
                        "(\"00:00-02:00\")");
    if (!intervals.empty() && *start < intervals.back().end_minute)
      return make_error(quoted + " starts before the hours before it end");
    intervals.push_back({*start, *end});
  }
  return intervals;
}

std::string format_day_hours(const std::vector<OpenInterval>& intervals) {
  if (intervals.empty()) return "closed";
  std::string out;
  for (const OpenInterval& interval : intervals) {
    if (!out.empty()) out += ", ";
    out += format_clock(interval.start_minute) + "-" + format_clock(interval.end_minute);
  }
  return out;
}

int weekday_of(int64_t local_day) {
  // 1970-01-01 was a Thursday (3, Monday being 0).
  return static_cast<int>(((local_day + 3) % 7 + 7) % 7);
}

bool OpeningHours::any() const {
  return std::any_of(hours_.begin(), hours_.end(),
                     [](const std::vector<OpenInterval>& day) { return !day.empty(); });
}

bool OpeningHours::open_at(int64_t utc_ms) const {
  const LocalTime now = zone_.local(utc_ms);
  for (const OpenInterval& interval : hours_[weekday_of(now.day)]) {
    if (now.millis_of_day >= interval.start_minute * kMillisPerMinute &&
        now.millis_of_day < interval.end_minute * kMillisPerMinute)
      return true;
  }
  return false;
}

std::optional<int64_t> OpeningHours::next_opening(int64_t utc_ms) const {
  const LocalTime now = zone_.local(utc_ms);
  // Eight days: today's later hours, the week ahead, and today's weekday again.
  for (int64_t day = now.day; day <= now.day + 7; ++day) {
    for (const OpenInterval& interval : hours_[weekday_of(day)]) {
      const int64_t opening = zone_.to_utc(day, interval.start_minute * kMillisPerMinute);
      if (opening > utc_ms) return opening;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> OpeningHours::last_closing(int64_t utc_ms) const {
  const LocalTime now = zone_.local(utc_ms);
  for (int64_t day = now.day; day >= now.day - 7; --day) {
    const auto& intervals = hours_[weekday_of(day)];
    for (auto interval = intervals.rbegin(); interval != intervals.rend(); ++interval) {
      // 24:00 is the next day's midnight.
      const int64_t closing = interval->end_minute == kMinutesPerDay
                                  ? zone_.to_utc(day + 1, 0)
                                  : zone_.to_utc(day, interval->end_minute * kMillisPerMinute);
      if (closing <= utc_ms) return closing;
    }
  }
  return std::nullopt;
}

}  // namespace smsgate::policy

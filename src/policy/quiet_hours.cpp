#include "policy/quiet_hours.h"

#include <algorithm>
#include <charconv>

#include "common/strings.h"

namespace smsgate::policy {
std::optional<int> parse_clock(std::string_view text, bool allow_24, std::string& why) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3) {
    why = "'" + std::string(text) + "' is not HH:MM";
    return std::nullopt;
  }
  int hour = 0;
  int minute = 0;
  auto digits = [](std::string_view part, int& out) {
    if (!std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    return std::from_chars(part.data(), part.data() + part.size(), out).ec == std::errc{};
  };
  if (!digits(text.substr(0, colon), hour) || !digits(text.substr(colon + 1), minute)) {
    why = "'" + std::string(text) + "' is not HH:MM";
    return std::nullopt;
  }
  if (minute > 59 || hour > 24 || (hour == 24 && (!allow_24 || minute != 0))) {
    why = "'" + std::string(text) + "' is not a time of day";
    return std::nullopt;
  }
  return hour * 60 + minute;
}

Result<QuietWindow> parse_quiet_hours(std::string_view text) {
  const std::string_view spec = trim(text);
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) {
    return make_error("'" + std::string(text) + "' is not a window such as \"21:00-08:00\"");
  }
  std::string why;
  const std::optional<int> start = parse_clock(trim(spec.substr(0, dash)), false, why);
  if (!start) return make_error(why + " (expected a window such as \"21:00-08:00\")");
  const std::optional<int> end = parse_clock(trim(spec.substr(dash + 1)), true, why);
  if (!end) return make_error(why + " (expected a window such as \"21:00-08:00\")");
  if (*start == *end || (*start == 0 && *end == 24 * 60)) {
    return make_error("'" + std::string(text) + "' would hold messages all day or never");
  }
  return QuietWindow{*start, *end};
}

std::string format_clock(int minutes) {
  std::string out = std::to_string(minutes / 60) + ":" + std::to_string(minutes % 60);
  if (minutes / 60 < 10) out.insert(0, "0");
  if (minutes % 60 < 10) out.insert(out.size() - 1, "0");
  return out;
}

std::string format_quiet_hours(const QuietWindow& window) {
  return format_clock(window.start_minute) + "-" + format_clock(window.end_minute);
}

std::optional<int64_t> QuietHours::window_end(int64_t now_ms) const {
  if (!window_) return std::nullopt;
  const LocalTime now = zone_.local(now_ms);
  const int64_t start = window_->start_minute * kMillisPerMinute;
  const int64_t end = window_->end_minute * kMillisPerMinute;
  int64_t end_day = now.day;
  if (start < end) {
    if (now.millis_of_day < start || now.millis_of_day >= end) return std::nullopt;
  } else if (now.millis_of_day >= start) {
    end_day = now.day + 1;  // wraps midnight: ends tomorrow morning
  } else if (now.millis_of_day >= end) {
    return std::nullopt;
  }
  // When the clocks go back, the end's wall time can occur twice; if the first has
  // passed already (we are in the repeated hour), the second is the one ahead.
  int64_t until = zone_.to_utc(end_day, end);
  if (until <= now_ms) until = zone_.to_utc(end_day, end, /*later=*/true);
  if (until <= now_ms) return std::nullopt;
  return until;
}

std::optional<int64_t> QuietHours::held_until(int64_t now_ms, Category category) const {
  if (!held_by_quiet_hours(category)) return std::nullopt;
  return window_end(now_ms);
}
}  // namespace smsgate::policy

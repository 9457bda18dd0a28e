// Quiet hours: reminder, feedback and marketing messages wait while the local quiet
// window lasts (DESIGN.md "Guarantees"). Pure; the time is the caller's.
//
// Thread safety: QuietHours is immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/category.h"
#include "policy/time_zone.h"

namespace smsgate::policy {

// A daily local window, minutes since midnight; it wraps midnight when start > end.
struct QuietWindow {
  int start_minute = 21 * 60;
  int end_minute = 8 * 60;
  friend bool operator==(const QuietWindow&, const QuietWindow&) = default;
};
// "HH:MM" (or "H:MM") as minutes since midnight: hour 0-23, or 24:00 when `allow_24`
// (the end of a day). Otherwise nullopt, with `why` in words. Quiet hours and opening
// hours read their times with it.
std::optional<int> parse_clock(std::string_view text, bool allow_24, std::string& why);
std::string format_clock(int minutes);  // "08:00"

// "21:00-08:00" (24-hour clock, start and end differ). The error says what is wrong.
Result<QuietWindow> parse_quiet_hours(std::string_view text);
std::string format_quiet_hours(const QuietWindow& window);  // "21:00-08:00"

class QuietHours {
 public:
  // No window: nothing is ever held.
  QuietHours(std::optional<QuietWindow> window, TimeZone zone)
      : window_(window), zone_(std::move(zone)) {}

  // When a message of `category` may go: nullopt for now (outside the window, or a
  // category quiet hours do not hold), else the instant the window ends.
  std::optional<int64_t> held_until(int64_t now_ms, Category category) const;
  bool in_window(int64_t now_ms) const { return window_end(now_ms).has_value(); }

 private:
  std::optional<int64_t> window_end(int64_t now_ms) const;
  std::optional<QuietWindow> window_;
  TimeZone zone_;
};
}  // namespace smsgate::policy

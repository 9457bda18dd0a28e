// When an appointment's reminders go: offsets such as "-24h" read, each reminder's time
// (the appointment's time plus its offset) pulled out of quiet hours to the last minute
// allowed before them, and a reminder whose time has passed skipped, with the reason
// in words. Pure: the time and the zone are the caller's.
//
// Offsets ("reminders" of POST /api/v1/appointments):
//   "-24h" "-90m" "-2d" "-1d12h"   before the appointment: accepted
//   "24h" "+1h" "-0h"              not before it: refused
//   "-1w" "-h" "-24 h" ""          not an offset: refused
//
// Planning one reminder (quiet hours 21:00-08:00 in the gateway's zone):
//   appointment Tue 10:00, -24h  → Mon 10:00, as asked
//   appointment Tue 08:30, -12h  → Mon 20:30, as asked
//   appointment Tue 07:30, -1h   → Mon 20:59: 06:30 is quiet, 20:59 the last minute before
//   appointment Tue 10:00, -24h, now Mon 11:00 → skipped, "its time has passed"
//   appointment Tue 07:30, -1h, now Mon 21:30 → skipped: 20:59 has passed
// A reminder is never moved later: the dispatcher holds a `reminder` met in quiet
// hours until they end (dispatch/decisions.h), so the time planned here is outside
// them, and a reminder that would have to go later is skipped instead.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/quiet_hours.h"
#include "policy/time_zone.h"

namespace smsgate::policy {

// "-24h" → -86'400'000. Units d, h, m, in that order, each at most once; the total
// negative and at most kMaxReminderOffsetDays. The error says what is wrong, in words.
Result<int64_t> parse_reminder_offset(std::string_view text);
inline constexpr int64_t kMaxReminderOffsetDays = 366;
// -86'400'000 → "-24h"; -172'800'000 → "-2d"; -5'400'000 → "-90m": the largest unit
// that divides it, days from two days on.
std::string format_reminder_offset(int64_t offset_ms);

// The last minute allowed before the quiet window that `instant` falls in, none when
// it falls in no window (or there is none).
std::optional<int64_t> last_minute_before_quiet(int64_t instant,
                                                const std::optional<QuietWindow>& window,
                                                const TimeZone& zone);

struct PlannedReminder {
  int64_t due_at = 0;              // at + offset
  std::optional<int64_t> send_at;  // none: skipped
  bool pulled_earlier = false;     // quiet hours moved it
  std::string skipped;             // why, when skipped
  friend bool operator==(const PlannedReminder&, const PlannedReminder&) = default;
};
PlannedReminder plan_reminder(int64_t appointment_at, int64_t offset_ms, int64_t now,
                              const std::optional<QuietWindow>& window, const TimeZone& zone);

}  // namespace smsgate::policy

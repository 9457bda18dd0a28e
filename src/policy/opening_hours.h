// Opening hours: when staff answer, per weekday in the gateway's time zone, so that a
// text that comes while they are closed can be told when they open again
// (dispatch/autoreply.h). Pure; the time is the caller's.
//
// A day's hours are written "08:00-17:00", several joined by commas
// ("08:00-12:00, 14:00-18:00"), "00:00-24:00" for all day, or "closed" (or empty).
// Each interval starts before it ends on the same day; intervals of a day are in order
// and do not overlap. Refused, with what is wrong: "8-17", "17:00-08:00" (write the
// night on both days), "08:00-12:00, 11:00-13:00".
//
// Local wall-clock times follow daylight saving: 08:00 is 08:00 in summer and winter;
// an opening inside the hour the clocks skip is the first instant after it.
//
// Thread safety: OpeningHours is immutable and safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/time_zone.h"

namespace smsgate::policy {

// Minutes since local midnight, start < end, end at most 24:00.
struct OpenInterval {
  int start_minute = 0;
  int end_minute = 0;
  friend bool operator==(const OpenInterval&, const OpenInterval&) = default;
};

// Monday first.
using WeeklyHours = std::array<std::vector<OpenInterval>, 7>;

// "mon" ... "sun": the weekday names the configuration uses, Monday first.
inline constexpr std::array<std::string_view, 7> kWeekdayKeys = {"mon", "tue", "wed", "thu",
                                                                 "fri", "sat", "sun"};

// One day's hours as written above; the error says what is wrong.
Result<std::vector<OpenInterval>> parse_day_hours(std::string_view text);
// "08:00-12:00, 14:00-18:00", or "closed".
std::string format_day_hours(const std::vector<OpenInterval>& intervals);

// The weekday (0 Monday ... 6 Sunday) of a local day counted from 1970-01-01.
int weekday_of(int64_t local_day);

class OpeningHours {
 public:
  OpeningHours(WeeklyHours hours, TimeZone zone)
      : hours_(std::move(hours)), zone_(std::move(zone)) {}

  // Whether any day has hours: a week with none is never open and has no opening.
  bool any() const;
  bool open_at(int64_t utc_ms) const;
  // The first opening strictly after `utc_ms` (within a week); none when no day has
  // hours.
  std::optional<int64_t> next_opening(int64_t utc_ms) const;
  // The last closing at or before `utc_ms` (within a week): where the closed period
  // `utc_ms` falls in began. None when no day has hours.
  std::optional<int64_t> last_closing(int64_t utc_ms) const;

  const TimeZone& zone() const { return zone_; }

 private:
  WeeklyHours hours_;
  TimeZone zone_;
};

}  // namespace smsgate::policy

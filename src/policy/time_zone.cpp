#include "policy/time_zone.h"

#include <unicode/gregocal.h>
#include <unicode/strenum.h>
#include <unicode/timezone.h>

#include <chrono>

#include "policy/icu_text.h"

namespace smsgate::policy {
namespace {

using detail::unicode;
using detail::utf8;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// ICU's placeholder for a zone it could not find; never a valid answer.
constexpr std::string_view kUnknownZone = "Etc/Unknown";

}  // namespace

struct TimeZone::Zone {
  std::unique_ptr<icu::TimeZone> zone;
};

bool is_valid_timezone(std::string_view name) {
  if (name.empty() || name == kUnknownZone) return false;
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString canonical;
  UBool system_id = false;
  icu::TimeZone::getCanonicalID(unicode(name), canonical, system_id, status);
  // Custom ids ("GMT+01:00") come back as non-system: a fixed offset knows no summer
  // time, the very thing a clinic in Berlin needs its quiet hours to follow.
  return U_SUCCESS(status) && system_id;
}

std::vector<std::string> timezone_ids() {
  std::vector<std::string> ids;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::StringEnumeration> all(icu::TimeZone::createEnumeration(status));
  if (U_FAILURE(status) || !all) return ids;
  while (const char* id = all->next(nullptr, status)) {
    if (U_FAILURE(status)) break;
    ids.emplace_back(id);
  }
  return ids;
}

Result<TimeZone> TimeZone::create(std::string_view name) {
  std::unique_ptr<icu::TimeZone> zone;
  if (name.empty()) {
    zone.reset(icu::TimeZone::detectHostTimeZone());
    icu::UnicodeString id;
    if (!zone || utf8(zone->getID(id)) == kUnknownZone) return utc();
  } else {
    if (!is_valid_timezone(name)) {
      return make_error("'" + std::string(name) + "' is not a time zone of the tz database");
    }
    zone.reset(icu::TimeZone::createTimeZone(unicode(name)));
  }
  if (!zone) return make_error("cannot load time zone '" + std::string(name) + "'");
  icu::UnicodeString id;
  std::string id_utf8 = utf8(zone->getID(id));
  return TimeZone(std::make_shared<const Zone>(Zone{std::move(zone)}), std::move(id_utf8));
}

TimeZone TimeZone::utc() {
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::getGMT()->clone());
  return TimeZone(std::make_shared<const Zone>(Zone{std::move(zone)}), "UTC");
}

int64_t TimeZone::offset_ms(int64_t utc_ms) const {
  int32_t raw = 0;
  int32_t dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  zone_->zone->getOffset(static_cast<UDate>(utc_ms), false, raw, dst, status);
  if (U_FAILURE(status)) return 0;
  return int64_t{raw} + dst;
}

LocalTime TimeZone::local(int64_t utc_ms) const {
  const int64_t wall = utc_ms + offset_ms(utc_ms);
  const int64_t day = floor_div(wall, kMillisPerDay);
  return LocalTime{day, wall - day * kMillisPerDay};
}

int64_t TimeZone::to_utc(int64_t day, int64_t millis_of_day, bool later) const {
  using namespace std::chrono;
  const year_month_day date{sys_days{days{day}}};
  UErrorCode status = U_ZERO_ERROR;
  icu::GregorianCalendar calendar(*zone_->zone, status);
  if (U_FAILURE(status)) {
    // Only on allocation failure; the plain offset is the best remaining guess.
    const int64_t wall = day * kMillisPerDay + millis_of_day;
    return wall - offset_ms(wall);
  }
  calendar.setSkippedWallTimeOption(UCAL_WALLTIME_NEXT_VALID);
  calendar.setRepeatedWallTimeOption(later ? UCAL_WALLTIME_LAST : UCAL_WALLTIME_FIRST);
  calendar.clear();
  const int64_t minutes = millis_of_day / kMillisPerMinute;
  const int64_t rest = millis_of_day % kMillisPerMinute;
  calendar.set(static_cast<int32_t>(static_cast<int>(date.year())),
               static_cast<int32_t>(static_cast<unsigned>(date.month())) - 1,
               static_cast<int32_t>(static_cast<unsigned>(date.day())),
               static_cast<int32_t>(minutes / 60), static_cast<int32_t>(minutes % 60),
               static_cast<int32_t>(rest / 1000));
  calendar.set(UCAL_MILLISECOND, static_cast<int32_t>(rest % 1000));
  const UDate instant = calendar.getTime(status);
  if (U_FAILURE(status)) {
    const int64_t wall = day * kMillisPerDay + millis_of_day;
    return wall - offset_ms(wall);
  }
  return static_cast<int64_t>(instant);
}
}  // namespace smsgate::policy

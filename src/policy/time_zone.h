// TimeZone: an IANA zone ("Europe/Berlin") from the tz database that ICU carries, so
// that local days and quiet hours follow daylight saving; no time zone rule is written
// here. Times are int64 milliseconds since the epoch from the caller's Clock.
//
// Thread safety: a TimeZone is immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::policy {

constexpr int64_t kMillisPerMinute = 60 * 1000;
constexpr int64_t kMillisPerDay = 24 * 60 * kMillisPerMinute;

// A local calendar day and the milliseconds since its local midnight (wall clock).
struct LocalTime {
  int64_t day = 0;  // days since 1970-01-01 in local wall-clock terms
  int64_t millis_of_day = 0;
  friend bool operator==(const LocalTime&, const LocalTime&) = default;
};

class TimeZone {
 public:
  // `name` an IANA zone id ("Europe/Berlin", "UTC"); empty: the host's own zone
  // (/etc/localtime), UTC when the host has none. Offsets such as "GMT+1" are refused:
  // they carry no daylight-saving rules, which is what quiet hours get wrong.
  static Result<TimeZone> create(std::string_view name);
  static TimeZone utc();

  const std::string& name() const { return name_; }  // the canonical id
  // UTC offset in effect at `utc_ms`, daylight saving included.
  int64_t offset_ms(int64_t utc_ms) const;
  LocalTime local(int64_t utc_ms) const;
  // The instant the local wall clock reads `millis_of_day` on local `day`. A time the
  // clocks skip (02:30 on a spring-forward night) gives the first instant after the
  // gap (03:00); a time that occurs twice gives the earlier unless `later`.
  int64_t to_utc(int64_t day, int64_t millis_of_day, bool later = false) const;

 private:
  struct Zone;  // ICU's zone, kept out of this header
  TimeZone(std::shared_ptr<const Zone> zone, std::string name)
      : zone_(std::move(zone)), name_(std::move(name)) {}
  std::shared_ptr<const Zone> zone_;
  std::string name_;
};

// Whether `name` is a zone id of the tz database ("Europe/Berlin", "UTC").
bool is_valid_timezone(std::string_view name);
// Every such id, for suggestions when a name is misspelt.
std::vector<std::string> timezone_ids();
}  // namespace smsgate::policy

// Instants for policy tests, written as UTC calendar times.
#pragma once

#include <chrono>
#include <cstdint>

namespace smsgate::policy {

inline int64_t utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0,
                   int second = 0) {
  using namespace std::chrono;
  const sys_days date =
      year_month_day{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  return duration_cast<milliseconds>(date.time_since_epoch() + hours{hour} + minutes{minute} +
                                     seconds{second})
      .count();
}

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;

}  // namespace smsgate::policy

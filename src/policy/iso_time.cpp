// ISO 8601 times as the API writes them (iso_time.h).
#include "policy/iso_time.h"

#include <charconv>
#include <ctime>
#include <string>

namespace smsgate::policy {

namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

int number(std::string_view text) {
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

std::optional<int64_t> parse_iso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  for (size_t at : {0, 5, 8, 11, 14, 17}) {
    size_t width = at == 0 ? 4 : 2;
    if (!all_digits(text.substr(at, width))) return std::nullopt;
  }
  int year = number(text.substr(0, 4)), month = number(text.substr(5, 2)),
      day = number(text.substr(8, 2)), hour = number(text.substr(11, 2)),
      minute = number(text.substr(14, 2)), second = number(text.substr(17, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return std::nullopt;
  size_t at = 19;
  int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    size_t start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    std::string_view fraction = text.substr(start, at - start);
    if (fraction.empty() || fraction.size() > 9) return std::nullopt;
    std::string padded(fraction.substr(0, 3));
    padded.resize(3, '0');
    millis = number(padded);
  }
  int64_t offset_minutes = 0;
  std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             all_digits(zone.substr(1, 2)) && all_digits(zone.substr(4, 2))) {
    int hours = number(zone.substr(1, 2)), minutes = number(zone.substr(4, 2));
    if (hours > 23 || minutes > 59) return std::nullopt;
    offset_minutes = (zone[0] == '+' ? 1 : -1) * (hours * 60 + minutes);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t seconds = timegm(&tm);
  return (seconds - offset_minutes * 60) * 1000 + millis;
}

}  // namespace smsgate::policy

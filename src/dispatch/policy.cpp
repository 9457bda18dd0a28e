#include "dispatch/policy.h"

#include <unicode/gregocal.h>
#include <unicode/normalizer2.h>
#include <unicode/strenum.h>
#include <unicode/timezone.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <random>

namespace smsgate::dispatch {
namespace {

constexpr std::array<std::pair<Category, std::string_view>, 5> kCategoryNames{{
    {Category::kOtp, "otp"},
    {Category::kTransactional, "transactional"},
    {Category::kReminder, "reminder"},
    {Category::kFeedback, "feedback"},
    {Category::kMarketing, "marketing"},
}};

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

icu::UnicodeString unicode(std::string_view utf8) {
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
}

std::string utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

// ICU's placeholder for a zone it could not find; never a valid answer.
constexpr std::string_view kUnknownZone = "Etc/Unknown";

}  // namespace

std::string_view category_name(Category category) {
  for (const auto& [value, name] : kCategoryNames) {
    if (value == category) return name;
  }
  return "transactional";
}

std::optional<Category> parse_category(std::string_view name) {
  for (const auto& [value, known] : kCategoryNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

bool held_by_quiet_hours(Category category) {
  return category == Category::kReminder || category == Category::kFeedback ||
         category == Category::kMarketing;
}

// ---------------------------------------------------------------------------------
// TimeZone

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

// ---------------------------------------------------------------------------------
// Quiet hours

namespace {

// "HH:MM" (or "H:MM"), hour 0-23, or 24:00 when `allow_24` (the end of the day).
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

std::string_view trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

}  // namespace

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

std::string format_quiet_hours(const QuietWindow& window) {
  auto clock = [](int minutes) {
    std::string out = std::to_string(minutes / 60) + ":" + std::to_string(minutes % 60);
    if (minutes / 60 < 10) out.insert(0, "0");
    if (minutes % 60 < 10) out.insert(out.size() - 1, "0");
    return out;
  };
  return clock(window.start_minute) + "-" + clock(window.end_minute);
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

// ---------------------------------------------------------------------------------
// Rate limits

void RateLimiter::record(int64_t sent_ms) {
  if (limits_.per_minute > 0) {
    recent_.insert(std::upper_bound(recent_.begin(), recent_.end(), sent_ms), sent_ms);
    // Only the newest per_minute sends can ever fill the window.
    while (recent_.size() > static_cast<size_t>(limits_.per_minute)) recent_.pop_front();
  }
  if (limits_.per_day > 0) {
    const int64_t day = zone_.local(sent_ms).day;
    ++per_day_[day];
    // Yesterday stays for a send replayed late; older days are of no more use.
    while (per_day_.size() > 1 && per_day_.begin()->first < per_day_.rbegin()->first - 1) {
      per_day_.erase(per_day_.begin());
    }
  }
}

int RateLimiter::sent_on_day_of(int64_t now_ms) const {
  const auto found = per_day_.find(zone_.local(now_ms).day);
  return found == per_day_.end() ? 0 : found->second;
}

int64_t RateLimiter::next_allowed(int64_t now_ms) const {
  int64_t allowed = now_ms;
  if (limits_.per_minute > 0) {
    // Sends in (now - 1 min, now]. Ones "after now" are ignored: they mean the clock
    // was set back, and counting them would stall the modem for as long.
    const auto first = std::upper_bound(recent_.begin(), recent_.end(), now_ms - kMillisPerMinute);
    const auto last = std::upper_bound(recent_.begin(), recent_.end(), now_ms);
    if (last - first >= limits_.per_minute) allowed = std::max(allowed, *first + kMillisPerMinute);
  }
  if (limits_.per_day > 0 && sent_on_day_of(now_ms) >= limits_.per_day) {
    allowed = std::max(allowed, zone_.to_utc(zone_.local(now_ms).day + 1, 0));
  }
  return allowed;
}

// ---------------------------------------------------------------------------------
// Retries

RandomUnit default_random_unit() {
  return [] {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

int64_t Backoff::retry_delay(int attempt) const {
  const int64_t cap = std::max<int64_t>(policy_.max_delay_ms, 1);
  int64_t delay = std::clamp<int64_t>(policy_.base_delay_ms, 1, cap);
  // Halving the cap, not doubling the delay, keeps a huge cap from overflowing.
  for (int i = 1; i < attempt && delay < cap; ++i) delay = delay > cap / 2 ? cap : delay * 2;
  double unit = random_ ? random_() : 0.0;
  unit = std::clamp(unit, 0.0, 1.0);
  const double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  const auto shortened = static_cast<int64_t>(static_cast<double>(delay) * jitter * unit);
  return std::max<int64_t>(delay - shortened, 1);
}

// ---------------------------------------------------------------------------------
// Routing

Router::Router(std::vector<Route> routes) : routes_(std::move(routes)) {
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    return a.prefix.size() > b.prefix.size();
  });
}

std::optional<std::string> Router::modem_for(std::string_view e164) const {
  for (const Route& route : routes_) {
    if (e164.starts_with(route.prefix)) return route.modem;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------
// Keywords

namespace {

bool trimmable(UChar32 c) {
  constexpr uint32_t kMask =
      U_GC_P_MASK | U_GC_S_MASK | U_GC_Z_MASK | U_GC_CC_MASK | U_GC_CF_MASK | U_GC_ME_MASK;
  return (U_GET_GC_MASK(c) & kMask) != 0 || u_isUWhiteSpace(c) ||
         u_hasBinaryProperty(c, UCHAR_VARIATION_SELECTOR);
}

}  // namespace

std::string fold_keyword(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || nfkc_cf == nullptr) return {};
  const icu::UnicodeString folded = nfkc_cf->normalize(unicode(text), status);
  if (U_FAILURE(status)) return {};

  int32_t begin = 0;
  int32_t end = folded.length();
  while (begin < end && trimmable(folded.char32At(begin))) begin = folded.moveIndex32(begin, 1);
  while (end > begin) {
    const int32_t previous = folded.moveIndex32(end, -1);
    if (!trimmable(folded.char32At(previous))) break;
    end = previous;
  }
  icu::UnicodeString out;
  bool in_space = false;
  for (int32_t i = begin; i < end; i = folded.moveIndex32(i, 1)) {
    const UChar32 c = folded.char32At(i);
    if (u_isUWhiteSpace(c)) {
      if (!in_space) out.append(static_cast<UChar>(u' '));
      in_space = true;
    } else {
      out.append(c);
      in_space = false;
    }
  }
  return utf8(out);
}

Result<KeywordMatcher> KeywordMatcher::create(const std::vector<std::string>& opt_out,
                                              const std::vector<std::string>& opt_in) {
  KeywordMatcher matcher;
  auto add = [](const std::string& word, std::vector<std::string>& into) -> Status {
    std::string folded = fold_keyword(word);
    if (folded.empty()) return make_error("keyword '" + word + "' has no letters or digits");
    into.push_back(std::move(folded));
    return ok_status();
  };
  for (const std::string& word : opt_out) {
    if (Status added = add(word, matcher.opt_out_); !added) return added.error();
  }
  for (const std::string& word : opt_in) {
    if (Status added = add(word, matcher.opt_in_); !added) return added.error();
    if (std::find(matcher.opt_out_.begin(), matcher.opt_out_.end(), matcher.opt_in_.back()) !=
        matcher.opt_out_.end()) {
      return make_error("'" + word + "' is both an opt-out and an opt-in keyword");
    }
  }
  return matcher;
}

KeywordKind KeywordMatcher::classify_keyword(std::string_view text) const {
  const std::string folded = fold_keyword(text);
  if (folded.empty()) return KeywordKind::kNone;
  if (std::find(opt_out_.begin(), opt_out_.end(), folded) != opt_out_.end())
    return KeywordKind::kOptOut;
  if (std::find(opt_in_.begin(), opt_in_.end(), folded) != opt_in_.end())
    return KeywordKind::kOptIn;
  return KeywordKind::kNone;
}

}  // namespace smsgate::dispatch

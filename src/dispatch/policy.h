// Send policies: the rules the dispatcher applies before a part goes to a modem.
// Each is pure (or a small class holding only its own counters) and takes the time as
// int64 milliseconds since the epoch from the caller's Clock (common/clock.h), so the
// tests drive them with a manual clock instead of sleeps.
//
//   QuietHours      holds reminder/feedback/marketing while the local quiet window lasts
//   RateLimiter     per modem: sends per sliding minute and per local calendar day
//   Backoff         when to retry a failed part, and when to stop
//   Router          longest matching number prefix -> modem name
//   expired         TTL
//   KeywordMatcher  is an inbound text an opt-out ("STOP") or opt-in ("START")?
//
// Local time comes from the tz database through ICU (TimeZone below); no time zone
// rule is written here.
//
// Thread safety: TimeZone, QuietHours, Backoff (if its random source is), Router and
// KeywordMatcher are immutable after construction and safe to share between threads.
// A RateLimiter is owned by whoever dispatches to its modem; it is not synchronised.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::dispatch {

constexpr int64_t kMillisPerMinute = 60 * 1000;
constexpr int64_t kMillisPerDay = 24 * 60 * kMillisPerMinute;

// What a message is for, as the API's `category` names it.
enum class Category { kOtp, kTransactional, kReminder, kFeedback, kMarketing };
std::string_view category_name(Category category);  // "otp", "transactional", ...
std::optional<Category> parse_category(std::string_view name);
// Quiet hours hold these; one-time passwords and transactional messages (an order
// shipped, a booking confirmed) are wanted at once, whatever the hour.
bool held_by_quiet_hours(Category category);

// ---------------------------------------------------------------------------------
// TimeZone: an IANA zone ("Europe/Berlin") from the tz database that ICU carries.

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

// ---------------------------------------------------------------------------------
// Quiet hours.

// A daily local window, minutes since midnight; it wraps midnight when start > end.
struct QuietWindow {
  int start_minute = 21 * 60;
  int end_minute = 8 * 60;
  friend bool operator==(const QuietWindow&, const QuietWindow&) = default;
};
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

// ---------------------------------------------------------------------------------
// Rate limits, one RateLimiter per modem.

struct RateLimits {
  int per_minute = 0;  // sends in any 60 s; 0: no limit
  int per_day = 0;     // sends per local calendar day; 0: no limit
  friend bool operator==(const RateLimits&, const RateLimits&) = default;
};

// A sliding minute (it remembers the last `per_minute` sends, so a burst at 10:00:59
// cannot be followed by another at 10:01:00 as a fixed window would allow) and a count
// per local day, which starts afresh at local midnight in `zone`.
class RateLimiter {
 public:
  RateLimiter(RateLimits limits, TimeZone zone) : limits_(limits), zone_(std::move(zone)) {}

  bool may_send(int64_t now_ms) const { return next_allowed(now_ms) <= now_ms; }
  // Counts one send at `sent_ms`. Sends may be recorded out of order, so that after a
  // restart the dispatcher can replay the day's sends from the store.
  void record(int64_t sent_ms);
  // The earliest instant at or after `now_ms` at which a send is allowed.
  int64_t next_allowed(int64_t now_ms) const;
  // Sends counted on the local day of `now_ms`.
  int sent_on_day_of(int64_t now_ms) const;

 private:
  RateLimits limits_;
  TimeZone zone_;
  std::deque<int64_t> recent_;      // send times, sorted, at most per_minute of them
  std::map<int64_t, int> per_day_;  // local day -> sends; only the last few days
};

// ---------------------------------------------------------------------------------
// Retries.

struct RetryPolicy {
  int max_attempts = 5;               // attempts in all, the first included
  int64_t base_delay_ms = 30 * 1000;  // after the first failure
  int64_t max_delay_ms = 60 * kMillisPerMinute;
  // Each delay is shortened by up to this fraction at random, so parts that failed
  // together (a modem reset) do not all come back in the same instant.
  double jitter = 0.2;
};

// Returns a number in [0, 1); injected so tests are exact.
using RandomUnit = std::function<double()>;
RandomUnit default_random_unit();  // thread-safe, seeded from std::random_device

class Backoff {
 public:
  explicit Backoff(RetryPolicy policy, RandomUnit random = default_random_unit())
      : policy_(policy), random_(std::move(random)) {}

  // The wait before the next attempt, after `attempt` attempts (1 after the first
  // failure): base * 2^(attempt-1), capped, less the jitter; never below 1 ms.
  int64_t retry_delay(int attempt) const;
  // True once `attempt` attempts have been made and no more are allowed.
  bool attempts_exhausted(int attempt) const { return attempt >= policy_.max_attempts; }

 private:
  RetryPolicy policy_;
  RandomUnit random_;
};

// ---------------------------------------------------------------------------------
// Routing by number prefix.

struct Route {
  std::string prefix;  // E.164 prefix: "+49", "+49151"
  std::string modem;   // a modem's name
  friend bool operator==(const Route&, const Route&) = default;
};

class Router {
 public:
  explicit Router(std::vector<Route> routes);
  // The modem of the longest prefix of `e164`, or nullopt: any modem will do. The
  // dispatcher falls back to other modems when this one is down.
  std::optional<std::string> modem_for(std::string_view e164) const;

 private:
  std::vector<Route> routes_;  // longest prefix first
};

// ---------------------------------------------------------------------------------
// TTL: a message not sent by `expires_at` is not sent at all (a reminder after the
// appointment, a code after it lapsed). No expiry: never expires.
inline bool expired(int64_t now_ms, std::optional<int64_t> expires_at) {
  return expires_at.has_value() && now_ms >= *expires_at;
}

// ---------------------------------------------------------------------------------
// Opt-out and opt-in keywords.

enum class KeywordKind { kNone, kOptOut, kOptIn };

// Matches a whole inbound text against the keywords: case-insensitively (Unicode case
// folding, so "arrêt" matches "ARRÊT"), after trimming spaces, punctuation, symbols
// and emoji at both ends ("Stop.", " stop ", "STOP!!"), with inner runs of space
// counted as one ("STOP  ALL" matches "STOP ALL"). A text that merely contains a
// keyword ("please don't stop") is no keyword: people write that to people.
class KeywordMatcher {
 public:
  // A word in both lists is refused; so is an empty one.
  static Result<KeywordMatcher> create(const std::vector<std::string>& opt_out,
                                       const std::vector<std::string>& opt_in);

  KeywordKind classify_keyword(std::string_view text) const;

 private:
  KeywordMatcher() = default;
  std::vector<std::string> opt_out_;  // folded
  std::vector<std::string> opt_in_;   // folded
};

// The comparison form KeywordMatcher uses: NFKC case-folded, trimmed, inner space
// collapsed (UTF-8 in and out; an invalid sequence reads as U+FFFD).
std::string fold_keyword(std::string_view text);

}  // namespace smsgate::dispatch

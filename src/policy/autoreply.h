// Auto-reply rules, the pure part: does an inbound text match a rule, and may a sender
// be answered automatically at all (dispatch/autoreply.h applies them).
//
// A keyword rule ("HOURS") matches the whole text or its first word, compared as
// opt-out keywords are (policy/keywords.h: case folded, trimmed of spaces and
// punctuation) and without accents ("Horário" matches "HORARIO"):
//   "hours", "Hours?", "HOURS please", "  hóurs!"   match HOURS
//   "opening hours", "hoursxyz"                     do not
// A regex rule is an ICU regular expression found anywhere in the text (anchor it with ^
// and $ to match it whole), case-insensitively. Its matching is bounded (kRegexTimeLimit
// steps of ICU's engine, kRegexStackLimit bytes of its stack), so a hostile pattern such
// as "(a+)+$" cannot stall the inbox: past the bound the text counts as no match.
//
// Who is answered: a sender that is a valid phone number (normalize_number in
// policy/phone.h, with the gateway's default region for national forms), so never an
// alphanumeric sender ("DHL", "Bank"), a short code ("12345", "8080": services and
// premium-rate numbers) or a number of impossible length. Robots send from those, and
// two robots answering each other would text forever.
//
// Thread safety: a RuleMatcher is immutable and safe to share between threads (each
// match makes its own ICU matcher); the functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace smsgate::policy {

enum class MatchKind { kKeyword, kRegex };

// "keyword", "regex"
std::string_view match_kind_name(MatchKind kind);

inline constexpr size_t kMaxRulePatternBytes = 500;
// ICU's units: steps of its match engine, about a millisecond's worth each.
inline constexpr int32_t kRegexTimeLimit = 50;
inline constexpr int32_t kRegexStackLimit = 256 * 1024;

class RuleMatcher {
 public:
  // Errors name the field ("match.keyword", "match.regex") with code kInvalidField: an
  // empty keyword (no letters or digits), a pattern longer than kMaxRulePatternBytes,
  // a regex that does not compile (ICU's reason and the character where it failed).
  static Result<RuleMatcher> create(MatchKind kind, std::string_view pattern);

  bool matches(std::string_view text) const;
  MatchKind kind() const { return kind_; }

 private:
  struct Regex;  // ICU's compiled pattern, kept out of this header
  RuleMatcher(MatchKind kind, std::string keyword, std::shared_ptr<const Regex> regex)
      : kind_(kind), keyword_(std::move(keyword)), regex_(std::move(regex)) {}
  MatchKind kind_;
  std::string keyword_;  // folded, for kKeyword
  std::shared_ptr<const Regex> regex_;
};

// The keyword comparison form: fold_keyword's, without accents.
std::string fold_without_accents(std::string_view text);

// Whether an automatic reply may go to `sender` (see above).
bool answerable_sender(std::string_view sender, std::string_view default_region);

}  // namespace smsgate::policy

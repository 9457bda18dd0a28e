// Opt-out and opt-in keywords: is an inbound text "STOP" or "START"?
//
// Thread safety: a KeywordMatcher is immutable and safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::policy {

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
}  // namespace smsgate::policy

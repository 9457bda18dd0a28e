#include "policy/autoreply.h"

#include <unicode/normalizer2.h>
#include <unicode/regex.h>
#include <unicode/uchar.h>
#include <unicode/utypes.h>

#include <cctype>

#include "common/strings.h"
#include "policy/icu_text.h"
#include "policy/keywords.h"
#include "policy/phone.h"

namespace smsgate::policy {

using detail::unicode;
using detail::utf8;

struct RuleMatcher::Regex {
  std::unique_ptr<icu::RegexPattern> pattern;
};

namespace {

// "U_REGEX_MISSING_CLOSE_PAREN" -> "mismatched paren".
std::string icu_reason(UErrorCode status) {
  std::string name = u_errorName(status);
  for (std::string_view prefix : {"U_REGEX_", "U_"}) {
    if (name.starts_with(prefix)) {
      name.erase(0, prefix.size());
      break;
    }
  }
  for (char& c : name) c = c == '_' ? ' ' : static_cast<char>(std::tolower(c));
  return name;
}

Error invalid(const std::string& field, const std::string& why) {
  return Error{field + ": " + why, ErrorCode::kInvalidField, field};
}

}  // namespace

std::string_view match_kind_name(MatchKind kind) {
  return kind == MatchKind::kKeyword ? "keyword" : "regex";
}

std::string fold_without_accents(std::string_view text) {
  const std::string folded = fold_keyword(text);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status) || nfd == nullptr) return folded;
  const icu::UnicodeString decomposed = nfd->normalize(unicode(folded), status);
  if (U_FAILURE(status)) return folded;
  icu::UnicodeString bare;
  for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    const UChar32 c = decomposed.char32At(i);
    if (u_charType(c) != U_NON_SPACING_MARK) bare.append(c);
  }
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || nfc == nullptr) return utf8(bare);
  const icu::UnicodeString composed = nfc->normalize(bare, status);
  return U_FAILURE(status) ? utf8(bare) : utf8(composed);
}

Result<RuleMatcher> RuleMatcher::create(MatchKind kind, std::string_view pattern) {
  const std::string field = kind == MatchKind::kKeyword ? "match.keyword" : "match.regex";
  if (pattern.size() > kMaxRulePatternBytes)
    return invalid(field, "longer than " + std::to_string(kMaxRulePatternBytes) + " bytes");
  if (kind == MatchKind::kKeyword) {
    std::string keyword = fold_without_accents(pattern);
    if (keyword.empty()) return invalid(field, "has no letters or digits");
    return RuleMatcher(kind, std::move(keyword), nullptr);
  }
  if (trim(pattern).empty()) return invalid(field, "is empty");
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  auto regex = std::make_shared<Regex>();
  regex->pattern.reset(
      icu::RegexPattern::compile(unicode(pattern), UREGEX_CASE_INSENSITIVE, where, status));
  if (U_FAILURE(status) || !regex->pattern) {
    std::string why = "does not compile: " + icu_reason(status);
    if (where.offset >= 0) why += " (at character " + std::to_string(where.offset + 1) + ")";
    return invalid(field, why);
  }
  return RuleMatcher(kind, {}, std::move(regex));
}

bool RuleMatcher::matches(std::string_view text) const {
  if (kind_ == MatchKind::kKeyword) {
    const std::string folded = fold_without_accents(text);
    if (folded == keyword_) return true;
    const size_t space = folded.find(' ');
    return space != std::string::npos &&
           fold_without_accents(std::string_view(folded).substr(0, space)) == keyword_;
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString subject = unicode(text);
  std::unique_ptr<icu::RegexMatcher> matcher(regex_->pattern->matcher(subject, status));
  if (U_FAILURE(status) || !matcher) return false;
  matcher->setTimeLimit(kRegexTimeLimit, status);
  matcher->setStackLimit(kRegexStackLimit, status);
  if (U_FAILURE(status)) return false;
  const bool found = matcher->find(status);
  // Past the time or stack limit ICU gives up with an error: no match.
  return U_SUCCESS(status) && found;
}

bool answerable_sender(std::string_view sender, std::string_view default_region) {
  return normalize_number(sender, default_region).ok();
}

}  // namespace smsgate::policy

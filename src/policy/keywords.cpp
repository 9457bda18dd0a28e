#include "policy/keywords.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <algorithm>

#include "policy/icu_text.h"

namespace smsgate::policy {
namespace {

using detail::unicode;
using detail::utf8;

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
}  // namespace smsgate::policy

#include "policy/text_search.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <algorithm>

#include "policy/icu_text.h"

namespace smsgate::policy {
namespace {

// Letters, digits and marks make words; everything else (spaces, punctuation,
// symbols) separates them.
bool word_character(UChar32 c) {
  constexpr uint32_t kMask = U_GC_L_MASK | U_GC_N_MASK | U_GC_M_MASK;
  return (U_GET_GC_MASK(c) & kMask) != 0;
}

std::vector<std::string> folded_words(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || nfkc_cf == nullptr) return {};
  const icu::UnicodeString folded = nfkc_cf->normalize(detail::unicode(text), status);
  if (U_FAILURE(status)) return {};
  std::vector<std::string> words;
  icu::UnicodeString word;
  for (int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1)) {
    const UChar32 c = folded.char32At(i);
    if (word_character(c)) {
      word.append(c);
    } else if (!word.isEmpty()) {
      words.push_back(detail::utf8(word));
      word.remove();
    }
  }
  if (!word.isEmpty()) words.push_back(detail::utf8(word));
  return words;
}

std::string digits_of(std::string_view text) {
  std::string digits;
  for (char c : text)
    if (c >= '0' && c <= '9') digits.push_back(c);
  return digits;
}

// Digits with the separators people write numbers with, and nothing else.
bool looks_like_number(std::string_view query) {
  return std::any_of(query.begin(), query.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         std::all_of(query.begin(), query.end(), [](char c) {
           return (c >= '0' && c <= '9') || c == '+' || c == ' ' || c == '-' || c == '(' ||
                  c == ')' || c == '/' || c == '.';
         });
}

}  // namespace

TextSearch::TextSearch(std::string_view query) : words_(folded_words(query)) {
  if (looks_like_number(query)) {
    digits_ = digits_of(query);
    // A national number's trunk 0 ("0170 ...") is not in the E.164 form stored; an
    // international 00 prefix is the +.
    const bool international = query.find('+') != std::string_view::npos;
    if (!international) {
      size_t zeros = digits_.starts_with("00") ? 2 : digits_.starts_with('0') ? 1 : 0;
      if (zeros < digits_.size()) digits_.erase(0, zeros);
    }
  }
}

bool TextSearch::matches_number(std::string_view number) const {
  if (digits_.empty()) return false;
  return digits_of(number).find(digits_) != std::string::npos;
}

bool TextSearch::matches_text(std::string_view text) const {
  if (words_.empty()) return true;
  const std::vector<std::string> words = folded_words(text);
  return std::all_of(words_.begin(), words_.end(), [&](const std::string& wanted) {
    return std::any_of(words.begin(), words.end(),
                       [&](const std::string& word) { return word.starts_with(wanted); });
  });
}

}  // namespace smsgate::policy

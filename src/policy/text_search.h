// TextSearch: what staff type into the console's search box (q=) and whether a message
// matches it: by the number's digits, or by the words of its text. Pure; no store.
//
// Accepts, for the number +4917012345678:
//   "4917012345", "+49 170 1234", "0170-1234" (a national 0 is dropped: "170 1234")
// and, for the text "Your order #4711 is READY, Anna!":
//   "ready", "Ready", "anna", "ord" (the start of a word), "order ready" (every word
//   of the query starts a word of the text), "4711"
// Refuses:
//   "rder" (not the start of a word), "ready bob", "0049" (digits the number lacks)
// Case is folded with Unicode's full case folding (NFKC_Casefold), so "STRASSE"
// finds "Straße". The caller passes the text as it may be shown: a one-time
// password's with its code masked, so that the code never finds it.
//
// Thread safety: an immutable value once made.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smsgate::policy {

class TextSearch {
 public:
  // An empty or blank query matches everything.
  explicit TextSearch(std::string_view query);

  bool matches_number(std::string_view number) const;
  bool matches_text(std::string_view text) const;
  bool matches(std::string_view number, std::string_view text) const {
    return everything() || matches_number(number) || matches_text(text);
  }
  bool everything() const { return words_.empty(); }

 private:
  std::vector<std::string> words_;  // folded
  std::string digits_;              // the query's digits when it looks like a number; else empty
};

}  // namespace smsgate::policy

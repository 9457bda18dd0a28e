// What a patient's reply to an appointment's message means: yes, no, or neither. The
// words are the configuration's, per language ([appointments] yes_words, no_words);
// the whole text must be one of them, trimmed, in any case and with or without
// accents, so that "si", "Sí" and " SÍ " all confirm and "yes please" or "no idea
// what this is" change nothing.
//
//   en  "Yes" "y" " OK " "1"  → yes      "no" "N" "cancel"  → no
//   id  "ya" "Iya"            → yes      "tidak" "BATAL"    → no
//   es  "si" "Sí"             → yes      "yes please" "?"   → neither
//
// A language without words of its own uses English's.
//
// Thread safety: a ReplyWords is immutable once made and safe to share.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::policy {

enum class ReplyMeaning { kNeither, kYes, kNo };

// Words by language (BCP 47 primary tag, "en", "id"), as configured.
struct ReplyWordLists {
  std::map<std::string, std::vector<std::string>> yes;
  std::map<std::string, std::vector<std::string>> no;
  friend bool operator==(const ReplyWordLists&, const ReplyWordLists&) = default;
};

// The shipped defaults: en, id, de, fr, es.
ReplyWordLists default_reply_words();

// `text` trimmed, case-folded and without accents ("  Sí " → "si").
std::string fold_reply(std::string_view text);

class ReplyWords {
 public:
  // Errors: a word that folds to nothing, or one that means both yes and no in one
  // language ("yes_words.en: ..."), in words.
  static Result<ReplyWords> create(const ReplyWordLists& lists);
  ReplyMeaning meaning(std::string_view text, std::string_view language) const;

 private:
  struct Folded {
    std::vector<std::string> yes;
    std::vector<std::string> no;
  };
  std::map<std::string, Folded, std::less<>> by_language_;
};

}  // namespace smsgate::policy

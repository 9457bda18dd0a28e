#include "policy/appointment_reply.h"

#include <unicode/translit.h>

#include <algorithm>
#include <memory>

#include "policy/icu_text.h"
#include "policy/keywords.h"

namespace smsgate::policy {
namespace {

// The primary language subtag, lower case: "pt-BR" → "pt", "" → "en".
std::string primary_language(std::string_view tag) {
  std::string primary(tag.substr(0, tag.find_first_of("-_")));
  for (char& c : primary) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return primary.empty() ? "en" : primary;
}

bool contains(const std::vector<std::string>& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

}  // namespace

ReplyWordLists default_reply_words() {
  ReplyWordLists lists;
  lists.yes = {{"en", {"YES", "Y", "OK", "1"}},
               {"id", {"YA", "IYA", "OK", "1"}},
               {"de", {"JA", "OK"}},
               {"fr", {"OUI"}},
               {"es", {"SI", "SÍ"}}};
  lists.no = {{"en", {"NO", "N", "CANCEL"}},
              {"id", {"TIDAK", "BATAL"}},
              {"de", {"NEIN", "ABSAGEN"}},
              {"fr", {"NON", "ANNULER"}},
              {"es", {"NO", "CANCELAR"}}};
  return lists;
}

std::string fold_reply(std::string_view text) {
  // Accents go by decomposing and dropping the combining marks ("Í" → "I" + U+0301).
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::unique_ptr<icu::Transliterator> strip_marks(icu::Transliterator::createInstance(
      "NFD; [:Nonspacing Mark:] Remove; NFC", UTRANS_FORWARD, status));
  if (!strip_marks) return fold_keyword(text);
  icu::UnicodeString unmarked = detail::unicode(text);
  strip_marks->transliterate(unmarked);
  return fold_keyword(detail::utf8(unmarked));
}

Result<ReplyWords> ReplyWords::create(const ReplyWordLists& lists) {
  ReplyWords words;
  auto add = [&](const std::map<std::string, std::vector<std::string>>& given, bool yes,
                 std::string_view key) -> Status {
    for (const auto& [language, list] : given) {
      Folded& folded = words.by_language_[primary_language(language)];
      for (const std::string& word : list) {
        std::string plain = fold_reply(word);
        const std::string where = std::string(key) + "." + language + ": ";
        if (plain.empty()) return make_error(where + "\"" + word + "\" has no letters or digits");
        if (contains(yes ? folded.no : folded.yes, plain))
          return make_error(where + "\"" + word + "\" would mean both yes and no");
        (yes ? folded.yes : folded.no).push_back(std::move(plain));
      }
    }
    return ok_status();
  };
  if (Status added = add(lists.yes, true, "yes_words"); !added) return added.error();
  if (Status added = add(lists.no, false, "no_words"); !added) return added.error();
  return words;
}

ReplyMeaning ReplyWords::meaning(std::string_view text, std::string_view language) const {
  auto found = by_language_.find(primary_language(language));
  if (found == by_language_.end()) found = by_language_.find(std::string_view("en"));
  if (found == by_language_.end()) return ReplyMeaning::kNeither;
  const std::string plain = fold_reply(text);
  if (plain.empty()) return ReplyMeaning::kNeither;
  if (contains(found->second.yes, plain)) return ReplyMeaning::kYes;
  if (contains(found->second.no, plain)) return ReplyMeaning::kNo;
  return ReplyMeaning::kNeither;
}

}  // namespace smsgate::policy

// Yes and no in a patient's reply: the configured words of the appointment's language,
// the whole trimmed text, any case, with or without accents; anything else is neither.
#include <doctest/doctest.h>

#include "policy/appointment_reply.h"

namespace smsgate::policy {
namespace {

ReplyWords defaults() {
  auto words = ReplyWords::create(default_reply_words());
  REQUIRE_MESSAGE(words.ok(), words.error().message);
  return *words;
}

TEST_CASE("policy: replies that mean yes or no in the appointment's language") {
  const ReplyWords words = defaults();
  CHECK(words.meaning("Yes", "en") == ReplyMeaning::kYes);
  CHECK(words.meaning(" ok ", "en") == ReplyMeaning::kYes);
  CHECK(words.meaning("1", "") == ReplyMeaning::kYes);
  CHECK(words.meaning("cancel", "en") == ReplyMeaning::kNo);
  CHECK(words.meaning("ya", "id") == ReplyMeaning::kYes);
  CHECK(words.meaning("Iya", "id") == ReplyMeaning::kYes);
  CHECK(words.meaning("TIDAK", "id") == ReplyMeaning::kNo);
  CHECK(words.meaning("batal\n", "id") == ReplyMeaning::kNo);
  CHECK(words.meaning("Ja", "de-DE") == ReplyMeaning::kYes);
  CHECK(words.meaning("absagen", "de") == ReplyMeaning::kNo);
  CHECK(words.meaning("oui", "fr") == ReplyMeaning::kYes);
  CHECK(words.meaning("Annuler", "fr") == ReplyMeaning::kNo);
  // Accents are neither required nor in the way.
  CHECK(words.meaning("si", "es") == ReplyMeaning::kYes);
  CHECK(words.meaning("Sí", "es") == ReplyMeaning::kYes);
  CHECK(words.meaning(" SÍ ", "es") == ReplyMeaning::kYes);
  CHECK(words.meaning("Nón", "fr") == ReplyMeaning::kNo);
  // A language with no words of its own uses English's.
  CHECK(words.meaning("yes", "pt-BR") == ReplyMeaning::kYes);
}

TEST_CASE("policy: a reply that means neither changes nothing") {
  const ReplyWords words = defaults();
  CHECK(words.meaning("yes please", "en") == ReplyMeaning::kNeither);
  CHECK(words.meaning("no idea what this is", "en") == ReplyMeaning::kNeither);
  CHECK(words.meaning("ya", "en") == ReplyMeaning::kNeither);
  CHECK(words.meaning("", "en") == ReplyMeaning::kNeither);
  CHECK(words.meaning("?!", "en") == ReplyMeaning::kNeither);
  CHECK(words.meaning("JA", "id") == ReplyMeaning::kNeither);
}

TEST_CASE("policy: reply words that cannot be told apart are refused") {
  ReplyWordLists both;
  both.yes = {{"en", {"YES", "OK"}}};
  both.no = {{"en", {"NO", "ok"}}};
  CHECK(ReplyWords::create(both).error().message ==
        "no_words.en: \"ok\" would mean both yes and no");
  ReplyWordLists empty;
  empty.yes = {{"de", {"JA", "!!"}}};
  CHECK(ReplyWords::create(empty).error().message ==
        "yes_words.de: \"!!\" has no letters or digits");
  CHECK(fold_reply("  Sí ") == "si");
}

}  // namespace
}  // namespace smsgate::policy

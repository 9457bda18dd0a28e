// TextSearch: the console's search box, by a number's digits or the words of a text.
#include <doctest/doctest.h>

#include "policy/text_search.h"

namespace smsgate::policy {
namespace {

constexpr const char* kNumber = "+4917012345678";
constexpr const char* kText = "Your order #4711 is READY, Anna!";

TEST_CASE("text search: a number is found by its digits, written as people write them") {
  for (const char* query : {"4917012345", "+49 170 1234", "0170-1234", "(0170) 123 45", "5678"}) {
    CAPTURE(query);
    CHECK(TextSearch(query).matches_number(kNumber));
    CHECK(TextSearch(query).matches(kNumber, "nothing alike"));
  }
  for (const char* query : {"0049 171", "+49 171", "99", "anna"}) {
    CAPTURE(query);
    CHECK_FALSE(TextSearch(query).matches_number(kNumber));
  }
}

TEST_CASE("text search: a text is found by the start of its words, whatever the case") {
  for (const char* query : {"ready", "Ready", "ANNA", "ord", "order ready", "4711", " anna  "}) {
    CAPTURE(query);
    CHECK(TextSearch(query).matches_text(kText));
  }
  for (const char* query : {"rder", "ready bob", "#4712", "annab"}) {
    CAPTURE(query);
    CHECK_FALSE(TextSearch(query).matches_text(kText));
    CHECK_FALSE(TextSearch(query).matches("+4930999999", kText));
  }
  CHECK(TextSearch("HAUPTSTRASSE").matches_text("Hauptstraße 5"));  // full case folding
  CHECK_FALSE(TextSearch("strasse").matches_text("Hauptstraße 5"));  // not a word's start
  CHECK(TextSearch("hauptstraße").matches_text("HAUPTSTRASSE 5"));
  CHECK(TextSearch("été").matches_text("L'ÉTÉ arrive"));
  CHECK(TextSearch("привет").matches_text("Привет, мир"));
}

TEST_CASE("text search: a masked one-time password is not found by its code") {
  // The text the caller passes for an OTP is the masked one.
  CHECK_FALSE(TextSearch("123456").matches("+4917000000001", "Your code is ••••••"));
  CHECK(TextSearch("code").matches("+4917000000001", "Your code is ••••••"));
}

TEST_CASE("text search: a blank query matches everything") {
  CHECK(TextSearch("").everything());
  CHECK(TextSearch("  ").matches(kNumber, kText));
  CHECK(TextSearch("!!").matches("+1", "x"));  // no word to look for
}

}  // namespace
}  // namespace smsgate::policy

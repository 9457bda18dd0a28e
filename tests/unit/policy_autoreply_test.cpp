// Auto-reply rules, the pure part: keywords matched whole or as the first word, without
// case or accents; regexes found anywhere, case-insensitively, a broken one refused with
// ICU's reason and where, a hostile one given up on; and who may be answered at all.
#include <doctest/doctest.h>

#include "policy/autoreply.h"

namespace smsgate::policy {
namespace {

RuleMatcher rule(MatchKind kind, std::string_view pattern) {
  auto made = RuleMatcher::create(kind, pattern);
  REQUIRE_MESSAGE(made.ok(), made.error().message);
  return *made;
}

TEST_CASE("autoreply: a keyword matches the whole text or its first word") {
  const RuleMatcher hours = rule(MatchKind::kKeyword, "HOURS");
  for (std::string_view text : {"hours", "Hours?", "HOURS please", "  hóurs!", "Hours\nthanks"}) {
    CAPTURE(text);
    CHECK(hours.matches(text));
  }
  for (std::string_view text : {"opening hours", "hoursxyz", "", "what are your hours"}) {
    CAPTURE(text);
    CHECK_FALSE(hours.matches(text));
  }
  const RuleMatcher horario = rule(MatchKind::kKeyword, "Horário");
  CHECK(horario.matches("HORARIO"));
  CHECK(horario.matches("horário?"));
  const RuleMatcher two_words = rule(MatchKind::kKeyword, "opening hours");
  CHECK(two_words.matches("Opening  hours!"));
  CHECK_FALSE(two_words.matches("opening"));
}

TEST_CASE("autoreply: a regex is found anywhere, in any case") {
  const RuleMatcher open = rule(MatchKind::kRegex, "^(jam|hours)\\b");
  CHECK(open.matches("Jam berapa buka?"));
  CHECK(open.matches("HOURS today"));
  CHECK_FALSE(open.matches("what are your hours"));
  CHECK_FALSE(open.matches("jammed"));
  const RuleMatcher when = rule(MatchKind::kRegex, "when .*open");
  CHECK(when.matches("Hi, WHEN do you open?"));
  CHECK_FALSE(when.matches("open when?"));
}

TEST_CASE("autoreply: a regex that does not compile is refused with ICU's reason and where") {
  auto broken = RuleMatcher::create(MatchKind::kRegex, "(jam|hours");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().code == ErrorCode::kInvalidField);
  CHECK(broken.error().field == "match.regex");
  CHECK(broken.error().message ==
        "match.regex: does not compile: mismatched paren (at character 11)");
  auto star = RuleMatcher::create(MatchKind::kRegex, "*x");
  REQUIRE_FALSE(star.ok());
  CHECK(star.error().message.starts_with("match.regex: does not compile: rule syntax"));
  CHECK(RuleMatcher::create(MatchKind::kRegex, "  ").error().message == "match.regex: is empty");
  CHECK(RuleMatcher::create(MatchKind::kRegex, std::string(501, 'a')).error().message ==
        "match.regex: longer than 500 bytes");
  CHECK(RuleMatcher::create(MatchKind::kKeyword, " ?! ").error().message ==
        "match.keyword: has no letters or digits");
  CHECK(RuleMatcher::create(MatchKind::kKeyword, " ?! ").error().field == "match.keyword");
}

TEST_CASE("autoreply: a hostile regex gives up instead of stalling the inbox") {
  const RuleMatcher hostile = rule(MatchKind::kRegex, "^(a+)+$");
  // Exponential backtracking: without the limit this would run for ages.
  CHECK_FALSE(hostile.matches(std::string(40, 'a') + "!"));
  CHECK(hostile.matches("aaaa"));
}

TEST_CASE("autoreply: only phone numbers are answered") {
  CHECK(answerable_sender("+4917012345678", ""));
  CHECK(answerable_sender("+6281234567890", ""));
  CHECK(answerable_sender("01701234567", "DE"));  // a national form, with the region
  CHECK_FALSE(answerable_sender("01701234567", ""));
  CHECK_FALSE(answerable_sender("DHL", "DE"));
  CHECK_FALSE(answerable_sender("Bank", ""));
  CHECK_FALSE(answerable_sender("12345", "DE"));  // a short code
  CHECK_FALSE(answerable_sender("8080", "DE"));
  CHECK_FALSE(answerable_sender("+491", ""));                  // too short to be a number
  CHECK_FALSE(answerable_sender("+4917012345678901234", ""));  // too long
}

}  // namespace
}  // namespace smsgate::policy

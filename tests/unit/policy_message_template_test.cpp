#include <doctest/doctest.h>

#include "policy/message_template.h"

namespace smsgate::policy {
namespace {

TimeZone zone(const char* name) {
  auto made = TimeZone::create(name);
  REQUIRE(made);
  return *made;
}

std::string render(std::string_view text, const TemplateVariables& variables,
                   std::string_view language = "en", const char* zone_name = "Asia/Jakarta") {
  auto rendered = render_template(text, variables, language, zone(zone_name));
  REQUIRE_MESSAGE(rendered.ok(), (rendered.ok() ? "" : rendered.error().message));
  return *rendered;
}

}  // namespace

TEST_CASE("template: placeholders, time fields, the shorthands and escaped braces are parsed") {
  auto parsed = parse_template("Dear {name}, {date} {at:time} {visit_2:weekday} {{x}} {code}");
  REQUIRE(parsed);
  CHECK(*parsed == std::vector<Placeholder>{{"name", TimeField::kNone},
                                            {"at", TimeField::kDate},
                                            {"at", TimeField::kTime},
                                            {"visit_2", TimeField::kWeekday},
                                            {"code", TimeField::kNone}});
  CHECK(parse_template("no placeholders at all")->empty());
  CHECK(parse_template("")->empty());
}

TEST_CASE("template: a broken brace is refused with where it is") {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& bad :
       {Case{"Hi {name", "at character 4"}, Case{"Hi name}", "at character 8"},
        Case{"Hi {}", "no placeholder"}, Case{"Hi {1st}", "no placeholder"},
        Case{"Hi {first name}", "no placeholder"}, Case{"On {at:month}", "date, time or weekday"},
        Case{"On {at:}", "date, time or weekday"}, Case{"On {:date}", "no placeholder"}}) {
    CAPTURE(bad.text);
    auto parsed = parse_template(bad.text);
    REQUIRE(!parsed);
    CHECK(parsed.error().field == "text");
    CHECK(parsed.error().code == ErrorCode::kInvalidField);
    CHECK(parsed.error().message.find(bad.says) != std::string::npos);
  }
}

TEST_CASE("template: variables are filled in as given, braces in values stay as they are") {
  CHECK(render("Dear {name}, your order {order} is ready. {{ok}}",
               {{"name", "Anna {x}"}, {"order", "4711"}}) ==
        "Dear Anna {x}, your order 4711 is ready. {ok}");
  CHECK(render("{a}{a}{b}", {{"a", "1"}, {"b", ""}, {"unused", "z"}}) == "11");
}

TEST_CASE("template: a missing variable or a bad time names the variable, never sends {name}") {
  auto missing = render_template("Dear {name}", {}, "en", TimeZone::utc());
  REQUIRE(!missing);
  CHECK(missing.error().code == ErrorCode::kMissingField);
  CHECK(missing.error().field == "variables.name");
  auto shorthand = render_template("See you {date}", {}, "en", TimeZone::utc());
  REQUIRE(!shorthand);
  CHECK(shorthand.error().field == "variables.at");
  auto bad_time = render_template("See you {at:date}", {{"at", "tomorrow"}}, "en", TimeZone::utc());
  REQUIRE(!bad_time);
  CHECK(bad_time.error().code == ErrorCode::kInvalidField);
  CHECK(bad_time.error().field == "variables.at");
  auto no_zone =
      render_template("See you {at:date}", {{"at", "2026-12-07T10:15:00"}}, "en", TimeZone::utc());
  CHECK(!no_zone);
}

TEST_CASE("template: dates, times and weekdays in the template's language and the gateway's zone") {
  // 03:15 UTC is 10:15 in Jakarta, the same day; 23:30 UTC on Sunday is Monday there.
  const TemplateVariables at = {{"at", "2026-12-07T03:15:00Z"}, {"late", "2026-12-06T23:30:00Z"}};
  const std::string text = "{weekday} {date} {time} | {late:weekday}";
  CHECK(render(text, at, "en") == "Monday December 7, 2026 10:15\u202fAM | Monday");
  CHECK(render(text, at, "de") == "Montag 7. Dezember 2026 10:15 | Montag");
  CHECK(render(text, at, "id") == "Senin 7 Desember 2026 10.15 | Senin");
  // The same instant in Berlin is still Sunday night for the late one.
  CHECK(render("{late:weekday} {late:time}", at, "de", "Europe/Berlin") == "Montag 00:30");
  CHECK(render("{late:weekday}", at, "de", "America/New_York") == "Sonntag");
  CHECK(render("{time}", at, "") == render("{time}", at, "en"));
}

TEST_CASE("template: languages are BCP 47 tags ICU knows") {
  for (const char* good : {"en", "de", "id", "pt-BR", "ms", "zh-Hant"}) {
    CAPTURE(good);
    CHECK(valid_template_language(good));
  }
  for (const char* bad : {"", "english", "xx", "e n", "en_US!", "qq-ZZ"}) {
    CAPTURE(bad);
    CHECK(!valid_template_language(bad));
  }
}

TEST_CASE("template: variable names") {
  CHECK(valid_variable_name("name"));
  CHECK(valid_variable_name("Visit_2"));
  CHECK(!valid_variable_name(""));
  CHECK(!valid_variable_name("2nd"));
  CHECK(!valid_variable_name("first-name"));
  CHECK(!valid_variable_name(std::string(kMaxVariableNameLength + 1, 'a')));
}

}  // namespace smsgate::policy

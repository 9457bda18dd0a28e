// normalize_number: numbers as people write them in several regions, to E.164; and
// what is refused (invalid for the region, short codes, letters, garbage).
#include <doctest/doctest.h>

#include <string>

#include "policy/phone.h"

namespace smsgate::policy {
namespace {

std::string normalized(std::string_view input, std::string_view region) {
  Result<std::string> result = normalize_number(input, region);
  REQUIRE_MESSAGE(result.ok(), input << " (" << region << "): " << result.error().message);
  return *result;
}

std::string refusal(std::string_view input, std::string_view region) {
  Result<std::string> result = normalize_number(input, region);
  REQUIRE_MESSAGE(!result.ok(), input << " (" << region << ") was accepted as " << *result);
  return result.error().message;
}

TEST_CASE("phone: national forms per region become E.164") {
  struct Case {
    const char* input;
    const char* region;
    const char* e164;
  };
  const Case cases[] = {
      {"0170 1234567", "DE", "+491701234567"},  {"0170-123 45 67", "DE", "+491701234567"},
      {"(030) 1234567", "DE", "+49301234567"},  {"07911 123456", "GB", "+447911123456"},
      {"020 7946 0958", "GB", "+442079460958"}, {"(201) 555-0123", "US", "+12015550123"},
      {"201.555.0123", "US", "+12015550123"},   {"1 201 555 0123", "US", "+12015550123"},
      {"06 12 34 56 78", "FR", "+33612345678"}, {"081234 56789", "IN", "+918123456789"},
      {"81234 56789", "IN", "+918123456789"},   {"(11) 96123-4567", "BR", "+5511961234567"},
      {"091 234 56 78", "VN", "+84912345678"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(normalized(c.input, c.region) == c.e164);
  }
}

TEST_CASE("phone: international forms, whatever the default region") {
  CHECK(normalized("+49 170 1234567", "DE") == "+491701234567");
  CHECK(normalized("+49 170 1234567", "US") == "+491701234567");
  CHECK(normalized("+44 7911 123456", "") == "+447911123456");
  CHECK(normalized("+1 (201) 555-0123", "FR") == "+12015550123");
  CHECK(normalized("+55 11 96123-4567", "") == "+5511961234567");
  CHECK(normalized("+84 91 234 56 78", "VN") == "+84912345678");
  CHECK(normalized("  +33 6 12 34 56 78  ", "DE") == "+33612345678");
  CHECK(normalized("+49 (0)170 1234567", "DE") == "+491701234567");  // the German "(0)"
}

TEST_CASE("phone: a leading 00 is the international prefix") {
  CHECK(normalized("0049 170 1234567", "DE") == "+491701234567");
  CHECK(normalized("0049 170 1234567", "") == "+491701234567");
  // The US dials abroad with 011, but 00 is how Europeans write '+'.
  CHECK(normalized("0049 170 1234567", "US") == "+491701234567");
  CHECK(normalized("011 49 170 1234567", "US") == "+491701234567");
  CHECK(normalized("0044 20 7946 0958", "FR") == "+442079460958");
}

TEST_CASE("phone: numbers that are not valid for their region are refused") {
  CHECK(refusal("0170 123", "DE") == "'0170 123' is not a valid number for region DE");
  CHECK(refusal("+49 170 123", "US") == "'+49 170 123' is not a valid number for region DE");
  CHECK(refusal("(201) 555-012", "US") == "'(201) 555-012' is not a valid number for region US");
  CHECK(refusal("06 12 34 56 7", "FR") == "'06 12 34 56 7' is not a valid number for region FR");
  CHECK(refusal("+999 1234567", "DE") == "'+999 1234567': unknown country code");
  CHECK(refusal("1", "DE") == "'1' is not a phone number");
  CHECK(refusal("0170 12345678901234567", "DE").find("too long") != std::string::npos);
}

TEST_CASE("phone: a national number needs a default region") {
  CHECK(refusal("0170 1234567", "") ==
        "'0170 1234567' has no country code and no default region is configured; write it as "
        "+<country code><number>");
  CHECK(refusal("0170 1234567", "XX") == "unknown region 'XX'");
}

TEST_CASE("phone: short codes are not recipients") {
  CHECK(refusal("112", "DE") ==
        "'112' is a short code; short codes are not accepted as recipients");
  CHECK(refusal("911", "US") ==
        "'911' is a short code; short codes are not accepted as recipients");
}

TEST_CASE("phone: letters and garbage are refused") {
  CHECK(refusal("", "DE") == "empty phone number");
  CHECK(refusal("   ", "DE") == "empty phone number");
  CHECK(refusal("INFO", "DE") == "'INFO' is not a phone number: letters are not accepted");
  CHECK(refusal("1-800-FLOWERS", "US") ==
        "'1-800-FLOWERS' is not a phone number: letters are not accepted");
  CHECK(refusal("+", "DE") == "'+' is not a phone number: no digits");
  CHECK(refusal("--()", "DE") == "'--()' is not a phone number: no digits");
  CHECK(refusal("+49+170", "DE") == "'+49+170': '+' belongs only at the start");
  CHECK(refusal("0170 1234567;ext=1", "DE") ==
        "'0170 1234567;ext=1' is not a phone number: unexpected character ';'");
  CHECK(refusal("0170\n1234567", "DE").find("non-printable") != std::string::npos);
  CHECK(refusal("\xef\xbc\x91\xef\xbc\x92", "DE").find("non-ASCII") != std::string::npos);
  CHECK(refusal(std::string(100, '1'), "DE").find("too long") != std::string::npos);
}

TEST_CASE(
    "phone: a number already in E.164 gets the same answer as the same number written with a "
    "space") {
  // The space sends the second spelling through libphonenumber's full parse; the first
  // takes the shortcut for canonical input. Valid, invalid, shared and non-geographic
  // country codes, a leading zero (Italy keeps it), lengths at both ends.
  const char* numbers[] = {"+4917012345678", "+491701234567", "+4930901820",    "+12015550123",
                           "+12125550100",   "+18005550100",  "+442079460000",  "+390612345678",
                           "+3903123456",    "+79161234567",  "+886912345678",  "+80012345678",
                           "+88213012345",   "+4912",         "+999123456789",  "+4917012345678901",
                           "+9712345678",    "+35312345678",  "+2348012345678", "+61412345678"};
  for (const char* number : numbers) {
    CAPTURE(number);
    std::string spaced = std::string(number).insert(3, " ");
    auto direct = normalize_number(number, "DE");
    auto parsed = normalize_number(spaced, "DE");
    REQUIRE(direct.ok() == parsed.ok());
    if (direct.ok()) {
      CHECK(*direct == *parsed);
    } else {
      // The same verdict, each naming the input it was given.
      CHECK(direct.error().message.substr(direct.error().message.find("'", 1) + 1) ==
            parsed.error().message.substr(parsed.error().message.find("'", 1) + 1));
    }
  }
}

TEST_CASE("phone: supported regions") {
  CHECK(is_supported_region("DE"));
  CHECK(is_supported_region("VN"));
  CHECK_FALSE(is_supported_region("de"));
  CHECK_FALSE(is_supported_region("XX"));
  CHECK_FALSE(is_supported_region(""));
}

}  // namespace
}  // namespace smsgate::policy

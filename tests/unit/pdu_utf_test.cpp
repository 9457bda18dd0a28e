// Tests of src/pdu/utf (UTF-8 and big-endian UTF-16) and src/pdu/hex.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "pdu/hex.h"
#include "pdu/utf.h"

namespace smsgate::pdu {
namespace {

std::vector<uint8_t> utf16be_octets(std::u32string_view text) {
  std::u16string units;
  for (char32_t c : text) append_utf16be(units, c);
  std::vector<uint8_t> out;
  for (char16_t u : units) {
    out.push_back(static_cast<uint8_t>(u >> 8));
    out.push_back(static_cast<uint8_t>(u));
  }
  return out;
}

// The error message of a UTF-8 input that must be refused.
std::string utf8_error(std::string_view bytes) {
  auto r = utf8_to_code_points(bytes);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

bool mentions_byte(const std::string& message, size_t byte) {
  const std::string needle = "byte " + std::to_string(byte);
  const size_t at = message.find(needle);
  if (at == std::string::npos) return false;
  const size_t end = at + needle.size();
  return end == message.size() || message[end] < '0' || message[end] > '9';
}

TEST_CASE("utf8: known encodings of every length") {
  struct Case {
    std::u32string text;
    std::string utf8;
  };
  const Case cases[] = {
      {U"", ""},
      {U"A", "A"},
      {U"\x7F", "\x7F"},
      {U"\u0080", "\xC2\x80"},
      {U"\u00E9", "\xC3\xA9"},      // é
      {U"\u07FF", "\xDF\xBF"},      // last two-byte
      {U"\u0800", "\xE0\xA0\x80"},  // first three-byte
      {U"\u20AC", "\xE2\x82\xAC"},  // €
      {U"\uD7FF", "\xED\x9F\xBF"},  // just below the surrogates
      {U"\uE000", "\xEE\x80\x80"},  // just above them
      {U"\uFFFD", "\xEF\xBF\xBD"},
      {U"\uFFFF", "\xEF\xBF\xBF"},          // last three-byte
      {U"\U00010000", "\xF0\x90\x80\x80"},  // first four-byte
      {U"\U0001F600", "\xF0\x9F\x98\x80"},  // 😀
      {U"\U0010FFFF", "\xF4\x8F\xBF\xBF"},  // last code point
      {U"a\u00E9\u20AC\U0001F600z", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.utf8);
    auto decoded = utf8_to_code_points(c.utf8);
    REQUIRE(decoded.ok());
    CHECK(*decoded == c.text);
    CHECK(code_points_to_utf8(c.text) == c.utf8);
    std::string appended = "x";
    for (char32_t cp : c.text) append_utf8(appended, cp);
    CHECK(appended == "x" + c.utf8);
  }
  // U+0000 is a character like any other.
  const std::string nul("a\0b", 3);
  auto decoded = utf8_to_code_points(nul);
  REQUIRE(decoded.ok());
  CHECK(*decoded == std::u32string(U"a\0b", 3));
}

TEST_CASE("utf8: round trip of random scalar values") {
  std::mt19937 rng(8);
  std::uniform_int_distribution<uint32_t> any(0, 0x10FFFF);
  std::uniform_int_distribution<int> length(0, 40);
  size_t failures = 0;
  for (int n = 0; n < 2000; ++n) {
    std::u32string text;
    for (int k = length(rng); k > 0; --k) {
      char32_t c = any(rng);
      if (c >= 0xD800 && c <= 0xDFFF) c -= 0x800;  // no surrogates in UTF-8
      text.push_back(c);
    }
    auto back = utf8_to_code_points(code_points_to_utf8(text));
    if (!back.ok() || *back != text) ++failures;
    if (utf16be_to_code_points(utf16be_octets(text)) != text) ++failures;
  }
  CHECK(failures == 0);
  // Every boundary of every length, both ways.
  for (char32_t c :
       {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD7FFu, 0xE000u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    CAPTURE(static_cast<unsigned>(c));
    const std::u32string one(1, c);
    auto back = utf8_to_code_points(code_points_to_utf8(one));
    REQUIRE(back.ok());
    CHECK(*back == one);
  }
}

TEST_CASE("utf8: malformed input is refused with the byte position") {
  SUBCASE("overlong forms") {
    CHECK(mentions_byte(utf8_error("\xC0\x80"), 1));             // U+0000 in two bytes
    CHECK(mentions_byte(utf8_error("\xC1\xBF"), 1));             // U+007F in two bytes
    CHECK(mentions_byte(utf8_error("ab\xE0\x80\xAF"), 3));       // '/' in three bytes
    CHECK(mentions_byte(utf8_error("\xE0\x9F\xBF"), 1));         // U+07FF in three bytes
    CHECK(mentions_byte(utf8_error("xyz\xF0\x8F\xBF\xBF"), 4));  // U+FFFF in four bytes
    CHECK(mentions_byte(utf8_error("\xF0\x80\x80\x80"), 1));
  }
  SUBCASE("surrogates encoded in UTF-8") {
    CHECK(mentions_byte(utf8_error("\xED\xA0\x80"), 1));   // U+D800
    CHECK(mentions_byte(utf8_error("\xED\xAF\xBF"), 1));   // U+DBFF
    CHECK(mentions_byte(utf8_error("a\xED\xB0\x80"), 2));  // U+DC00
    CHECK(mentions_byte(utf8_error("\xED\xBF\xBF"), 1));   // U+DFFF
    // A CESU-8 style pair: both halves are surrogates.
    CHECK(mentions_byte(utf8_error("\xED\xA0\xBD\xED\xB8\x80"), 1));
  }
  SUBCASE("truncated sequences") {
    CHECK(mentions_byte(utf8_error("\xC3"), 1));
    CHECK(mentions_byte(utf8_error("abc\xE2\x82"), 4));
    CHECK(mentions_byte(utf8_error("\xF0\x9F\x98"), 1));
    CHECK(mentions_byte(utf8_error("\xF0"), 1));
    // A sequence cut short by the next character: the byte that is not a continuation.
    CHECK(mentions_byte(utf8_error("\xC3"
                                   "A"),
                        2));
    CHECK(mentions_byte(utf8_error("\xE2\x82"
                                   "A"),
                        3));
    CHECK(mentions_byte(utf8_error("ok \xF0\x9F\x98 no"), 7));
    CHECK(mentions_byte(utf8_error("\xE2\xE2\x82\xAC"), 2));
  }
  SUBCASE("stray continuation bytes and impossible bytes") {
    CHECK(mentions_byte(utf8_error("\x80"), 1));
    CHECK(mentions_byte(utf8_error("abc\xBF"), 4));
    CHECK(mentions_byte(utf8_error("\xC3\xA9\xA9"), 3));
    CHECK(mentions_byte(utf8_error("\xF8\x88\x80\x80\x80"), 1));
    CHECK(mentions_byte(utf8_error("\xFC\x84\x80\x80\x80\x80"), 1));
    CHECK(mentions_byte(utf8_error("\xFE"), 1));
    CHECK(mentions_byte(utf8_error("ab\xFF"), 3));
  }
  SUBCASE("beyond U+10FFFF") {
    CHECK(mentions_byte(utf8_error("\xF4\x90\x80\x80"), 1));  // U+110000
    CHECK(mentions_byte(utf8_error("a\xF5\x80\x80\x80"), 2));
    CHECK(mentions_byte(utf8_error("\xF7\xBF\xBF\xBF"), 1));  // U+1FFFFF
  }
  SUBCASE("the error says what it is") {
    CHECK(utf8_error("\xC3").find("UTF-8") != std::string::npos);
    CHECK(utf8_error("\x80").find("UTF-8") != std::string::npos);
  }
}

TEST_CASE("utf8: every single byte and every two-byte prefix is handled") {
  // Exhaustive over the first two bytes: no crash, and acceptance exactly when the
  // bytes are a complete well-formed sequence on their own.
  for (int a = 0; a < 256; ++a) {
    const std::string one(1, static_cast<char>(a));
    CHECK(utf8_to_code_points(one).ok() == (a < 0x80));
    for (int b = 0; b < 256; ++b) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      const bool ascii_pair = a < 0x80 && b < 0x80;
      const bool two_byte = a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF;
      const bool ok = utf8_to_code_points(two).ok();
      if (ok != (ascii_pair || two_byte)) {
        CAPTURE(a);
        CAPTURE(b);
        CHECK(ok == (ascii_pair || two_byte));
      }
    }
  }
}

TEST_CASE("utf16: big-endian with surrogate pairs") {
  std::u16string units;
  append_utf16be(units, U'A');
  append_utf16be(units, U'\u20AC');
  append_utf16be(units, U'\U0001F600');
  append_utf16be(units, U'\U00010000');
  append_utf16be(units, U'\U0010FFFF');
  CHECK(units == u"A\u20AC\U0001F600\U00010000\U0010FFFF");
  REQUIRE(units.size() == 8);
  CHECK(units[2] == 0xD83D);
  CHECK(units[3] == 0xDE00);
  CHECK(units[4] == 0xD800);
  CHECK(units[5] == 0xDC00);
  CHECK(units[6] == 0xDBFF);
  CHECK(units[7] == 0xDFFF);
  CHECK(needs_surrogate_pair(U'\U00010000'));
  CHECK_FALSE(needs_surrogate_pair(U'\uFFFF'));

  CHECK(to_hex(utf16be_octets(U"A\u20AC\U0001F600")) == "004120ACD83DDE00");
  const std::vector<uint8_t> octets = *from_hex("004120ACD83DDE00");
  CHECK(utf16be_to_code_points(octets) == U"A\u20AC\U0001F600");
  CHECK(utf16be_to_code_points({}).empty());
}

TEST_CASE("utf16: unpaired surrogates become U+FFFD") {
  auto decode = [](std::string_view hex) {
    auto octets = from_hex(hex);
    REQUIRE(octets.ok());
    return utf16be_to_code_points(*octets);
  };
  CHECK(decode("D83D") == U"\uFFFD");  // high at the end
  CHECK(decode("0041D83D") == U"A\uFFFD");
  CHECK(decode("DE00") == U"\uFFFD");  // low alone
  CHECK(decode("DE000041") ==
        U"\uFFFD"
        U"A");
  CHECK(decode("D83D0041") ==
        U"\uFFFD"
        U"A");                                           // high followed by a non-surrogate
  CHECK(decode("D83DD83DDE00") == U"\uFFFD\U0001F600");  // high, then a whole pair
  CHECK(decode("DE00D83D") == U"\uFFFD\uFFFD");          // low then high: reversed pair
  CHECK(decode("DBFFDFFF") == U"\U0010FFFF");
  CHECK(decode("D800DC00") == U"\U00010000");
  // The split a phone may make: a pair cut across two parts.
  CHECK(decode("0061D83D") + decode("DE000062") == U"a\uFFFD\uFFFDb");
  // U+FFFD and the private use area are not surrogates.
  CHECK(decode("FFFDE000") == U"\uFFFD\uE000");
}

TEST_CASE("hex: to and from") {
  const std::vector<uint8_t> octets{0x00, 0x01, 0x7F, 0x80, 0xAB, 0xCD, 0xEF, 0xFF};
  CHECK(to_hex(octets) == "00017F80ABCDEFFF");
  CHECK(to_hex({}) == "");
  CHECK(*from_hex("00017F80ABCDEFFF") == octets);
  CHECK(*from_hex("00017f80abcdefff") == octets);  // lower case
  CHECK(*from_hex("00017F80aBcDeFfF") == octets);  // mixed
  CHECK(from_hex("").ok());
  CHECK(from_hex("")->empty());
  // Every octet value round trips.
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  CHECK(*from_hex(to_hex(all)) == all);

  SUBCASE("odd lengths") {
    auto r = from_hex("ABC");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("odd") != std::string::npos);
    CHECK(r.error().message.find('3') != std::string::npos);
    CHECK_FALSE(from_hex("0").ok());
  }
  SUBCASE("non-hex characters, with their position") {
    auto g = from_hex("0G");
    REQUIRE_FALSE(g.ok());
    CHECK(g.error().message.find("character 2") != std::string::npos);
    auto space = from_hex("AB CD");  // odd length wins
    CHECK_FALSE(space.ok());
    auto first = from_hex("x0");
    REQUIRE_FALSE(first.ok());
    CHECK(first.error().message.find("character 1") != std::string::npos);
    auto later = from_hex("0011Z2");
    REQUIRE_FALSE(later.ok());
    CHECK(later.error().message.find("character 5") != std::string::npos);
    for (std::string_view bad :
         {"0x", "g0", "@0", "0/", ":0", "0`", "G0", "  ", "0\n", "-1", "+1", "\xC3\xA9"}) {
      CAPTURE(bad);
      CHECK_FALSE(from_hex(bad).ok());
    }
  }
}

}  // namespace
}  // namespace smsgate::pdu

// Tests of src/pdu/planner: encoding choice, national language tables, transliteration
// and the split into parts. Capacities follow TS 23.040 clause 9.2.3.16 (140 octets of
// user data, 160 septets) and 9.2.3.24 (the user data header and its fill bits).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pdu/gsm7.h"
#include "pdu/gsm7_tables.h"
#include "pdu/planner.h"
#include "pdu/utf.h"
#include "pdu_test_support.h"

namespace smsgate::pdu {
namespace {

using testing::octets_of;
using testing::part_text;
using testing::plan_of;

std::u32string repeat(char32_t c, size_t n) { return std::u32string(n, c); }

std::string utf8(std::u32string_view text) { return code_points_to_utf8(text); }

std::u32string joined(const Plan& plan) {
  std::u32string out;
  for (const auto& part : plan.parts) out += part_text(plan, part);
  return out;
}

// Octets of user data header (UDHL included) for the options, computed here from
// TS 23.040 9.2.3.24.1 / .8 / .15 / .16 rather than taken from the planner.
size_t expected_header_octets(bool concatenated, bool ref16, Gsm7Tables tables, Encoding e) {
  size_t ies = 0;
  if (concatenated) ies += ref16 ? 6 : 5;
  if (e == Encoding::kGsm7 && tables.locking != Language::kDefault) ies += 3;
  if (e == Encoding::kGsm7 && tables.single != Language::kDefault) ies += 3;
  return ies == 0 ? 0 : ies + 1;
}

// Units one part can carry: 160 septets less the septets the header and its fill bits
// take, or 140 octets less the header, in UTF-16 code units.
size_t expected_capacity(Encoding e, size_t header_octets) {
  if (e == Encoding::kGsm7) return header_octets == 0 ? 160 : 160 - (8 * header_octets + 6) / 7;
  return (140 - header_octets) / 2;
}

// Septets of `c` under a table pair, computed from the tables: 1, 2 or 0 (not carried).
int table_cost(char32_t c, Gsm7Tables tables) {
  if (c == kNoChar) return 0;
  const Gsm7Table* locking = locking_shift_table(tables.locking);
  const Gsm7Table* single = single_shift_table(tables.single);
  if (locking == nullptr || single == nullptr) return 0;
  if (std::find(locking->begin(), locking->end(), c) != locking->end()) return 1;
  if (std::find(single->begin(), single->end(), c) != single->end()) return 2;
  return 0;
}

bool in_default_alphabet(char32_t c) { return table_cost(c, {}) != 0; }

// Parts a greedy split needs for atoms of the given widths.
size_t greedy_parts(const std::vector<size_t>& widths, size_t capacity) {
  size_t parts = 1;
  size_t used = 0;
  for (size_t w : widths) {
    if (used + w > capacity) {
      ++parts;
      used = 0;
    }
    used += w;
  }
  return parts;
}

// Parts the text takes in GSM-7 under `tables`, or nullopt when they cannot carry it.
std::optional<size_t> gsm7_parts(std::u32string_view text, Gsm7Tables tables, bool ref16) {
  std::vector<size_t> widths;
  size_t total = 0;
  for (char32_t c : text) {
    int cost = table_cost(c, tables);
    if (cost == 0) return std::nullopt;
    widths.push_back(static_cast<size_t>(cost));
    total += static_cast<size_t>(cost);
  }
  const size_t single = expected_capacity(
      Encoding::kGsm7, expected_header_octets(false, ref16, tables, Encoding::kGsm7));
  if (total <= single) return 1;
  return greedy_parts(
      widths, expected_capacity(Encoding::kGsm7,
                                expected_header_octets(true, ref16, tables, Encoding::kGsm7)));
}

size_t ucs2_parts(std::u32string_view text, bool ref16) {
  std::vector<size_t> widths;
  size_t total = 0;
  for (char32_t c : text) {
    widths.push_back(c > 0xFFFF ? 2 : 1);
    total += widths.back();
  }
  if (total <= 70) return 1;
  return greedy_parts(widths, ref16 ? 66 : 67);
}

// The table pairs a plan may use, in the planner's documented order of preference.
std::vector<Gsm7Tables> candidates(const std::vector<Language>& languages) {
  std::vector<Gsm7Tables> out{{}};
  for (Language l : languages) {
    const bool locking = locking_shift_table(l) != nullptr;
    const bool single = single_shift_table(l) != nullptr;
    if (single) out.push_back({Language::kDefault, l});
    if (locking) out.push_back({l, Language::kDefault});
    if (locking && single) out.push_back({l, l});
  }
  return out;
}

// Every structural property a plan must have; returns the first one broken, or "".
std::string violation(const Plan& plan) {
  if (plan.parts.empty()) return "no parts";
  const size_t header =
      expected_header_octets(plan.concatenated(), plan.ref16, plan.tables, plan.encoding);
  if (plan.header_octets() != header) {
    return "header_octets " + std::to_string(plan.header_octets()) + ", expected " +
           std::to_string(header);
  }
  if (plan.units_per_part != expected_capacity(plan.encoding, header)) {
    return "units_per_part " + std::to_string(plan.units_per_part);
  }
  if (plan.encoding == Encoding::kUcs2 && !(plan.tables == Gsm7Tables{})) return "tables on UCS-2";
  size_t characters = 0;
  size_t total_units = 0;
  for (size_t i = 0; i < plan.parts.size(); ++i) {
    const PlannedPart& part = plan.parts[i];
    const std::string where = " in part " + std::to_string(i + 1);
    if (part.units > plan.units_per_part) return "units over capacity" + where;
    if (plan.concatenated() && part.units == 0) return "empty part" + where;
    const size_t unit_octets = plan.encoding == Encoding::kGsm7 ? 1 : 2;
    if (part.payload.size() != part.units * unit_octets) return "payload size" + where;
    if (part_text(plan, part).size() != part.characters) return "characters" + where;
    characters += part.characters;
    total_units += part.units;
    if (plan.encoding == Encoding::kGsm7) {
      for (size_t k = 0; k < part.payload.size(); ++k) {
        if (part.payload[k] > 0x7F) return "septet over 0x7F" + where;
        if (part.payload[k] == kEscape) {
          if (k + 1 == part.payload.size()) return "lone escape at the end" + where;
          ++k;
        }
      }
    } else if (!part.payload.empty()) {
      const unsigned first = part.payload[0] << 8 | part.payload[1];
      const unsigned last = part.payload[part.payload.size() - 2] << 8 | part.payload.back();
      if (first >= 0xDC00 && first <= 0xDFFF) return "starts with a low surrogate" + where;
      if (last >= 0xD800 && last <= 0xDBFF) return "ends with a high surrogate" + where;
    }
    // Greedy fill: a part that is not the last could not take the next character.
    if (i + 1 < plan.parts.size()) {
      const auto& next = plan.parts[i + 1].payload;
      if (next.empty()) return "empty next part";
      size_t width;
      if (plan.encoding == Encoding::kGsm7) {
        width = next[0] == kEscape ? 2 : 1;
      } else {
        const unsigned u = next[0] << 8 | next[1];
        width = u >= 0xD800 && u <= 0xDBFF ? 2 : 1;
      }
      if (part.units + width <= plan.units_per_part) return "part not filled" + where;
    }
  }
  if (characters != plan.text.size()) return "characters sum to " + std::to_string(characters);
  if (joined(plan) != plan.text) return "parts do not join to the text";
  const size_t single = expected_capacity(
      plan.encoding, expected_header_octets(false, plan.ref16, plan.tables, plan.encoding));
  if (plan.concatenated() != (total_units > single)) return "concatenated without need (or not)";
  if (plan.units_left != plan.units_per_part - plan.parts.back().units) return "units_left";
  if (plan.parts.size() > 255) return "more than 255 parts";
  return "";
}

#define CHECK_PLAN(plan)                        \
  do {                                          \
    const std::string broken = violation(plan); \
    CHECK_MESSAGE(broken.empty(), broken);      \
  } while (0)

// ---------------------------------------------------------------------------------

TEST_CASE("planner: empty text") {
  Plan p = plan_of(U"");
  CHECK(p.encoding == Encoding::kGsm7);
  REQUIRE(p.parts.size() == 1);
  CHECK(p.parts[0].payload.empty());
  CHECK(p.parts[0].characters == 0);
  CHECK(p.parts[0].units == 0);
  CHECK(p.units_per_part == 160);
  CHECK(p.units_left == 160);
  CHECK_FALSE(p.concatenated());
  CHECK(p.header_octets() == 0);
  CHECK(p.text.empty());
  CHECK(p.not_in_gsm7.empty());
  CHECK(p.transliterations.empty());
  CHECK_PLAN(p);

  PlanOptions ucs2;
  ucs2.encoding = EncodingChoice::kUcs2;
  Plan u = plan_of(U"", ucs2);
  CHECK(u.encoding == Encoding::kUcs2);
  REQUIRE(u.parts.size() == 1);
  CHECK(u.units_left == 70);
  CHECK_PLAN(u);
}

TEST_CASE("planner: GSM-7 part boundaries") {
  SUBCASE("160 characters are one part") {
    Plan p = plan_of(repeat(U'a', 160));
    CHECK(p.encoding == Encoding::kGsm7);
    CHECK(p.tables == Gsm7Tables{});
    REQUIRE(p.parts.size() == 1);
    CHECK(p.parts[0].units == 160);
    CHECK(p.parts[0].characters == 160);
    CHECK(p.units_per_part == 160);
    CHECK(p.units_left == 0);
    CHECK(p.header_octets() == 0);
    CHECK_PLAN(p);
  }
  SUBCASE("161 characters are 153 + 8") {
    Plan p = plan_of(repeat(U'a', 161));
    REQUIRE(p.parts.size() == 2);
    CHECK(p.concatenated());
    CHECK(p.parts[0].units == 153);
    CHECK(p.parts[1].units == 8);
    CHECK(p.parts[0].characters == 153);
    CHECK(p.parts[1].characters == 8);
    CHECK(p.units_per_part == 153);
    CHECK(p.units_left == 145);
    CHECK(p.header_octets() == 6);
    CHECK_PLAN(p);
  }
  SUBCASE("306 and 307 characters") {
    CHECK(plan_of(repeat(U'x', 306)).parts.size() == 2);
    Plan p = plan_of(repeat(U'x', 307));
    CHECK(p.parts.size() == 3);
    CHECK(p.units_left == 152);
  }
  SUBCASE("a 16-bit reference leaves 152 septets a part") {
    PlanOptions o;
    o.ref16 = true;
    Plan one = plan_of(repeat(U'a', 160), o);
    CHECK(one.parts.size() == 1);
    CHECK(one.units_per_part == 160);  // no header on a single part
    CHECK(one.header_octets() == 0);
    Plan p = plan_of(repeat(U'a', 161), o);
    REQUIRE(p.parts.size() == 2);
    CHECK(p.ref16);
    CHECK(p.parts[0].units == 152);
    CHECK(p.parts[1].units == 9);
    CHECK(p.units_per_part == 152);
    CHECK(p.units_left == 143);
    CHECK(p.header_octets() == 7);
    CHECK_PLAN(p);
  }
  SUBCASE("extension characters count two septets") {
    Plan p = plan_of(repeat(U'\u20AC', 80));  // 160 septets
    CHECK(p.parts.size() == 1);
    CHECK(p.parts[0].characters == 80);
    CHECK(p.units_left == 0);
    Plan q = plan_of(repeat(U'\u20AC', 80) + U"a");  // 161 septets
    CHECK(q.parts.size() == 2);
    CHECK_PLAN(q);
  }
  SUBCASE("a text ending in @ or CR keeps it, exactly") {
    Plan p = plan_of(U"abc@");
    REQUIRE(p.parts.size() == 1);
    CHECK(p.parts[0].payload == std::vector<uint8_t>{0x61, 0x62, 0x63, 0x00});
    Plan q = plan_of(U"abc\r");
    CHECK(q.parts[0].payload == std::vector<uint8_t>{0x61, 0x62, 0x63, 0x0D});
    Plan seven = plan_of(repeat(U'a', 7));  // no CR padding added
    CHECK(seven.parts[0].units == 7);
  }
}

TEST_CASE("planner: an escape sequence never straddles a part boundary") {
  SUBCASE("the 153rd septet would be the escape: the character moves") {
    // 152 letters, then '{' (escape + 0x28) at septets 153-154, then 8 letters.
    const std::u32string text = repeat(U'a', 152) + U"{" + repeat(U'b', 8);
    Plan p = plan_of(text);
    REQUIRE(p.parts.size() == 2);
    CHECK(p.parts[0].units == 152);
    CHECK(p.parts[0].characters == 152);
    CHECK(p.parts[1].units == 10);
    CHECK(p.parts[1].characters == 9);
    REQUIRE(p.parts[1].payload.size() >= 2);
    CHECK(p.parts[1].payload[0] == kEscape);
    CHECK(p.parts[1].payload[1] == 0x28);
    CHECK(p.units_left == 143);
    CHECK(joined(p) == text);
    CHECK_PLAN(p);
  }
  SUBCASE("the escape at septet 152 fits with its character at 153") {
    const std::u32string text = repeat(U'a', 151) + U"\u20AC" + repeat(U'b', 8);
    Plan p = plan_of(text);
    REQUIRE(p.parts.size() == 2);
    CHECK(p.parts[0].units == 153);
    CHECK(p.parts[0].payload[151] == kEscape);
    CHECK(p.parts[0].payload[152] == 0x65);
    CHECK(p.parts[1].units == 8);
    CHECK_PLAN(p);
  }
  SUBCASE("with a 16-bit reference the boundary is at 152") {
    PlanOptions o;
    o.ref16 = true;
    const std::u32string text = repeat(U'a', 151) + U"]" + repeat(U'b', 8);
    Plan p = plan_of(text, o);
    REQUIRE(p.parts.size() == 2);
    CHECK(p.parts[0].units == 151);
    CHECK(p.parts[1].payload[0] == kEscape);
    CHECK(p.parts[1].payload[1] == 0x3E);
    CHECK_PLAN(p);
  }
  SUBCASE("every extension character at every offset around the boundary") {
    for (char32_t ext : {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'\u20AC'}) {
      for (size_t before = 148; before <= 156; ++before) {
        CAPTURE(static_cast<unsigned>(ext));
        CAPTURE(before);
        const std::u32string text =
            repeat(U'z', before) + std::u32string(1, ext) + repeat(U'y', 20);
        Plan p = plan_of(text);
        CHECK(joined(p) == text);
        CHECK_PLAN(p);
      }
    }
  }
  SUBCASE("an all-extension text") {
    Plan p = plan_of(repeat(U'|', 500));
    CHECK(p.parts.size() == 7);  // 76 characters (152 septets) a part
    CHECK(p.parts[0].units == 152);
    CHECK(p.parts[0].characters == 76);
    CHECK_PLAN(p);
  }
}

TEST_CASE("planner: UCS-2 part boundaries") {
  const char32_t zhe = U'\u0416';  // Ж
  SUBCASE("70 units are one part, 71 are 67 + 4") {
    Plan p = plan_of(repeat(zhe, 70));
    CHECK(p.encoding == Encoding::kUcs2);
    REQUIRE(p.parts.size() == 1);
    CHECK(p.units_per_part == 70);
    CHECK(p.units_left == 0);
    CHECK(p.parts[0].payload.size() == 140);
    CHECK(p.parts[0].payload[0] == 0x04);
    CHECK(p.parts[0].payload[1] == 0x16);
    CHECK_PLAN(p);
    Plan q = plan_of(repeat(zhe, 71));
    REQUIRE(q.parts.size() == 2);
    CHECK(q.parts[0].units == 67);
    CHECK(q.parts[1].units == 4);
    CHECK(q.units_per_part == 67);
    CHECK(q.units_left == 63);
    CHECK(q.header_octets() == 6);
    CHECK_PLAN(q);
  }
  SUBCASE("a 16-bit reference leaves 66 units a part") {
    PlanOptions o;
    o.ref16 = true;
    Plan q = plan_of(repeat(zhe, 71), o);
    REQUIRE(q.parts.size() == 2);
    CHECK(q.parts[0].units == 66);
    CHECK(q.parts[1].units == 5);
    CHECK(q.units_per_part == 66);
    CHECK(q.header_octets() == 7);
    CHECK_PLAN(q);
  }
  SUBCASE("an emoji at units 67-68 moves whole to the next part") {
    const std::u32string text = repeat(zhe, 66) + U"\U0001F600" + repeat(zhe, 3);  // 71 units
    Plan p = plan_of(text);
    REQUIRE(p.parts.size() == 2);
    CHECK(p.parts[0].units == 66);
    CHECK(p.parts[0].characters == 66);
    CHECK(p.parts[1].units == 5);
    CHECK(p.parts[1].characters == 4);
    CHECK(p.parts[1].payload[0] == 0xD8);
    CHECK(p.parts[1].payload[1] == 0x3D);
    CHECK(p.parts[1].payload[2] == 0xDE);
    CHECK(p.parts[1].payload[3] == 0x00);
    CHECK(p.units_left == 62);
    CHECK(joined(p) == text);
    CHECK_PLAN(p);
  }
  SUBCASE("an emoji at units 66-67 fits") {
    const std::u32string text = repeat(zhe, 65) + U"\U0001F600" + repeat(zhe, 4);
    Plan p = plan_of(text);
    REQUIRE(p.parts.size() == 2);
    CHECK(p.parts[0].units == 67);
    CHECK(p.parts[1].units == 4);
    CHECK_PLAN(p);
  }
  SUBCASE("emoji count two units; 35 fill one part") {
    Plan p = plan_of(repeat(U'\U0001F600', 35));
    CHECK(p.parts.size() == 1);
    CHECK(p.units_left == 0);
    CHECK(p.parts[0].characters == 35);
    Plan q = plan_of(repeat(U'\U0001F600', 36));
    REQUIRE(q.parts.size() == 2);
    CHECK(q.parts[0].units == 66);  // 33 emoji; the 34th would straddle 67/68
    CHECK(q.parts[1].units == 6);
    CHECK_PLAN(q);
  }
  SUBCASE("NUL is not @: a text with U+0000 is UCS-2") {
    Plan p = plan_of(std::u32string(U"a\0b", 3));
    CHECK(p.encoding == Encoding::kUcs2);
    CHECK(p.not_in_gsm7 == std::u32string(1, U'\0'));
    CHECK(p.parts[0].payload == std::vector<uint8_t>{0x00, 0x61, 0x00, 0x00, 0x00, 0x62});
  }
  SUBCASE("UCS-2 on request") {
    PlanOptions o;
    o.encoding = EncodingChoice::kUcs2;
    Plan p = plan_of(U"hello", o);
    CHECK(p.encoding == Encoding::kUcs2);
    CHECK(p.parts[0].units == 5);
    CHECK(p.units_left == 65);
    CHECK(p.not_in_gsm7.empty());
    CHECK_PLAN(p);
  }
}

TEST_CASE("planner: what forced UCS-2") {
  Plan p = plan_of(
      U"Caf\u00E9 \u043F\u0440\u0438\u0432\u0435\u0442 \u043F\u043E\u043A\u0430 \u4E2D "
      U"\U0001F600\U0001F600");
  CHECK(p.encoding == Encoding::kUcs2);
  // Distinct, in order of appearance; é is in the default alphabet.
  CHECK(p.not_in_gsm7 == U"\u043F\u0440\u0438\u0432\u0435\u0442\u043E\u043A\u0430\u4E2D\U0001F600");
  CHECK(p.text ==
        U"Caf\u00E9 \u043F\u0440\u0438\u0432\u0435\u0442 \u043F\u043E\u043A\u0430 \u4E2D "
        U"\U0001F600\U0001F600");
  CHECK_PLAN(p);
}

TEST_CASE("planner: the encoding is forced") {
  SUBCASE("GSM-7 on Cyrillic names the character and its position") {
    PlanOptions o;
    o.encoding = EncodingChoice::kGsm7;
    auto r = plan_text(U"abc\u0416d", o);
    REQUIRE_FALSE(r.ok());
    const std::string& m = r.error().message;
    CHECK(m.find("U+0416") != std::string::npos);
    CHECK(m.find("\xD0\x96") != std::string::npos);  // Ж in UTF-8
    CHECK(m.find("position 4") != std::string::npos);
    CHECK(m.find("GSM") != std::string::npos);
  }
  SUBCASE("the first offending character is named") {
    PlanOptions o;
    o.encoding = EncodingChoice::kGsm7;
    auto r = plan_text(U"\u00E9\u00E9\U0001F600\u0416", o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("U+1F600") != std::string::npos);
    CHECK(r.error().message.find("position 3") != std::string::npos);
  }
  SUBCASE("GSM-7 with the allowed languages") {
    PlanOptions o;
    o.encoding = EncodingChoice::kGsm7;
    o.languages = {Language::kTurkish};
    Plan p = plan_of(U"\u015Fa", o);
    CHECK(p.encoding == Encoding::kGsm7);
    CHECK(p.tables.single == Language::kTurkish);
    auto r = plan_text(U"\u015F\u00AA", o);  // ª is Portuguese only
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("U+00AA") != std::string::npos);
    CHECK(r.error().message.find("position 2") != std::string::npos);
  }
  SUBCASE("GSM-7 on a text that is GSM-7 anyway") {
    PlanOptions o;
    o.encoding = EncodingChoice::kGsm7;
    Plan p = plan_of(U"plain {text}", o);
    CHECK(p.encoding == Encoding::kGsm7);
    CHECK_PLAN(p);
  }
}

TEST_CASE("planner: national language tables") {
  const std::u32string turkish = U"Ho\u015F geldiniz, g\u00FCzel \u011Fehir, \u0131\u015F\u0131k";
  SUBCASE("without languages a Turkish text is UCS-2") {
    Plan p = plan_of(turkish);
    CHECK(p.encoding == Encoding::kUcs2);
    CHECK(p.not_in_gsm7 == U"\u015F\u011F\u0131");
  }
  SUBCASE("with Turkish it is GSM-7 with one language IE") {
    PlanOptions o;
    o.languages = {Language::kTurkish};
    Plan p = plan_of(turkish, o);
    CHECK(p.encoding == Encoding::kGsm7);
    CHECK(p.not_in_gsm7.empty());
    // A short text: every Turkish pair fits one part; the simplest that does is kept.
    CHECK(p.tables == Gsm7Tables{Language::kDefault, Language::kTurkish});
    CHECK(p.header_octets() == 4);   // UDHL + 24 01 01
    CHECK(p.units_per_part == 155);  // (140 - 4) * 8 / 7
    CHECK(joined(p) == turkish);
    CHECK_PLAN(p);
  }
  SUBCASE("the locking shift wins when it saves parts") {
    PlanOptions o;
    o.languages = {Language::kTurkish};
    Plan p = plan_of(repeat(U'\u015F', 155), o);  // 155 septets locked, 310 shifted
    CHECK(p.encoding == Encoding::kGsm7);
    CHECK(p.tables == Gsm7Tables{Language::kTurkish, Language::kDefault});
    REQUIRE(p.parts.size() == 1);
    CHECK(p.units_per_part == 155);
    CHECK(p.units_left == 0);
    CHECK(p.parts[0].payload == std::vector<uint8_t>(155, 0x1D));
    CHECK_PLAN(p);
    Plan q = plan_of(repeat(U'\u015F', 156), o);
    CHECK(q.tables == Gsm7Tables{Language::kTurkish, Language::kDefault});
    REQUIRE(q.parts.size() == 2);
    CHECK(q.header_octets() == 9);   // UDHL + 00 03 r n i + 25 01 01
    CHECK(q.units_per_part == 149);  // 160 - ceil(9 * 8 / 7)
    CHECK(q.parts[0].units == 149);
    CHECK(q.parts[1].units == 7);
    CHECK_PLAN(q);
  }
  SUBCASE("two language IEs: 152 septets in a single part") {
    // ª is only in the Portuguese locking table, Φ only in the default alphabet and
    // the Portuguese single-shift table: only the pair (pt, pt) carries both.
    PlanOptions o;
    o.languages = {Language::kPortuguese};
    Plan p = plan_of(U"\u00AA\u03A6", o);
    CHECK(p.encoding == Encoding::kGsm7);
    CHECK(p.tables == Gsm7Tables{Language::kPortuguese, Language::kPortuguese});
    CHECK(p.header_octets() == 7);
    CHECK(p.units_per_part == 152);
    CHECK(p.parts[0].payload == std::vector<uint8_t>{0x12, kEscape, 0x12});
    CHECK_PLAN(p);
    // 149 ª + Φ = 151 septets: one part; 150 ª + Φ = 152: one part; 151 ª + Φ: two.
    CHECK(plan_of(repeat(U'\u00AA', 150) + U"\u03A6", o).parts.size() == 1);
    Plan two = plan_of(repeat(U'\u00AA', 151) + U"\u03A6", o);
    CHECK(two.parts.size() == 2);
    CHECK(two.header_octets() == 12);
    CHECK(two.units_per_part == 146);  // 160 - ceil(12 * 8 / 7)
    CHECK_PLAN(two);
  }
  SUBCASE("with a 16-bit reference") {
    PlanOptions o;
    o.languages = {Language::kTurkish};
    o.ref16 = true;
    Plan q = plan_of(repeat(U'\u015F', 156), o);
    CHECK(q.header_octets() == 10);
    CHECK(q.units_per_part == 148);  // 160 - ceil(10 * 8 / 7)
    CHECK_PLAN(q);
  }
  SUBCASE("a plain GSM-7 text stays on the default tables") {
    PlanOptions o;
    o.languages = {Language::kTurkish, Language::kSpanish, Language::kPortuguese};
    for (const std::u32string& text :
         {std::u32string(U"Your appointment is at 10:30 tomorrow. Reply YES to confirm."),
          repeat(U'a', 160), repeat(U'a', 161), repeat(U'a', 1000), std::u32string(U"")}) {
      Plan p = plan_of(text, o);
      CHECK(p.encoding == Encoding::kGsm7);
      CHECK(p.tables == Gsm7Tables{});
      CHECK(p.header_octets() == (p.concatenated() ? 6u : 0u));
      CHECK_PLAN(p);
    }
  }
  SUBCASE("Spanish has no locking shift") {
    PlanOptions o;
    o.languages = {Language::kSpanish};
    Plan p = plan_of(U"Ma\u00F1ana a las 10:30, cami\u00F3n n\u00FAmero 3", o);
    CHECK(p.encoding == Encoding::kGsm7);
    CHECK(p.tables == Gsm7Tables{Language::kDefault, Language::kSpanish});
    CHECK(p.units_per_part == 155);
    CHECK_PLAN(p);
    // Even when a locking table would save parts, there is none to use.
    Plan long_text = plan_of(repeat(U'\u00E1', 100), o);
    CHECK(long_text.tables == Gsm7Tables{Language::kDefault, Language::kSpanish});
    CHECK(long_text.parts.size() == 2);  // 200 septets, 149 a part
    CHECK(long_text.units_per_part == 149);
    CHECK_PLAN(long_text);
  }
  SUBCASE("languages that cannot help leave the text UCS-2") {
    PlanOptions o;
    o.languages = {Language::kSpanish};
    Plan p = plan_of(U"\u015F", o);
    CHECK(p.encoding == Encoding::kUcs2);
    CHECK(p.not_in_gsm7 == U"\u015F");
  }
}

TEST_CASE("planner: transliteration is off by default") {
  Plan p = plan_of(U"It\u2019s here");
  CHECK(p.encoding == Encoding::kUcs2);
  CHECK(p.not_in_gsm7 == U"\u2019");
  CHECK(p.text == U"It\u2019s here");
  CHECK(p.transliterations.empty());
}

// Every character after a replaced one stays in Plan::text (a bug once lost them).
TEST_CASE("planner: transliteration replaces typographic characters") {
  PlanOptions o;
  o.transliterate = true;
  SUBCASE("each replacement") {
    struct Case {
      char32_t from;
      std::u32string to;
    };
    const Case cases[] = {
        {U'\u2019', U"'"}, {U'\u2018', U"'"}, {U'\u201C', U"\""},  {U'\u201D', U"\""},
        {U'\u2013', U"-"}, {U'\u2014', U"-"}, {U'\u2026', U"..."}, {U'\u00A0', U" "},
    };
    for (const auto& c : cases) {
      CAPTURE(static_cast<unsigned>(c.from));
      Plan p = plan_of(U"a" + std::u32string(1, c.from) + U"b", o);
      CHECK(p.encoding == Encoding::kGsm7);
      CHECK(p.text == U"a" + c.to + U"b");
      REQUIRE(p.transliterations.size() == 1);
      CHECK(p.transliterations[0].from == c.from);
      CHECK(p.transliterations[0].to == c.to);
      CHECK(p.transliterations[0].count == 1);
      CHECK(p.not_in_gsm7.empty());
      CHECK_PLAN(p);
    }
  }
  SUBCASE("a sentence, with counts in order of first appearance") {
    const std::u32string text =
        U"It\u2019s \u201Cfine\u201D \u2013 really \u2014 isn\u2019t it\u2026 10\u00A0am";
    Plan p = plan_of(text, o);
    CHECK(p.encoding == Encoding::kGsm7);
    CHECK(p.text == U"It's \"fine\" - really - isn't it... 10 am");
    CHECK(joined(p) == p.text);
    REQUIRE(p.transliterations.size() == 7);
    CHECK(p.transliterations[0].from == U'\u2019');
    CHECK(p.transliterations[0].count == 2);
    CHECK(p.transliterations[1].from == U'\u201C');
    CHECK(p.transliterations[2].from == U'\u201D');
    CHECK(p.transliterations[3].from == U'\u2013');
    CHECK(p.transliterations[4].from == U'\u2014');
    CHECK(p.transliterations[5].from == U'\u2026');
    CHECK(p.transliterations[5].to == U"...");
    CHECK(p.transliterations[6].from == U'\u00A0');
    for (size_t i = 1; i < 7; ++i) CHECK(p.transliterations[i].count == 1);
    CHECK_PLAN(p);
  }
}

TEST_CASE("planner: transliteration of a text that is only replacements") {
  // Passes today: nothing follows a replacement except other replacements.
  PlanOptions o;
  o.transliterate = true;
  Plan p = plan_of(U"\u2019\u2019\u2026", o);
  CHECK(p.encoding == Encoding::kGsm7);
  CHECK(p.text == U"''...");
  REQUIRE(p.transliterations.size() == 2);
  CHECK(p.transliterations[0].count == 2);
  CHECK(p.transliterations[1].to == U"...");
  CHECK(p.parts[0].characters == 5);
  CHECK_PLAN(p);
  // Nothing to replace: the text is as given.
  Plan plain = plan_of(U"plain", o);
  CHECK(plain.text == U"plain");
  CHECK(plain.transliterations.empty());
}

TEST_CASE("planner: no transliteration when the text needs UCS-2 anyway") {
  PlanOptions o;
  o.transliterate = true;
  const std::u32string text =
      U"\u041F\u0440\u0438\u0432\u0435\u0442 \u2014 it\u2019s \u201Cok\u201D\u2026";
  Plan p = plan_of(text, o);
  CHECK(p.encoding == Encoding::kUcs2);
  CHECK(p.text == text);
  CHECK(p.transliterations.empty());
  CHECK(joined(p) == text);
  CHECK(p.not_in_gsm7.find(U'\u041F') != std::u32string::npos);
  // The replaceable characters did not force UCS-2.
  CHECK(p.not_in_gsm7.find(U'\u2019') == std::u32string::npos);
  CHECK(p.not_in_gsm7.find(U'\u2014') == std::u32string::npos);
  CHECK_PLAN(p);
}

TEST_CASE("planner: at most 255 parts") {
  SUBCASE("GSM-7") {
    Plan p = plan_of(repeat(U'a', 153 * 255));
    CHECK(p.parts.size() == 255);
    CHECK(p.units_left == 0);
    auto r = plan_text(repeat(U'a', 153 * 255 + 1), {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("256") != std::string::npos);
    CHECK(r.error().message.find("255") != std::string::npos);
  }
  SUBCASE("UCS-2") {
    Plan p = plan_of(repeat(U'\u0416', 67 * 255));
    CHECK(p.parts.size() == 255);
    CHECK_FALSE(plan_text(repeat(U'\u0416', 67 * 255 + 1), {}).ok());
  }
  SUBCASE("16-bit reference") {
    PlanOptions o;
    o.ref16 = true;
    CHECK(plan_of(repeat(U'a', 152 * 255), o).parts.size() == 255);
    CHECK_FALSE(plan_text(repeat(U'a', 152 * 255 + 1), o).ok());
  }
}

// ---------------------------------------------------------------------------------
// Property tests over generated texts.

struct Pools {
  std::u32string gsm;        // the 127 characters of the default alphabet
  std::u32string extension;  // the 10 of its extension table
  std::u32string latin;      // accented Latin-1 letters outside GSM-7
  std::u32string turkish;
  std::u32string typographic;  // what transliteration replaces
  Pools() {
    for (char32_t c : *locking_shift_table(Language::kDefault)) {
      if (c != kNoChar) gsm.push_back(c);
    }
    for (char32_t c : *single_shift_table(Language::kDefault)) {
      if (c != kNoChar) extension.push_back(c);
    }
    latin =
        U"\u00E1\u00E2\u00E3\u00E7\u00EA\u00EB\u00ED\u00EE\u00EF\u00F3\u00F4\u00F5\u00FA\u00FB"
        U"\u00FD\u00FF\u00C1\u00C2\u00CA\u00CD\u00D3\u00DA\u00AA\u00BA";
    turkish = U"\u015F\u015E\u011F\u011E\u0131\u0130\u00E7";
    typographic = U"\u2019\u2018\u201C\u201D\u2013\u2014\u2026\u00A0\u2009\u00AB\u00BB";
  }
};

class TextGenerator {
 public:
  explicit TextGenerator(uint32_t seed) : rng_(seed) {}

  // A text in one of several flavours, so that both encodings and every boundary come up.
  std::u32string next() {
    const int flavour = pick(0, 9);
    size_t length;
    switch (pick(0, 4)) {
      case 0:
        length = static_cast<size_t>(pick(0, 20));
        break;
      case 1:  // around the single-part limits
        length = static_cast<size_t>(pick(60, 170));
        break;
      case 2:  // around 2 and 3 parts
        length = static_cast<size_t>(pick(130, 480));
        break;
      default:
        length = static_cast<size_t>(pick(0, 900));
    }
    std::u32string text;
    for (size_t i = 0; i < length; ++i) text.push_back(character(flavour));
    return text;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  char32_t from(const std::u32string& pool) {
    return pool[static_cast<size_t>(pick(0, static_cast<int>(pool.size()) - 1))];
  }
  char32_t other() {
    switch (pick(0, 4)) {
      case 0:
        return from(pools_.latin);
      case 1:
        return static_cast<char32_t>(pick(0x0410, 0x044F));  // Cyrillic
      case 2:
        return static_cast<char32_t>(pick(0x4E00, 0x9FFF));  // CJK
      case 3:
        return static_cast<char32_t>(pick(0x1F300, 0x1F64F));  // emoji, surrogate pairs
      default:
        return from(pools_.turkish);
    }
  }
  char32_t character(int flavour) {
    const int roll = pick(0, 999);
    switch (flavour) {
      case 0:
      case 1:
      case 2:  // plain GSM-7
        return roll < 900 ? from(pools_.gsm) : from(pools_.extension);
      case 3:  // GSM-7 heavy on extension characters
        return roll < 500 ? from(pools_.gsm) : from(pools_.extension);
      case 4:  // GSM-7 with a rare character from elsewhere
        if (roll < 3) return other();
        return roll < 950 ? from(pools_.gsm) : from(pools_.extension);
      case 5:  // Turkish
        return roll < 300   ? from(pools_.turkish)
               : roll < 950 ? from(pools_.gsm)
                            : from(pools_.extension);
      case 6:  // typographic characters in GSM-7 text
        return roll < 100   ? from(pools_.typographic)
               : roll < 950 ? from(pools_.gsm)
                            : from(pools_.extension);
      case 7:  // emoji and CJK
        return roll < 300   ? static_cast<char32_t>(pick(0x1F300, 0x1F64F))
               : roll < 500 ? static_cast<char32_t>(pick(0x4E00, 0x9FFF))
                            : from(pools_.gsm);
      default:  // everything
        switch (roll % 6) {
          case 0:
            return from(pools_.extension);
          case 1:
            return from(pools_.typographic);
          case 2:
          case 3:
            return other();
          default:
            return from(pools_.gsm);
        }
    }
  }

  std::mt19937 rng_;
  Pools pools_;
};

TEST_CASE("planner property: default tables, no transliteration") {
  TextGenerator gen(0x5EED);
  size_t gsm7 = 0;
  size_t ucs2 = 0;
  size_t multipart = 0;
  for (int n = 0; n < 3000; ++n) {
    const std::u32string text = gen.next();
    PlanOptions o;
    o.ref16 = n % 4 == 3;
    auto r = plan_text(text, o);
    REQUIRE(r.ok());
    const Plan& p = *r;
    std::string broken = violation(p);
    const bool all_gsm = std::all_of(text.begin(), text.end(), in_default_alphabet);
    if (broken.empty() && (p.encoding == Encoding::kGsm7) != all_gsm) broken = "encoding choice";
    if (broken.empty() && p.text != text) broken = "text changed";
    if (broken.empty() && !p.transliterations.empty()) broken = "transliterated";
    if (broken.empty() && p.encoding == Encoding::kGsm7 && !(p.tables == Gsm7Tables{})) {
      broken = "national tables without languages";
    }
    if (broken.empty()) {
      const size_t expected = all_gsm ? *gsm7_parts(text, {}, o.ref16) : ucs2_parts(text, o.ref16);
      if (p.parts.size() != expected)
        broken =
            "parts " + std::to_string(p.parts.size()) + ", expected " + std::to_string(expected);
    }
    if (broken.empty()) {
      std::u32string expected_missing;
      for (char32_t c : text) {
        if (!in_default_alphabet(c) && expected_missing.find(c) == std::u32string::npos) {
          expected_missing.push_back(c);
        }
      }
      if (p.not_in_gsm7 != expected_missing) broken = "not_in_gsm7";
    }
    if (!broken.empty()) {
      CAPTURE(n);
      CAPTURE(utf8(text));
      FAIL_CHECK(broken);
    }
    (p.encoding == Encoding::kGsm7 ? gsm7 : ucs2) += 1;
    if (p.concatenated()) ++multipart;
  }
  // The generator does reach both encodings and long texts.
  CHECK(gsm7 > 1000);
  CHECK(ucs2 > 500);
  CHECK(multipart > 1000);
}

TEST_CASE("planner property: national languages, no transliteration") {
  TextGenerator gen(0x7A7);
  const std::vector<std::vector<Language>> language_sets = {
      {Language::kTurkish},
      {Language::kSpanish},
      {Language::kPortuguese},
      {Language::kTurkish, Language::kSpanish, Language::kPortuguese},
      {Language::kPortuguese, Language::kTurkish},
      {Language::kHindi, Language::kTurkish},
  };
  size_t national = 0;
  for (int n = 0; n < 1500; ++n) {
    const std::u32string text = gen.next();
    PlanOptions o;
    o.languages = language_sets[static_cast<size_t>(n) % language_sets.size()];
    o.ref16 = n % 5 == 4;
    auto r = plan_text(text, o);
    REQUIRE(r.ok());
    const Plan& p = *r;
    std::string broken = violation(p);
    if (broken.empty() && p.text != text) broken = "text changed";
    // The cheapest pair wins, the first in order of preference on a tie; UCS-2 only
    // when no pair carries the text.
    std::optional<size_t> best;
    Gsm7Tables best_tables;
    for (Gsm7Tables t : candidates(o.languages)) {
      auto parts = gsm7_parts(text, t, o.ref16);
      if (parts && (!best || *parts < *best)) {
        best = parts;
        best_tables = t;
      }
    }
    if (broken.empty()) {
      if (best) {
        if (p.encoding != Encoding::kGsm7) {
          broken = "UCS-2 although a table pair carries the text";
        } else if (p.parts.size() != *best) {
          broken = "parts " + std::to_string(p.parts.size()) + ", best " + std::to_string(*best);
        } else if (!(p.tables == best_tables)) {
          broken = "tables not the first cheapest pair";
        }
      } else if (p.encoding != Encoding::kUcs2) {
        broken = "GSM-7 although no table pair carries the text";
      } else if (p.parts.size() != ucs2_parts(text, o.ref16)) {
        broken = "UCS-2 parts";
      }
    }
    if (!broken.empty()) {
      CAPTURE(n);
      CAPTURE(utf8(text));
      FAIL_CHECK(broken);
    }
    if (p.encoding == Encoding::kGsm7 && !(p.tables == Gsm7Tables{})) ++national;
  }
  CHECK(national > 100);
}

TEST_CASE("planner property: transliteration") {
  TextGenerator gen(0x7E57);
  size_t transliterated = 0;
  size_t broken_count = 0;
  for (int n = 0; n < 1500; ++n) {
    const std::u32string text = gen.next();
    PlanOptions o;
    o.transliterate = true;
    if (n % 2 == 1) o.languages = {Language::kTurkish, Language::kPortuguese};
    auto r = plan_text(text, o);
    REQUIRE(r.ok());
    const Plan& p = *r;
    std::string broken = violation(p);
    if (broken.empty()) {
      if (p.encoding == Encoding::kUcs2) {
        if (p.text != text || !p.transliterations.empty()) broken = "UCS-2 text transliterated";
      } else {
        // Undo nothing, but recount: the input with each replacement applied.
        std::u32string expected;
        for (char32_t c : text) {
          auto it = std::find_if(p.transliterations.begin(), p.transliterations.end(),
                                 [c](const Transliteration& t) { return t.from == c; });
          if (it != p.transliterations.end()) {
            expected += it->to;
          } else {
            expected.push_back(c);
          }
        }
        if (p.text != expected) broken = "text is not the input with its replacements";
        size_t replaced = 0;
        for (const auto& t : p.transliterations) {
          replaced += t.count;
          if (static_cast<size_t>(std::count(text.begin(), text.end(), t.from)) != t.count) {
            broken = "transliteration count";
          }
        }
        if (replaced > 0) ++transliterated;
      }
    }
    if (!broken.empty() && broken_count++ < 5) {
      CAPTURE(n);
      CAPTURE(utf8(text));
      FAIL_CHECK(broken);
    }
  }
  CHECK(broken_count == 0);
  CHECK(transliterated > 50);
}

}  // namespace
}  // namespace smsgate::pdu

TEST_CASE("planner: characters no single table pair carries are named") {
  using namespace smsgate::pdu;
  PlanOptions o;
  o.languages = {Language::kTurkish, Language::kPortuguese};
  // 'ş' is Turkish only, 'ª' Portuguese only: no one pair of tables carries both.
  auto p = plan_text(U"Şu an ªb", o);
  REQUIRE(p.ok());
  CHECK(p->encoding == Encoding::kUcs2);
  CHECK(p->not_in_gsm7 == U"Şª");
}

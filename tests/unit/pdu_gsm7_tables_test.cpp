#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "pdu/gsm7_tables.h"

namespace smsgate::pdu {
namespace {

constexpr std::array<Language, kLanguageCount> kAllLanguages = {
    Language::kDefault,   Language::kTurkish,  Language::kSpanish, Language::kPortuguese,
    Language::kBengali,   Language::kGujarati, Language::kHindi,   Language::kKannada,
    Language::kMalayalam, Language::kOriya,    Language::kPunjabi, Language::kTamil,
    Language::kTelugu,    Language::kUrdu,
};

std::string name_of(Language language) {
  std::string_view code = language_code(language);
  return code.empty() ? std::string("default") : std::string(code);
}

size_t defined_count(const Gsm7Table& table) {
  return static_cast<size_t>(
      std::count_if(table.begin(), table.end(), [](char32_t c) { return c != kNoChar; }));
}

const Gsm7Table& locking(Language language) {
  const Gsm7Table* table = locking_shift_table(language);
  REQUIRE(table != nullptr);
  return *table;
}

const Gsm7Table& single(Language language) {
  const Gsm7Table* table = single_shift_table(language);
  REQUIRE(table != nullptr);
  return *table;
}

TEST_CASE("gsm7 tables: default alphabet") {
  const Gsm7Table& t = locking(Language::kDefault);
  CHECK(t[0x00] == U'@');
  CHECK(t[0x01] == 0x00A3);  // £
  CHECK(t[0x02] == U'$');
  CHECK(t[0x03] == 0x00A5);  // ¥
  CHECK(t[0x04] == 0x00E8);  // è
  CHECK(t[0x07] == 0x00EC);  // ì
  CHECK(t[0x09] == 0x00C7);  // Ç
  CHECK(t[0x0A] == U'\n');
  CHECK(t[0x0D] == U'\r');
  CHECK(t[0x10] == 0x0394);  // Δ
  CHECK(t[0x11] == U'_');
  CHECK(t[0x12] == 0x03A6);  // Φ
  CHECK(t[0x1A] == 0x039E);  // Ξ
  CHECK(t[0x1B] == kNoChar);
  CHECK(t[0x1C] == 0x00C6);  // Æ
  CHECK(t[0x1F] == 0x00C9);  // É
  CHECK(t[0x24] == 0x00A4);  // ¤
  CHECK(t[0x40] == 0x00A1);  // ¡
  CHECK(t[0x5B] == 0x00C4);  // Ä
  CHECK(t[0x5F] == 0x00A7);  // §
  CHECK(t[0x60] == 0x00BF);  // ¿
  CHECK(t[0x7B] == 0x00E4);  // ä
  CHECK(t[0x7F] == 0x00E0);  // à
  // Printable ASCII sits at its own position, apart from the replaced positions.
  for (char32_t c = 0x20; c < 0x7F; ++c) {
    if (c == 0x24 || c == 0x40 || (c >= 0x5B && c <= 0x60) || c >= 0x7B) continue;
    CAPTURE(static_cast<int>(c));
    CHECK(t[c] == c);
  }
  CHECK(defined_count(t) == 127);
}

TEST_CASE("gsm7 tables: default extension table") {
  const Gsm7Table& t = single(Language::kDefault);
  const std::array<std::pair<uint8_t, char32_t>, 10> expected = {{
      {0x0A, 0x000C},
      {0x14, U'^'},
      {0x28, U'{'},
      {0x29, U'}'},
      {0x2F, U'\\'},
      {0x3C, U'['},
      {0x3D, U'~'},
      {0x3E, U']'},
      {0x40, U'|'},
      {0x65, 0x20AC},
  }};
  for (const auto& entry : expected) {
    CAPTURE(static_cast<int>(entry.first));
    CHECK(t[entry.first] == entry.second);
  }
  CHECK(defined_count(t) == expected.size());
}

TEST_CASE("gsm7 tables: Turkish") {
  const Gsm7Table& l = locking(Language::kTurkish);
  CHECK(l[0x04] == 0x20AC);  // €
  CHECK(l[0x07] == 0x0131);  // ı
  CHECK(l[0x0B] == 0x011E);  // Ğ
  CHECK(l[0x0C] == 0x011F);  // ğ
  CHECK(l[0x1C] == 0x015E);  // Ş
  CHECK(l[0x1D] == 0x015F);  // ş
  CHECK(l[0x40] == 0x0130);  // İ
  CHECK(l[0x60] == 0x00E7);  // ç
  CHECK(l[0x09] == 0x00C7);  // Ç
  CHECK(l[0x7F] == 0x00E0);  // à
  CHECK(defined_count(l) == 127);

  const Gsm7Table& s = single(Language::kTurkish);
  CHECK(s[0x47] == 0x011E);  // Ğ
  CHECK(s[0x49] == 0x0130);  // İ
  CHECK(s[0x53] == 0x015E);  // Ş
  CHECK(s[0x63] == 0x00E7);  // ç
  CHECK(s[0x65] == 0x20AC);  // €
  CHECK(s[0x67] == 0x011F);  // ğ
  CHECK(s[0x69] == 0x0131);  // ı
  CHECK(s[0x73] == 0x015F);  // ş
  CHECK(defined_count(s) == 17);
}

TEST_CASE("gsm7 tables: Spanish") {
  CHECK(locking_shift_table(Language::kSpanish) == nullptr);
  const Gsm7Table& s = single(Language::kSpanish);
  CHECK(s[0x09] == 0x00E7);  // ç
  CHECK(s[0x41] == 0x00C1);  // Á
  CHECK(s[0x49] == 0x00CD);  // Í
  CHECK(s[0x4F] == 0x00D3);  // Ó
  CHECK(s[0x55] == 0x00DA);  // Ú
  CHECK(s[0x61] == 0x00E1);  // á
  CHECK(s[0x69] == 0x00ED);  // í
  CHECK(s[0x6F] == 0x00F3);  // ó
  CHECK(s[0x75] == 0x00FA);  // ú
  CHECK(defined_count(s) == 19);
}

TEST_CASE("gsm7 tables: Portuguese") {
  const Gsm7Table& l = locking(Language::kPortuguese);
  CHECK(l[0x04] == 0x00EA);  // ê
  CHECK(l[0x06] == 0x00FA);  // ú
  CHECK(l[0x07] == 0x00ED);  // í
  CHECK(l[0x08] == 0x00F3);  // ó
  CHECK(l[0x09] == 0x00E7);  // ç
  CHECK(l[0x0B] == 0x00D4);  // Ô
  CHECK(l[0x0C] == 0x00F4);  // ô
  CHECK(l[0x0E] == 0x00C1);  // Á
  CHECK(l[0x0F] == 0x00E1);  // á
  CHECK(l[0x12] == 0x00AA);  // ª
  CHECK(l[0x13] == 0x00C7);  // Ç
  CHECK(l[0x14] == 0x00C0);  // À
  CHECK(l[0x15] == 0x221E);  // ∞
  CHECK(l[0x16] == U'^');
  CHECK(l[0x17] == U'\\');
  CHECK(l[0x18] == 0x20AC);  // €
  CHECK(l[0x19] == 0x00D3);  // Ó
  CHECK(l[0x1A] == U'|');
  CHECK(l[0x1C] == 0x00C2);  // Â
  CHECK(l[0x1D] == 0x00E2);  // â
  CHECK(l[0x1E] == 0x00CA);  // Ê
  CHECK(l[0x1F] == 0x00C9);  // É
  CHECK(l[0x24] == 0x00BA);  // º
  CHECK(l[0x40] == 0x00CD);  // Í
  CHECK(l[0x5B] == 0x00C3);  // Ã
  CHECK(l[0x5C] == 0x00D5);  // Õ
  CHECK(l[0x5D] == 0x00DA);  // Ú
  CHECK(l[0x5E] == 0x00DC);  // Ü
  CHECK(l[0x60] == U'~');
  CHECK(l[0x7B] == 0x00E3);  // ã
  CHECK(l[0x7C] == 0x00F5);  // õ
  CHECK(l[0x7D] == U'`');
  CHECK(l[0x7E] == 0x00FC);  // ü
  CHECK(l[0x7F] == 0x00E0);  // à
  CHECK(defined_count(l) == 127);

  const Gsm7Table& s = single(Language::kPortuguese);
  CHECK(s[0x05] == 0x00EA);  // ê
  CHECK(s[0x09] == 0x00E7);  // ç
  CHECK(s[0x0B] == 0x00D4);  // Ô
  CHECK(s[0x12] == 0x03A6);  // Φ
  CHECK(s[0x19] == 0x0398);  // Θ
  CHECK(s[0x1F] == 0x00CA);  // Ê
  CHECK(s[0x41] == 0x00C0);  // À
  CHECK(s[0x5B] == 0x00C3);  // Ã
  CHECK(s[0x61] == 0x00C2);  // Â
  CHECK(s[0x7C] == 0x00F5);  // õ
  CHECK(s[0x7F] == 0x00E2);  // â
  CHECK(defined_count(s) == 37);
}

TEST_CASE("gsm7 tables: Hindi") {
  const Gsm7Table& l = locking(Language::kHindi);
  CHECK(l[0x00] == 0x0901);  // candrabindu
  CHECK(l[0x03] == 0x0905);  // अ
  CHECK(l[0x15] == 0x0915);  // क
  CHECK(l[0x24] == 0x0921);  // ड
  CHECK(l[0x28] == U')');
  CHECK(l[0x29] == U'(');
  CHECK(l[0x2C] == U',');
  CHECK(l[0x3C] == 0x0929);  // ऩ
  CHECK(l[0x4F] == 0x093D);  // ऽ
  CHECK(l[0x5F] == 0x094D);  // virama
  CHECK(l[0x60] == 0x0950);  // ॐ
  CHECK(l[0x61] == U'a');
  CHECK(l[0x7F] == 0x097F);
  CHECK(defined_count(l) == 127);

  const Gsm7Table& s = single(Language::kHindi);
  CHECK(s[0x19] == 0x0964);  // danda
  CHECK(s[0x1A] == 0x0965);  // double danda
  CHECK(s[0x1C] == 0x0966);  // ०
  CHECK(s[0x20] == 0x096A);  // ४
  CHECK(s[0x2C] == 0x0958);  // क़
  CHECK(s[0x41] == U'A');
  CHECK(defined_count(s) == 88);
}

TEST_CASE("gsm7 tables: other Indic and Urdu spot checks") {
  CHECK(locking(Language::kBengali)[0x04] == 0x0986);
  CHECK(locking(Language::kBengali)[0x60] == 0x09CE);
  CHECK(single(Language::kBengali)[0x19] == 0x09E6);
  CHECK(locking(Language::kGujarati)[0x15] == 0x0A95);
  CHECK(single(Language::kGujarati)[0x1C] == 0x0AE6);
  CHECK(locking(Language::kKannada)[0x00] == kNoChar);
  CHECK(locking(Language::kKannada)[0x24] == 0x0CA1);
  CHECK(locking(Language::kKannada)[0x3D] == 0x0CAA);
  CHECK(single(Language::kKannada)[0x1C] == 0x0CE6);
  CHECK(locking(Language::kMalayalam)[0x7F] == 0x0D79);
  CHECK(single(Language::kMalayalam)[0x2A] == 0x0D72);
  CHECK(locking(Language::kOriya)[0x60] == 0x0B56);
  CHECK(single(Language::kOriya)[0x20] == 0x0B6A);
  CHECK(locking(Language::kPunjabi)[0x7F] == 0x0A74);
  CHECK(single(Language::kPunjabi)[0x26] == 0x0A59);
  CHECK(locking(Language::kTamil)[0x7F] == 0x0BF9);
  CHECK(single(Language::kTamil)[0x24] == 0x0BEE);
  CHECK(single(Language::kTamil)[0x25] == 0x0BEF);
  CHECK(locking(Language::kTelugu)[0x60] == 0x0C55);
  CHECK(single(Language::kTelugu)[0x1C] == 0x0C66);
  CHECK(single(Language::kTelugu)[0x65] == 0x20AC);
  CHECK(locking(Language::kUrdu)[0x00] == 0x0627);
  CHECK(locking(Language::kUrdu)[0x7F] == 0x0670);
  CHECK(single(Language::kUrdu)[0x20] == 0x06F4);
  CHECK(single(Language::kUrdu)[0x3F] == 0x06D4);
}

TEST_CASE("gsm7 tables: invariants of every table") {
  for (Language language : kAllLanguages) {
    CAPTURE(name_of(language));
    const Gsm7Table& s = single(language);
    CHECK(s[kEscape] == kNoChar);
    // The characters of the default extension table keep their positions.
    CHECK(s[0x0A] == 0x000C);
    CHECK(s[0x14] == U'^');
    CHECK(s[0x28] == U'{');
    CHECK(s[0x29] == U'}');
    CHECK(s[0x2F] == U'\\');
    CHECK(s[0x3C] == U'[');
    CHECK(s[0x3D] == U'~');
    CHECK(s[0x3E] == U']');
    CHECK(s[0x40] == U'|');
    CHECK(s[0x65] == 0x20AC);

    const Gsm7Table* l = locking_shift_table(language);
    if (language == Language::kSpanish) {
      CHECK(l == nullptr);
      continue;
    }
    REQUIRE(l != nullptr);
    CHECK((*l)[kEscape] == kNoChar);
    CHECK((*l)[0x0A] == U'\n');
    CHECK((*l)[0x0D] == U'\r');
    CHECK((*l)[0x20] == U' ');
    std::set<char32_t> seen;
    for (size_t septet = 0; septet < l->size(); ++septet) {
      char32_t c = (*l)[septet];
      if (c == kNoChar) continue;
      CAPTURE(septet);
      CHECK_MESSAGE(seen.insert(c).second, "code point appears twice");
    }
  }
}

TEST_CASE("gsm7 tables: out-of-range language") {
  auto bogus = static_cast<Language>(kLanguageCount);
  CHECK(locking_shift_table(bogus) == nullptr);
  CHECK(single_shift_table(bogus) == nullptr);
  CHECK(language_code(bogus).empty());
}

TEST_CASE("gsm7 tables: language codes") {
  const std::array<std::pair<Language, std::string_view>, 13> codes = {{
      {Language::kTurkish, "tr"},
      {Language::kSpanish, "es"},
      {Language::kPortuguese, "pt"},
      {Language::kBengali, "bn"},
      {Language::kGujarati, "gu"},
      {Language::kHindi, "hi"},
      {Language::kKannada, "kn"},
      {Language::kMalayalam, "ml"},
      {Language::kOriya, "or"},
      {Language::kPunjabi, "pa"},
      {Language::kTamil, "ta"},
      {Language::kTelugu, "te"},
      {Language::kUrdu, "ur"},
  }};
  for (const auto& entry : codes) {
    const Language language = entry.first;
    const std::string_view code = entry.second;
    CAPTURE(code);
    CHECK(language_code(language) == code);
    std::optional<Language> parsed = language_from_code(code);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == language);
    CHECK(language_from_code(language_code(language)) == language);
  }
  CHECK(language_code(Language::kDefault).empty());
  CHECK_FALSE(language_from_code("").has_value());
  CHECK_FALSE(language_from_code("en").has_value());
  CHECK_FALSE(language_from_code("xx").has_value());
  CHECK_FALSE(language_from_code("t").has_value());
  CHECK_FALSE(language_from_code("tur").has_value());
  CHECK_FALSE(language_from_code("TR").has_value());
}

}  // namespace
}  // namespace smsgate::pdu

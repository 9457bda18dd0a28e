// Tests of src/pdu/gsm7: septet packing (TS 23.038 clause 6.1.2.1.1, with the fill bits
// of TS 23.040 clause 9.2.3.24), the reverse lookup Gsm7Encoder and the septet reader
// septets_to_code_points.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pdu/gsm7.h"
#include "pdu/gsm7_tables.h"
#include "pdu/hex.h"

namespace smsgate::pdu {
namespace {

std::vector<uint8_t> ascii_septets(std::string_view s) {
  // Only for lower-case letters, digits and the punctuation that sits at its ASCII
  // position in the default alphabet.
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::string packed_hex(std::span<const uint8_t> septets, int fill_bits) {
  std::vector<uint8_t> out;
  pack_septets(septets, fill_bits, out);
  return to_hex(out);
}

// A bit-by-bit packer, independent of the one under test: septet k occupies bits
// fill + 7k .. fill + 7k + 6 of the octet string, least significant bit first.
std::vector<uint8_t> reference_pack(std::span<const uint8_t> septets, int fill_bits) {
  std::vector<uint8_t> out((septets.size() * 7 + static_cast<size_t>(fill_bits) + 7) / 8, 0);
  size_t bit = static_cast<size_t>(fill_bits);
  for (uint8_t s : septets) {
    for (int b = 0; b < 7; ++b, ++bit) {
      if (s >> b & 1) out[bit / 8] = static_cast<uint8_t>(out[bit / 8] | 1u << (bit % 8));
    }
  }
  return out;
}

std::vector<uint8_t> reference_unpack(std::span<const uint8_t> octets, size_t count,
                                      int fill_bits) {
  std::vector<uint8_t> out(count, 0);
  size_t bit = static_cast<size_t>(fill_bits);
  for (auto& s : out) {
    for (int b = 0; b < 7; ++b, ++bit) {
      if (octets[bit / 8] >> (bit % 8) & 1) s = static_cast<uint8_t>(s | 1u << b);
    }
  }
  return out;
}

std::vector<uint8_t> encode_all(const Gsm7Encoder& encoder, std::u32string_view text) {
  std::vector<uint8_t> out;
  uint8_t s[2];
  for (char32_t c : text) {
    int n = encoder.septets_for(c, s);
    REQUIRE(n > 0);
    out.insert(out.end(), s, s + n);
  }
  return out;
}

std::vector<uint8_t> septets_of(const Gsm7Encoder& encoder, char32_t c) {
  uint8_t s[2] = {0xFF, 0xFF};
  int n = encoder.septets_for(c, s);
  return std::vector<uint8_t>(s, s + (n < 0 ? 0 : n));
}

// The ten characters of the default extension table (TS 23.038 clause 6.2.1.1).
constexpr std::array<std::pair<char32_t, uint8_t>, 10> kExtension = {{
    {U'\f', 0x0A},
    {U'^', 0x14},
    {U'{', 0x28},
    {U'}', 0x29},
    {U'\\', 0x2F},
    {U'[', 0x3C},
    {U'~', 0x3D},
    {U']', 0x3E},
    {U'|', 0x40},
    {U'\u20AC', 0x65},
}};

TEST_CASE("gsm7 packing: published examples") {
  // "hellohello" -> E8 32 9B FD 46 97 D9 EC 37: the worked example of the SMS PDU
  // tutorial at http://www.dreamfabric.com/sms/hello.html (mirrored at
  // http://gsmworld.it/smspdu_7bits_coding.htm).
  CHECK(packed_hex(ascii_septets("hellohello"), 0) == "E8329BFD4697D9EC37");
  // "hello" -> E8 32 9B FD 06, the first half of the same example and the UD of the
  // PDU-mode length examples at https://9cbs.com/read-46256.html.
  CHECK(packed_hex(ascii_septets("hello"), 0) == "E8329BFD06");
  // "Hello,my pretty world!" -> C8329BFD66B5F320B8BC4CA7E741F7B79C4D0E01, the UD of the
  // SMS-SUBMIT decoded step by step at
  // https://accessvba.blogsky.com/1402/03/22/post-762/decode-SMS-SUBMIT (TP-UDL 0x16).
  CHECK(packed_hex(ascii_septets("Hello,my pretty world!"), 0) ==
        "C8329BFD66B5F320B8BC4CA7E741F7B79C4D0E01");
  // Eight septets fill exactly seven octets (TS 23.038 6.1.2.1.1): 8 x 7 = 56 bits.
  CHECK(packed_hex(ascii_septets("hellohel"), 0).size() == 14);
  CHECK(packed_hex(ascii_septets("hellohel"), 0) == "E8329BFD4697D9");
  // All ones: seven octets of FF for eight septets of 7F.
  const std::vector<uint8_t> ones(8, 0x7F);
  CHECK(packed_hex(ones, 0) == "FFFFFFFFFFFFFF");
}

TEST_CASE("gsm7 packing: fill bits after a user data header") {
  // "hello" after the one fill bit that follows a 6-octet concatenation header
  // (TS 23.040 9.2.3.24: the header is 48 bits, 1 fill bit brings it to 7 septets).
  // Worked by hand: bit 0 = 0, then h = 1101000, e = 1100101, l = 1101100, l, o = 1101111
  // least significant bit first -> D0 65 36 FB 0D.
  CHECK(packed_hex(ascii_septets("hello"), 1) == "D06536FB0D");
  // Every fill is a plain left shift of the unfilled bit string.
  const std::vector<uint8_t> one{0x7F};
  CHECK(packed_hex(one, 0) == "7F");
  CHECK(packed_hex(one, 1) == "FE");
  CHECK(packed_hex(one, 2) == "FC01");
  CHECK(packed_hex(one, 6) == "C01F");
  // No septets: only the fill bits, which are zero.
  const std::vector<uint8_t> none;
  CHECK(packed_hex(none, 0) == "");
  CHECK(packed_hex(none, 3) == "00");
  // pack_septets appends; what was in the buffer stays.
  std::vector<uint8_t> out{0xAB};
  pack_septets(ascii_septets("hello"), 0, out);
  CHECK(to_hex(out) == "ABE8329BFD06");
  // Bit 7 of an input septet is ignored.
  const std::vector<uint8_t> high{0xE8};
  CHECK(packed_hex(high, 0) == "68");
}

TEST_CASE("gsm7 packing: packed_octets") {
  CHECK(packed_octets(0, 0) == 0);
  CHECK(packed_octets(1, 0) == 1);
  CHECK(packed_octets(8, 0) == 7);
  CHECK(packed_octets(9, 0) == 8);
  CHECK(packed_octets(160, 0) == 140);
  CHECK(packed_octets(153, 1) == 134);  // 6-octet header + 1 fill bit + 153 septets = 140
  CHECK(packed_octets(152, 6) == 134);  // 7-octet header + 0 fill bits
  CHECK(packed_octets(0, 6) == 1);
}

TEST_CASE("gsm7 packing: every fill 0..6 and length 0..160 round trips") {
  std::mt19937 rng(23038);
  std::uniform_int_distribution<int> septet(0, 127);
  size_t mismatches = 0;
  for (int fill = 0; fill <= 6; ++fill) {
    for (size_t length = 0; length <= 160; ++length) {
      std::vector<uint8_t> septets(length);
      for (auto& s : septets) s = static_cast<uint8_t>(septet(rng));
      std::vector<uint8_t> packed;
      pack_septets(septets, fill, packed);
      bool ok = packed.size() == packed_octets(length, fill) &&
                packed == reference_pack(septets, fill) &&
                unpack_septets(packed, length, fill) == septets;
      // The fill bits themselves are zero.
      if (ok && fill > 0) ok = (packed[0] & ((1u << fill) - 1)) == 0;
      if (!ok) {
        ++mismatches;
        CAPTURE(fill);
        CAPTURE(length);
        CHECK(packed == reference_pack(septets, fill));
        CHECK(unpack_septets(packed, length, fill) == septets);
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("gsm7 unpacking: reads exactly the octets it needs") {
  // unpack_septets must not touch octets beyond ceil((fill + 7 * count) / 8): under
  // ASan a heap buffer of exactly that size catches any overread.
  std::mt19937 rng(2);
  for (int fill = 0; fill <= 6; ++fill) {
    for (size_t count = 1; count <= 24; ++count) {
      std::vector<uint8_t> exact(packed_octets(count, fill));
      for (auto& o : exact) o = static_cast<uint8_t>(rng());
      auto septets = unpack_septets(exact, count, fill);
      CHECK(septets.size() == count);
      for (uint8_t s : septets) CHECK(s < 0x80);
      CHECK(septets == reference_unpack(exact, count, fill));
    }
  }
  // A fill larger than 6 (the decoder passes header septets * 7) is a plain bit offset.
  std::vector<uint8_t> udh_and_text{0x05, 0x00, 0x03, 0x2A, 0x02, 0x01};
  pack_septets(ascii_septets("hello"), 1, udh_and_text);
  CHECK(unpack_septets(udh_and_text, 5, 49) == ascii_septets("hello"));
}

TEST_CASE("gsm7 encoder: the default alphabet, septet by septet") {
  const Gsm7Encoder* encoder = Gsm7Encoder::get({});
  REQUIRE(encoder != nullptr);
  CHECK(encoder->tables() == Gsm7Tables{});
  const Gsm7Table& table = *locking_shift_table(Language::kDefault);
  size_t characters = 0;
  for (uint8_t septet = 0; septet < 128; ++septet) {
    CAPTURE(static_cast<int>(septet));
    if (septet == kEscape) {
      CHECK(table[septet] == kNoChar);
      continue;
    }
    const char32_t c = table[septet];
    REQUIRE(c != kNoChar);
    ++characters;
    CHECK(septets_of(*encoder, c) == std::vector<uint8_t>{septet});
    CHECK(encoder->cost(c) == 1);
    CHECK(encoder->can_encode(c));
    const std::vector<uint8_t> one{septet};
    CHECK(septets_to_code_points(one, {}) == std::u32string(1, c));
  }
  CHECK(characters == 127);  // 128 positions, one of them the escape

  // A handful spelled out, so that a wrong table cannot hide behind itself.
  CHECK(septets_of(*encoder, U'@') == std::vector<uint8_t>{0x00});
  CHECK(septets_of(*encoder, U'\u00A3') == std::vector<uint8_t>{0x01});  // £
  CHECK(septets_of(*encoder, U'$') == std::vector<uint8_t>{0x02});
  CHECK(septets_of(*encoder, U'\n') == std::vector<uint8_t>{0x0A});
  CHECK(septets_of(*encoder, U'\r') == std::vector<uint8_t>{0x0D});
  CHECK(septets_of(*encoder, U'\u0394') == std::vector<uint8_t>{0x10});  // Δ
  CHECK(septets_of(*encoder, U'_') == std::vector<uint8_t>{0x11});
  CHECK(septets_of(*encoder, U'\u00DF') == std::vector<uint8_t>{0x1E});  // ß
  CHECK(septets_of(*encoder, U' ') == std::vector<uint8_t>{0x20});
  CHECK(septets_of(*encoder, U'\u00A4') == std::vector<uint8_t>{0x24});  // ¤
  CHECK(septets_of(*encoder, U'\u00A1') == std::vector<uint8_t>{0x40});  // ¡
  CHECK(septets_of(*encoder, U'A') == std::vector<uint8_t>{0x41});
  CHECK(septets_of(*encoder, U'\u00A7') == std::vector<uint8_t>{0x5F});  // §
  CHECK(septets_of(*encoder, U'\u00BF') == std::vector<uint8_t>{0x60});  // ¿
  CHECK(septets_of(*encoder, U'z') == std::vector<uint8_t>{0x7A});
  CHECK(septets_of(*encoder, U'\u00E0') == std::vector<uint8_t>{0x7F});  // à

  // Not in the default alphabet or its extension.
  for (char32_t c : {U'\0', U'`', U'\u00E7', U'\u00E1', U'\u015F', U'\u0416', U'\u4E2D',
                     U'\U0001F600', U'\u2019', U'\u00A0', U'\t', U'\x7F', U'\u03B1'}) {
    CAPTURE(static_cast<unsigned>(c));
    CHECK_FALSE(encoder->can_encode(c));
    CHECK(encoder->cost(c) == 0);
    uint8_t s[2];
    CHECK(encoder->septets_for(c, s) == 0);
  }
}

TEST_CASE("gsm7 encoder: the ten extension characters") {
  const Gsm7Encoder* encoder = Gsm7Encoder::get({});
  REQUIRE(encoder != nullptr);
  for (const auto& entry : kExtension) {
    // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    const char32_t c = entry.first;
    const uint8_t septet = entry.second;
    CAPTURE(static_cast<unsigned>(c));
    CHECK(septets_of(*encoder, c) == std::vector<uint8_t>{kEscape, septet});
    CHECK(encoder->cost(c) == 2);
    CHECK(encoder->can_encode(c));
    const std::vector<uint8_t> escaped{kEscape, septet};
    CHECK(septets_to_code_points(escaped, {}) == std::u32string(1, c));
  }
  // A whole text through both directions.
  const std::u32string text = U"{x} [y] ~z^ a|b \\ \f \u20AC10 @end";
  const auto septets = encode_all(*encoder, text);
  CHECK(septets.size() == text.size() + 10);
  CHECK(septets_to_code_points(septets, {}) == text);
}

TEST_CASE("gsm7 decoder: escapes") {
  // An escape followed by a septet the extension table does not define reads as that
  // septet of the default table (TS 23.038 6.2.1.1, note 1).
  const std::array<uint8_t, 2> escape_a{kEscape, 0x41};
  CHECK(septets_to_code_points(escape_a, {}) == U"A");
  const std::array<uint8_t, 2> escape_at{kEscape, 0x00};
  CHECK(septets_to_code_points(escape_at, {}) == U"@");
  const std::array<uint8_t, 4> escape_e_grave{0x61, kEscape, 0x04, 0x62};
  CHECK(septets_to_code_points(escape_e_grave, {}) == U"a\u00E8b");  // è
  // Every septet the extension table leaves undefined (the escape aside).
  const Gsm7Table& ext = *single_shift_table(Language::kDefault);
  const Gsm7Table& def = *locking_shift_table(Language::kDefault);
  for (uint8_t s = 0; s < 128; ++s) {
    if (ext[s] != kNoChar || s == kEscape) continue;
    CAPTURE(static_cast<int>(s));
    const std::array<uint8_t, 2> septets{kEscape, s};
    CHECK(septets_to_code_points(septets, {}) == std::u32string(1, def[s]));
  }
  // A trailing lone escape reads as a space.
  const std::array<uint8_t, 1> lone{kEscape};
  CHECK(septets_to_code_points(lone, {}) == U" ");
  const std::array<uint8_t, 3> trailing{0x68, 0x69, kEscape};
  CHECK(septets_to_code_points(trailing, {}) == U"hi ");
  // Bit 7 of an input septet is ignored.
  const std::array<uint8_t, 2> high{0xE8, 0xE9};
  CHECK(septets_to_code_points(high, {}) == U"hi");
  // Nothing in, nothing out.
  CHECK(septets_to_code_points({}, {}).empty());
}

TEST_CASE("gsm7 encoder: national language tables") {
  SUBCASE("tables without a locking shift") {
    CHECK(Gsm7Encoder::get({Language::kSpanish, Language::kDefault}) == nullptr);
    CHECK(Gsm7Encoder::get({Language::kSpanish, Language::kSpanish}) == nullptr);
    CHECK(Gsm7Encoder::get({Language::kDefault, Language::kSpanish}) != nullptr);
    // The same pair twice is the same shared encoder.
    CHECK(Gsm7Encoder::get({Language::kTurkish, Language::kTurkish}) ==
          Gsm7Encoder::get({Language::kTurkish, Language::kTurkish}));
  }
  SUBCASE("Turkish locking shift (TS 23.038 A.3.1)") {
    const Gsm7Encoder* e = Gsm7Encoder::get({Language::kTurkish, Language::kDefault});
    REQUIRE(e != nullptr);
    CHECK(e->tables() == Gsm7Tables{Language::kTurkish, Language::kDefault});
    CHECK(septets_of(*e, U'\u015F') == std::vector<uint8_t>{0x1D});  // ş
    CHECK(septets_of(*e, U'\u015E') == std::vector<uint8_t>{0x1C});  // Ş
    CHECK(septets_of(*e, U'\u011F') == std::vector<uint8_t>{0x0C});  // ğ
    CHECK(septets_of(*e, U'\u011E') == std::vector<uint8_t>{0x0B});  // Ğ
    CHECK(septets_of(*e, U'\u0130') == std::vector<uint8_t>{0x40});  // İ
    CHECK(septets_of(*e, U'\u0131') == std::vector<uint8_t>{0x07});  // ı
    CHECK(septets_of(*e, U'\u00E7') == std::vector<uint8_t>{0x60});  // ç
    CHECK(septets_of(*e, U'\u20AC') == std::vector<uint8_t>{0x04});  // € now one septet
    // The default extension table still works with a national locking table.
    CHECK(septets_of(*e, U'{') == std::vector<uint8_t>{kEscape, 0x28});
    // What the Turkish table replaced is gone.
    CHECK_FALSE(e->can_encode(U'\u00E8'));  // è
    CHECK_FALSE(e->can_encode(U'\u00A1'));  // ¡
    CHECK_FALSE(e->can_encode(U'\u00BF'));  // ¿
  }
  SUBCASE("Turkish single shift (TS 23.038 A.2.1)") {
    const Gsm7Encoder* e = Gsm7Encoder::get({Language::kDefault, Language::kTurkish});
    REQUIRE(e != nullptr);
    CHECK(septets_of(*e, U'\u015F') == std::vector<uint8_t>{kEscape, 0x73});  // ş
    CHECK(septets_of(*e, U'\u015E') == std::vector<uint8_t>{kEscape, 0x53});  // Ş
    CHECK(septets_of(*e, U'\u011F') == std::vector<uint8_t>{kEscape, 0x67});  // ğ
    CHECK(septets_of(*e, U'\u011E') == std::vector<uint8_t>{kEscape, 0x47});  // Ğ
    CHECK(septets_of(*e, U'\u0130') == std::vector<uint8_t>{kEscape, 0x49});  // İ
    CHECK(septets_of(*e, U'\u0131') == std::vector<uint8_t>{kEscape, 0x69});  // ı
    CHECK(septets_of(*e, U'\u00E7') == std::vector<uint8_t>{kEscape, 0x63});  // ç
    // The default alphabet is untouched.
    CHECK(septets_of(*e, U'\u00E8') == std::vector<uint8_t>{0x04});  // è
    CHECK(septets_of(*e, U'\u20AC') == std::vector<uint8_t>{kEscape, 0x65});
  }
  SUBCASE("Turkish locking and single shift: the one-septet form wins") {
    const Gsm7Encoder* e = Gsm7Encoder::get({Language::kTurkish, Language::kTurkish});
    REQUIRE(e != nullptr);
    CHECK(septets_of(*e, U'\u015F') == std::vector<uint8_t>{0x1D});  // ş
    CHECK(septets_of(*e, U'\u0130') == std::vector<uint8_t>{0x40});  // İ
    CHECK(septets_of(*e, U'\u00E7') == std::vector<uint8_t>{0x60});  // ç
    CHECK(septets_of(*e, U'\u20AC') == std::vector<uint8_t>{0x04});  // €
    CHECK(septets_of(*e, U'|') == std::vector<uint8_t>{kEscape, 0x40});
  }
  SUBCASE("Spanish single shift (TS 23.038 A.2.2)") {
    const Gsm7Encoder* e = Gsm7Encoder::get({Language::kDefault, Language::kSpanish});
    REQUIRE(e != nullptr);
    CHECK(septets_of(*e, U'\u00E1') == std::vector<uint8_t>{kEscape, 0x61});  // á
    CHECK(septets_of(*e, U'\u00C1') == std::vector<uint8_t>{kEscape, 0x41});  // Á
    CHECK(septets_of(*e, U'\u00ED') == std::vector<uint8_t>{kEscape, 0x69});  // í
    CHECK(septets_of(*e, U'\u00F3') == std::vector<uint8_t>{kEscape, 0x6F});  // ó
    CHECK(septets_of(*e, U'\u00FA') == std::vector<uint8_t>{kEscape, 0x75});  // ú
    CHECK(septets_of(*e, U'\u00E7') == std::vector<uint8_t>{kEscape, 0x09});  // ç
    // ñ and é are in the default alphabet already.
    CHECK(septets_of(*e, U'\u00F1') == std::vector<uint8_t>{0x7D});
    CHECK(septets_of(*e, U'\u00E9') == std::vector<uint8_t>{0x05});
    CHECK_FALSE(e->can_encode(U'\u00EA'));  // ê
  }
  SUBCASE("Portuguese locking shift (TS 23.038 A.3.3)") {
    const Gsm7Encoder* e = Gsm7Encoder::get({Language::kPortuguese, Language::kDefault});
    REQUIRE(e != nullptr);
    CHECK(septets_of(*e, U'\u00EA') == std::vector<uint8_t>{0x04});  // ê
    CHECK(septets_of(*e, U'\u00E1') == std::vector<uint8_t>{0x0F});  // á
    CHECK(septets_of(*e, U'\u00E7') == std::vector<uint8_t>{0x09});  // ç
    CHECK(septets_of(*e, U'\u00E3') == std::vector<uint8_t>{0x7B});  // ã
    CHECK(septets_of(*e, U'\u00F5') == std::vector<uint8_t>{0x7C});  // õ
    CHECK(septets_of(*e, U'^') == std::vector<uint8_t>{0x16});       // one septet here
    CHECK(septets_of(*e, U'{') == std::vector<uint8_t>{kEscape, 0x28});
    CHECK_FALSE(e->can_encode(U'\u00E4'));  // ä is not in the Portuguese table
  }
  SUBCASE("Portuguese single shift (TS 23.038 A.2.3)") {
    const Gsm7Encoder* e = Gsm7Encoder::get({Language::kDefault, Language::kPortuguese});
    REQUIRE(e != nullptr);
    CHECK(septets_of(*e, U'\u00EA') == std::vector<uint8_t>{kEscape, 0x05});  // ê
    CHECK(septets_of(*e, U'\u00E1') == std::vector<uint8_t>{kEscape, 0x0F});  // á
    CHECK(septets_of(*e, U'\u00E7') == std::vector<uint8_t>{kEscape, 0x09});  // ç
    CHECK(septets_of(*e, U'\u00E3') == std::vector<uint8_t>{kEscape, 0x7B});  // ã
    CHECK(septets_of(*e, U'\u00C2') == std::vector<uint8_t>{kEscape, 0x61});  // Â
  }
  SUBCASE("national texts round trip through their tables") {
    struct Case {
      Gsm7Tables tables;
      std::u32string text;
    };
    const Case cases[] = {
        {{Language::kTurkish, Language::kDefault},
         U"\u015Fe\u011Fer \u0130stanbul \u00E7ok g\u00FCzel {}"},
        {{Language::kDefault, Language::kTurkish},
         U"\u015Fe\u011Fer \u0130stanbul \u00E7ok g\u00FCzel {}"},
        {{Language::kTurkish, Language::kTurkish},
         U"\u0131\u0130\u015F\u015E\u011F\u011E\u00E7\u20AC|"},
        {{Language::kDefault, Language::kSpanish},
         U"Ma\u00F1ana: \u00E1rbol, cami\u00F3n, ping\u00FCino, \u00E7"},
        {{Language::kPortuguese, Language::kDefault},
         U"Pre\u00E7o: \u00EA \u00E1 \u00E3o \u00F5es ^\\|~"},
        {{Language::kPortuguese, Language::kPortuguese}, U"\u00AA\u03A6\u00E1\u00EA{}"},
        {{Language::kDefault, Language::kPortuguese}, U"Voc\u00EA est\u00E1 \u00C0 \u00E0 \u00E3"},
    };
    for (const auto& c : cases) {
      CAPTURE(static_cast<int>(c.tables.locking));
      CAPTURE(static_cast<int>(c.tables.single));
      const Gsm7Encoder* e = Gsm7Encoder::get(c.tables);
      REQUIRE(e != nullptr);
      CHECK(septets_to_code_points(encode_all(*e, c.text), c.tables) == c.text);
    }
  }
}

TEST_CASE("gsm7 encoder: every table pair round trips every character it carries") {
  for (int l = 0; l < kLanguageCount; ++l) {
    for (int s = 0; s < kLanguageCount; ++s) {
      const Gsm7Tables tables{static_cast<Language>(l), static_cast<Language>(s)};
      const Gsm7Encoder* e = Gsm7Encoder::get(tables);
      if (locking_shift_table(tables.locking) == nullptr) {
        CHECK(e == nullptr);
        continue;
      }
      REQUIRE(e != nullptr);
      CAPTURE(l);
      CAPTURE(s);
      std::u32string text;
      for (char32_t c : *locking_shift_table(tables.locking)) {
        if (c != kNoChar) text.push_back(c);
      }
      for (char32_t c : *single_shift_table(tables.single)) {
        if (c != kNoChar) text.push_back(c);
      }
      size_t bad = 0;
      std::vector<uint8_t> septets;
      uint8_t out[2];
      for (char32_t c : text) {
        int n = e->septets_for(c, out);
        if (n == 0) ++bad;
        septets.insert(septets.end(), out, out + n);
      }
      CHECK(bad == 0);
      CHECK(septets_to_code_points(septets, tables) == text);
    }
  }
}

}  // namespace
}  // namespace smsgate::pdu

#include "pdu/transliterate.h"

#include <algorithm>
#include <array>
#include <utility>

namespace smsgate::pdu {
namespace {

struct Replacement {
  char32_t from;
  std::u32string_view to;
};

// Sorted by code point. Every replacement is plain GSM-7 default alphabet text.
constexpr std::array kReplacements = {
    Replacement{0x00A0, U" "},    // no-break space
    Replacement{0x00AB, U"\""},   // left guillemet
    Replacement{0x00AD, U""},     // soft hyphen: invisible
    Replacement{0x00B4, U"'"},    // acute accent used as apostrophe
    Replacement{0x00BB, U"\""},   // right guillemet
    Replacement{0x02BC, U"'"},    // modifier letter apostrophe
    Replacement{0x02C6, U"^"},    // modifier circumflex
    Replacement{0x02DC, U"~"},    // small tilde
    Replacement{0x2000, U" "},    // en quad
    Replacement{0x2001, U" "},    // em quad
    Replacement{0x2002, U" "},    // en space
    Replacement{0x2003, U" "},    // em space
    Replacement{0x2004, U" "},    // three-per-em space
    Replacement{0x2005, U" "},    // four-per-em space
    Replacement{0x2006, U" "},    // six-per-em space
    Replacement{0x2007, U" "},    // figure space
    Replacement{0x2008, U" "},    // punctuation space
    Replacement{0x2009, U" "},    // thin space
    Replacement{0x200A, U" "},    // hair space
    Replacement{0x200B, U""},     // zero width space
    Replacement{0x2010, U"-"},    // hyphen
    Replacement{0x2011, U"-"},    // non-breaking hyphen
    Replacement{0x2012, U"-"},    // figure dash
    Replacement{0x2013, U"-"},    // en dash
    Replacement{0x2014, U"-"},    // em dash
    Replacement{0x2015, U"-"},    // horizontal bar
    Replacement{0x2018, U"'"},    // left single quotation mark
    Replacement{0x2019, U"'"},    // right single quotation mark (the curly apostrophe)
    Replacement{0x201A, U"'"},    // single low-9 quotation mark
    Replacement{0x201B, U"'"},    // single high-reversed-9 quotation mark
    Replacement{0x201C, U"\""},   // left double quotation mark
    Replacement{0x201D, U"\""},   // right double quotation mark
    Replacement{0x201E, U"\""},   // double low-9 quotation mark
    Replacement{0x201F, U"\""},   // double high-reversed-9 quotation mark
    Replacement{0x2022, U"*"},    // bullet
    Replacement{0x2024, U"."},    // one dot leader
    Replacement{0x2026, U"..."},  // horizontal ellipsis
    Replacement{0x202F, U" "},    // narrow no-break space
    Replacement{0x2032, U"'"},    // prime
    Replacement{0x2033, U"\""},   // double prime
    Replacement{0x2039, U"'"},    // single left-pointing angle quotation mark
    Replacement{0x203A, U"'"},    // single right-pointing angle quotation mark
    Replacement{0x2043, U"-"},    // hyphen bullet
    Replacement{0x2044, U"/"},    // fraction slash
    Replacement{0x205F, U" "},    // medium mathematical space
    Replacement{0x2060, U""},     // word joiner
    Replacement{0x2212, U"-"},    // minus sign
    Replacement{0x2215, U"/"},    // division slash
    Replacement{0x2217, U"*"},    // asterisk operator
    Replacement{0x2223, U"|"},    // divides (vertical bar)
    Replacement{0x3000, U" "},    // ideographic space
    Replacement{0xFEFF, U""},     // byte order mark / zero width no-break space
    Replacement{0xFF01, U"!"},    // fullwidth forms of ASCII punctuation
    Replacement{0xFF08, U"("},   Replacement{0xFF09, U")"}, Replacement{0xFF0C, U","},
    Replacement{0xFF0E, U"."},   Replacement{0xFF1A, U":"}, Replacement{0xFF1B, U";"},
    Replacement{0xFF1F, U"?"},
};

constexpr bool sorted() {
  for (size_t i = 1; i < kReplacements.size(); ++i) {
    if (kReplacements[i - 1].from >= kReplacements[i].from) return false;
  }
  return true;
}
static_assert(sorted(), "kReplacements must be sorted by code point");

}  // namespace

std::optional<std::u32string_view> safe_transliteration(char32_t c) {
  auto it = std::lower_bound(kReplacements.begin(), kReplacements.end(), c,
                             [](const Replacement& r, char32_t key) { return r.from < key; });
  if (it == kReplacements.end() || it->from != c) return std::nullopt;
  return it->to;
}

}  // namespace smsgate::pdu

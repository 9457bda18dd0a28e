#include "pdu/planner.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "pdu/transliterate.h"
#include "pdu/utf.h"

namespace smsgate::pdu {
namespace {

// TS 23.040 clause 9.2.3.16: TP-UD holds at most 140 octets.
constexpr size_t kUserDataOctets = 140;
constexpr size_t kMaxParts = 255;  // the concatenation IE counts parts in one octet

size_t header_octets_for(bool concatenated, bool ref16, Gsm7Tables tables, Encoding encoding) {
  size_t ies = 0;
  if (concatenated) ies += ref16 ? 6 : 5;  // IEI, IEDL, reference, total, sequence
  if (encoding == Encoding::kGsm7) {
    if (tables.locking != Language::kDefault) ies += 3;  // IEI 0x25, IEDL, language
    if (tables.single != Language::kDefault) ies += 3;   // IEI 0x24, IEDL, language
  }
  return ies == 0 ? 0 : ies + 1;  // + UDHL
}

size_t capacity(Encoding encoding, size_t header_octets) {
  if (encoding == Encoding::kGsm7) return (kUserDataOctets - header_octets) * 8 / 7;
  if (encoding == Encoding::kUcs2) return (kUserDataOctets - header_octets) / 2;
  return kUserDataOctets - header_octets;
}

std::string describe(char32_t c, size_t index) {
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
  std::string out = "character '";
  append_utf8(out, c);
  return out + "' (" + code + ") at position " + std::to_string(index + 1);
}

// A text written in GSM-7 under one pair of tables.
struct Gsm7Text {
  Gsm7Tables tables;
  std::u32string text;           // after transliteration
  std::vector<uint8_t> septets;  // an escape septet always starts a two-septet character
  std::vector<Transliteration> transliterations;
};

void count_transliteration(std::vector<Transliteration>& list, char32_t from,
                           std::u32string_view to) {
  for (auto& t : list) {
    if (t.from == from) {
      ++t.count;
      return;
    }
  }
  list.push_back({from, std::u32string(to), 1});
}

// nullopt when a character is neither in the tables nor (when allowed) replaceable.
std::optional<Gsm7Text> write_gsm7(std::u32string_view text, const Gsm7Encoder& encoder,
                                   bool transliterate) {
  Gsm7Text out;
  out.tables = encoder.tables();
  // Written through an index into a buffer sized for the worst case (every character
  // escaped) and trimmed at the end: this loop is the encoder's hot path.
  out.septets.resize(text.size() * 2);
  size_t w = 0;
  bool replaced = false;
  uint8_t s[2];
  for (size_t i = 0; i < text.size(); ++i) {
    char32_t c = text[i];
    int n = encoder.septets_for(c, s);
    if (n > 0) {
      out.septets[w++] = s[0];
      if (n == 2) out.septets[w++] = s[1];
      if (replaced) out.text.push_back(c);
      continue;
    }
    if (!transliterate) return std::nullopt;
    auto replacement = safe_transliteration(c);
    if (!replacement) return std::nullopt;
    out.septets.resize(out.septets.size() + replacement->size() * 2);
    for (char32_t r : *replacement) {
      int k = encoder.septets_for(r, s);
      if (k == 0) return std::nullopt;
      out.septets[w++] = s[0];
      if (k == 2) out.septets[w++] = s[1];
    }
    if (!replaced) {
      out.text.assign(text.substr(0, i));
      replaced = true;
    }
    count_transliteration(out.transliterations, c, *replacement);
    out.text.append(*replacement);
  }
  out.septets.resize(w);
  if (!replaced) out.text.assign(text);
  return out;
}

// Candidate table pairs: the default first, then each allowed language's tables.
std::vector<Gsm7Tables> candidate_tables(const std::vector<Language>& languages) {
  std::vector<Gsm7Tables> out{{}};
  for (Language l : languages) {
    if (l == Language::kDefault) continue;
    bool locking = locking_shift_table(l) != nullptr;
    bool single = single_shift_table(l) != nullptr;
    if (single) out.push_back({Language::kDefault, l});
    if (locking) out.push_back({l, Language::kDefault});
    if (locking && single) out.push_back({l, l});
  }
  return out;
}

// Part boundaries for `septets` at `per_part` septets a part; an escape and the
// septet it shifts stay together. Calls emit(begin, end, characters) per part.
template <class Emit>
void split_septets(const std::vector<uint8_t>& septets, size_t per_part, Emit emit) {
  const size_t n = septets.size();
  if (n <= per_part) {  // one part: only the characters need counting
    emit(0, n, n - static_cast<size_t>(std::count(septets.begin(), septets.end(), kEscape)));
    return;
  }
  size_t begin = 0;
  size_t characters = 0;
  for (size_t i = 0; i < n;) {
    size_t width = septets[i] == kEscape && i + 1 < n ? 2 : 1;
    if (i + width - begin > per_part) {
      emit(begin, i, characters);
      begin = i;
      characters = 0;
    }
    ++characters;
    i += width;
  }
  emit(begin, n, characters);
}

size_t gsm7_units_per_part(const Gsm7Text& g, bool ref16) {
  size_t single =
      capacity(Encoding::kGsm7, header_octets_for(false, ref16, g.tables, Encoding::kGsm7));
  if (g.septets.size() <= single) return single;
  return capacity(Encoding::kGsm7, header_octets_for(true, ref16, g.tables, Encoding::kGsm7));
}

size_t gsm7_part_count(const Gsm7Text& g, bool ref16) {
  size_t parts = 0;
  split_septets(g.septets, gsm7_units_per_part(g, ref16), [&](size_t, size_t, size_t) { ++parts; });
  return parts;
}

void split_gsm7(const Gsm7Text& g, bool ref16, Plan& plan) {
  plan.encoding = Encoding::kGsm7;
  plan.tables = g.tables;
  plan.units_per_part = gsm7_units_per_part(g, ref16);
  split_septets(g.septets, plan.units_per_part, [&](size_t begin, size_t end, size_t characters) {
    PlannedPart& part = plan.parts.emplace_back();
    part.payload.assign(g.septets.begin() + begin, g.septets.begin() + end);
    part.units = end - begin;
    part.characters = characters;
  });
}

void split_ucs2(std::u32string_view text, bool ref16, Plan& plan) {
  plan.encoding = Encoding::kUcs2;
  plan.tables = {};
  size_t units = 0;
  for (char32_t c : text) units += needs_surrogate_pair(c) ? 2 : 1;
  size_t single_capacity = capacity(Encoding::kUcs2, 0);
  bool concatenated = units > single_capacity;
  plan.units_per_part =
      concatenated ? capacity(Encoding::kUcs2, header_octets_for(true, ref16, {}, Encoding::kUcs2))
                   : single_capacity;
  PlannedPart part;
  part.payload.reserve(plan.units_per_part * 2);
  std::u16string utf16;
  for (char32_t c : text) {
    utf16.clear();
    append_utf16be(utf16, c);
    if (part.units + utf16.size() > plan.units_per_part) {
      plan.parts.push_back(std::move(part));
      part = {};
      part.payload.reserve(plan.units_per_part * 2);
    }
    for (char16_t u : utf16) {
      part.payload.push_back(static_cast<uint8_t>(u >> 8));
      part.payload.push_back(static_cast<uint8_t>(u));
    }
    part.units += utf16.size();
    ++part.characters;
  }
  plan.parts.push_back(std::move(part));
}

Result<Plan> finish(Plan plan) {
  if (plan.parts.size() > kMaxParts) {
    return make_error("text needs " + std::to_string(plan.parts.size()) +
                      " parts; at most 255 can be concatenated");
  }
  plan.units_left = plan.units_per_part - plan.parts.back().units;
  return plan;
}

}  // namespace

std::string_view encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::kGsm7:
      return "gsm7";
    case Encoding::kUcs2:
      return "ucs2";
    case Encoding::kEightBit:
      return "8bit";
  }
  return "?";
}

size_t Plan::header_octets() const {
  return header_octets_for(concatenated(), ref16, tables, encoding);
}

Result<Plan> plan_text(std::u32string_view text, const PlanOptions& options) {
  Plan plan;
  plan.ref16 = options.ref16;

  if (options.encoding != EncodingChoice::kUcs2) {
    std::optional<Gsm7Text> best;
    if (options.languages.empty()) {
      best = write_gsm7(text, *Gsm7Encoder::get({}), options.transliterate);
    } else {
      size_t best_parts = 0;
      for (Gsm7Tables tables : candidate_tables(options.languages)) {
        const Gsm7Encoder* encoder = Gsm7Encoder::get(tables);
        if (encoder == nullptr) continue;
        auto written = write_gsm7(text, *encoder, options.transliterate);
        if (!written) continue;
        // Fewest parts wins; on a tie the earlier (simpler) tables are kept.
        size_t parts = gsm7_part_count(*written, options.ref16);
        if (!best || parts < best_parts) {
          best_parts = parts;
          best = std::move(written);
        }
      }
    }
    if (best) {
      split_gsm7(*best, options.ref16, plan);
      plan.text = std::move(best->text);
      plan.transliterations = std::move(best->transliterations);
      return finish(std::move(plan));
    }
    if (options.encoding == EncodingChoice::kGsm7) {
      // Name the first character no allowed table can carry.
      for (size_t i = 0; i < text.size(); ++i) {
        bool carried = false;
        for (Gsm7Tables tables : candidate_tables(options.languages)) {
          const Gsm7Encoder* encoder = Gsm7Encoder::get(tables);
          if (encoder && write_gsm7(text.substr(i, 1), *encoder, options.transliterate)) {
            carried = true;
            break;
          }
        }
        if (!carried) return make_error(describe(text[i], i) + " is not in the GSM 7-bit alphabet");
      }
      return make_error("text cannot be written with one set of GSM 7-bit tables");
    }
  }

  std::vector<const Gsm7Encoder*> encoders;
  for (Gsm7Tables tables : candidate_tables(options.languages)) {
    if (const Gsm7Encoder* encoder = Gsm7Encoder::get(tables)) encoders.push_back(encoder);
  }
  for (char32_t c : text) {
    bool carried = options.transliterate && safe_transliteration(c);
    for (size_t k = 0; k < encoders.size() && !carried; ++k) carried = encoders[k]->can_encode(c);
    if (!carried && plan.not_in_gsm7.find(c) == std::u32string::npos) plan.not_in_gsm7.push_back(c);
  }
  // Every character fits some allowed table pair but no one pair fits them all (say
  // Turkish 'ş' with Portuguese 'ª'): name what the default alphabet lacks instead, so
  // the sender still sees why the text went UCS-2.
  if (plan.not_in_gsm7.empty() && options.encoding == EncodingChoice::kAuto) {
    const Gsm7Encoder& standard = *Gsm7Encoder::get({});
    for (char32_t c : text) {
      if (!standard.can_encode(c) && !(options.transliterate && safe_transliteration(c)) &&
          plan.not_in_gsm7.find(c) == std::u32string::npos) {
        plan.not_in_gsm7.push_back(c);
      }
    }
  }
  plan.text.assign(text);
  split_ucs2(text, options.ref16, plan);
  return finish(std::move(plan));
}

}  // namespace smsgate::pdu

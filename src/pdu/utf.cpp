#include "pdu/utf.h"

namespace smsgate::pdu {

Result<std::u32string> utf8_to_code_points(std::string_view utf8) {
  // Sized for the worst case (all ASCII) and trimmed: no per-character growth checks.
  std::u32string out(utf8.size(), U'\0');
  size_t w = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    auto lead = static_cast<uint8_t>(utf8[i]);
    if (lead < 0x80) {
      out[w++] = lead;
      ++i;
      continue;
    }
    int extra;
    char32_t c;
    char32_t min;
    if ((lead & 0xE0) == 0xC0) {
      extra = 1, c = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, c = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, c = lead & 0x07, min = 0x10000;
    } else {
      return make_error("invalid UTF-8 at byte " + std::to_string(i + 1));
    }
    if (i + extra >= utf8.size()) {
      return make_error("truncated UTF-8 sequence at byte " + std::to_string(i + 1));
    }
    for (int k = 1; k <= extra; ++k) {
      auto b = static_cast<uint8_t>(utf8[i + k]);
      if ((b & 0xC0) != 0x80) {
        return make_error("invalid UTF-8 at byte " + std::to_string(i + k + 1));
      }
      c = c << 6 | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
      return make_error("invalid UTF-8 at byte " + std::to_string(i + 1));
    }
    out[w++] = c;
    i += extra + 1;
  }
  out.resize(w);
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | c >> 6));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | c >> 12));
    out.push_back(static_cast<char>(0x80 | (c >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | c >> 18));
    out.push_back(static_cast<char>(0x80 | (c >> 12 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string code_points_to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

void append_utf16be(std::u16string& out, char32_t c) {
  if (c > 0xFFFF) {
    c -= 0x10000;
    out.push_back(static_cast<char16_t>(0xD800 + (c >> 10)));
    out.push_back(static_cast<char16_t>(0xDC00 + (c & 0x3FF)));
  } else {
    out.push_back(static_cast<char16_t>(c));
  }
}

std::u32string utf16be_to_code_points(std::span<const uint8_t> octets) {
  std::u32string out;
  out.reserve(octets.size() / 2);
  const size_t units = octets.size() / 2;
  auto unit = [&](size_t k) -> char32_t { return octets[2 * k] << 8 | octets[2 * k + 1]; };
  for (size_t k = 0; k < units; ++k) {
    char32_t u = unit(k);
    if (u >= 0xD800 && u <= 0xDBFF && k + 1 < units) {
      char32_t low = unit(k + 1);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        out.push_back(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
        ++k;
        continue;
      }
    }
    out.push_back(u >= 0xD800 && u <= 0xDFFF ? U'\uFFFD' : u);
  }
  return out;
}

}  // namespace smsgate::pdu

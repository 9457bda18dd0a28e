#include "pdu/gsm7.h"

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>

namespace smsgate::pdu {

Gsm7Encoder::Gsm7Encoder(Gsm7Tables tables) : tables_(tables) {
  std::fill(std::begin(direct_), std::end(direct_), kNone);
  auto add = [&](char32_t c, uint16_t value) {
    if (c == kNoChar) return;
    if (c < kDirect) {
      if (direct_[c] == kNone) direct_[c] = value;
    } else if (std::none_of(sorted_rest_.begin(), sorted_rest_.end(),
                            [c](const auto& e) { return e.first == c; })) {
      sorted_rest_.emplace_back(c, value);
    }
  };
  // Locking-table characters first: where a character is in both tables, the
  // one-septet form wins.
  const Gsm7Table& locking = *locking_shift_table(tables.locking);
  for (uint16_t s = 0; s < 128; ++s) add(locking[s], s);
  const Gsm7Table& single = *single_shift_table(tables.single);
  for (uint16_t s = 0; s < 128; ++s) add(single[s], kEscaped | s);
  std::sort(sorted_rest_.begin(), sorted_rest_.end());
}

uint16_t Gsm7Encoder::lookup_slow(char32_t c) const {
  auto it = std::lower_bound(sorted_rest_.begin(), sorted_rest_.end(), c,
                             [](const auto& e, char32_t key) { return e.first < key; });
  return it != sorted_rest_.end() && it->first == c ? it->second : kNone;
}

const Gsm7Encoder* Gsm7Encoder::get(Gsm7Tables tables) {
  if (locking_shift_table(tables.locking) == nullptr ||
      single_shift_table(tables.single) == nullptr) {
    return nullptr;
  }
  static std::array<std::unique_ptr<Gsm7Encoder>, kLanguageCount * kLanguageCount> cache;
  static std::array<std::once_flag, kLanguageCount * kLanguageCount> built;
  const size_t slot =
      static_cast<size_t>(tables.locking) * kLanguageCount + static_cast<size_t>(tables.single);
  std::call_once(built[slot], [&] { cache[slot].reset(new Gsm7Encoder(tables)); });
  return cache[slot].get();
}

std::u32string septets_to_code_points(std::span<const uint8_t> septets, Gsm7Tables tables) {
  const Gsm7Table* locking = locking_shift_table(tables.locking);
  const Gsm7Table* single = single_shift_table(tables.single);
  if (locking == nullptr) locking = locking_shift_table(Language::kDefault);
  if (single == nullptr) single = single_shift_table(Language::kDefault);
  std::u32string out;
  out.reserve(septets.size());
  for (size_t i = 0; i < septets.size(); ++i) {
    uint8_t s = septets[i] & 0x7F;
    if (s != kEscape) {
      char32_t c = (*locking)[s];
      out.push_back(c == kNoChar ? U' ' : c);
      continue;
    }
    if (i + 1 == septets.size()) {
      out.push_back(U' ');
      break;
    }
    uint8_t next = septets[++i] & 0x7F;
    char32_t c = (*single)[next];
    if (c == kNoChar) c = (*locking)[next];
    out.push_back(c == kNoChar ? U' ' : c);
  }
  return out;
}

void pack_septets(std::span<const uint8_t> septets, int fill_bits, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  out.resize(start + packed_octets(septets.size(), fill_bits), 0);
  uint8_t* dst = out.data() + start;
  uint32_t acc = 0;
  int bits = fill_bits;
  size_t pos = 0;
  for (uint8_t s : septets) {
    acc |= static_cast<uint32_t>(s & 0x7F) << bits;
    bits += 7;
    if (bits >= 8) {
      dst[pos++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) dst[pos] = static_cast<uint8_t>(acc);
}

std::vector<uint8_t> unpack_septets(std::span<const uint8_t> octets, size_t count, int fill_bits) {
  std::vector<uint8_t> out(count);
  for (size_t k = 0; k < count; ++k) {
    size_t bit = static_cast<size_t>(fill_bits) + 7 * k;
    size_t byte = bit / 8;
    unsigned shift = bit % 8;
    unsigned v = octets[byte] >> shift;
    if (shift > 1) v |= static_cast<unsigned>(octets[byte + 1]) << (8 - shift);
    out[k] = static_cast<uint8_t>(v & 0x7F);
  }
  return out;
}

}  // namespace smsgate::pdu

#include "config/suggest.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace smsgate::config {
namespace {

// Lower case without separators, so "flowControl" and "flow-control" meet "flow_control".
std::string simplified(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '_' || c == '-' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  };
  // Three rows of the table: swapped neighbours ("modme") are one typo, not two.
  const size_t width = b.size() + 1;
  std::vector<size_t> before(width), previous(width), current(width);
  for (size_t j = 0; j < width; ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j < width; ++j) {
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates) {
  const std::string simple_word = simplified(word);
  if (simple_word.empty()) return std::nullopt;
  // A third of the word may be wrong, at least one and at most three characters:
  // more than that and the "suggestion" is a guess.
  const size_t allowed = std::clamp<size_t>(simple_word.size() / 3, 1, 3);
  std::optional<std::string_view> best;
  size_t best_distance = allowed + 1;
  for (std::string_view candidate : candidates) {
    const std::string simple_candidate = simplified(candidate);
    size_t distance = edit_distance(simple_word, simple_candidate);
    // An abbreviation of the candidate ("health_interval"), or the candidate with a
    // tail ("warning" for "warn").
    const bool prefix =
        simple_word.size() >= 4 && simple_candidate.size() >= 4 &&
        (simple_candidate.starts_with(simple_word) || simple_word.starts_with(simple_candidate));
    if (distance > allowed && prefix) distance = allowed;
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace smsgate::config

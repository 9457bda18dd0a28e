// "Did you mean ...?": the candidate closest to a misspelt word, for configuration
// errors (keys, table names, time zones, log levels).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace smsgate::config {

// Edit distance: insertions, deletions, substitutions and swaps of neighbours, ASCII
// case ignored.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate `word` most likely stands for, if any is close enough: a few edits
// away (underscores, dashes and case ignored), or one that starts with the word or
// that the word starts with ("health_interval" for "health_interval_seconds",
// "warning" for "warn").
std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates);

}  // namespace smsgate::config

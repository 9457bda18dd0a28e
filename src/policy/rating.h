// The score in a reply to a feedback request ("How did we do? Reply 1-10").
//
// The rule: a rating is a whole number from 1 to 10, written in digits or as an
// English word (one .. ten), found in one of these ways (case, spaces and surrounding
// punctuation or emoji do not matter):
//   1. the reply is the number and nothing else: "7", "Seven!", "(8)", "10."
//   2. the reply is the number on a scale of ten: "7/10", "7 / 10", "7 out of 10",
//      "seven out of ten", "7 of 10"
//   3. the reply starts with the number in digits, set off by punctuation, then says
//      more: "8, thanks!", "9 - great service", "10! Lovely staff" (but not a range
//      or a time: "2-3 weeks", "5:30 suits me")
//   4. the sentence names exactly one score on a scale of ten: "I'd give it 8/10",
//      "Solid 9 out of 10, thanks" (two different ones: no rating)
// Nothing else is a rating. In particular a bare number inside a sentence is not
// ("I'd give it a 7", "I waited 7 minutes", "2 people were rude"): without the scale
// or the number standing alone, a misread score is worse than none, and the text is
// still delivered for a person to read. Out of range, signed or not whole ("0", "11",
// "-3", "7.5", "11/10", "7/5") is no rating either.
#pragma once

#include <optional>
#include <string_view>

namespace smsgate::policy {

// 1..10, or none. Pure, thread-safe.
std::optional<int> parse_rating(std::string_view text);

}  // namespace smsgate::policy

// parse_rating: the forms a 1-10 score takes in a reply to a feedback request, and
// the texts that look like one but are not (dispatch/rating.h has the rule).
#include <doctest/doctest.h>

#include <optional>
#include <string_view>

#include "policy/rating.h"

namespace {

using smsgate::policy::parse_rating;

struct Case {
  std::string_view text;
  std::optional<int> rating;
};

constexpr std::optional<int> kNone = std::nullopt;

const Case kCases[] = {
    // 1. The number alone, in digits or words, with punctuation, spaces, emoji.
    {"7", 7},
    {"1", 1},
    {"10", 10},
    {" 7 ", 7},
    {"7!", 7},
    {"7.", 7},
    {"(8)", 8},
    {"**9**", 9},
    {"07", 7},
    {"seven", 7},
    {"Seven!", 7},
    {"EIGHT.", 8},
    {"ten", 10},
    {"one", 1},
    {"7 \xF0\x9F\x91\x8D", 7},  // 7 and a thumbs-up
    {"\n9\r\n", 9},
    // 2. On a scale of ten.
    {"7/10", 7},
    {"7 / 10", 7},
    {"10/10", 10},
    {"10/10!!", 10},
    {"10 out of 10", 10},
    {"8 out of ten", 8},
    {"seven out of ten", 7},
    {"Nine Out Of Ten!", 9},
    {"7 of 10", 7},
    // 3. Digits first, set off by punctuation, then more.
    {"8, thanks!", 8},
    {"9 - great service", 9},
    {"10! Lovely staff", 10},
    {"8!! great", 8},
    {"5. The wait was long", 5},
    // 4. One score on a scale of ten inside a sentence.
    {"I'd give it 8/10", 8},
    {"Solid 9 out of 10, thanks", 9},
    {"8/10 would book again", 8},
    {"7/10 for the food, 7/10 overall", 7},
    // Not ratings.
    {"", kNone},
    {"   ", kNone},
    {"!!!", kNone},
    {"yes", kNone},
    {"STOP", kNone},
    {"0", kNone},
    {"11", kNone},
    {"100", kNone},
    {"99999999999999999999", kNone},
    {"-3", kNone},
    {"+7", kNone},
    {"7.5", kNone},
    {"7,5", kNone},
    {"zero", kNone},
    {"seventy", kNone},
    {"7th", kNone},
    {"0/10", kNone},
    {"11/10", kNone},
    {"7.5/10", kNone},
    {"7/5", kNone},
    {"7 out of 5", kNone},
    {"I'd give it a 7", kNone},
    {"I waited 7 minutes", kNone},
    {"2 people were rude", kNone},
    {"2-3 weeks wait", kNone},
    {"5:30 suits me", kNone},
    {"call me at 10", kNone},
    {"7 8", kNone},
    {"8/10 for food but 4/10 for service", kNone},
    {"one more thing, parking", kNone},
};

TEST_CASE("parse_rating: each form of a 1-10 score, and look-alikes that are not") {
  for (const Case& c : kCases) {
    CAPTURE(c.text);
    CHECK(parse_rating(c.text) == c.rating);
  }
}

}  // namespace

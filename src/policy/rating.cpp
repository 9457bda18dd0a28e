#include "policy/rating.h"

#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace smsgate::policy {

namespace {

struct Token {
  enum Kind { kWord, kSlash, kPunct } kind = kWord;
  std::string text;   // lowercased; for kPunct the character
  bool valid = true;  // false: a number that cannot be a score ("7.5", "-3")
};

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Words and numbers, '/' and other ASCII punctuation; spaces and non-ASCII bytes
// (emoji, accents) only separate.
std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (is_digit(c)) {
      Token token;
      // A sign right before the digits (not a range such as "2-3") makes it negative.
      if (i > 0 && (text[i - 1] == '-' || text[i - 1] == '+') && (i < 2 || !is_alnum(text[i - 2])))
        token.valid = false;
      while (i < text.size()) {
        if (is_alnum(text[i])) {
          token.text.push_back(
              static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
          ++i;
        } else if ((text[i] == '.' || text[i] == ',') && i + 1 < text.size() &&
                   is_digit(text[i + 1])) {
          token.valid = false;  // a decimal, "7.5" or "7,5"
          token.text.push_back(text[i]);
          ++i;
        } else {
          break;
        }
      }
      tokens.push_back(std::move(token));
    } else if (is_alnum(c)) {
      Token token;
      while (i < text.size() && is_alnum(text[i]))
        token.text.push_back(
            static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++]))));
      tokens.push_back(std::move(token));
    } else if (c == '/') {
      tokens.push_back(Token{Token::kSlash, "/", true});
      ++i;
    } else if (static_cast<unsigned char>(c) < 0x80 &&
               std::ispunct(static_cast<unsigned char>(c))) {
      tokens.push_back(Token{Token::kPunct, std::string(1, c), true});
      ++i;
    } else {
      ++i;
    }
  }
  return tokens;
}

constexpr std::array<std::string_view, 11> kNumberWords = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};

bool all_digits(std::string_view text) {
  for (char c : text)
    if (!is_digit(c)) return false;
  return !text.empty();
}

// The whole number a token spells, any size for digits ("11" is a number, just not a
// score); none for words that are not numbers and for invalid numbers.
std::optional<int> number_of(const Token& token) {
  if (token.kind != Token::kWord || !token.valid) return std::nullopt;
  if (all_digits(token.text)) {
    if (token.text.size() > 4) return 9999;  // far out of range, and no overflow
    return std::stoi(token.text);
  }
  for (size_t i = 0; i < kNumberWords.size(); ++i)
    if (token.text == kNumberWords[i]) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> score_of(const Token& token) {
  auto number = number_of(token);
  if (!number || *number < 1 || *number > 10) return std::nullopt;
  return number;
}

bool is_word(const std::vector<Token>& tokens, size_t at, std::string_view word) {
  return at < tokens.size() && tokens[at].kind == Token::kWord && tokens[at].text == word;
}

bool is_ten(const std::vector<Token>& tokens, size_t at) {
  return at < tokens.size() && number_of(tokens[at]) == 10;
}

// "N/10", "N out of 10", "N of 10" starting at `at`: the number of tokens it spans.
size_t scale_length(const std::vector<Token>& tokens, size_t at) {
  if (at >= tokens.size() || tokens[at].kind != Token::kWord) return 0;
  if (at + 1 < tokens.size() && tokens[at + 1].kind == Token::kSlash && is_ten(tokens, at + 2))
    return 3;
  if (is_word(tokens, at + 1, "out") && is_word(tokens, at + 2, "of") && is_ten(tokens, at + 3))
    return 4;
  if (is_word(tokens, at + 1, "of") && is_ten(tokens, at + 2)) return 3;
  return 0;
}

}  // namespace

std::optional<int> parse_rating(std::string_view text) {
  std::vector<Token> tokens = tokenize(text);
  std::vector<Token> words;
  for (const Token& token : tokens)
    if (token.kind != Token::kPunct) words.push_back(token);

  // 1. The number alone.
  if (words.size() == 1) return score_of(words[0]);

  // 2 and 4. Scores on a scale of ten, alone or in a sentence: exactly one value.
  std::optional<int> scaled;
  bool found_scale = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    size_t length = scale_length(tokens, i);
    if (length == 0) continue;
    // "7.5/10", "11/10", "0/10", or a second, different score: ambiguous, so none.
    auto score = score_of(tokens[i]);
    if (!score || (found_scale && scaled != score)) return std::nullopt;
    found_scale = true;
    scaled = score;
    i += length - 1;
  }
  if (found_scale) return scaled;

  // 3. Digits first, set off by punctuation, then more words: "8, thanks", "8!! great".
  // A number after the punctuation ("2-3 weeks", "5:30") is a range or a time.
  size_t first = 0;
  while (first < tokens.size() && tokens[first].kind == Token::kPunct) ++first;
  if (first + 1 < tokens.size() && all_digits(tokens[first].text) &&
      tokens[first + 1].kind == Token::kPunct) {
    size_t next = first + 1;
    while (next < tokens.size() && tokens[next].kind == Token::kPunct) ++next;
    if (next < tokens.size() && tokens[next].kind == Token::kWord && !number_of(tokens[next]) &&
        !all_digits(tokens[next].text))
      return score_of(tokens[first]);
  }
  return std::nullopt;
}

}  // namespace smsgate::policy

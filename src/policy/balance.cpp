#include "policy/balance.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

namespace smsgate::policy {
namespace {

// Currencies as prepaid answers write them: ISO 4217 codes, then symbols and local
// abbreviations. Longer marks first, so "GH₵" wins over "₵" and "R$" over "$".
constexpr std::string_view kCodes[] = {
    "AED", "AUD", "BDT", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EGP", "ETB", "EUR",
    "GBP", "GHS", "HUF", "IDR", "INR", "JPY", "KES", "LKR", "MAD", "MWK", "MXN", "MYR",
    "NGN", "NOK", "NZD", "PHP", "PKR", "PLN", "RON", "RUB", "RWF", "SAR", "SEK", "THB",
    "TRY", "TZS", "UAH", "UGX", "USD", "VND", "XAF", "XOF", "ZAR", "ZMW"};
constexpr std::string_view kSymbols[] = {"GH₵", "R$",  "€",  "£",  "₹",  "₦",   "₱",   "₵",   "₩",
                                         "₺",   "₽", "₫",  "¥",  "$",  "KSh", "Ksh", "Rp",  "Rs",
                                         "TL",  "zł",  "Kč", "Ft", "kr", "lei", "руб", "грн", "р."};
// Words that introduce the balance when no currency is written.
constexpr std::string_view kBalanceWords[] = {"balance", "bal",    "credit",  "guthaben", "saldo",
                                              "pulsa",   "solde",  "остаток", "Остаток",  "ОСТАТОК",
                                              "баланс",  "Баланс", "БАЛАНС"};

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ascii_nocase(std::string_view text, size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (lower(text[at + i]) != lower(word[i])) return false;
  }
  return true;
}

// A mark of letters must stand alone ("EUR", not the "eur" in "Neuro"); a symbol need not.
bool stands_alone(std::string_view text, size_t at, size_t length) {
  const bool before = at > 0 && is_ascii_letter(text[at - 1]);
  const bool after = at + length < text.size() && is_ascii_letter(text[at + length]);
  return !before && !after;
}

struct Mark {
  size_t begin = 0;
  size_t end = 0;
  std::string_view text;
};

std::vector<Mark> currency_marks(std::string_view text) {
  std::vector<Mark> marks;
  for (size_t at = 0; at < text.size();) {
    std::optional<std::string_view> found;
    for (std::string_view code : kCodes) {
      if (text.substr(at, code.size()) == code && stands_alone(text, at, code.size())) {
        found = code;
        break;
      }
    }
    for (std::string_view symbol : kSymbols) {
      if (found) break;
      if (text.substr(at, symbol.size()) != symbol) continue;
      if (is_ascii_letter(symbol.front()) && !stands_alone(text, at, symbol.size())) continue;
      found = symbol;
    }
    if (found) {
      marks.push_back({at, at + found->size(), *found});
      at += found->size();
    } else {
      ++at;
    }
  }
  return marks;
}

struct Number {
  size_t begin = 0;  // the sign, when there is one
  size_t end = 0;
  double value = 0;
  bool list_marker = false;  // "1." or "2)" before a menu entry
};

// "12.500" -> 12500, "3,20" -> 3.2, "1.234,56" -> 1234.56 (see the header).
std::optional<double> number_value(std::string_view digits) {
  const size_t last_dot = digits.rfind('.');
  const size_t last_comma = digits.rfind(',');
  const auto separators =
      std::count_if(digits.begin(), digits.end(), [](char c) { return c == '.' || c == ','; });
  std::optional<size_t> decimal;
  if (last_dot != std::string_view::npos && last_comma != std::string_view::npos) {
    decimal = std::max(last_dot, last_comma);
  } else if (separators == 1) {
    const size_t at = last_dot != std::string_view::npos ? last_dot : last_comma;
    if (digits.size() - at - 1 != 3) decimal = at;
  }
  // Thousands come in groups of three after a first of one to three ("12.500",
  // "1,234,567"); anything else ("31.12.2026") is no amount.
  const std::string_view whole = decimal ? digits.substr(0, *decimal) : digits;
  size_t group = 0;
  bool first_group = true;
  for (size_t i = 0; i <= whole.size(); ++i) {
    if (i < whole.size() && is_digit(whole[i])) {
      ++group;
      continue;
    }
    const bool last = i == whole.size();
    if (!(last && first_group) && (first_group ? group > 3 : group != 3)) return std::nullopt;
    first_group = false;
    group = 0;
  }
  std::string plain;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (is_digit(digits[i])) {
      plain.push_back(digits[i]);
    } else if (decimal && i == *decimal) {
      plain.push_back('.');
    }
  }
  double value = 0;
  auto [end, error] = std::from_chars(plain.data(), plain.data() + plain.size(), value);
  if (error != std::errc() || end != plain.data() + plain.size()) return std::nullopt;
  return value;
}

// Numbers that may be an amount: not part of a date, a time, a code or a phone number.
std::vector<Number> amounts(std::string_view text) {
  std::vector<Number> numbers;
  size_t at = 0;
  while (at < text.size()) {
    if (!is_digit(text[at])) {
      ++at;
      continue;
    }
    const size_t begin = at;
    while (at < text.size() &&
           (is_digit(text[at]) || ((text[at] == '.' || text[at] == ',') && at + 1 < text.size() &&
                                   is_digit(text[at + 1])))) {
      ++at;
    }
    const size_t end = at;
    const char before = begin > 0 ? text[begin - 1] : ' ';
    const char after = end < text.size() ? text[end] : ' ';
    if (before == '/' || after == '/' || after == ':' || after == '%' || before == '*' ||
        before == '#' || after == '#' || after == '*' || is_ascii_letter(before) ||
        end - begin > 12) {
      continue;
    }
    auto value = number_value(text.substr(begin, end - begin));
    if (!value) continue;
    Number number{begin, end, *value};
    if (before == '-' && (begin < 2 || !is_digit(text[begin - 2]))) {
      number.begin = begin - 1;
      number.value = -number.value;
    }
    const char next = end + 1 < text.size() ? text[end + 1] : ' ';
    number.list_marker = (after == '.' || after == ')') && (next == ' ' || next == '\n');
    numbers.push_back(number);
  }
  return numbers;
}

// What lies between a mark and a number may only be spaces, a colon or a dot ("Rp.",
// "Bal:$"), at most two characters.
bool adjacent(std::string_view text, size_t from, size_t to) {
  if (to < from || to - from > 2) return false;
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(from),
                     text.begin() + static_cast<std::ptrdiff_t>(to),
                     [](char c) { return c == ' ' || c == ':' || c == '.'; });
}

std::optional<size_t> balance_word_end(std::string_view text) {
  std::optional<size_t> first;
  for (std::string_view word : kBalanceWords) {
    for (size_t at = 0; at < text.size(); ++at) {
      if (first && at >= *first) break;
      if (!starts_with_ascii_nocase(text, at, word)) continue;
      if (at > 0 && is_ascii_letter(text[at - 1])) continue;
      // "bal" alone or as "Bal:"; "balance" and the others may run on ("Guthabens").
      if (word == "bal" && at + 3 < text.size() && is_ascii_letter(text[at + 3])) continue;
      first = at + word.size();
    }
  }
  return first;
}

}  // namespace

BalanceReading parse_balance(std::string_view text) {
  BalanceReading reading;
  reading.text = std::string(text);
  const std::vector<Number> numbers = amounts(text);
  const std::vector<Mark> marks = currency_marks(text);
  for (const Number& number : numbers) {
    for (const Mark& mark : marks) {
      if (adjacent(text, mark.end, number.begin) || adjacent(text, number.end, mark.begin)) {
        reading.amount = number.value;
        reading.currency = std::string(mark.text);
        if (reading.currency == "р.") reading.currency = "р";
        return reading;
      }
    }
  }
  // No currency written: the first number after a balance word, within a few words.
  constexpr size_t kNearWord = 24;
  if (auto word_end = balance_word_end(text)) {
    for (const Number& number : numbers) {
      if (number.begin < *word_end || number.list_marker) continue;
      if (number.begin - *word_end > kNearWord) break;
      reading.amount = number.value;
      return reading;
    }
  }
  return reading;
}

}  // namespace smsgate::policy

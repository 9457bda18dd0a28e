#include "policy/phone.h"

#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/shortnumberinfo.h>

#include <functional>
#include <optional>
#include <set>
#include <string>

namespace smsgate::policy {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using i18n::phonenumbers::ShortNumberInfo;

// libphonenumber's own name for "no region": only numbers with '+' parse.
constexpr const char* kUnknownRegion = "ZZ";

const ShortNumberInfo& short_numbers() {
  // Built once from compiled-in metadata; its methods are const.
  static const ShortNumberInfo info;
  return info;
}

std::string quoted(std::string_view input) { return "'" + std::string(input) + "'"; }

// Checks the characters before libphonenumber sees them: its parser is built to
// fish a number out of free text ("Call me at ..."), which is more lenient than a
// recipient field should be.
Status check_characters(std::string_view input) {
  bool seen_digit = false;
  bool seen_plus = false;
  for (char c : input) {
    if (c >= '0' && c <= '9') {
      seen_digit = true;
    } else if (c == '+') {
      if (seen_digit || seen_plus)
        return make_error(quoted(input) + ": '+' belongs only at the start");
      seen_plus = true;
    } else if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')') {
      // Separators people write.
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      return make_error(quoted(input) + " is not a phone number: letters are not accepted");
    } else {
      return make_error(
          quoted(input) + " is not a phone number: unexpected character " +
          (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f
               ? std::string("(non-printable or non-ASCII)")
               : "'" + std::string(1, c) + "'"));
    }
  }
  if (!seen_digit) return make_error(quoted(input) + " is not a phone number: no digits");
  return ok_status();
}

std::string digits_only(std::string_view input) {
  std::string digits;
  for (char c : input) {
    if ((c >= '0' && c <= '9') || c == '+') digits += c;
  }
  return digits;
}

struct Parsed {
  PhoneNumberUtil::ErrorType error = PhoneNumberUtil::NOT_A_NUMBER;
  PhoneNumber number;
  bool valid = false;
};

Parsed parse(const std::string& text, const std::string& region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  Parsed parsed;
  parsed.error = util.Parse(text, region, &parsed.number);
  parsed.valid =
      parsed.error == PhoneNumberUtil::NO_PARSING_ERROR && util.IsValidNumber(parsed.number);
  return parsed;
}

std::string e164(const PhoneNumber& number) {
  std::string out;
  PhoneNumberUtil::GetInstance()->Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

// Most API clients already send E.164. Parsing that with Parse() costs several regular
// expressions per number; a number already written canonically only needs its country
// code found (E.164 country codes are prefix-free) and IsValidNumber(). Anything else
// (separators, a national number, a leading zero after the country code, an invalid
// number) takes the full path, which also explains what is wrong.
std::optional<std::string> already_e164(std::string_view input) {
  if (input.size() < 8 || input.size() > 16 || input[0] != '+' || input[1] == '0')
    return std::nullopt;
  for (char c : input.substr(1))
    if (c < '0' || c > '9') return std::nullopt;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  for (size_t length = 1; length <= 3; ++length) {
    int country_code = std::stoi(std::string(input.substr(1, length)));
    std::string region;
    util.GetRegionCodeForCountryCode(country_code, &region);
    if (region == kUnknownRegion) continue;
    std::string_view national = input.substr(1 + length);
    if (national.empty() || national[0] == '0') return std::nullopt;
    PhoneNumber number;
    number.set_country_code(country_code);
    number.set_national_number(std::stoull(std::string(national)));
    if (!util.IsValidNumber(number)) return std::nullopt;
    return std::string(input);
  }
  return std::nullopt;
}

}  // namespace

bool is_supported_region(std::string_view region) {
  static const std::set<std::string, std::less<>> regions = [] {
    std::set<std::string> supported;
    PhoneNumberUtil::GetInstance()->GetSupportedRegions(&supported);
    return std::set<std::string, std::less<>>(supported.begin(), supported.end());
  }();
  return regions.contains(region);
}

Result<std::string> normalize_number(std::string_view input, std::string_view default_region) {
  if (input.find_first_not_of(" \t") == std::string_view::npos)
    return make_error("empty phone number");
  // Longer than anything E.164 allows (15 digits) with generous separators.
  if (input.size() > 64)
    return make_error("phone number too long (" + std::to_string(input.size()) + " characters)");
  if (Status status = check_characters(input); !status) return status.error();
  if (!default_region.empty() && !is_supported_region(default_region)) {
    return make_error("unknown region '" + std::string(default_region) + "'");
  }

  if (auto canonical = already_e164(input)) return *canonical;

  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const std::string region = default_region.empty() ? kUnknownRegion : std::string(default_region);
  const std::string digits = digits_only(input);
  const bool international = digits.front() == '+';
  const std::string text(input);

  Parsed parsed = parse(text, region);
  if (!parsed.valid && !international && digits.starts_with("00")) {
    // "0049 ..." where the region dials abroad with another prefix (011 in the US)
    // or where no region is configured.
    Parsed retried = parse("+" + digits.substr(2), region);
    if (retried.valid) parsed = retried;
  }
  if (parsed.valid) return e164(parsed.number);

  if (!international && !digits.starts_with("00") &&
      short_numbers().IsValidShortNumberForRegion(parsed.number, region)) {
    return make_error(quoted(input) +
                      " is a short code; short codes are not accepted as recipients");
  }
  switch (parsed.error) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      if (!international && default_region.empty()) {
        return make_error(quoted(input) +
                          " has no country code and no default region is configured; write it as "
                          "+<country code><number>");
      }
      return make_error(quoted(input) + ": unknown country code");
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return make_error(quoted(input) + " is too short to be a phone number");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return make_error(quoted(input) + " is too long to be a phone number");
    case PhoneNumberUtil::NOT_A_NUMBER:
      return make_error(quoted(input) + " is not a phone number");
  }
  // Parsed, but not a number in use: name the region whose rules it broke.
  std::string number_region;
  util.GetRegionCodeForCountryCode(parsed.number.country_code(), &number_region);
  if (number_region.empty() || number_region == kUnknownRegion || number_region == "001") {
    return make_error(quoted(input) + " is not a valid number for country code +" +
                      std::to_string(parsed.number.country_code()));
  }
  return make_error(quoted(input) + " is not a valid number for region " + number_region);
}

}  // namespace smsgate::policy

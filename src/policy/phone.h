// Phone numbers: recipients as people type them ("0170 123 45 67", "(555) 201-2345",
// "0044 20 7946 0958") turned into E.164 ("+491701234567") with libphonenumber, whose
// per-country metadata knows which lengths and prefixes are real.
//
// What counts as a recipient: a number that libphonenumber holds valid, of any type
// (mobile, fixed line, VoIP, ...): some fixed lines do receive SMS (as speech in
// Germany, for one), and the modem's answer is the final word. Refused, each with a
// message that says why:
//   - letters and other characters than digits, spaces, '-', '.', '/', '(' and ')'
//     (so "1-800-FLOWERS" and "INFO" are refused: alphanumeric addresses only ever
//     send, and vanity letters in a form field are more likely a typo than intent);
//   - short codes ("112", "8080"): they reach services, not people, and some are
//     premium-rate, so a gateway for transactional SMS must not text them;
//   - a national number ("0170...") when no default region is configured.
// A leading "00" is read as '+' when the default region's own international prefix
// does not already explain it (the usual European way of writing '+').
//
// Thread safety: all functions are safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace smsgate::policy {

// `input` as E.164: '+', country code, national number, no separators.
// `default_region` is an ISO 3166-1 alpha-2 code ("DE") for numbers written without a
// country code, or empty to accept only international ones.
Result<std::string> normalize_number(std::string_view input, std::string_view default_region);

// Whether libphonenumber has metadata for `region` ("DE", upper case).
bool is_supported_region(std::string_view region);

}  // namespace smsgate::policy

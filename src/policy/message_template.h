// Message templates: a text with {placeholders} that a send fills from its variables,
// so that an appointment book sends "Dear Anna, see you on Monday at 10:15"
// without writing every text in full. Pure apart from ICU's locale data; thread-safe.
//
// The syntax, checked when a template is saved (parse_template) so that a send never
// meets a broken one:
//   {name}           the variable `name` as given (letters, digits and _, starting
//                    with a letter; case matters)
//   {name:date}      the variable `name`, an ISO 8601 time with its zone, as a date,
//   {name:time}      a time of day or
//   {name:weekday}   a day of the week, in the template's language and the gateway's
//                    time zone ("December 7, 2026", "10:15 AM", "Monday" in English;
//                    "7. Dezember 2026", "10:15", "Montag" in German)
//   {date} {time} {weekday}   short for {at:date}, {at:time}, {at:weekday}: `at` is
//                    the appointment's time
//   {{ and }}        a literal { and }
// Any other brace is an error naming where it is.
//
// A send whose variables miss one the template uses is refused (missing_field naming
// "variables.<name>"): a patient never gets a literal "{name}".
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/time_zone.h"

namespace smsgate::policy {

enum class TimeField { kNone, kDate, kTime, kWeekday };

struct Placeholder {
  std::string variable;
  TimeField field = TimeField::kNone;
  friend bool operator==(const Placeholder&, const Placeholder&) = default;
};

using TemplateVariables = std::map<std::string, std::string, std::less<>>;

inline constexpr size_t kMaxVariableNameLength = 64;

// The placeholders in order of appearance, or an error "text: ..." saying what is
// wrong and at which character (1-based).
Result<std::vector<Placeholder>> parse_template(std::string_view text);

// Whether `name` may name a variable (as in {name}).
bool valid_variable_name(std::string_view name);

// Whether `tag` is a language ICU knows ("en", "de", "id", "pt-BR").
bool valid_template_language(std::string_view tag);

// The template filled in. `language` (a BCP 47 tag; empty: English) and `zone` format
// the times. Errors: a variable missing (kMissingField) or a time that is not ISO
// 8601 (kInvalidField), naming "variables.<name>"; a template that does not parse.
Result<std::string> render_template(std::string_view text, const TemplateVariables& variables,
                                    std::string_view language, const TimeZone& zone);

}  // namespace smsgate::policy

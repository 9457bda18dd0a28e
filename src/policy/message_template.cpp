// Message templates (message_template.h): parsed by hand (the syntax is four rules),
// times formatted by ICU in the template's language.
#include "policy/message_template.h"

#include <unicode/datefmt.h>
#include <unicode/locid.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>

#include <memory>

#include "policy/icu_text.h"
#include "policy/iso_time.h"

namespace smsgate::policy {

namespace {

using detail::unicode;
using detail::utf8;

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

Error text_error(size_t at, const std::string& what) {
  return Error{"text: " + what + " at character " + std::to_string(at + 1),
               ErrorCode::kInvalidField, "text"};
}

std::optional<TimeField> parse_field(std::string_view name) {
  if (name == "date") return TimeField::kDate;
  if (name == "time") return TimeField::kTime;
  if (name == "weekday") return TimeField::kWeekday;
  return std::nullopt;
}

// One piece of a parsed template: literal text, or a placeholder.
struct Piece {
  std::string literal;
  std::optional<Placeholder> placeholder;
};

Result<std::vector<Piece>> parse_pieces(std::string_view text) {
  std::vector<Piece> pieces;
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      return text_error(i, "a \"}\" that closes nothing (write \"}}\" for the character)");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos)
      return text_error(i, "a \"{\" with no \"}\" (write \"{{\" for the character)");
    std::string_view inside = text.substr(i + 1, close - i - 1);
    std::string_view name = inside, field_name;
    if (size_t colon = inside.find(':'); colon != std::string_view::npos) {
      name = inside.substr(0, colon);
      field_name = inside.substr(colon + 1);
    }
    Placeholder placeholder{std::string(name), TimeField::kNone};
    if (!field_name.empty() || inside.ends_with(':')) {
      auto field = parse_field(field_name);
      if (!field)
        return text_error(
            i, "\"{" + std::string(inside) + "}\": after the \":\" comes date, time or weekday");
      placeholder.field = *field;
    } else if (auto shorthand = parse_field(name)) {
      placeholder = Placeholder{"at", *shorthand};
    }
    if (!valid_variable_name(placeholder.variable))
      return text_error(i, "\"{" + std::string(inside) +
                               "}\" is no placeholder: a name is letters, digits and _, "
                               "starting with a letter");
    pieces.push_back(Piece{std::exchange(literal, {}), std::nullopt});
    pieces.push_back(Piece{{}, std::move(placeholder)});
    i = close;
  }
  pieces.push_back(Piece{std::move(literal), std::nullopt});
  return pieces;
}

icu::Locale locale_of(std::string_view language) {
  if (language.empty()) return icu::Locale::getEnglish();
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::forLanguageTag(
      icu::StringPiece(language.data(), static_cast<int32_t>(language.size())), status);
  return U_FAILURE(status) ? icu::Locale::getEnglish() : locale;
}

Result<std::string> format_time(int64_t utc_ms, TimeField field, const icu::Locale& locale,
                                const TimeZone& zone) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::DateFormat> format;
  switch (field) {
    case TimeField::kDate:
      format.reset(icu::DateFormat::createDateInstance(icu::DateFormat::kLong, locale));
      break;
    case TimeField::kTime:
      format.reset(icu::DateFormat::createTimeInstance(icu::DateFormat::kShort, locale));
      break;
    case TimeField::kWeekday:
      format = std::make_unique<icu::SimpleDateFormat>(unicode("EEEE"), locale, status);
      break;
    case TimeField::kNone:
      break;
  }
  if (!format || U_FAILURE(status)) return make_error("no date format for this language");
  format->adoptTimeZone(icu::TimeZone::createTimeZone(unicode(zone.name())));
  icu::UnicodeString out;
  format->format(static_cast<UDate>(utc_ms), out);
  return utf8(out);
}

}  // namespace

bool valid_variable_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxVariableNameLength || !is_letter(name[0])) return false;
  for (char c : name)
    if (!is_letter(c) && !is_digit(c) && c != '_') return false;
  return true;
}

bool valid_template_language(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  for (char c : tag)
    if (!is_letter(c) && !is_digit(c) && c != '-') return false;
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::forLanguageTag(
      icu::StringPiece(tag.data(), static_cast<int32_t>(tag.size())), status);
  if (U_FAILURE(status) || locale.isBogus()) return false;
  // Known to ICU: it has a display name for the language other than the code itself.
  icu::UnicodeString display;
  locale.getDisplayLanguage(icu::Locale::getEnglish(), display);
  return !display.isEmpty() && utf8(display) != locale.getLanguage();
}

Result<std::vector<Placeholder>> parse_template(std::string_view text) {
  auto pieces = parse_pieces(text);
  if (!pieces) return pieces.error();
  std::vector<Placeholder> placeholders;
  for (Piece& piece : *pieces)
    if (piece.placeholder) placeholders.push_back(std::move(*piece.placeholder));
  return placeholders;
}

Result<std::string> render_template(std::string_view text, const TemplateVariables& variables,
                                    std::string_view language, const TimeZone& zone) {
  auto pieces = parse_pieces(text);
  if (!pieces) return pieces.error();
  const icu::Locale locale = locale_of(language);
  std::string out;
  for (const Piece& piece : *pieces) {
    out += piece.literal;
    if (!piece.placeholder) continue;
    const Placeholder& placeholder = *piece.placeholder;
    const std::string field = "variables." + placeholder.variable;
    auto value = variables.find(placeholder.variable);
    if (value == variables.end())
      return Error{field + ": missing (the template uses {" + placeholder.variable + "})",
                   ErrorCode::kMissingField, field};
    if (placeholder.field == TimeField::kNone) {
      out += value->second;
      continue;
    }
    auto at = parse_iso8601(value->second);
    if (!at)
      return Error{field + ": must be an ISO 8601 time with its zone (2026-12-07T10:15:00+07:00)",
                   ErrorCode::kInvalidField, field};
    auto formatted = format_time(*at, placeholder.field, locale, zone);
    if (!formatted)
      return Error{field + ": " + formatted.error().message, ErrorCode::kInvalidField, field};
    out += *formatted;
  }
  return out;
}

}  // namespace smsgate::policy

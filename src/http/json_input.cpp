#include "http/json_input.h"

#include <charconv>
#include <ctime>

namespace smsgate::http {

namespace {

std::string_view type_name(const nlohmann::json& value) {
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return "null";
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

int number(std::string_view text) {
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

Error invalid(std::string_view field, std::string message, ErrorCode code) {
  return Error{std::string(field) + ": " + message, code, std::string(field)};
}

Error missing(std::string_view field) {
  return Error{std::string(field) + ": is required", ErrorCode::kMissingField, std::string(field)};
}

Result<nlohmann::json> parse_object(std::string_view body) {
  if (body.empty())
    return Error{"the body is empty; a JSON object is expected", ErrorCode::kInvalidJson};
  nlohmann::json value = nlohmann::json::parse(body, nullptr, false);
  if (value.is_discarded()) return Error{"the body is not valid JSON", ErrorCode::kInvalidJson};
  if (!value.is_object())
    return Error{"the body must be a JSON object, not " + std::string(type_name(value)),
                 ErrorCode::kInvalidJson};
  return value;
}

Fields::Fields(const nlohmann::json& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

const nlohmann::json* Fields::take(std::string_view name) {
  seen_.emplace(name);
  auto found = object_.find(name);
  if (found == object_.end() || found->is_null()) return nullptr;
  return &*found;
}

Result<std::optional<std::string>> Fields::string(std::string_view name, size_t max_bytes) {
  const nlohmann::json* value = take(name);
  if (!value) return std::optional<std::string>();
  if (!value->is_string())
    return invalid(field_name(name), "must be a string, not " + std::string(type_name(*value)));
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > max_bytes)
    return invalid(field_name(name), "is longer than " + std::to_string(max_bytes) + " bytes");
  return std::optional<std::string>(text);
}

Result<std::string> Fields::required_string(std::string_view name, size_t max_bytes) {
  auto value = string(name, max_bytes);
  if (!value) return value.error();
  if (!*value) return missing(field_name(name));
  return std::move(**value);
}

Result<std::optional<int64_t>> Fields::integer(std::string_view name, int64_t min, int64_t max) {
  const nlohmann::json* value = take(name);
  if (!value) return std::optional<int64_t>();
  if (!value->is_number_integer())
    return invalid(field_name(name),
                   "must be a whole number, not " +
                       (value->is_number() ? value->dump() : std::string(type_name(*value))));
  // nlohmann keeps large positive numbers unsigned; compare as such before converting.
  if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(max))
    return invalid(field_name(name),
                   "must be " + std::to_string(min) + " to " + std::to_string(max));
  int64_t number = value->get<int64_t>();
  if (number < min || number > max)
    return invalid(field_name(name), "must be " + std::to_string(min) + " to " +
                                         std::to_string(max) + ", not " + std::to_string(number));
  return std::optional<int64_t>(number);
}

Result<std::optional<bool>> Fields::boolean(std::string_view name) {
  const nlohmann::json* value = take(name);
  if (!value) return std::optional<bool>();
  if (!value->is_boolean())
    return invalid(field_name(name),
                   "must be true or false, not " + std::string(type_name(*value)));
  return std::optional<bool>(value->get<bool>());
}

Result<std::optional<int64_t>> Fields::time(std::string_view name) {
  auto text = string(name, 64);
  if (!text) return text.error();
  if (!*text) return std::optional<int64_t>();
  auto parsed = parse_iso8601(**text);
  if (!parsed)
    return invalid(field_name(name), "\"" + **text +
                                         "\" is not an ISO 8601 time with a zone, such as "
                                         "2026-11-23T10:15:00Z or 2026-11-23T11:15:00+01:00");
  return std::optional<int64_t>(*parsed);
}

Result<const nlohmann::json*> Fields::object(std::string_view name) {
  const nlohmann::json* value = take(name);
  if (value && !value->is_object())
    return invalid(field_name(name), "must be an object, not " + std::string(type_name(*value)));
  return value;
}

Result<const nlohmann::json*> Fields::array(std::string_view name, size_t max_items) {
  const nlohmann::json* value = take(name);
  if (!value) return value;
  if (!value->is_array())
    return invalid(field_name(name), "must be an array, not " + std::string(type_name(*value)));
  if (value->size() > max_items)
    return invalid(field_name(name), "has more than " + std::to_string(max_items) + " items");
  return value;
}

Status Fields::finish() const {
  for (const auto& [name, value] : object_.items()) {
    if (!seen_.contains(name))
      return invalid(field_name(name), "is not a known field", ErrorCode::kUnknownField);
  }
  return ok_status();
}

std::optional<int64_t> parse_iso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  for (size_t at : {0, 5, 8, 11, 14, 17}) {
    size_t width = at == 0 ? 4 : 2;
    if (!all_digits(text.substr(at, width))) return std::nullopt;
  }
  int year = number(text.substr(0, 4)), month = number(text.substr(5, 2)),
      day = number(text.substr(8, 2)), hour = number(text.substr(11, 2)),
      minute = number(text.substr(14, 2)), second = number(text.substr(17, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return std::nullopt;
  size_t at = 19;
  int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    size_t start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    std::string_view fraction = text.substr(start, at - start);
    if (fraction.empty() || fraction.size() > 9) return std::nullopt;
    std::string padded(fraction.substr(0, 3));
    padded.resize(3, '0');
    millis = number(padded);
  }
  int64_t offset_minutes = 0;
  std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             all_digits(zone.substr(1, 2)) && all_digits(zone.substr(4, 2))) {
    int hours = number(zone.substr(1, 2)), minutes = number(zone.substr(4, 2));
    if (hours > 23 || minutes > 59) return std::nullopt;
    offset_minutes = (zone[0] == '+' ? 1 : -1) * (hours * 60 + minutes);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t seconds = timegm(&tm);
  return (seconds - offset_minutes * 60) * 1000 + millis;
}

Result<std::optional<int64_t>> query_integer(const std::optional<std::string_view>& value,
                                             std::string_view name, int64_t min, int64_t max) {
  if (!value) return std::optional<int64_t>();
  int64_t number = 0;
  auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), number);
  if (error != std::errc() || end != value->data() + value->size())
    return invalid(name, "\"" + std::string(*value) + "\" is not a whole number");
  if (number < min || number > max)
    return invalid(name, "must be " + std::to_string(min) + " to " + std::to_string(max));
  return std::optional<int64_t>(number);
}

Result<std::optional<int64_t>> query_time(const std::optional<std::string_view>& value,
                                          std::string_view name) {
  if (!value) return std::optional<int64_t>();
  auto parsed = parse_iso8601(*value);
  if (!parsed)
    return invalid(name,
                   "\"" + std::string(*value) +
                       "\" is not an ISO 8601 time with a zone, such as 2026-11-23T10:15:00Z");
  return std::optional<int64_t>(*parsed);
}

}  // namespace smsgate::http

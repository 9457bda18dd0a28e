#include "http/json_input.h"

#include <charconv>

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

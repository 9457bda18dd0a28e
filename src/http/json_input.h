// Reading request bodies and query strings: every field checked for type and range,
// every error naming its field, unknown fields refused (a misspelt "staus_report"
// would otherwise be silently ignored). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/iso_time.h"

namespace smsgate::http {

// Errors carry code and field (common/result.h); these build them.
Error invalid(std::string_view field, std::string message,
              ErrorCode code = ErrorCode::kInvalidField);
Error missing(std::string_view field);

// The body as a JSON object; an error for anything else (empty, not JSON, an array).
Result<nlohmann::json> parse_object(std::string_view body);

// Fields of one JSON object, read by name. `prefix` ("messages[3].") goes before the
// field names in errors. finish() refuses the fields nobody asked for.
class Fields {
 public:
  Fields(const nlohmann::json& object, std::string prefix = {});

  Result<std::optional<std::string>> string(std::string_view name, size_t max_bytes = 4096);
  Result<std::string> required_string(std::string_view name, size_t max_bytes = 4096);
  Result<std::optional<int64_t>> integer(std::string_view name, int64_t min, int64_t max);
  Result<std::optional<bool>> boolean(std::string_view name);
  // ISO 8601 with a zone ("2026-11-23T10:15:00Z", "...+01:00"), in epoch milliseconds.
  Result<std::optional<int64_t>> time(std::string_view name);
  // A nested object, or none; its fields are read with their own Fields.
  Result<const nlohmann::json*> object(std::string_view name);
  Result<const nlohmann::json*> array(std::string_view name, size_t max_items);
  Status finish() const;

  std::string field_name(std::string_view name) const { return prefix_ + std::string(name); }

 private:
  const nlohmann::json* take(std::string_view name);
  const nlohmann::json& object_;
  std::string prefix_;
  std::set<std::string, std::less<>> seen_;
};

using policy::parse_iso8601;
// Times are written with store::iso8601_utc (store/event_json.h), as in webhook bodies.

// Query parameters: the same checks for values that came as text.
Result<std::optional<int64_t>> query_integer(const std::optional<std::string_view>& value,
                                             std::string_view name, int64_t min, int64_t max);
Result<std::optional<int64_t>> query_time(const std::optional<std::string_view>& value,
                                          std::string_view name);

}  // namespace smsgate::http

// ISO 8601 times with a zone, as the API reads them in bodies and queries and as
// templates read a variable's time. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace smsgate::policy {

// "2026-11-23T10:15:00Z", "2026-11-23T10:15:00.250+07:00" -> epoch ms; none if malformed
// or without a zone (a local time would depend on where it is read).
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace smsgate::policy

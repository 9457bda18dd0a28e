// Helpers shared by the codec's unit tests: inputs that must be valid fail the test
// with the codec's own message instead of crashing it.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pdu/gsm7.h"
#include "pdu/hex.h"
#include "pdu/planner.h"
#include "pdu/utf.h"

namespace smsgate::pdu::testing {

inline std::vector<uint8_t> octets_of(std::string_view hex_text) {
  auto bytes = from_hex(hex_text);
  REQUIRE_MESSAGE(bytes.ok(), (bytes.ok() ? std::string() : bytes.error().message));
  return std::move(*bytes);
}

inline Plan plan_of(std::u32string_view text, const PlanOptions& options = {}) {
  auto plan = plan_text(text, options);
  REQUIRE_MESSAGE(plan.ok(), (plan.ok() ? std::string() : plan.error().message));
  return std::move(plan).value();
}

// The text one planned part carries, read back from its payload.
inline std::u32string part_text(const Plan& plan, const PlannedPart& part) {
  if (plan.encoding == Encoding::kGsm7) return septets_to_code_points(part.payload, plan.tables);
  return utf16be_to_code_points(part.payload);
}

}  // namespace smsgate::pdu::testing

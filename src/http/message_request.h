// What a submission body says, read into the composer's request: pure, so it is
// unit-tested and fuzzed apart from the server. Field errors carry their field, with
// `prefix` ("messages[3].") in front for batches.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "dispatch/compose.h"
#include "http/json_input.h"
#include "pdu/planner.h"

namespace smsgate::http {

inline constexpr size_t kMaxTextBytes = 10000;  // 255 parts of 67 UCS-2 characters, with room
inline constexpr int64_t kMaxTtlSeconds = 30LL * 24 * 3600;
// A client's `priority`: from the store's lowest to just below a one-time password's
// (policy::default_priority), so that nothing a client sends outranks a code.
inline constexpr int kMinClientPriority = store::kMinPriority;
int max_client_priority();

inline constexpr size_t kMaxTemplateNameBytes = 64;
inline constexpr size_t kMaxTemplateVariables = 100;
inline constexpr size_t kMaxVariableBytes = 1000;

// {to, text | template + variables?, category?, send_at?, ttl?, priority?,
//  status_report?, expect_reply?, external_id?, modem?, options?}; unknown fields are
// refused, and so is category "otp" (codes are made by POST /api/v1/otp, never
// written by a client). A template is only named here; the Intake renders it.
Result<dispatch::OutgoingRequest> read_message_request(const nlohmann::json& object,
                                                       const std::string& prefix);
// A send to every member of a contact group: {group, and the fields above but `to`};
// the message's `to` is left empty (the Intake fills in each member's number).
struct GroupSendRequest {
  std::string group;
  dispatch::OutgoingRequest message;
};
Result<GroupSendRequest> read_group_send_request(const nlohmann::json& object);
// "variables": {"name": "Anna", "at": "2026-12-07T10:15:00+07:00", "count": 3}:
// strings, or numbers written as JSON writes them.
Result<policy::TemplateVariables> read_template_variables(Fields& fields);
// "language": "de", what a template's dates and times are written in: a tag ICU knows;
// none when the body gives none.
Result<std::optional<std::string>> read_template_language(Fields& fields);
// "options": {encoding?: auto|gsm7|ucs2, transliterate?, languages?: ["tr", ...]}.
Result<pdu::PlanOptions> read_plan_options(Fields& fields);

}  // namespace smsgate::http

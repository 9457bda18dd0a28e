// Composing an outgoing message: the text planned and encoded into the PDUs the modems
// will send, with the store's fields filled from the request and the defaults. The API
// and the tests submit through this, so every message is encoded one way.
//
// Thread safety: a pure function (randomness from the caller).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "pdu/planner.h"
#include "policy/category.h"
#include "policy/message_template.h"
#include "store/types.h"

namespace smsgate::dispatch {

struct OutgoingRequest {
  std::string to;    // as the caller wrote it: normalised to E.164 here
  std::string text;  // UTF-8
  policy::Category category = policy::Category::kTransactional;
  std::optional<int> priority;  // default: by category (OTP first)
  std::optional<int64_t> send_at;
  std::optional<int64_t> ttl_ms;  // default: default_ttl_ms
  bool status_report = false;
  std::optional<bool> expect_reply;  // default: true for feedback
  std::optional<int64_t> reply_window_ms;
  std::optional<std::string> external_id;
  std::optional<std::string> modem;
  std::optional<std::string> idempotency_key;
  pdu::PlanOptions plan;
  std::optional<int64_t> resent_from;  // staff send this message again (its id)
  // Instead of `text` (left empty): a stored template by name and the values of its
  // placeholders. The Intake renders it; the template's category applies unless
  // `category_given`.
  std::optional<std::string> template_name;
  policy::TemplateVariables variables;
  bool category_given = false;
  // The confirmation of an opt-out just made (dispatch/autoreply.h): the one message a
  // number that opted out still gets. Never set from a request of the API.
  bool confirms_optout = false;
};

struct ComposeDefaults {
  // For numbers written without a country code ([sending] default_region); empty:
  // only international numbers are accepted.
  std::string default_region;
  int64_t default_ttl_ms = 24LL * 3600 * 1000;
  int64_t default_reply_window_ms = 48LL * 3600 * 1000;
  // The zone templates write dates and times in ([sending] timezone; empty: UTC).
  std::string timezone;
};

// The recipient is normalised to E.164 with libphonenumber (an invalid number is an
// error naming `to`), the text planned and encoded. `concat_reference` is shared by
// the parts (random per message in production).
Result<store::NewMessage> compose_message(const OutgoingRequest& request, int64_t now,
                                          uint16_t concat_reference,
                                          const ComposeDefaults& defaults = {});

}  // namespace smsgate::dispatch

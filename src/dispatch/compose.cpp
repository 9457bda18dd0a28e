#include "dispatch/compose.h"

#include "pdu/hex.h"
#include "pdu/submit.h"
#include "pdu/utf.h"
#include "policy/phone.h"

namespace smsgate::dispatch {

Result<store::NewMessage> compose_message(const OutgoingRequest& request, int64_t now,
                                          uint16_t concat_reference,
                                          const ComposeDefaults& defaults) {
  auto to = policy::normalize_number(request.to, defaults.default_region);
  if (!to) return make_error("to: " + to.error().message);
  auto text = pdu::utf8_to_code_points(request.text);
  if (!text) return make_error("text: " + text.error().message);
  auto plan = pdu::plan_text(*text, request.plan);
  if (!plan) return make_error("text: " + plan.error().message);
  pdu::SubmitOptions submit;
  submit.status_report = request.status_report;
  submit.concat_reference = concat_reference;
  int64_t ttl = request.ttl_ms.value_or(defaults.default_ttl_ms);
  if (ttl <= 0) return make_error("ttl: must be positive");
  // The SMSC gives up when we would: the validity period follows the TTL, so a reminder
  // stuck in the network is not delivered after its appointment (TS 23.040 9.2.3.12.1,
  // at most 63 weeks).
  constexpr int64_t kMaxValidityMinutes = 63LL * 7 * 24 * 60;
  int64_t minutes = std::min<int64_t>((ttl + 59999) / 60000, kMaxValidityMinutes);
  submit.validity = pdu::RelativeValidity{static_cast<int>(minutes)};
  auto pdus = pdu::encode_submit(*to, *plan, submit);
  if (!pdus) return make_error("to: " + pdus.error().message);

  store::NewMessage message;
  message.to = *to;
  message.text = request.text;
  message.category = request.category;
  message.priority = request.priority.value_or(policy::default_priority(request.category));
  message.send_at = request.send_at;
  int64_t start = std::max(now, request.send_at.value_or(now));
  message.expires_at = start + ttl;
  message.status_report = request.status_report;
  message.expect_reply =
      request.expect_reply.value_or(policy::expects_reply_by_default(request.category));
  message.reply_window_ms = request.reply_window_ms.value_or(defaults.default_reply_window_ms);
  message.external_id = request.external_id;
  message.modem = request.modem;
  message.idempotency_key = request.idempotency_key;
  message.resent_from = request.resent_from;
  message.encoding = std::string(pdu::encoding_name(plan->encoding));
  for (const pdu::SubmitPdu& part : *pdus) {
    message.parts.push_back(
        store::NewPart{pdu::to_hex(part.octets), static_cast<int>(part.tpdu_length())});
  }
  return message;
}

}  // namespace smsgate::dispatch

#include "dispatch/decisions.h"

#include <algorithm>

namespace smsgate::dispatch {
namespace {

using Offered = OfferAction::Kind;
using Next = OutcomeAction::Kind;
using modem::SendOutcome;

// Another modem, busy or not, could send it: the other takes it when it is free.
bool another_modem_can_take(bool pinned, const ModemView& here, std::span<const ModemView> modems) {
  if (pinned) return false;
  return std::any_of(modems.begin(), modems.end(), [&](const ModemView& other) {
    return other.id != here.id && other.ready() && other.sending;
  });
}

// TS 24.011 E-2 causes 8 (operator determined barring), 10 (call barred) and 50
// (requested facility not subscribed) name the sending subscription as often as the
// destination: no credit, or SMS not in the SIM's plan.
bool may_be_the_sim(const SendOutcome& outcome) {
  if (!outcome.error || outcome.error->kind != at::FinalKind::kCmsError) return false;
  int code = outcome.error->code;
  return code == 8 || code == 10 || code == 50;
}

OutcomeAction retry_or_give_up(const Sending& sending, std::string reason, bool backoff,
                               const policy::Backoff& policy, int64_t now) {
  int attempts = sending.attempts + 1;
  if (policy.attempts_exhausted(attempts)) {
    return {.kind = Next::kGiveUp,
            .reason = "gave up after " + std::to_string(attempts) + " attempts: " + reason};
  }
  return {.kind = Next::kRelease,
          .reason = std::move(reason),
          .retry_at = backoff ? now + policy.retry_delay(attempts) : now,
          .attempt_spent = true,
          .avoid_this_modem = true};
}

OutcomeAction after_refusal(const SendOutcome& outcome, const Sending& sending,
                            const ModemView& here, std::span<const ModemView> modems,
                            const policy::Backoff& backoff, int64_t now) {
  at::ErrorClass error_class = outcome.error_class.value_or(at::ErrorClass::kTemporary);
  if (error_class == at::ErrorClass::kPermanentForRecipient) {
    bool failed_elsewhere = sending.failed_on && *sending.failed_on != here.id;
    if (may_be_the_sim(outcome) && !failed_elsewhere &&
        another_modem_can_take(sending.pinned, here, modems)) {
      return {.kind = Next::kTryAnotherModem,
              .reason = outcome.detail,
              .retry_at = now,
              .attempt_spent = true,
              .avoid_this_modem = true};
    }
    return {.kind = Next::kFailPart, .reason = outcome.detail};
  }
  // Network trouble waits a while; a modem at fault hands it to another at once.
  return retry_or_give_up(sending, outcome.detail, error_class == at::ErrorClass::kTemporary,
                          backoff, now);
}

}  // namespace

OfferAction decide_offer(const Offer& offer, const ModemView& here,
                         std::span<const ModemView> modems, const policy::QuietHours& quiet_hours,
                         const policy::Router& router, int64_t now) {
  if (policy::expired(now, offer.expires_at)) return {.kind = Offered::kExpire};
  if (policy::blocked_by_optout(offer.category)) {
    switch (offer.optout) {
      case OptOutRead::kNotRead:
        return {.kind = Offered::kReadOptOut};
      case OptOutRead::kUnknown:
        // A message to someone who said STOP must not go out.
        return {.kind = Offered::kSkip, .reason = "opt-outs unknown"};
      case OptOutRead::kOptedOut:
        return {.kind = Offered::kFail, .reason = "recipient opted out"};
      case OptOutRead::kNotOptedOut:
        break;
    }
  }
  if (auto until = quiet_hours.held_until(now, offer.category)) {
    return {.kind = Offered::kHold, .reason = "quiet hours", .until = *until};
  }
  if (offer.pinned) return {.kind = Offered::kClaim};
  std::optional<std::string> route = router.modem_for(offer.to);
  bool routed_here = route && here.answers_to(*route);
  if (route && !routed_here &&
      std::any_of(modems.begin(), modems.end(), [&](const ModemView& other) {
        return other.ready() && other.answers_to(*route);
      })) {
    return {.kind = Offered::kSkip, .reason = "routed to " + *route};
  }
  if (offer.failed_on == here.id && !routed_here && another_modem_can_take(false, here, modems)) {
    return {.kind = Offered::kSkip, .reason = "failed on this modem"};
  }
  return {.kind = Offered::kClaim};
}

OutcomeAction decide_outcome(const SendOutcome& outcome, const Sending& sending,
                             const ModemView& here, std::span<const ModemView> modems,
                             bool draining, const policy::Backoff& backoff, int64_t now) {
  switch (outcome.kind) {
    case SendOutcome::Kind::kSent:
      if (!sending.parts_left) return {.kind = Next::kFinish};
      if (here.ready() && !draining) return {.kind = Next::kSendNextPart};
      // While shutting down, the rest waits in the queue; a modem gone hands it over.
      return {.kind = Next::kRelease,
              .reason = draining ? std::string("shutting down")
                                 : "modem " + std::string(modem::state_name(here.state)),
              .retry_at = now};
    case SendOutcome::Kind::kRefused:
      return after_refusal(outcome, sending, here, modems, backoff, now);
    case SendOutcome::Kind::kNotSent:
      // Nothing reached the network: another modem takes it at once, no attempt spent.
      return {.kind = Next::kRelease,
              .reason = "not sent: " + outcome.detail,
              .retry_at = now,
              .avoid_this_modem = true};
    case SendOutcome::Kind::kUncertain:
      // At least once: it may have gone out, but a lost message is worse than a twin.
      return retry_or_give_up(sending, "no answer after the PDU: " + outcome.detail, false, backoff,
                              now);
  }
  return {.kind = Next::kFinish};
}

bool sends_again_whole(std::span<const store::Part> parts, const std::string& modem) {
  return std::any_of(parts.begin(), parts.end(), [&](const store::Part& part) {
    return part.sent_at.has_value() && part.modem.has_value() && *part.modem != modem;
  });
}

}  // namespace smsgate::dispatch

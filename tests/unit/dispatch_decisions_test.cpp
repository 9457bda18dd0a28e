// The dispatcher's decisions (src/dispatch/decisions.h), every branch: what happens
// to a message offered to a modem (TTL, opt-outs, quiet hours, routes, failover) and
// to a part a worker reports on (sent, refused by error class, not sent, uncertain;
// backoff and giving up). Times are plain milliseconds, some from a manual clock.
#include <doctest/doctest.h>

#include <ostream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "dispatch/decisions.h"
#include "policy_test_support.h"

namespace smsgate::dispatch {

// Readable failures: doctest prints actions through these.
std::ostream& operator<<(std::ostream& out, const OfferAction& action) {
  constexpr const char* kKinds[] = {"kReadOptOut", "kExpire", "kFail", "kHold", "kSkip", "kClaim"};
  return out << "{" << kKinds[static_cast<int>(action.kind)] << ", \"" << action.reason << "\", "
             << action.until << "}";
}
std::ostream& operator<<(std::ostream& out, const OutcomeAction& action) {
  constexpr const char* kKinds[] = {"kSendNextPart",    "kFinish",   "kRelease",
                                    "kTryAnotherModem", "kFailPart", "kGiveUp"};
  return out << "{" << kKinds[static_cast<int>(action.kind)] << ", \"" << action.reason << "\", "
             << action.retry_at << ", spent " << action.attempt_spent << ", avoid "
             << action.avoid_this_modem << "}";
}

namespace {

using modem::SendOutcome;
using modem::State;
using policy::Category;
using policy::kHour;
using policy::kMinute;
using policy::kSecond;
using policy::utc;
using Offered = OfferAction::Kind;
using Next = OutcomeAction::Kind;

const int64_t kNoon = utc(2027, 1, 14, 12, 0);

ModemView munich(State state = State::kReady, bool sending = true) {
  return {"860000000000001", "munich", "/dev/ttyUSB0", state, sending};
}
ModemView berlin(State state = State::kReady, bool sending = true) {
  return {"860000000000002", "berlin", "/dev/ttyUSB2", state, sending};
}

// Quiet 21:00-08:00 UTC, Berlin numbers (+4930) routed to the modem named berlin,
// five attempts with 30 s doubling to at most 10 min, no jitter unless a test asks.
struct Policies {
  policy::QuietHours quiet_hours{policy::QuietWindow{21 * 60, 8 * 60}, policy::TimeZone::utc()};
  policy::Router router{{{"+4930", "berlin"}}};
  policy::Backoff backoff{{.max_attempts = 5,
                           .base_delay_ms = 30 * kSecond,
                           .max_delay_ms = 10 * kMinute,
                           .jitter = 0.2},
                          [] { return 0.0; }};
};

Offer to_munich_number(Category category = Category::kTransactional) {
  return {.to = "+4989123456", .category = category, .optout = OptOutRead::kNotOptedOut};
}
Offer to_berlin_number(Category category = Category::kTransactional) {
  return {.to = "+4930123456", .category = category, .optout = OptOutRead::kNotOptedOut};
}

OfferAction offer(const Offer& offer, const ModemView& here, const std::vector<ModemView>& modems,
                  int64_t now = kNoon, const Policies& policies = {}) {
  return decide_offer(offer, here, modems, policies.quiet_hours, policies.router, now);
}

const OfferAction kClaim{.kind = Offered::kClaim};

TEST_CASE("dispatch decisions: a message past its TTL expires, from the instant itself") {
  Offer message = to_munich_number();
  message.expires_at = kNoon;
  CHECK(offer(message, munich(), {munich()}, kNoon) == OfferAction{.kind = Offered::kExpire});
  CHECK(offer(message, munich(), {munich()}, kNoon + 1).kind == Offered::kExpire);
  CHECK(offer(message, munich(), {munich()}, kNoon - 1) == kClaim);
  message.expires_at.reset();  // no TTL: never expires
  CHECK(offer(message, munich(), {munich()}, utc(2099, 1, 1)) == kClaim);

  // Expiry comes first: no opt-out read, no hold, whatever the message is.
  Offer unread{.to = "+4930123456",
               .category = Category::kMarketing,
               .expires_at = kNoon,
               .pinned = true,
               .failed_on = munich().id};
  CHECK(offer(unread, munich(), {munich(), berlin()}, utc(2027, 1, 14, 23, 0)).kind ==
        Offered::kExpire);
}

TEST_CASE("dispatch decisions: opt-outs block every category but OTP; unknown is not no") {
  for (Category category :
       {Category::kTransactional, Category::kReminder, Category::kFeedback, Category::kMarketing}) {
    CAPTURE(policy::category_name(category));
    Offer message = to_munich_number(category);
    message.optout = OptOutRead::kNotRead;
    CHECK(offer(message, munich(), {munich()}) == OfferAction{.kind = Offered::kReadOptOut});
    message.optout = OptOutRead::kOptedOut;
    CHECK(offer(message, munich(), {munich()}) ==
          OfferAction{.kind = Offered::kFail, .reason = "recipient opted out"});
    message.optout = OptOutRead::kUnknown;
    CHECK(offer(message, munich(), {munich()}) ==
          OfferAction{.kind = Offered::kSkip, .reason = "opt-outs unknown"});
    message.optout = OptOutRead::kNotOptedOut;
    CHECK(offer(message, munich(), {munich()}) == kClaim);
  }
  // A code goes to whoever asked for it, STOP or not, and nobody reads the opt-outs.
  for (OptOutRead read : {OptOutRead::kNotRead, OptOutRead::kOptedOut, OptOutRead::kUnknown,
                          OptOutRead::kNotOptedOut}) {
    Offer code = to_munich_number(Category::kOtp);
    code.optout = read;
    CHECK(offer(code, munich(), {munich()}) == kClaim);
  }
  // An opted-out reminder at night fails rather than waits for the morning.
  Offer reminder = to_munich_number(Category::kReminder);
  reminder.optout = OptOutRead::kOptedOut;
  CHECK(offer(reminder, munich(), {munich()}, utc(2027, 1, 14, 22, 0)).kind == Offered::kFail);
}

TEST_CASE("dispatch decisions: quiet hours hold reminders, feedback and marketing until 08:00") {
  const OfferAction held_till_morning{
      .kind = Offered::kHold, .reason = "quiet hours", .until = utc(2027, 1, 15, 8, 0)};
  for (Category category : {Category::kReminder, Category::kFeedback, Category::kMarketing}) {
    CAPTURE(policy::category_name(category));
    ManualClock clock(utc(2027, 1, 14, 20, 59));
    CHECK(offer(to_munich_number(category), munich(), {munich()}, clock.now()) == kClaim);
    clock.advance(kMinute);  // 21:00: the window opens
    CHECK(offer(to_munich_number(category), munich(), {munich()}, clock.now()) ==
          held_till_morning);
    clock.set(utc(2027, 1, 15, 3, 30));  // past midnight: the same morning
    CHECK(offer(to_munich_number(category), munich(), {munich()}, clock.now()) ==
          held_till_morning);
    clock.set(utc(2027, 1, 15, 8, 0) - 1);
    CHECK(offer(to_munich_number(category), munich(), {munich()}, clock.now()) ==
          held_till_morning);
    clock.advance(1);  // 08:00: the window is over
    CHECK(offer(to_munich_number(category), munich(), {munich()}, clock.now()) == kClaim);
  }
  for (Category category : {Category::kOtp, Category::kTransactional}) {
    CAPTURE(policy::category_name(category));
    CHECK(offer(to_munich_number(category), munich(), {munich()}, utc(2027, 1, 14, 22, 0)) ==
          kClaim);
  }
  // Pinned messages are held too; without a window nothing is.
  Offer pinned = to_munich_number(Category::kMarketing);
  pinned.pinned = true;
  CHECK(offer(pinned, munich(), {munich()}, utc(2027, 1, 14, 22, 0)) == held_till_morning);
  Policies no_window;
  no_window.quiet_hours = policy::QuietHours(std::nullopt, policy::TimeZone::utc());
  CHECK(offer(pinned, munich(), {munich()}, utc(2027, 1, 14, 22, 0), no_window) == kClaim);
}

TEST_CASE("dispatch decisions: a routed number waits for its modem while that one is ready") {
  const OfferAction left_for_berlin{.kind = Offered::kSkip, .reason = "routed to berlin"};
  // Routed here: claimed, whoever else is ready.
  CHECK(offer(to_berlin_number(), berlin(), {munich(), berlin()}) == kClaim);
  // Routed elsewhere: left for berlin while it is ready (busy or not, and even while
  // staff stopped its sending: its numbers wait for it).
  CHECK(offer(to_berlin_number(), munich(), {munich(), berlin()}) == left_for_berlin);
  CHECK(offer(to_berlin_number(), munich(), {munich(), berlin(State::kReady, false)}) ==
        left_for_berlin);
  // Berlin not ready, or unknown: any modem will do.
  for (State state : {State::kOpening, State::kProbing, State::kResetting, State::kOffline,
                      State::kNeedsAttention, State::kStopped}) {
    CAPTURE(modem::state_name(state));
    CHECK(offer(to_berlin_number(), munich(), {munich(), berlin(state)}) == kClaim);
  }
  CHECK(offer(to_berlin_number(), munich(), {munich()}) == kClaim);
  // Unrouted numbers go anywhere; a pinned one is offered only to its own modem.
  CHECK(offer(to_munich_number(), berlin(), {munich(), berlin()}) == kClaim);
  Offer pinned = to_berlin_number();
  pinned.pinned = true;
  CHECK(offer(pinned, munich(), {munich(), berlin()}) == kClaim);

  // A route names its modem by name, port or id.
  for (const std::string& named : {berlin().name, berlin().port, berlin().id}) {
    CAPTURE(named);
    Policies policies;
    policies.router = policy::Router({{"+4930", named}});
    CHECK(offer(to_berlin_number(), berlin(), {munich(), berlin()}, kNoon, policies) == kClaim);
    CHECK(offer(to_berlin_number(), munich(), {munich(), berlin()}, kNoon, policies) ==
          OfferAction{.kind = Offered::kSkip, .reason = "routed to " + named});
  }
}

TEST_CASE("dispatch decisions: a message that failed on a modem goes to another first") {
  const OfferAction left_for_another{.kind = Offered::kSkip, .reason = "failed on this modem"};
  Offer failed = to_munich_number();
  failed.failed_on = munich().id;
  CHECK(offer(failed, munich(), {munich(), berlin()}) == left_for_another);
  // No other modem that could send it: this one tries again.
  CHECK(offer(failed, munich(), {munich()}) == kClaim);
  CHECK(offer(failed, munich(), {munich(), berlin(State::kOffline)}) == kClaim);
  CHECK(offer(failed, munich(), {munich(), berlin(State::kReady, false)}) == kClaim);
  // Any other modem takes it.
  CHECK(offer(failed, berlin(), {munich(), berlin()}) == kClaim);
  // Routed here or pinned here, it stays.
  Policies routed_to_munich;
  routed_to_munich.router = policy::Router({{"+4989", "munich"}});
  CHECK(offer(failed, munich(), {munich(), berlin()}, kNoon, routed_to_munich) == kClaim);
  failed.pinned = true;
  CHECK(offer(failed, munich(), {munich(), berlin()}) == kClaim);
}

// ---- Outcomes --------------------------------------------------------------------

SendOutcome sent() { return {.id = 7, .kind = SendOutcome::Kind::kSent, .reference = 42}; }

SendOutcome refused(at::ErrorClass error_class, int cms_error, std::string detail) {
  return {.id = 7,
          .kind = SendOutcome::Kind::kRefused,
          .error_class = error_class,
          .error = at::FinalResult{.kind = at::FinalKind::kCmsError, .code = cms_error},
          .detail = std::move(detail)};
}

OutcomeAction outcome(const SendOutcome& outcome, const Sending& sending, const ModemView& here,
                      const std::vector<ModemView>& modems, bool draining = false,
                      const Policies& policies = {}) {
  return decide_outcome(outcome, sending, here, modems, draining, policies.backoff, kNoon);
}

TEST_CASE("dispatch decisions: a sent part is followed by the next, or frees the modem") {
  const Sending more{.parts_left = true};
  const Sending last{.parts_left = false};
  CHECK(outcome(sent(), more, munich(), {munich()}) == OutcomeAction{.kind = Next::kSendNextPart});
  CHECK(outcome(sent(), last, munich(), {munich()}) == OutcomeAction{.kind = Next::kFinish});
  // The last part frees the modem whatever its state.
  CHECK(outcome(sent(), last, munich(State::kOffline), {munich()}, true).kind == Next::kFinish);

  // Parts left on a modem that went away, or while draining: back to the queue at
  // once, no attempt spent, and this modem not held against it.
  CHECK(outcome(sent(), more, munich(), {munich()}, /*draining=*/true) ==
        OutcomeAction{.kind = Next::kRelease, .reason = "shutting down", .retry_at = kNoon});
  CHECK(outcome(sent(), more, munich(State::kOffline), {munich()}, true).reason == "shutting down");
  CHECK(outcome(sent(), more, munich(State::kOffline), {munich()}) ==
        OutcomeAction{.kind = Next::kRelease, .reason = "modem offline", .retry_at = kNoon});
  CHECK(outcome(sent(), more, munich(State::kResetting), {munich()}).reason == "modem resetting");
}

TEST_CASE("dispatch decisions: a refusal permanent for the recipient fails the part") {
  const SendOutcome unassigned = refused(at::ErrorClass::kPermanentForRecipient, 1,
                                         "+CMS ERROR: 1 (unassigned (unallocated) number)");
  const OutcomeAction failed{.kind = Next::kFailPart,
                             .reason = "+CMS ERROR: 1 (unassigned (unallocated) number)"};
  CHECK(outcome(unassigned, {}, munich(), {munich(), berlin()}) == failed);
  // Whatever attempts are left.
  CHECK(outcome(unassigned, {.attempts = 4}, munich(), {munich(), berlin()}) == failed);
}

TEST_CASE("dispatch decisions: barring may be the SIM's, so another modem tries first") {
  for (int cause : {8, 10, 50}) {
    CAPTURE(cause);
    const std::string detail = "+CMS ERROR: " + std::to_string(cause);
    const SendOutcome barred = refused(at::ErrorClass::kPermanentForRecipient, cause, detail);
    const OutcomeAction try_berlin{.kind = Next::kTryAnotherModem,
                                   .reason = detail,
                                   .retry_at = kNoon,
                                   .attempt_spent = true,
                                   .avoid_this_modem = true};
    const OutcomeAction failed{.kind = Next::kFailPart, .reason = detail};

    CHECK(outcome(barred, {}, munich(), {munich(), berlin()}) == try_berlin);
    // Busy will do: berlin takes it when it is free.
    CHECK(outcome(barred, {.parts_left = true}, munich(), {munich(), berlin()}) == try_berlin);
    // It failed here before: still another modem's turn.
    CHECK(outcome(barred, {.failed_on = munich().id}, munich(), {munich(), berlin()}) ==
          try_berlin);
    // No other modem to try, or one already failed it: it is the recipient after all.
    CHECK(outcome(barred, {}, munich(), {munich()}) == failed);
    CHECK(outcome(barred, {}, munich(), {munich(), berlin(State::kOffline)}) == failed);
    CHECK(outcome(barred, {}, munich(), {munich(), berlin(State::kReady, false)}) == failed);
    CHECK(outcome(barred, {.failed_on = berlin().id}, munich(), {munich(), berlin()}) == failed);
    CHECK(outcome(barred, {.pinned = true}, munich(), {munich(), berlin()}) == failed);
  }
  // Other causes, or the same number from +CME (a mobile equipment error), are no
  // sign of the SIM.
  CHECK(outcome(refused(at::ErrorClass::kPermanentForRecipient, 21, "+CMS ERROR: 21"), {}, munich(),
                {munich(), berlin()})
            .kind == Next::kFailPart);
  SendOutcome cme = refused(at::ErrorClass::kPermanentForRecipient, 10, "+CME ERROR: 10");
  cme.error->kind = at::FinalKind::kCmeError;
  CHECK(outcome(cme, {}, munich(), {munich(), berlin()}).kind == Next::kFailPart);
  SendOutcome no_code = refused(at::ErrorClass::kPermanentForRecipient, 8, "ERROR");
  no_code.error.reset();
  CHECK(outcome(no_code, {}, munich(), {munich(), berlin()}).kind == Next::kFailPart);
}

TEST_CASE("dispatch decisions: temporary refusals back off, doubling, and give up at last") {
  const SendOutcome out_of_order =
      refused(at::ErrorClass::kTemporary, 38, "+CMS ERROR: 38 (network out of order)");
  auto retry_at = [&](int attempts_before) {
    OutcomeAction action =
        outcome(out_of_order, {.attempts = attempts_before}, munich(), {munich(), berlin()});
    CHECK(action.kind == Next::kRelease);
    CHECK(action.reason == "+CMS ERROR: 38 (network out of order)");
    CHECK(action.attempt_spent);
    CHECK(action.avoid_this_modem);
    return action.retry_at;
  };
  CHECK(retry_at(0) == kNoon + 30 * kSecond);
  CHECK(retry_at(1) == kNoon + 60 * kSecond);
  CHECK(retry_at(2) == kNoon + 120 * kSecond);
  CHECK(retry_at(3) == kNoon + 240 * kSecond);
  // The fifth attempt was the last.
  CHECK(outcome(out_of_order, {.attempts = 4}, munich(), {munich(), berlin()}) ==
        OutcomeAction{.kind = Next::kGiveUp,
                      .reason = "gave up after 5 attempts: +CMS ERROR: 38 (network out of order)"});
  CHECK(outcome(out_of_order, {.attempts = 9}, munich(), {munich()})
            .reason.starts_with("gave up after 10 attempts"));

  // Capped at max_delay, and shortened by up to the jitter.
  Policies patient;
  patient.backoff = policy::Backoff(
      {.max_attempts = 20, .base_delay_ms = 30 * kSecond, .max_delay_ms = 10 * kMinute},
      [] { return 0.0; });
  CHECK(outcome(out_of_order, {.attempts = 10}, munich(), {munich()}, false, patient).retry_at ==
        kNoon + 10 * kMinute);
  Policies jittery;
  jittery.backoff = policy::Backoff(
      {.max_attempts = 5, .base_delay_ms = 30 * kSecond, .max_delay_ms = kHour, .jitter = 0.2},
      [] { return 0.5; });
  CHECK(outcome(out_of_order, {}, munich(), {munich()}, false, jittery).retry_at ==
        kNoon + 27 * kSecond);

  // A refusal without a class is taken for a temporary one.
  SendOutcome unclassified = out_of_order;
  unclassified.error_class.reset();
  CHECK(outcome(unclassified, {.attempts = 1}, munich(), {munich()}).retry_at ==
        kNoon + 60 * kSecond);
}

TEST_CASE("dispatch decisions: a modem at fault hands the message over at once") {
  for (at::ErrorClass error_class :
       {at::ErrorClass::kModemBroken, at::ErrorClass::kCommandRejected}) {
    CAPTURE(at::error_class_name(error_class));
    const SendOutcome fault = refused(error_class, 330, "+CMS ERROR: 330 (SMSC address unknown)");
    CHECK(outcome(fault, {.attempts = 2}, munich(), {munich(), berlin()}) ==
          OutcomeAction{.kind = Next::kRelease,
                        .reason = "+CMS ERROR: 330 (SMSC address unknown)",
                        .retry_at = kNoon,
                        .attempt_spent = true,
                        .avoid_this_modem = true});
    CHECK(outcome(fault, {.attempts = 4}, munich(), {munich(), berlin()}) ==
          OutcomeAction{.kind = Next::kGiveUp,
                        .reason = "gave up after 5 attempts: +CMS ERROR: 330 (SMSC address "
                                  "unknown)"});
  }
}

TEST_CASE("dispatch decisions: not sent goes to another modem at once, no attempt spent") {
  const SendOutcome gone{.id = 7, .kind = SendOutcome::Kind::kNotSent, .detail = "modem offline"};
  const OutcomeAction elsewhere{.kind = Next::kRelease,
                                .reason = "not sent: modem offline",
                                .retry_at = kNoon,
                                .attempt_spent = false,
                                .avoid_this_modem = true};
  CHECK(outcome(gone, {}, munich(), {munich(), berlin()}) == elsewhere);
  // Never gives up: nothing was tried.
  CHECK(outcome(gone, {.attempts = 4}, munich(), {munich()}) == elsewhere);
}

TEST_CASE("dispatch decisions: an uncertain send is sent again at once, until max_attempts") {
  const SendOutcome silent{
      .id = 7, .kind = SendOutcome::Kind::kUncertain, .detail = "timeout after 300000 ms"};
  CHECK(outcome(silent, {.attempts = 3}, munich(), {munich(), berlin()}) ==
        OutcomeAction{.kind = Next::kRelease,
                      .reason = "no answer after the PDU: timeout after 300000 ms",
                      .retry_at = kNoon,
                      .attempt_spent = true,
                      .avoid_this_modem = true});
  CHECK(
      outcome(silent, {.attempts = 4}, munich(), {munich(), berlin()}) ==
      OutcomeAction{
          .kind = Next::kGiveUp,
          .reason = "gave up after 5 attempts: no answer after the PDU: timeout after 300000 ms"});
}

TEST_CASE("dispatch decisions: a long message goes on from the modem that began it, else whole") {
  auto part = [](int number, std::optional<std::string> modem, bool sent) {
    store::Part p;
    p.number = number;
    p.modem = std::move(modem);
    if (sent) {
      p.status = store::PartStatus::kSent;
      p.sent_at = kNoon;
    }
    return p;
  };
  const std::vector<store::Part> begun_on_a = {part(1, "a", true), part(2, std::nullopt, false)};
  CHECK_FALSE(sends_again_whole(begun_on_a, "a"));
  CHECK(sends_again_whole(begun_on_a, "b"));
  const std::vector<store::Part> none_sent = {part(1, std::nullopt, false),
                                              part(2, std::nullopt, false)};
  CHECK_FALSE(sends_again_whole(none_sent, "b"));
  CHECK_FALSE(sends_again_whole({}, "b"));
}

}  // namespace
}  // namespace smsgate::dispatch

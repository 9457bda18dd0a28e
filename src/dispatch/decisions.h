// The dispatcher's decisions, apart from their effects: pure functions of plain values
// (what is known of a message, of the modems, the policies and `now`) that return what
// to do. The Dispatcher gathers the values, asks, and carries the answer out (store
// calls, counters, observers, logs); nothing here touches the store or a modem, so
// every branch is tested with a manual clock (tests/unit/dispatch_decisions_test.cpp).
//
// decide_offer: the store offers an idle, ready modem its best due message. In order:
//   1. Past its TTL it expires, never sent (at the instant itself too).
//        expires 10:00, now 10:00                  → kExpire
//   2. An opt-out blocks every category but OTP. Whether the recipient opted out is
//      the store's to say, asked only when it matters; unknown is not "no".
//        marketing, opt-outs not read yet          → kReadOptOut, then ask again
//        marketing, the recipient opted out        → kFail "recipient opted out"
//        marketing, the read failed                → kSkip (stays queued)
//        otp, the recipient opted out              → on to 3: a code still goes
//   3. Quiet hours hold reminders, feedback and marketing until the window ends.
//        reminder at 22:00, quiet 21:00-08:00      → kHold until 08:00, "quiet hours"
//        otp or transactional at 22:00             → on to 4
//   4. Routed by prefix to another modem (named by its name, port or id) that is
//      ready, busy or not, it waits for that one; a route to a modem that is not
//      ready is ignored. A pinned message skips 4 and 5: the store offers it only to
//      its own modem.
//        +4930… routed to berlin, offered to munich, berlin ready   → kSkip
//        the same, berlin offline                                   → kClaim
//   5. Failed on this modem before, it goes to another modem that is ready and
//      sending (failover), unless it is routed here; alone, this modem tries again.
//        failed on munich, offered to munich, berlin ready          → kSkip
//        the same, berlin offline or stopped by staff               → kClaim
//   6. Otherwise this modem claims it              → kClaim
//
// decide_outcome: a worker says what became of a part it was handed.
//   kSent       no part left                       → kFinish
//               the next part, on the same modem   → kSendNextPart
//               but the modem is no longer ready, or the dispatcher drains: the rest
//               goes back to the queue at once, no attempt spent
//                                                  → kRelease "modem offline", "shutting down"
//   kRefused    by its error class (src/at/result_code.h; none given: temporary)
//               permanent for the recipient        → kFailPart "<the modem's words>"
//                 but +CMS ERROR 8, 10 and 50 (TS 24.011 E-2: barring, not subscribed)
//                 may be this SIM's: another ready, sending modem tries first, unless
//                 the message failed on another modem already or is pinned
//                                                  → kTryAnotherModem, at once
//               temporary: after the backoff delay, another modem first
//                                                  → kRelease at now + delay
//               modem broken, command rejected: not the message's fault
//                                                  → kRelease at once, another modem first
//   kNotSent    nothing reached the network: another modem first, no attempt spent
//                                                  → kRelease at once, "not sent: <detail>"
//   kUncertain  it may have gone out, but a twin is better than a loss
//                                                  → kRelease at once, attempt spent
//   Every retry spends an attempt; the one that reaches max_attempts gives up instead:
//     max_attempts 5, 4 made before, temporary     → kGiveUp "gave up after 5 attempts: <detail>"
//
// sends_again_whole: a phone joins the parts of a long message only when they come
// from one sender (one SIM), so the parts of a message leave from one modem, in order.
// A message released part-way (a modem that failed, went away, or a retry) that is
// claimed again by the modem that began it goes on with the next part, same
// reference; claimed by another modem, it goes again whole from there.
//   part 1 sent from A, claimed by A               → false: part 2 next
//   part 1 sent from A, claimed by B               → true: parts 1 and 2 from B
//   nothing sent yet                               → false
//
// Thread safety: pure functions; they share nothing but the policy objects they are
// given (immutable, see src/policy/).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "modem/worker.h"
#include "policy/category.h"
#include "policy/limits.h"
#include "policy/quiet_hours.h"
#include "policy/routes.h"
#include "store/types.h"

namespace smsgate::dispatch {

// A modem as the decisions see it.
struct ModemView {
  std::string id;    // the pool's id: the IMEI, or the port when there is none
  std::string name;  // its [[modem]] name, else the port
  std::string port;
  modem::State state = modem::State::kOpening;
  bool sending = true;  // false: staff stopped sending through it
  bool ready() const { return state == modem::State::kReady; }
  // Whether a route's modem name means this modem.
  bool answers_to(const std::string& route) const {
    return route == name || route == port || route == id;
  }
};

// What the store said when asked whether the recipient opted out.
enum class OptOutRead {
  kNotRead,  // not asked yet
  kNotOptedOut,
  kOptedOut,
  kUnknown,  // the read failed
};

// The message the store offers a modem.
struct Offer {
  std::string to;  // E.164, for the routes
  policy::Category category = policy::Category::kTransactional;
  std::optional<int64_t> expires_at;
  bool pinned = false;                   // the request named its modem
  std::optional<std::string> failed_on;  // the modem it last failed on, if remembered
  OptOutRead optout = OptOutRead::kNotRead;
};

struct OfferAction {
  enum class Kind {
    kReadOptOut,  // ask the store about the recipient's opt-out, then decide again
    kExpire,      // past its TTL: expired, never sent
    kFail,        // failed for good, for `reason`
    kHold,        // rescheduled to `until`, for `reason`
    kSkip,        // not for this modem now: left queued, passed over in this round
    kClaim,       // this modem takes it
  };
  Kind kind = Kind::kClaim;
  std::string reason;  // kFail, kHold; kSkip says why, for the curious
  int64_t until = 0;   // kHold
  friend bool operator==(const OfferAction&, const OfferAction&) = default;
};

// `here`: the modem offered the message; `modems`: every modem the dispatcher knows
// (`here` among them or not).
OfferAction decide_offer(const Offer& offer, const ModemView& here,
                         std::span<const ModemView> modems, const policy::QuietHours& quiet_hours,
                         const policy::Router& router, int64_t now);

// The message whose part came back.
struct Sending {
  int attempts = 0;  // attempts the store counted before this one
  bool pinned = false;
  std::optional<std::string> failed_on;  // the modem it last failed on, if remembered
  bool parts_left = false;               // a part still queued after the one that came back
};

struct OutcomeAction {
  enum class Kind {
    kSendNextPart,     // the next queued part, on the same modem, at once
    kFinish,           // nothing left to send: the modem is free
    kRelease,          // back to the queue, due at `retry_at`, for `reason`
    kTryAnotherModem,  // kRelease, but the refusal may be this modem's SIM
    kFailPart,         // the part failed for good (and with it the message), for `reason`
    kGiveUp,           // max_attempts reached: the message fails, for `reason`
  };
  Kind kind = Kind::kFinish;
  std::string reason;
  int64_t retry_at = 0;           // kRelease, kTryAnotherModem
  bool attempt_spent = false;     // kRelease, kTryAnotherModem: counts towards max_attempts
  bool avoid_this_modem = false;  // kRelease, kTryAnotherModem: remember where it failed
  friend bool operator==(const OutcomeAction&, const OutcomeAction&) = default;
};

// `here`: the modem that sent it, in its state now; `draining`: stop() asked to finish
// what is in flight and start nothing.
OutcomeAction decide_outcome(const modem::SendOutcome& outcome, const Sending& sending,
                             const ModemView& here, std::span<const ModemView> modems,
                             bool draining, const policy::Backoff& backoff, int64_t now);

// `parts`: the claimed message's parts as the store has them; `modem`: the claimant.
bool sends_again_whole(std::span<const store::Part> parts, const std::string& modem);

}  // namespace smsgate::dispatch

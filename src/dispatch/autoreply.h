// AutoReplier: the answers the gateway gives by itself to an inbound text, so that a
// patient who texts HELP, STOP or "what time do you open" at midnight is answered
// without staff. The Inbox calls answer() once a text is complete and its opt-out or
// opt-in keyword applied; what to say is chosen in this order:
//
//   1. the text opted its sender out: the opt-out confirmation ([autoreply]
//      optout_text), the one message an opted-out number still gets (the Intake lets it
//      through because the request says confirms_optout, intake.h);
//   2. it opted back in: the opt-in confirmation (optin_text);
//   3. it is a help keyword ([autoreply] help_keywords, matched as a keyword rule):
//      help_text;
//   4. the first enabled rule that matches (store/rules.h, tried by priority then id;
//      policy/autoreply.h says how keywords and regexes match): its template, given
//      {number} and {text} of the inbound and the rule's own variables, or its text;
//   5. outside the opening hours (policy/opening_hours.h) and no reply to something
//      the gateway asked: out_of_hours_text, with {opens} the next opening written in
//      [autoreply] language, at most once per number per closed period.
//
// Never answered: a sender that is no phone number (policy::answerable_sender:
// alphanumeric names, short codes), and a number that already got kMaxRepliesPerNumber
// automatic replies within kReplyWindowMs: the replies are counted from the store
// (store::Rules), so a restart does not reset the count, and a reply held back is
// logged and counted (counters().capped, on /metrics). Two robots answering each other
// thus stop after five rounds.
//
// Each reply goes in through the Intake like any message (normalised, planned, the
// opt-out applied) and is recorded with the inbound it answers (store::Rules
// record_auto_reply; GET /api/v1/inbound/{id} shows it).
//
// Thread safety: answer() is called from one thread at a time (the dispatcher's);
// set_settings() and counters() from any. The store and the Intake must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/thread_annotations.h"
#include "dispatch/intake.h"
#include "policy/autoreply.h"
#include "policy/keywords.h"
#include "policy/opening_hours.h"
#include "store/store.h"

namespace smsgate::dispatch {

struct AutoReplySettings {
  bool enabled = true;
  std::string sender_name;
  std::string language = "en";  // for {opens}
  std::vector<std::string> help_keywords;
  // Templates with {sender_name} and {number} ({opens} in out_of_hours_text); empty:
  // that answer is not given.
  std::string help_text;
  std::string optout_text;
  std::string optin_text;
  std::string out_of_hours_text;
  policy::WeeklyHours hours;  // all closed: no out-of-hours answer
  std::string default_region;
  std::string timezone;  // IANA id, as [sending] timezone; empty: the host's
};

struct AutoReplyCounters {
  uint64_t sent = 0;
  uint64_t capped = 0;        // held back by the cap per number
  uint64_t unanswerable = 0;  // a match from a sender that is no phone number
  uint64_t failed = 0;        // the intake or the store refused the reply
  friend bool operator==(const AutoReplyCounters&, const AutoReplyCounters&) = default;
};

class AutoReplier {
 public:
  static constexpr int kMaxRepliesPerNumber = 5;
  static constexpr int64_t kReplyWindowMs = 10 * 60 * 1000;

  AutoReplier(store::Store& store, Intake& intake, AutoReplySettings settings);

  void answer(const store::InboundMessage& message, policy::KeywordKind keyword, int64_t now);
  // New settings (a reload).
  void set_settings(AutoReplySettings settings);
  AutoReplyCounters counters() const;

 private:
  // What to say, before the cap and the sending.
  struct Reply {
    std::string kind;  // as store::AutoReplyRecord
    std::optional<int64_t> rule_id;
    OutgoingRequest request;
  };
  std::optional<Reply> choose(const store::InboundMessage& message, policy::KeywordKind keyword,
                              const std::string& number, const AutoReplySettings& settings,
                              int64_t now);
  std::optional<Reply> from_rules(const store::InboundMessage& message, const std::string& number);
  std::optional<Reply> out_of_hours(const store::InboundMessage& message, const std::string& number,
                                    const AutoReplySettings& settings, int64_t now);
  // A configured text filled in; none when it is empty or does not render.
  std::optional<std::string> config_text(const std::string& text, const std::string& number,
                                         const AutoReplySettings& settings,
                                         const policy::TemplateVariables& more = {});
  void count(uint64_t AutoReplyCounters::*counter);

  store::Store& store_;
  Intake& intake_;
  // Compiled rules by id, made again when a rule's updated_at changes. The
  // dispatcher's thread alone uses it.
  struct Compiled {
    int64_t updated_at = 0;
    std::optional<policy::RuleMatcher> matcher;  // none: the stored pattern is refused
  };
  std::map<int64_t, Compiled> compiled_;

  mutable Mutex mutex_;
  AutoReplySettings settings_ GUARDED_BY(mutex_);
  AutoReplyCounters counters_ GUARDED_BY(mutex_);
};

}  // namespace smsgate::dispatch

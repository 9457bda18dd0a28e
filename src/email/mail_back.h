// MailBack: the gateway's mail made from the event log (store/events.h), in order, on
// its own thread: texts mailed on by the forwarding rules (email/forward.h), and for a
// message that came by email (store/email_origins.h) its delivery report and every
// reply in its reply window, mailed back in the mail's thread.
//
// The mail goes into the outbox (store/mail.h, sent by email/outbox.h) in the same
// transaction that moves MailBack's place in the log, so a crash neither loses a mail
// nor makes one twice, and mail is made the same way whether the change came from a
// modem, the API or a restart. The place starts at the newest event the first time,
// so turning mail on does not mail the past; events older than the log keeps (a day)
// are not mailed.
//
// Mailed back, to `reports_to` when set, else to the mail's envelope sender (never to
// the null sender <>, nor to an address on the SMS domain), with In-Reply-To and
// References set to the mail's Message-ID and its subject after "Re: " ("Re: SMS to
// +628121234567" when it had none):
//
//   delivered:  Your text to +628121234567 was delivered on
//               2026-12-06 08:15:02 +07:00 (Asia/Jakarta).
//               (one line)
//   failed, expired:
//               Your text to +628121234567 was not delivered.
//               Reason: not delivered: absent subscriber (TP-ST 0x46)
//   a reply:    the text, then From, Received and Modem lines, as forwarded texts
//               (email/forward.h).
//
// Times are in [sending] timezone. Which of the three are mailed is a setting
// ([email] reports); a reply is linked to the message it answers by the inbox
// (store/inbound.h), which messages from email always ask for.
//
// Usage (daemon):
//   auto back = MailBack::start(store, clock, settings, [&] { outbox->wake(); });
//   ... on reload: (*back)->set_settings(new_settings);
//
// Thread safety: the pure functions are thread-safe; set_settings and stop may be
// called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "email/forward.h"
#include "policy/time_zone.h"
#include "store/email_origins.h"
#include "store/store.h"
#include "store/types.h"

namespace smsgate::email {

struct MailBackSettings {
  std::vector<ForwardRule> forwards;  // [[forward]]; the API's are read for each batch
  policy::TimeZone zone = policy::TimeZone::utc();
  std::string message_domain;  // the right side of every Message-ID (the From's domain)
  std::optional<std::string> reports_to;
  // [email] domain: mail back never goes to an address there, which would come back in
  // as a text, and its report out again, without end.
  std::string sms_domain;
  bool report_delivered = true;
  bool report_failed = true;
  bool report_replies = true;
};

// A message's final status, as its message.delivered, .failed or .expired event has it.
struct FinalStatus {
  int64_t message_id = 0;
  std::string to;
  bool delivered = false;
  std::string reason;
  int64_t at = 0;
};

// What an event of the log means for mail; none for any other event or a body that
// does not parse.
using MailEvent = std::variant<FinalStatus, store::InboundMessage>;
std::optional<MailEvent> parse_mail_event(const store::LoggedEvent& event);
// The event names parse_mail_event reads.
const std::vector<std::string>& mail_event_names();

// The message whose email origin decides whether `event` is mailed back: the message
// reported on, or the one a reply answers.
std::optional<int64_t> origin_message(const MailEvent& event);

// "Re: Appointment" (an existing "Re:" is kept as it is), or "Re: SMS to <to>".
std::string reply_subject(const std::optional<std::string>& subject, std::string_view to);

// The mails `event` makes: one per forwarding rule an inbound text matches, and the
// mail back when `origin` (the origin of origin_message(event)) is known and the
// settings want it. `new_message_id` gives each mail its Message-ID.
std::vector<store::NewMail> mails_for_event(const MailEvent& event,
                                            const std::optional<store::EmailOrigin>& origin,
                                            const std::vector<ForwardRule>& forwards,
                                            const MailBackSettings& settings,
                                            const std::function<std::string()>& new_message_id);

class MailBack {
 public:
  // Takes its place in the log (the newest event when none is kept) and starts the
  // thread. `store` and `clock` must outlive it; `mail_written` is called after mail
  // went into the outbox.
  static Result<std::unique_ptr<MailBack>> start(store::Store& store, const Clock& clock,
                                                 MailBackSettings settings,
                                                 std::function<void()> mail_written);
  ~MailBack();  // stop()s
  MailBack(const MailBack&) = delete;
  MailBack& operator=(const MailBack&) = delete;

  // For the events after this call (a reload).
  void set_settings(MailBackSettings settings);
  // The [[forward]] tables in use.
  std::vector<ForwardRule> configured_forwards();
  // Turns what the log holds now into mail, then returns: the thread does this on
  // every commit that logged events; tests call it to be sure. How many mails.
  Result<int> catch_up();
  // Joins the thread. Idempotent.
  void stop();

 private:
  MailBack(store::Store& store, const Clock& clock, MailBackSettings settings,
           std::function<void()> mail_written, int64_t cursor);
  void run(std::stop_token stop);
  // One page of events; how many mails, or none when the log had nothing new.
  Result<std::optional<int>> take_page(int64_t now) REQUIRES(turn_mutex_);

  store::Store& store_;
  const Clock& clock_;
  const std::function<void()> mail_written_;

  Mutex settings_mutex_;
  MailBackSettings settings_ GUARDED_BY(settings_mutex_);
  // One turn at a time: the thread's or a caller's.
  Mutex turn_mutex_;
  int64_t cursor_ GUARDED_BY(turn_mutex_);            // the last event read
  int64_t persisted_cursor_ GUARDED_BY(turn_mutex_);  // the last one the store keeps
  std::jthread thread_;
};

}  // namespace smsgate::email

// Mail delivery: a mail and its envelope turned into messages through the intake, one
// per recipient, each stored with its origin (store/email_origins.h) in the same
// transaction. Used by the SMTP listener after DATA and by `smsgated mail2sms`.
//
// The text is mail_to_text's (email/mail_text.h); a template mail goes to the intake
// with its name and variables, which renders it. The planner decides the parts: a
// text that needs more than max_parts SMS parts for any recipient is refused whole,
// never cut. Nothing is stored unless everything is (the intake's submit_with).
//
// Thread safety: deliver_mail may be called from any thread at the same time (the
// intake and the store are thread-safe); the rest are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/intake.h"
#include "email/mail_text.h"
#include "email/smtp_session.h"
#include "store/email_origins.h"

namespace smsgate::email {

struct MailDeliveryOptions {
  MailTextOptions text;
  int max_parts = 3;  // [email] max_parts
};

enum class MailOutcomeKind {
  kAccepted,
  kBadMail,        // unreadable, no text, a bad header, an unknown template
  kInvalidNumber,  // a recipient that is no phone number
  kOptedOut,       // a recipient who opted out
  kTooManyParts,   // more than max_parts parts
  kUnavailable,    // the store could not take it now: try again later
};
// "accepted", "bad_mail", "invalid_number", "opted_out", "too_many_parts", "unavailable".
std::string_view outcome_name(MailOutcomeKind kind);

struct MailOutcome {
  MailOutcomeKind kind = MailOutcomeKind::kAccepted;
  std::string reason;                // in words, for the reply and the log
  std::vector<int64_t> message_ids;  // when accepted, one per recipient
};

// `recipients` in E.164 (recipient_number). Returns once the messages are on disk.
MailOutcome deliver_mail(dispatch::Intake& intake, store::EmailOrigins& origins,
                         const MailDeliveryOptions& options, const std::string& envelope_from,
                         const std::vector<std::string>& recipients, std::string_view raw,
                         int64_t now);

// The SMTP answer to an outcome: 250, 554 (5.6.0 bad mail, 5.3.4 too many parts),
// 553 5.1.3, 550 5.7.1, 451 4.3.0.
SmtpReply smtp_reply(const MailOutcome& outcome);
// The exit status of `smsgated mail2sms` (<sysexits.h>): EX_OK, EX_DATAERR, EX_NOUSER,
// EX_NOPERM, EX_TEMPFAIL.
int exit_status(const MailOutcome& outcome);

}  // namespace smsgate::email

#include "email/mail_delivery.h"

#include <sysexits.h>

#include <optional>
#include <utility>

namespace smsgate::email {

std::string_view outcome_name(MailOutcomeKind kind) {
  switch (kind) {
    case MailOutcomeKind::kAccepted:
      return "accepted";
    case MailOutcomeKind::kBadMail:
      return "bad_mail";
    case MailOutcomeKind::kInvalidNumber:
      return "invalid_number";
    case MailOutcomeKind::kOptedOut:
      return "opted_out";
    case MailOutcomeKind::kTooManyParts:
      return "too_many_parts";
    case MailOutcomeKind::kUnavailable:
      return "unavailable";
  }
  return "";
}

MailOutcome deliver_mail(dispatch::Intake& intake, store::EmailOrigins& origins,
                         const MailDeliveryOptions& options, const std::string& envelope_from,
                         const std::vector<std::string>& recipients, std::string_view raw,
                         int64_t now) {
  auto mail = mail_to_text(raw, options.text);
  if (!mail) return {MailOutcomeKind::kBadMail, mail.error().message, {}};
  if (recipients.empty()) return {MailOutcomeKind::kInvalidNumber, "no recipients", {}};

  std::vector<Result<dispatch::OutgoingRequest>> items;
  for (const std::string& to : recipients) {
    dispatch::OutgoingRequest request;
    request.to = to;
    request.text = mail->text;
    if (mail->category) request.category = *mail->category;
    request.category_given = mail->category.has_value();
    request.send_at = mail->send_at;
    request.template_name = mail->template_name;
    request.variables = mail->variables;
    // What is mailed back (email/mail_back.h): the network's report on delivery, and
    // the replies the inbox links here.
    request.status_report = true;
    request.expect_reply = true;
    items.emplace_back(std::move(request));
  }
  store::EmailOrigin origin{
      envelope_from, mail->message_id.empty() ? std::nullopt : std::optional(mail->message_id),
      mail->subject.empty() ? std::nullopt : std::optional(mail->subject)};
  std::optional<std::string> too_long;
  auto accepted = intake.submit_with(
      std::move(items), now,
      [&](size_t i) { return recipients.size() > 1 ? recipients[i] + ": " : ""; },
      [&](std::vector<store::NewMessage> messages) -> Result<std::vector<store::SubmitResult>> {
        for (const store::NewMessage& message : messages) {
          if (static_cast<int>(message.parts.size()) > options.max_parts) {
            too_long = "the text needs " + std::to_string(message.parts.size()) +
                       " SMS parts, more than the " + std::to_string(options.max_parts) +
                       " allowed";
            return make_error(*too_long);
          }
        }
        return origins.submit_from_email(messages, origin, now);
      });
  if (too_long) return {MailOutcomeKind::kTooManyParts, *too_long, {}};
  if (!accepted) {
    const Error& error = accepted.error();
    switch (error.code) {
      case ErrorCode::kRecipientOptedOut:
        return {MailOutcomeKind::kOptedOut, error.message, {}};
      case ErrorCode::kInvalidNumber:
        return {MailOutcomeKind::kInvalidNumber, error.message, {}};
      case ErrorCode::kStorage:
      case ErrorCode::kStorageUnavailable:
      case ErrorCode::kInternal:
        return {MailOutcomeKind::kUnavailable, error.message, {}};
      default:
        break;
    }
    if (error.message.find("to: ") != std::string::npos)
      return {MailOutcomeKind::kInvalidNumber, error.message, {}};
    return {MailOutcomeKind::kBadMail, error.message, {}};
  }
  MailOutcome outcome;
  for (const dispatch::Accepted& one : *accepted) outcome.message_ids.push_back(one.stored.id);
  return outcome;
}

SmtpReply smtp_reply(const MailOutcome& outcome) {
  switch (outcome.kind) {
    case MailOutcomeKind::kAccepted: {
      std::string ids;
      for (int64_t id : outcome.message_ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
      return {250, "2.0.0 Queued as message " + ids};
    }
    case MailOutcomeKind::kBadMail:
      return {554, "5.6.0 " + outcome.reason};
    case MailOutcomeKind::kInvalidNumber:
      return {553, "5.1.3 " + outcome.reason};
    case MailOutcomeKind::kOptedOut:
      return {550, "5.7.1 " + outcome.reason};
    case MailOutcomeKind::kTooManyParts:
      return {554, "5.3.4 " + outcome.reason};
    case MailOutcomeKind::kUnavailable:
      return {451, "4.3.0 Cannot store the mail now, try again later"};
  }
  return {451, "4.3.0 Try again later"};
}

int exit_status(const MailOutcome& outcome) {
  switch (outcome.kind) {
    case MailOutcomeKind::kAccepted:
      return EX_OK;
    case MailOutcomeKind::kBadMail:
    case MailOutcomeKind::kTooManyParts:
      return EX_DATAERR;
    case MailOutcomeKind::kInvalidNumber:
      return EX_NOUSER;
    case MailOutcomeKind::kOptedOut:
      return EX_NOPERM;
    case MailOutcomeKind::kUnavailable:
      return EX_TEMPFAIL;
  }
  return EX_SOFTWARE;
}

}  // namespace smsgate::email

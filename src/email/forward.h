// SMS to email: which forwarding rules an inbound text matches, and the mail each one
// sends (pure, in forward_mail); email/mail_back.h puts those mails in the outbox.
//
// A rule comes from a [[forward]] table of the configuration or from the API
// (/api/v1/forwards, stored by store/mail.h). It matches a text from any sender when it
// names no numbers, else from one of its numbers (E.164, as the inbox stores senders).
// Every matching rule mails the text on, once per rule.
//
// The mail: the subject with {number} and {modem} filled in, and a body of the text,
// a blank line, then who sent it, when (in [sending] timezone) and on which modem:
//
//   Can I move my appointment to Friday?
//
//   From: +628121234567
//   Received: 2026-12-06 08:15:02 +07:00 (Asia/Jakarta)
//   Modem: modem-1
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/time_zone.h"
#include "store/mail.h"
#include "store/types.h"

namespace smsgate::email {

struct ForwardRule {
  std::optional<int64_t> id;  // an API rule's id; none for a [[forward]] table
  std::string to;
  std::vector<std::string> from_numbers;  // E.164; empty: anyone
  std::string subject = "SMS from {number}";
};

bool forward_matches(const ForwardRule& rule, std::string_view sender);

// The mail `rule` sends for `message`, with `message_id` as its Message-ID.
store::NewMail forward_mail(const ForwardRule& rule, const store::InboundMessage& message,
                            const policy::TimeZone& zone, std::string message_id);

// The text, a blank line, and its From, Received and Modem lines.
std::string inbound_mail_body(const store::InboundMessage& message, const policy::TimeZone& zone);

// "2026-12-06 08:15:02 +07:00 (Asia/Jakarta)": `utc_ms` on the wall clock of `zone`.
std::string local_time_text(int64_t utc_ms, const policy::TimeZone& zone);

}  // namespace smsgate::email

// SMS to email: which forwarding rules an inbound text matches, and the mail each one
// sends (pure, in forward_mail); the Forwarder puts those mails in the outbox.
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
// Thread safety: forward_matches and forward_mail are pure. A Forwarder's take() may
// be called from any thread (it only reads its immutable rules and writes the store).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
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

// "2026-12-06 08:15:02 +07:00 (Asia/Jakarta)": `utc_ms` on the wall clock of `zone`.
std::string local_time_text(int64_t utc_ms, const policy::TimeZone& zone);

class Forwarder {
 public:
  // `configured`: the [[forward]] tables; the API's rules are read from `store` for
  // each text. `message_domain` is the right side of every Message-ID (the From's
  // domain). `mail_written` is called after mail went into the outbox (Outbox::wake).
  Forwarder(store::Mail& store, std::vector<ForwardRule> configured, policy::TimeZone zone,
            std::string message_domain, std::function<void()> mail_written)
      : store_(store),
        configured_(std::move(configured)),
        zone_(std::move(zone)),
        message_domain_(std::move(message_domain)),
        mail_written_(std::move(mail_written)) {}

  // Puts a mail in the outbox for every rule `message` matches, all in one
  // transaction; how many.
  Result<int> take(const store::InboundMessage& message, int64_t now);

 private:
  store::Mail& store_;
  const std::vector<ForwardRule> configured_;
  const policy::TimeZone zone_;
  const std::string message_domain_;
  const std::function<void()> mail_written_;
};

}  // namespace smsgate::email

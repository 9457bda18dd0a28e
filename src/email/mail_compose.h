// Mail composition: an RFC 5322 message built with GMime from plain values, ready to
// hand to an SMTP client. Pure apart from make_message_id's randomness; no I/O.
//
// The message is text/plain; charset=utf-8 in quoted-printable (in base64 when the
// text is mostly not ASCII, where that is shorter), the subject RFC 2047 encoded when
// it is not ASCII, every line ending CRLF, and no line of the body starting with a dot
// (a leading "." is written "=2E"), the text's last line ended with a line break, so the message is
// the same whatever the transport does about SMTP's end-of-data marker. Every message
// says "Auto-Submitted: auto-generated" (RFC 3834), so that vacation responders leave
// it unanswered.
//
// Thread safety: every function may be called from any thread (GMime is initialised
// once, the first time one is called).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::email {

struct MailToCompose {
  std::string from;             // "gateway@klinik.example" or "Front desk <gateway@klinik.example>"
  std::vector<std::string> to;  // one address or more, each as `from`
  std::string subject;          // UTF-8, one line
  std::string body;             // UTF-8 text; LF or CRLF line endings
  std::string message_id;       // without angle brackets: "a1b2@klinik.example"
  std::optional<std::string> in_reply_to;  // a Message-ID, without angle brackets
  std::vector<std::string> references;     // Message-IDs, oldest first
  int64_t date_ms = 0;                     // ms since the epoch, written in UTC
};

// The message, CRLF line endings. Errors name the field: an address that is not one
// mailbox with a domain, an empty or malformed Message-ID, a subject with a line break,
// a body that is not UTF-8.
Result<std::string> compose_mail(const MailToCompose& mail);

// A new Message-ID for a message from `domain`, without angle brackets: 128 random
// bits in hex, "@", the domain.
std::string make_message_id(std::string_view domain);

// The bare address ("user@example.org") of an address as a person writes it
// ("Front desk <user@example.org>", " user@example.org "); an error saying why for
// anything that is not exactly one mailbox with a domain.
Result<std::string> mailbox_address(std::string_view address);

// The domain of a bare address ("example.org" for "user@example.org").
std::string_view address_domain(std::string_view address);

}  // namespace smsgate::email

// Mail to text: what an email sent to <number>@<domain> says as an SMS. Pure: the raw
// RFC 5322 message in, the text and the options its headers ask for out; GMime parses
// the MIME structure, undoes quoted-printable and base64, decodes RFC 2047 words and
// converts every charset to UTF-8.
//
// The rules, in order (documented for users in README "Email to SMS"):
//   - The body is the first text/plain part that is no attachment, found depth first
//     (so in multipart/alternative the plain text wins); without one, the first
//     text/html part, its tags dropped (<br>, </p>, </div>, </li>, </tr> and headings
//     end a line; <script> and <style> vanish with their content) and its entities
//     decoded. A mail with neither is refused ("has no text part").
//   - format=flowed text (RFC 3676) is unwrapped.
//   - The signature goes: the line "-- " (or "--") and everything below it. So does
//     quoted history: lines that begin with '>', the "On ... wrote:" line that
//     introduces them, and everything from "-----Original Message-----" on.
//   - Whitespace is normalised: tabs and runs of spaces (no-break spaces too) become one
//     space, lines are trimmed, and any run of blank lines becomes one line break.
//   - The subject may set the category with a tag in brackets at its start
//     ("[reminder] Your appointment"): the tag is taken off. X-Smsgate-Category says
//     the same and wins over the tag.
//   - With subject_prefix the subject (without its tag) comes first, on its own line,
//     unless it is empty.
//   - X-Smsgate-Send-At: an ISO 8601 time with a zone: sent then.
//   - X-Smsgate-Template: the name of a stored template. The body is then not sent:
//     each of its lines "name: value" gives a variable; other lines are ignored.
// Bad mail (no text part, text that is not in its charset, an unknown category, a
// time that does not parse, nothing left to send) is an Error whose message says what
// is wrong in words; SMTP answers it as 554 and the pipe mode as EX_DATAERR.
//
// Thread safety: mail_to_text may be called from any thread at the same time (GMime is
// initialised once, the first time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/category.h"
#include "policy/message_template.h"

namespace smsgate::email {

struct MailTextOptions {
  bool subject_prefix = false;  // [email] subject_prefix
};

struct MailText {
  std::string text;        // UTF-8, ready to send; empty with a template
  std::string subject;     // decoded, its category tag taken off
  std::string message_id;  // Message-ID without its angle brackets; may be empty
  std::optional<policy::Category> category;
  std::optional<int64_t> send_at;  // epoch ms
  std::optional<std::string> template_name;
  policy::TemplateVariables variables;
};

Result<MailText> mail_to_text(std::string_view raw, const MailTextOptions& options);

// The pure steps, exposed for their tests.
// HTML to plain text (tags dropped, entities decoded), before whitespace is normalised.
std::string html_to_text(std::string_view html);
// The signature and quoted history removed, whitespace normalised.
std::string clean_body(std::string_view text);

}  // namespace smsgate::email

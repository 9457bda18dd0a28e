// mail_to_text on real messages (tests/email/mail/*.eml, written as mail clients write
// them): the part chosen, transfer encodings and charsets undone, signatures and quoted
// history dropped, the options headers and subject tags ask for, and bad mail refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "email/mail_text.h"

namespace smsgate::email {
namespace {

std::string read_mail(const std::string& name) {
  std::ifstream in(std::filesystem::path(SMSGATE_TEST_DATA) / "email" / "mail" / name,
                   std::ios::binary);
  REQUIRE_MESSAGE(in.good(), name);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

MailText read_text(const std::string& name, MailTextOptions options = {}) {
  auto mail = mail_to_text(read_mail(name), options);
  REQUIRE_MESSAGE(mail.ok(), name << ": " << mail.error().message);
  return *mail;
}

std::string refusal(const std::string& raw) {
  auto mail = mail_to_text(raw, {});
  REQUIRE_MESSAGE(!mail.ok(), "accepted: " << mail->text);
  return mail.error().message;
}

TEST_CASE("mail text: plain text loses its signature and blank lines") {
  MailText mail = read_text("plain.eml");
  CHECK(mail.text == "Your appointment is tomorrow at 10:00.\nSee you soon!");
  CHECK(mail.subject == "Reminder");
  CHECK(mail.message_id == "abc123@practice.example");
  CHECK_FALSE(mail.category.has_value());
  CHECK_FALSE(mail.send_at.has_value());
  CHECK_FALSE(mail.template_name.has_value());
}

TEST_CASE("mail text: the subject goes first with subject_prefix") {
  CHECK(read_text("plain.eml", {.subject_prefix = true}).text ==
        "Reminder\nYour appointment is tomorrow at 10:00.\nSee you soon!");
  // A tag is no part of what is sent.
  CHECK(read_text("tagged.eml", {.subject_prefix = true}).text ==
        "Check-up due\nPlease call us to book your yearly check-up.");
}

TEST_CASE("mail text: multipart/alternative takes the plain part, quoted-printable, RFC 2047") {
  MailText mail = read_text("alternative.eml");
  CHECK(mail.text == "Grüße aus der Praxis: Termin am Montag um 9 Uhr.");
  CHECK(mail.subject == "Grüße");
}

TEST_CASE("mail text: HTML alone is turned into text, entities decoded, quotes and scripts gone") {
  CHECK(read_text("html_only.eml").text == "Your order #42 has shipped.\nTrack it & smile ☺ €5");
  CHECK(read_text("mixed_with_attachment.eml").text == "Invoice attached\nTotal: 12 €");
}

TEST_CASE("mail text: base64, ISO-8859-1 and Shift_JIS come out as UTF-8") {
  MailText base64 = read_text("base64_utf8.eml");
  CHECK(base64.text == "Ihr Café-Termin: morgen ☕");
  CHECK(base64.subject == "Café ☕");
  MailText latin1 = read_text("latin1.eml");
  CHECK(latin1.text == "Bitte bestätigen Sie Ihren Termin in München.");
  CHECK(latin1.subject == "München");
  MailText japanese = read_text("shift_jis.eml");
  CHECK(japanese.text == "こんにちは、明日の予約です。");
  CHECK(japanese.subject == "予約");
}

TEST_CASE("mail text: quoted history and its wrapped attribution are dropped") {
  MailText mail = read_text("reply_quoted.eml");
  CHECK(mail.text == "Yes, Tuesday works.");
  // A tag later in the subject is text, not a category.
  CHECK(mail.subject == "Re: Appointment [reminder]");
  CHECK_FALSE(mail.category.has_value());
}

TEST_CASE("mail text: a subject tag sets the category; format=flowed is unwrapped") {
  MailText mail = read_text("tagged.eml");
  CHECK(mail.category == policy::Category::kReminder);
  CHECK(mail.subject == "Check-up due");
  CHECK(mail.text == "Please call us to book your yearly check-up.");
}

TEST_CASE("mail text: X-Smsgate headers set category and send time") {
  MailText mail = read_text("headers.eml");
  CHECK(mail.category == policy::Category::kFeedback);
  CHECK(mail.send_at == 1798099200000);  // 2026-12-24T08:00:00Z
  CHECK(mail.text == "How did we do? Reply 1-5.");
}

TEST_CASE("mail text: a template takes its variables from the body's name: value lines") {
  MailText mail = read_text("template.eml");
  CHECK(mail.template_name == "reminder");
  CHECK(mail.text.empty());
  CHECK(mail.variables ==
        policy::TemplateVariables{{"name", "Ann"}, {"time", "2026-12-24T09:00:00+01:00"}});
}

TEST_CASE("mail text: bad mail is refused in words") {
  CHECK(refusal(read_mail("attachment_only.eml")) ==
        "the mail has no text part (text/plain or text/html)");
  CHECK(refusal(read_mail("bad_charset.eml")) ==
        "the mail's text is not in its charset (x-no-such-charset)");
  CHECK(refusal(read_mail("bad_category.eml")) ==
        "X-Smsgate-Category: \"urgent\" is not a category (otp, transactional, reminder, "
        "feedback or marketing)");
  CHECK(refusal(read_mail("signature_only.eml")) ==
        "the mail has no text to send once its signature and quotes are taken off");
  CHECK(refusal("Subject: x\r\nX-Smsgate-Category: otp\r\n\r\nHi\r\n")
            .find("otp is not accepted by email") != std::string::npos);
  CHECK(refusal("Subject: [otp] x\r\n\r\nHi\r\n").find("otp is not accepted by email") !=
        std::string::npos);
  CHECK(refusal("Subject: x\r\nX-Smsgate-Send-At: tomorrow\r\n\r\nHi\r\n") ==
        "X-Smsgate-Send-At: \"tomorrow\" is not an ISO 8601 time with a zone "
        "(2026-12-24T09:00:00+01:00)");
  CHECK(refusal("Subject: x\r\nContent-Type: image/png\r\n\r\nabc\r\n") ==
        "the mail has no text part (text/plain or text/html)");
}

TEST_CASE("mail text: a mail without MIME headers is plain text") {
  auto mail = mail_to_text("Subject: hello\r\n\r\nJust   text\twith  spaces \r\n", {});
  REQUIRE(mail.ok());
  CHECK(mail->text == "Just text with spaces");
}

TEST_CASE("html_to_text: line breaks, entities, comments and unknown entities") {
  CHECK(html_to_text("a<br>b<br/>c") == "a\nb\nc");
  CHECK(html_to_text("<!-- hidden -->x &lt;y&gt; &#65;&#x42; &bogus; &") == "x <y> AB &bogus; &");
  CHECK(html_to_text("<table><tr><td>1</td><td>2</td></tr></table>") == "\n\n 1 2\n\n");
  CHECK(html_to_text("<STYLE>p{}</STYLE>ok") == "ok");
  CHECK(html_to_text("&#0; &#xD800;") == "\xEF\xBF\xBD \xEF\xBF\xBD");  // U+FFFD
}

TEST_CASE("clean_body: signatures, quotes, Outlook's original message and whitespace") {
  CHECK(clean_body("Hi\r\n\r\n\r\nthere\r\n--\r\nsig") == "Hi\nthere");
  CHECK(clean_body("ok\n-----Original Message-----\nold") == "ok");
  CHECK(clean_body("a\n> b\nc") == "a\nc");
  CHECK(clean_body("Ann wrote:\n> x\nthanks") == "thanks");
  // "wrote:" that introduces no quote is text.
  CHECK(clean_body("She wrote: fine") == "She wrote: fine");
  CHECK(clean_body("  a \xC2\xA0 b\t\tc  ") == "a b c");
  CHECK(clean_body("").empty());
}

}  // namespace
}  // namespace smsgate::email

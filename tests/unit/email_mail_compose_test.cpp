#include <doctest/doctest.h>
#include <gmime/gmime.h>

#include <memory>
#include <string>

#include "email/mail_compose.h"

namespace smsgate::email {
namespace {

// The message as a mail reader sees it, parsed back with GMime.
struct ParsedMail {
  std::string from, to, subject, message_id, in_reply_to, references, content_type, encoding, body;
  int64_t date = 0;
};

std::string header(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  return value ? value : "";
}

ParsedMail parse_back(const std::string& text) {
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(text.data(), text.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  g_object_unref(stream);
  REQUIRE(message != nullptr);
  ParsedMail parsed;
  auto addresses = [](InternetAddressList* list) {
    char* text = internet_address_list_to_string(list, nullptr, FALSE);
    std::string out = text ? text : "";
    g_free(text);
    return out;
  };
  parsed.from = addresses(g_mime_message_get_from(message));
  parsed.to = addresses(g_mime_message_get_to(message));
  const char* subject = g_mime_message_get_subject(message);
  parsed.subject = subject ? subject : "";
  const char* id = g_mime_message_get_message_id(message);
  parsed.message_id = id ? id : "";
  parsed.in_reply_to = header(GMIME_OBJECT(message), "In-Reply-To");
  parsed.references = header(GMIME_OBJECT(message), "References");
  GDateTime* date = g_mime_message_get_date(message);
  if (date) parsed.date = g_date_time_to_unix(date);
  GMimeObject* part = g_mime_message_get_mime_part(message);
  REQUIRE(GMIME_IS_TEXT_PART(part));
  parsed.content_type = header(part, "Content-Type");
  parsed.encoding = header(part, "Content-Transfer-Encoding");
  char* body = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
  parsed.body = body ? body : "";
  g_free(body);
  g_object_unref(message);
  return parsed;
}

MailToCompose sample() {
  MailToCompose mail;
  mail.from = "SMS gateway <gateway@klinik.example>";
  mail.to = {"frontdesk@klinik.example"};
  mail.subject = "SMS from +628121234567";
  mail.body = "Can I move my appointment?\nThanks\n";
  mail.message_id = "0123abcd@klinik.example";
  mail.date_ms = 1'764'979'200'000;  // 2025-12-06 00:00:00 UTC
  return mail;
}

bool every_line_ends_in_crlf(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return false;
  return text.ends_with("\r\n");
}

TEST_CASE("compose_mail: an ASCII text reads back as written, CRLF throughout") {
  auto text = compose_mail(sample());
  REQUIRE(text.ok());
  CHECK(every_line_ends_in_crlf(*text));
  CHECK(text->find("\r\nMIME-Version: 1.0\r\n") != std::string::npos);
  CHECK(text->find("Subject: SMS from +628121234567\r\n") != std::string::npos);
  CHECK(text->find("Message-Id: <0123abcd@klinik.example>\r\n") != std::string::npos);
  CHECK(text->find("Date: Sat, 06 Dec 2025 00:00:00 +0000\r\n") != std::string::npos);
  CHECK(text->find("\r\nAuto-Submitted: auto-generated\r\n") != std::string::npos);

  ParsedMail parsed = parse_back(*text);
  CHECK(parsed.from == "SMS gateway <gateway@klinik.example>");
  CHECK(parsed.to == "frontdesk@klinik.example");
  CHECK(parsed.subject == "SMS from +628121234567");
  CHECK(parsed.message_id == "0123abcd@klinik.example");
  CHECK(parsed.date == 1'764'979'200);
  CHECK(parsed.content_type == "text/plain; charset=utf-8");
  CHECK(parsed.encoding == "quoted-printable");
  CHECK(parsed.body == "Can I move my appointment?\r\nThanks\r\n");
  CHECK(parsed.in_reply_to.empty());
}

TEST_CASE("compose_mail: a UTF-8 subject is RFC 2047 encoded and the body stays 7-bit") {
  MailToCompose mail = sample();
  mail.subject = "SMS von Jürgen – Termin";
  mail.body = "Grüße aus Köln, ich komme am Montag um 10 Uhr in die Praxis 👍\n";
  auto text = compose_mail(mail);
  REQUIRE(text.ok());
  CHECK(text->find("Subject: SMS von =?UTF-8?B?") != std::string::npos);
  for (unsigned char c : *text) CHECK_MESSAGE(c < 0x80, "8-bit byte in the message");
  ParsedMail parsed = parse_back(*text);
  CHECK(parsed.subject == "SMS von Jürgen – Termin");
  CHECK(parsed.encoding == "quoted-printable");
  CHECK(parsed.body == "Grüße aus Köln, ich komme am Montag um 10 Uhr in die Praxis 👍\r\n");
}

TEST_CASE("compose_mail: a text mostly outside ASCII goes in base64") {
  MailToCompose mail = sample();
  mail.body = "Здравствуйте, можно перенести приём на завтра?";
  auto text = compose_mail(mail);
  REQUIRE(text.ok());
  ParsedMail parsed = parse_back(*text);
  CHECK(parsed.encoding == "base64");
  CHECK(parsed.body == mail.body + "\r\n");
}

TEST_CASE("compose_mail: a line of one dot, or starting with one, cannot end the DATA") {
  MailToCompose mail = sample();
  mail.body = "first\n.\n..two dots\n.hidden\nlast";
  auto text = compose_mail(mail);
  REQUIRE(text.ok());
  CHECK(text->find("\r\n.") == std::string::npos);
  ParsedMail parsed = parse_back(*text);
  CHECK(parsed.body == "first\r\n.\r\n..two dots\r\n.hidden\r\nlast\r\n");
}

TEST_CASE("compose_mail: CR LF and lone CR in the body become CRLF, not =0D") {
  MailToCompose mail = sample();
  mail.body = "one\r\ntwo\rthree";
  auto text = compose_mail(mail);
  REQUIRE(text.ok());
  CHECK(text->find("=0D") == std::string::npos);
  CHECK(parse_back(*text).body == "one\r\ntwo\r\nthree\r\n");
}

TEST_CASE("compose_mail: In-Reply-To and References thread the message") {
  MailToCompose mail = sample();
  mail.in_reply_to = "orig.1@practice.example";
  mail.references = {"root@practice.example", "orig.1@practice.example"};
  auto text = compose_mail(mail);
  REQUIRE(text.ok());
  ParsedMail parsed = parse_back(*text);
  CHECK(parsed.in_reply_to == "<orig.1@practice.example>");
  CHECK(parsed.references == "<root@practice.example> <orig.1@practice.example>");
}

TEST_CASE("compose_mail: several recipients") {
  MailToCompose mail = sample();
  mail.to = {"a@klinik.example", "Dr. B <b@klinik.example>"};
  auto text = compose_mail(mail);
  REQUIRE(text.ok());
  CHECK(parse_back(*text).to == "a@klinik.example, \"Dr. B\" <b@klinik.example>");
}

TEST_CASE("compose_mail: bad input is refused naming the field") {
  auto error_of = [](MailToCompose mail) {
    auto text = compose_mail(mail);
    REQUIRE_FALSE(text.ok());
    return text.error().message;
  };
  MailToCompose mail = sample();
  mail.from = "not an address";
  CHECK(error_of(mail).starts_with("from: "));
  mail = sample();
  mail.to = {};
  CHECK(error_of(mail) == "to: no recipient");
  mail.to = {"a@b.example, c@d.example"};
  CHECK(error_of(mail) == "to: \"a@b.example, c@d.example\" is not one email address");
  mail = sample();
  mail.subject = "two\r\nBcc: x@y.example";
  CHECK(error_of(mail) == "subject: a line break in it");
  mail = sample();
  mail.body = std::string("bad \xff byte");
  CHECK(error_of(mail) == "body: not UTF-8");
  mail = sample();
  mail.message_id = "<no-at>";
  CHECK(error_of(mail).starts_with("message_id: "));
  mail = sample();
  mail.in_reply_to = "a b@c";
  CHECK(error_of(mail).starts_with("in_reply_to: "));
}

TEST_CASE("mailbox_address: the bare address of what a person writes") {
  CHECK(*mailbox_address(" frontdesk@klinik.example ") == "frontdesk@klinik.example");
  CHECK(*mailbox_address("Front desk <frontdesk@klinik.example>") == "frontdesk@klinik.example");
  CHECK_FALSE(mailbox_address("").ok());
  CHECK_FALSE(mailbox_address("frontdesk").ok());
  CHECK_FALSE(mailbox_address("a@b.example\r\nRCPT TO:<c@d.example>").ok());
  CHECK(address_domain("frontdesk@klinik.example") == "klinik.example");
}

TEST_CASE("make_message_id: random left part, the given domain") {
  std::string one = make_message_id("klinik.example");
  std::string two = make_message_id("klinik.example");
  CHECK(one != two);
  CHECK(one.size() == 32 + 1 + 14);
  CHECK(one.ends_with("@klinik.example"));
  MailToCompose mail = sample();
  mail.message_id = one;
  CHECK(compose_mail(mail).ok());
}

}  // namespace
}  // namespace smsgate::email

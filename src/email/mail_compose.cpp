#include "email/mail_compose.h"

#include <gmime/gmime.h>
#include <sodium.h>

#include <memory>
#include <mutex>

namespace smsgate::email {
namespace {

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    (void)sodium_init();  // randombytes_buf works either way; this only seeds it early
  });
}

// Owners of GLib objects and strings, released however a function returns.
struct GObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;
struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};

bool has_line_break(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

// A Message-ID without its angle brackets: id-left "@" id-right, no spaces or brackets
// (RFC 5322 section 3.6.4, dot-atom-text on both sides, loosely).
bool is_message_id(std::string_view id) {
  size_t at = id.find('@');
  if (at == 0 || at == id.npos || at + 1 == id.size() || id.find('@', at + 1) != id.npos)
    return false;
  for (char c : id)
    if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\') return false;
  return true;
}

std::string angle(std::string_view id) { return "<" + std::string(id) + ">"; }

// LF line endings: GMime writes CRLF for each of them (GMIME_NEWLINE_FORMAT_DOS), and a
// CR left in would be encoded as =0D.
std::string unix_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i] == '\r' ? '\n' : text[i];
  }
  // A message ends with a line break; said here so that it is the same read back.
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

// SMTP ends DATA at a line of one dot, and some relays drop a leading dot; in
// quoted-printable a leading "." is as well written "=2E" (RFC 2045 section 6.7 (1)).
// Headers and base64 never start a line with a dot, so every such line is the body's.
std::string without_leading_dots(std::string message) {
  std::string out;
  out.reserve(message.size());
  bool line_start = true;
  for (char c : message) {
    if (line_start && c == '.') {
      out += "=2E";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

}  // namespace

Result<std::string> mailbox_address(std::string_view address) {
  init_gmime();
  std::string text(address);
  if (text.find_first_not_of(" \t") == text.npos) return make_error("empty address");
  if (has_line_break(text)) return make_error("an address cannot span lines");
  GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, text.c_str()));
  if (!list || internet_address_list_length(list.get()) != 1)
    return make_error("\"" + text + "\" is not one email address");
  InternetAddress* parsed = internet_address_list_get_address(list.get(), 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX(parsed))
    return make_error("\"" + text + "\" is a group, not one email address");
  const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(parsed));
  std::string bare = addr ? addr : "";
  size_t at = bare.rfind('@');
  if (at == bare.npos || at == 0 || at + 1 == bare.size() || bare.find(' ') != bare.npos)
    return make_error("\"" + text + "\" is not an email address (user@domain)");
  return bare;
}

std::string_view address_domain(std::string_view address) {
  size_t at = address.rfind('@');
  return at == address.npos ? std::string_view() : address.substr(at + 1);
}

std::string make_message_id(std::string_view domain) {
  init_gmime();
  unsigned char random[16];
  randombytes_buf(random, sizeof random);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char byte : random) {
    id += kHex[byte >> 4];
    id += kHex[byte & 0xf];
  }
  return id + "@" + std::string(domain);
}

Result<std::string> compose_mail(const MailToCompose& mail) {
  init_gmime();
  if (auto from = mailbox_address(mail.from); !from)
    return make_error("from: " + from.error().message);
  if (mail.to.empty()) return make_error("to: no recipient");
  for (const std::string& to : mail.to)
    if (auto checked = mailbox_address(to); !checked)
      return make_error("to: " + checked.error().message);
  if (has_line_break(mail.subject)) return make_error("subject: a line break in it");
  if (!g_utf8_validate(mail.subject.data(), static_cast<gssize>(mail.subject.size()), nullptr))
    return make_error("subject: not UTF-8");
  if (!g_utf8_validate(mail.body.data(), static_cast<gssize>(mail.body.size()), nullptr))
    return make_error("body: not UTF-8");
  if (!is_message_id(mail.message_id))
    return make_error("message_id: \"" + mail.message_id + "\" is not left@right");
  if (mail.in_reply_to && !is_message_id(*mail.in_reply_to))
    return make_error("in_reply_to: \"" + *mail.in_reply_to + "\" is not left@right");
  for (const std::string& reference : mail.references)
    if (!is_message_id(reference))
      return make_error("references: \"" + reference + "\" is not left@right");

  GObjectPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  GMimeObject* headers_of = GMIME_OBJECT(message.get());
  auto add_addresses = [](InternetAddressList* into, const std::string& text) {
    GObjectPtr<InternetAddressList> parsed(internet_address_list_parse(nullptr, text.c_str()));
    internet_address_list_append(into, parsed.get());
  };
  add_addresses(g_mime_message_get_from(message.get()), mail.from);
  for (const std::string& to : mail.to) add_addresses(g_mime_message_get_to(message.get()), to);
  g_mime_message_set_subject(message.get(), mail.subject.c_str(), "utf-8");
  GDateTime* date = g_date_time_new_from_unix_utc(mail.date_ms / 1000);
  g_mime_message_set_date(message.get(), date);
  g_date_time_unref(date);
  g_mime_message_set_message_id(message.get(), mail.message_id.c_str());
  // Written by a machine (RFC 3834): an out-of-office reply does not answer it.
  g_mime_object_set_header(headers_of, "Auto-Submitted", "auto-generated", "utf-8");
  if (mail.in_reply_to)
    g_mime_object_set_header(headers_of, "In-Reply-To", angle(*mail.in_reply_to).c_str(), "utf-8");
  if (!mail.references.empty()) {
    std::string references;
    for (const std::string& reference : mail.references)
      references += (references.empty() ? "" : " ") + angle(reference);
    g_mime_object_set_header(headers_of, "References", references.c_str(), "utf-8");
  }

  GObjectPtr<GMimeTextPart> part(g_mime_text_part_new_with_subtype("plain"));
  auto set_content = [&part](const std::string& text) {
    GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
    GObjectPtr<GMimeDataWrapper> content(
        g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(GMIME_PART(part.get()), content.get());
  };
  std::string body = unix_lines(mail.body);
  set_content(body);
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
  // Quoted-printable, or base64 when that is shorter (mostly non-ASCII text): 7-bit
  // either way, so no relay has to convert it.
  GMimeContentEncoding encoding =
      g_mime_part_get_best_content_encoding(GMIME_PART(part.get()), GMIME_ENCODING_CONSTRAINT_7BIT);
  if (encoding == GMIME_CONTENT_ENCODING_BASE64) {
    // Encoded text keeps its line breaks as they are, and text/plain's are CRLF (RFC
    // 2046 section 4.1.1); quoted-printable's are the message's, written CRLF below.
    std::string crlf;
    for (char c : body) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    set_content(crlf);
  } else {
    encoding = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
  }
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), encoding);
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(part.get()));

  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  std::unique_ptr<char, GFree> text(g_mime_object_to_string(headers_of, options));
  g_mime_format_options_free(options);
  if (!text) return make_error("GMime could not write the message");
  return without_leading_dots(text.get());
}

}  // namespace smsgate::email

#include "email/mail_text.h"

#include <gmime/gmime.h>

#include <array>
#include <cctype>
#include <mutex>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "policy/iso_time.h"

namespace smsgate::email {
namespace {

// GObject references and g_malloc'd strings, released on every path.
template <class T>
struct GObjectRef {
  T* ptr = nullptr;
  explicit GObjectRef(T* p) : ptr(p) {}
  GObjectRef(const GObjectRef&) = delete;
  GObjectRef& operator=(const GObjectRef&) = delete;
  ~GObjectRef() {
    if (ptr) g_object_unref(ptr);
  }
};
struct GString_ {
  char* ptr = nullptr;
  explicit GString_(char* p) : ptr(p) {}
  GString_(const GString_&) = delete;
  GString_& operator=(const GString_&) = delete;
  ~GString_() { g_free(ptr); }
};

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point == 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
    code_point = 0xFFFD;
  std::array<char, 6> buffer{};
  int length = g_unichar_to_utf8(code_point, buffer.data());
  out.append(buffer.data(), static_cast<size_t>(length));
}

// The named entities mail clients write; anything else stays as written.
struct NamedEntity {
  std::string_view name;
  uint32_t code_point;
};
constexpr NamedEntity kEntities[] = {
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},     {"copy", 0xA9},    {"reg", 0xAE},     {"euro", 0x20AC},  {"pound", 0xA3},
    {"hellip", 0x2026}, {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"ldquo", 0x201C},  {"rdquo", 0x201D}, {"laquo", 0xAB},   {"raquo", 0xBB},   {"bull", 0x2022},
    {"middot", 0xB7},   {"auml", 0xE4},    {"ouml", 0xF6},    {"uuml", 0xFC},    {"Auml", 0xC4},
    {"Ouml", 0xD6},     {"Uuml", 0xDC},    {"szlig", 0xDF},   {"eacute", 0xE9},  {"egrave", 0xE8},
    {"ecirc", 0xEA},    {"agrave", 0xE0},  {"aacute", 0xE1},  {"ccedil", 0xE7},  {"ntilde", 0xF1},
    {"oacute", 0xF3},   {"iacute", 0xED},  {"uacute", 0xFA},  {"Eacute", 0xC9},  {"deg", 0xB0},
};

// Decodes the entity at html[at] ('&'); returns how many bytes it took (0: not one).
size_t decode_entity(std::string_view html, size_t at, std::string& out) {
  size_t end = html.find(';', at);
  if (end == std::string_view::npos || end - at > 12) return 0;
  std::string_view name = html.substr(at + 1, end - at - 1);
  if (name.size() >= 2 && name[0] == '#') {
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return 0;
    uint32_t value = 0;
    for (char c : digits) {
      int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : hex && std::isxdigit(static_cast<unsigned char>(c))
                      ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                      : -1;
      if (digit < 0) return 0;
      value = value * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
    }
    append_utf8(out, value);
    return end - at + 1;
  }
  for (const NamedEntity& entity : kEntities) {
    if (entity.name == name) {
      append_utf8(out, entity.code_point);
      return end - at + 1;
    }
  }
  return 0;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// The position after the closing tag `</name` ... '>' from `from`, or the end.
size_t skip_past_closing(std::string_view html, size_t from, std::string_view name) {
  std::string lower = to_lower(html.substr(from));
  size_t found = lower.find("</" + std::string(name));
  if (found == std::string::npos) return html.size();
  size_t close = html.find('>', from + found);
  return close == std::string_view::npos ? html.size() : close + 1;
}

// Tags after which the text goes on on a new line.
bool breaks_line(std::string_view tag) {
  constexpr std::string_view kBreaking[] = {"br", "p",  "div", "li", "tr", "h1",    "h2", "h3",
                                            "h4", "h5", "h6",  "ul", "ol", "table", "hr"};
  for (std::string_view breaking : kBreaking) {
    if (tag == breaking) return true;
  }
  return false;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string unix_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// RFC 3676: a line ending in a space goes on in the next one.
std::string unflow(std::string_view text, bool delete_space) {
  std::string out;
  for (std::string_view line : split_lines(text)) {
    if (!line.empty() && line[0] == ' ') line.remove_prefix(1);  // space-stuffed
    bool soft = !line.empty() && line.back() == ' ' && line != "-- " && line[0] != '>';
    if (soft && delete_space) line.remove_suffix(1);
    out.append(line);
    if (!soft) out += '\n';
  }
  return out;
}

// Spaces, tabs and no-break spaces as one space; the line trimmed.
std::string squeeze_spaces(std::string_view line) {
  std::string out;
  bool pending_space = false;
  for (size_t i = 0; i < line.size(); ++i) {
    bool blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\v' || line[i] == '\f';
    size_t width = 1;
    if (!blank && i + 1 < line.size() && static_cast<unsigned char>(line[i]) == 0xC2 &&
        static_cast<unsigned char>(line[i + 1]) == 0xA0) {
      blank = true;
      width = 2;
    }
    if (blank) {
      pending_space = !out.empty();
      i += width - 1;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += line[i];
  }
  return out;
}

bool is_quoted(std::string_view line) {
  std::string_view trimmed = trim(line);
  return !trimmed.empty() && trimmed[0] == '>';
}

bool ends_attribution(std::string_view line) {
  std::string_view trimmed = trim(line);
  constexpr std::string_view kWrote = "wrote:";
  return trimmed.size() >= kWrote.size() &&
         trimmed.substr(trimmed.size() - kWrote.size()) == kWrote;
}

// The subject's leading "[category]", if it names one.
std::optional<policy::Category> take_subject_tag(std::string& subject) {
  std::string_view view = trim(subject);
  if (view.empty() || view[0] != '[') return std::nullopt;
  size_t close = view.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  auto category = policy::parse_category(to_lower(trim(view.substr(1, close - 1))));
  if (!category) return std::nullopt;
  subject = std::string(trim(view.substr(close + 1)));
  return category;
}

Result<policy::Category> read_category(std::string_view name, std::string_view where) {
  auto category = policy::parse_category(to_lower(name));
  if (!category) {
    return make_error(std::string(where) + ": \"" + std::string(name) + "\" is not a category (" +
                      std::string(policy::category_choices()) + ")");
  }
  if (*category == policy::Category::kOtp) {
    return make_error(std::string(where) +
                      ": otp is not accepted by email: one-time passwords go through "
                      "POST /api/v1/otp");
  }
  return *category;
}

// The first text part that is no attachment, depth first; plain before HTML.
GMimeTextPart* find_text(GMimeObject* object, const char* subtype) {
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) {
      if (GMimeTextPart* found = find_text(g_mime_multipart_get_part(multipart, i), subtype))
        return found;
    }
    return nullptr;
  }
  if (!GMIME_IS_TEXT_PART(object)) return nullptr;  // message/rfc822, images, ...
  if (g_mime_part_is_attachment(GMIME_PART(object))) return nullptr;
  GMimeContentType* type = g_mime_object_get_content_type(object);
  return g_mime_content_type_is_type(type, "text", subtype) ? GMIME_TEXT_PART(object) : nullptr;
}

std::optional<std::string> header(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  if (value == nullptr) return std::nullopt;
  return std::string(trim(std::string_view(value), " \t\r\n"));
}

bool is_variable_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      std::string_view rest = html.substr(i + 1);
      if (rest.starts_with("!--")) {
        size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      bool closing = !rest.empty() && rest[0] == '/';
      size_t name_start = closing ? 1 : 0;
      size_t name_end = name_start;
      while (name_end < rest.size() && std::isalnum(static_cast<unsigned char>(rest[name_end])))
        ++name_end;
      std::string tag = to_lower(rest.substr(name_start, name_end - name_start));
      size_t close = html.find('>', i);
      size_t after = close == std::string_view::npos ? html.size() : close + 1;
      if (!closing && (tag == "script" || tag == "style" || tag == "head" || tag == "title" ||
                       tag == "blockquote")) {
        // Their content is no text to send; a blockquote is quoted history.
        after = skip_past_closing(html, after, tag);
      } else if (breaks_line(tag)) {
        out += '\n';
      } else if (!closing && (tag == "td" || tag == "th")) {
        out += ' ';
      }
      i = after;
      continue;
    }
    if (c == '&') {
      if (size_t taken = decode_entity(html, i, out); taken > 0) {
        i += taken;
        continue;
      }
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    ++i;
  }
  return out;
}

std::string clean_body(std::string_view text) {
  std::string unix = unix_newlines(text);
  std::vector<std::string_view> lines = split_lines(unix);
  std::vector<std::string_view> kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line == "-- " || line == "--") break;  // the signature
    if (starts_with_ci(trim(line), "-----original message-----")) break;
    if (is_quoted(line)) continue;
    if (ends_attribution(line)) {
      size_t next = i + 1;
      while (next < lines.size() && trim(lines[next]).empty()) ++next;
      if (next == lines.size() || is_quoted(lines[next])) {
        // "On Mon, 1 Dec 2026 at 10:00, Ann <ann@example.org> wrote:", perhaps wrapped
        // over two lines.
        if (!starts_with_ci(trim(line), "on ") && !kept.empty() &&
            starts_with_ci(trim(kept.back()), "on "))
          kept.pop_back();
        continue;
      }
    }
    kept.push_back(line);
  }
  // Blank lines cost characters and say nothing on a phone's screen.
  std::string out;
  for (std::string_view line : kept) {
    std::string squeezed = squeeze_spaces(line);
    if (squeezed.empty()) continue;
    if (!out.empty()) out += '\n';
    out += squeezed;
  }
  return out;
}

Result<MailText> mail_to_text(std::string_view raw, const MailTextOptions& options) {
  init_gmime();
  GObjectRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GObjectRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.ptr));
  GObjectRef<GMimeMessage> message(g_mime_parser_construct_message(parser.ptr, nullptr));
  if (message.ptr == nullptr) return make_error("the mail cannot be read as an RFC 5322 message");
  GMimeObject* top = GMIME_OBJECT(message.ptr);

  MailText mail;
  if (const char* subject = g_mime_message_get_subject(message.ptr)) {
    mail.subject = subject;
    if (!g_utf8_validate(mail.subject.data(), static_cast<gssize>(mail.subject.size()), nullptr))
      return make_error("Subject: not in its declared charset");
    mail.subject = squeeze_spaces(unix_newlines(mail.subject));
  }
  if (const char* id = g_mime_message_get_message_id(message.ptr)) mail.message_id = id;
  mail.category = take_subject_tag(mail.subject);

  if (auto category = header(top, "X-Smsgate-Category")) {
    auto read = read_category(*category, "X-Smsgate-Category");
    if (!read) return read.error();
    mail.category = *read;
  } else if (mail.category == policy::Category::kOtp) {
    return make_error(
        "Subject: otp is not accepted by email: one-time passwords go through "
        "POST /api/v1/otp");
  }
  if (auto send_at = header(top, "X-Smsgate-Send-At")) {
    mail.send_at = policy::parse_iso8601(*send_at);
    if (!mail.send_at)
      return make_error("X-Smsgate-Send-At: \"" + *send_at +
                        "\" is not an ISO 8601 time with a zone (2026-12-24T09:00:00+01:00)");
  }
  if (auto name = header(top, "X-Smsgate-Template")) {
    if (name->empty()) return make_error("X-Smsgate-Template: empty");
    mail.template_name = *name;
  }

  GMimeObject* body = g_mime_message_get_mime_part(message.ptr);
  if (body == nullptr) return make_error("the mail has no body");
  GMimeTextPart* part = find_text(body, "plain");
  bool html = false;
  if (part == nullptr) {
    part = find_text(body, "html");
    html = true;
  }
  if (part == nullptr) return make_error("the mail has no text part (text/plain or text/html)");
  GString_ decoded(g_mime_text_part_get_text(part));
  if (decoded.ptr == nullptr) return make_error("the mail's text cannot be decoded");
  std::string text(decoded.ptr);
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
    const char* charset = g_mime_text_part_get_charset(part);
    return make_error(std::string("the mail's text is not in its charset (") +
                      (charset ? charset : "none declared") + ")");
  }
  if (html) {
    text = html_to_text(text);
  } else if (const char* format =
                 g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "format");
             format && g_ascii_strcasecmp(format, "flowed") == 0) {
    const char* delsp = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "delsp");
    text = unflow(unix_newlines(text), delsp && g_ascii_strcasecmp(delsp, "yes") == 0);
  }
  std::string cleaned = clean_body(text);

  if (mail.template_name) {
    for (std::string_view line : split_lines(cleaned)) {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = trim(line.substr(0, colon));
      if (!is_variable_name(name)) continue;
      mail.variables.insert_or_assign(std::string(name), std::string(trim(line.substr(colon + 1))));
    }
    return mail;
  }
  if (options.subject_prefix && !mail.subject.empty()) {
    mail.text = cleaned.empty() ? mail.subject : mail.subject + "\n" + cleaned;
  } else {
    mail.text = std::move(cleaned);
  }
  if (mail.text.empty())
    return make_error("the mail has no text to send once its signature and quotes are taken off");
  return mail;
}

}  // namespace smsgate::email

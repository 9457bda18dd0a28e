#include "email/smtp_session.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "common/strings.h"
#include "email/recipient.h"

namespace smsgate::email {
namespace {

constexpr std::string_view kCrlf = "\r\n";

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && upper(text.substr(0, prefix.size())) == prefix;
}

std::optional<std::string> base64_decode(std::string_view encoded) {
  std::string out(encoded.size() * 3 / 4 + 3, '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), encoded.data(),
                        encoded.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != encoded.data() + encoded.size())
    return std::nullopt;
  out.resize(length);
  return out;
}

// "<address>" and what follows it; none when the brackets are missing.
struct Path {
  std::string address;
  std::vector<std::string_view> parameters;
};
std::optional<Path> parse_path(std::string_view text) {
  text = trim(text);
  if (text.empty() || text[0] != '<') return std::nullopt;
  size_t close = text.find('>');
  if (close == std::string_view::npos) return std::nullopt;
  Path path;
  std::string_view address = text.substr(1, close - 1);
  // A source route (@relay,@relay:user@domain) is read and ignored (RFC 5321 §4.1.2).
  if (!address.empty() && address[0] == '@') {
    size_t colon = address.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    address.remove_prefix(colon + 1);
  }
  for (char c : address) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>') return std::nullopt;
  }
  path.address = std::string(address);
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty()) {
    rest = trim(rest);
    if (rest.empty()) break;
    size_t space = rest.find(' ');
    path.parameters.push_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space);
  }
  return path;
}

}  // namespace

std::string format_reply(const SmtpReply& reply) {
  std::string code = std::to_string(reply.code);
  std::string out;
  std::string_view text = reply.text;
  while (true) {
    size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      out += code + " " + std::string(text) + std::string(kCrlf);
      return out;
    }
    out += code + "-" + std::string(text.substr(0, newline)) + std::string(kCrlf);
    text.remove_prefix(newline + 1);
  }
}

SmtpSession::SmtpSession(SmtpSettings settings, SmtpHost& host, std::string client_address,
                         bool trusted, bool in_tls)
    : settings_(std::move(settings)),
      host_(host),
      client_address_(std::move(client_address)),
      trusted_(trusted),
      in_tls_(in_tls) {}

std::string SmtpSession::greeting() const {
  return format_reply({220, settings_.hostname + " ESMTP smsgate"});
}

std::string SmtpSession::feed(std::string_view bytes) {
  std::string out;
  if (closed_ || wants_tls_) return out;
  buffer_.append(bytes);
  while (!closed_ && !wants_tls_) {
    size_t newline = buffer_.find('\n');
    if (skipping_line_) {
      if (newline == std::string::npos) {
        buffer_.clear();
        break;
      }
      buffer_.erase(0, newline + 1);
      skipping_line_ = false;
      continue;
    }
    if (newline == std::string::npos) {
      bool data = state_ == State::kData;
      size_t limit = data ? settings_.max_message_bytes : kMaxCommandLine;
      if (buffer_.size() > limit) {
        buffer_.clear();
        skipping_line_ = true;
        if (data) {
          mail_too_big_ = true;
          mail_.clear();
        } else {
          out += error(
              500, "5.5.2 Line too long (at most " + std::to_string(kMaxCommandLine) + " bytes)");
        }
      }
      break;
    }
    std::string line = buffer_.substr(0, newline);
    buffer_.erase(0, newline + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (state_ != State::kData && line.size() > kMaxCommandLine) {
      out +=
          error(500, "5.5.2 Line too long (at most " + std::to_string(kMaxCommandLine) + " bytes)");
      continue;
    }
    out += on_line(line);
  }
  // RFC 3207 §4.2: nothing sent before the handshake may be taken as sent within it.
  if (wants_tls_ || closed_) buffer_.clear();
  return out;
}

void SmtpSession::tls_started() {
  wants_tls_ = false;
  in_tls_ = true;
  // RFC 3207 §4.2: forget what the client said before, signing in included.
  greeted_ = false;
  authenticated_ = false;
  signed_in_as_.clear();
  state_ = State::kCommand;
  buffer_.clear();
  skipping_line_ = false;
  reset_transaction();
}

std::string SmtpSession::on_line(std::string_view line) {
  auto cancelled = [&] {
    state_ = State::kCommand;
    return error(501, "5.7.0 Authentication cancelled");
  };
  switch (state_) {
    case State::kData:
      return on_data_line(line);
    case State::kAuthPlain:
      if (line == "*") return cancelled();
      return auth_plain(line);
    case State::kAuthLoginUser: {
      if (line == "*") return cancelled();
      auto user = base64_decode(line);
      if (!user) {
        state_ = State::kCommand;
        return error(501, "5.5.2 Cannot decode the response (base64)");
      }
      login_user_ = *user;
      state_ = State::kAuthLoginPassword;
      return format_reply({334, "UGFzc3dvcmQ6"});  // "Password:"
    }
    case State::kAuthLoginPassword: {
      if (line == "*") return cancelled();
      auto password = base64_decode(line);
      if (!password) {
        state_ = State::kCommand;
        return error(501, "5.5.2 Cannot decode the response (base64)");
      }
      return finish_auth(std::exchange(login_user_, {}), *password);
    }
    case State::kCommand:
      return on_command(line);
  }
  return {};
}

std::string SmtpSession::on_command(std::string_view line) {
  size_t space = line.find(' ');
  std::string verb = upper(line.substr(0, space));
  std::string_view argument =
      space == std::string_view::npos ? std::string_view() : trim(line.substr(space + 1));
  if (verb == "EHLO" || verb == "HELO") return ehlo(argument, verb == "EHLO");
  if (verb == "MAIL") return mail_from(line.substr(std::min(line.size(), size_t{4})));
  if (verb == "RCPT") return rcpt_to(line.substr(std::min(line.size(), size_t{4})));
  if (verb == "DATA") return data(argument);
  if (verb == "AUTH") return auth(argument);
  if (verb == "STARTTLS") {
    if (!argument.empty()) return error(501, "5.5.4 Syntax: STARTTLS");
    if (in_tls_) return error(503, "5.5.1 TLS already active");
    if (!settings_.tls_available) return error(454, "4.7.0 TLS not available");
    wants_tls_ = true;
    return format_reply({220, "2.0.0 Ready to start TLS"});
  }
  if (verb == "RSET") {
    if (!argument.empty()) return error(501, "5.5.4 Syntax: RSET");
    reset_transaction();
    return format_reply({250, "2.0.0 OK"});
  }
  if (verb == "NOOP") return format_reply({250, "2.0.0 OK"});
  if (verb == "QUIT") {
    closed_ = true;
    return format_reply({221, "2.0.0 Bye"});
  }
  if (verb == "VRFY")
    return format_reply({252, "2.5.0 Cannot VRFY; send mail to <number>@" + settings_.domain});
  if (verb == "HELP")
    return format_reply({214, "2.0.0 Mail to <number>@" + settings_.domain +
                                  " becomes an SMS. Commands: EHLO HELO AUTH MAIL RCPT DATA "
                                  "RSET NOOP QUIT" +
                                  std::string(settings_.tls_available ? " STARTTLS" : "")});
  constexpr std::string_view kNotImplemented[] = {"EXPN", "TURN", "ETRN", "ATRN",
                                                  "BDAT", "SEND", "SOML", "SAML"};
  if (std::find(std::begin(kNotImplemented), std::end(kNotImplemented), verb) !=
      std::end(kNotImplemented))
    return error(502, "5.5.1 " + verb + " not implemented");
  return error(500, "5.5.1 Command unrecognized");
}

std::string SmtpSession::ehlo(std::string_view argument, bool extended) {
  if (argument.empty())
    return error(501, std::string("5.5.4 Syntax: ") + (extended ? "EHLO" : "HELO") + " hostname");
  reset_transaction();
  greeted_ = true;
  if (!extended) return format_reply({250, settings_.hostname});
  std::string lines = settings_.hostname + " greets " + std::string(argument);
  lines += "\nSIZE " + std::to_string(settings_.max_message_bytes);
  lines += "\n8BITMIME\nPIPELINING\nENHANCEDSTATUSCODES\nAUTH PLAIN LOGIN";
  if (settings_.tls_available && !in_tls_) lines += "\nSTARTTLS";
  return format_reply({250, lines});
}

std::string SmtpSession::auth(std::string_view argument) {
  if (!greeted_) return error(503, "5.5.1 Send EHLO first");
  if (authenticated_) return error(503, "5.5.1 Already authenticated");
  if (from_) return error(503, "5.5.1 Not during a mail transaction");
  size_t space = argument.find(' ');
  std::string mechanism = upper(argument.substr(0, space));
  std::string_view initial =
      space == std::string_view::npos ? std::string_view() : trim(argument.substr(space + 1));
  if (mechanism == "PLAIN") {
    if (initial.empty()) {
      state_ = State::kAuthPlain;
      return format_reply({334, ""});
    }
    return auth_plain(initial == "=" ? std::string_view() : initial);
  }
  if (mechanism == "LOGIN") {
    if (initial.empty()) {
      state_ = State::kAuthLoginUser;
      return format_reply({334, "VXNlcm5hbWU6"});  // "Username:"
    }
    auto user = base64_decode(initial);
    if (!user) return error(501, "5.5.2 Cannot decode the response (base64)");
    login_user_ = *user;
    state_ = State::kAuthLoginPassword;
    return format_reply({334, "UGFzc3dvcmQ6"});
  }
  return error(504, "5.5.4 Unrecognized authentication type (PLAIN or LOGIN)");
}

std::string SmtpSession::auth_plain(std::string_view encoded) {
  state_ = State::kCommand;
  auto decoded = base64_decode(encoded);
  if (!decoded) return error(501, "5.5.2 Cannot decode the response (base64)");
  // authorization identity NUL authentication identity NUL password (RFC 4616)
  size_t first = decoded->find('\0');
  size_t second = first == std::string::npos ? first : decoded->find('\0', first + 1);
  if (second == std::string::npos || decoded->find('\0', second + 1) != std::string::npos)
    return error(501, "5.5.2 AUTH PLAIN wants authzid NUL user NUL password");
  std::string_view whole = *decoded;
  return finish_auth(whole.substr(first + 1, second - first - 1), whole.substr(second + 1));
}

std::string SmtpSession::finish_auth(std::string_view user, std::string_view password) {
  state_ = State::kCommand;
  if (!password.empty() && host_.authenticate(user, password)) {
    authenticated_ = true;
    signed_in_as_ = std::string(user);
    return format_reply({235, "2.7.0 Authentication successful"});
  }
  ++auth_failures_;
  host_.refused(SmtpRefusal::kBadAuth);
  std::string out = format_reply({535, "5.7.8 Authentication credentials invalid"});
  if (auth_failures_ >= kMaxAuthFailures) {
    closed_ = true;
    out += format_reply({421, "4.7.0 Too many failed authentications, closing"});
  }
  return out;
}

std::string SmtpSession::mail_from(std::string_view rest) {
  if (!starts_with_ci(rest, " FROM:")) return error(501, "5.5.4 Syntax: MAIL FROM:<address>");
  if (!greeted_) return error(503, "5.5.1 Send EHLO first");
  if (from_) return error(503, "5.5.1 Sender already given");
  if (!authenticated_ && !trusted_)
    return refuse(SmtpRefusal::kAuthRequired, 530, "5.7.0 Authentication required");
  auto path = parse_path(rest.substr(6));
  if (!path) return error(501, "5.1.7 Bad sender address syntax");
  for (std::string_view parameter : path->parameters) {
    std::string name = upper(parameter.substr(0, parameter.find('=')));
    std::string_view value = parameter.find('=') == std::string_view::npos
                                 ? std::string_view()
                                 : parameter.substr(parameter.find('=') + 1);
    if (name == "SIZE") {
      uint64_t size = 0;
      auto [end, failed] = std::from_chars(value.data(), value.data() + value.size(), size);
      if (value.empty() || failed != std::errc() || end != value.data() + value.size())
        return error(501, "5.5.4 SIZE wants a number of bytes");
      if (size > settings_.max_message_bytes)
        return refuse(SmtpRefusal::kSize, 552,
                      "5.3.4 Message size exceeds fixed maximum message size (" +
                          std::to_string(settings_.max_message_bytes) + " bytes)");
    } else if (name == "BODY") {
      std::string body = upper(value);
      if (body != "7BIT" && body != "8BITMIME") return error(501, "5.5.4 BODY is 7BIT or 8BITMIME");
    } else if (name != "AUTH") {  // AUTH=<> (RFC 4954 §5) says nothing we use
      return error(555, "5.5.4 Unsupported parameter " + std::string(parameter));
    }
  }
  from_ = path->address;
  return format_reply({250, "2.1.0 OK"});
}

std::string SmtpSession::rcpt_to(std::string_view rest) {
  if (!starts_with_ci(rest, " TO:")) return error(501, "5.5.4 Syntax: RCPT TO:<address>");
  if (!from_) return error(503, "5.5.1 Send MAIL FROM first");
  auto path = parse_path(rest.substr(4));
  if (!path) return error(501, "5.1.3 Bad recipient address syntax");
  if (!path->parameters.empty())
    return error(555, "5.5.4 Unsupported parameter " + std::string(path->parameters.front()));
  auto number = recipient_number(path->address, settings_.domain, settings_.default_region);
  if (!number && number.error().code == ErrorCode::kForbidden)
    return refuse(SmtpRefusal::kRelay, 550, "5.7.1 Relaying denied");
  if (recipients_.size() >= settings_.max_recipients)
    return format_reply({452, "4.5.3 Too many recipients (at most " +
                                  std::to_string(settings_.max_recipients) + ")"});
  if (!number) return refuse(SmtpRefusal::kInvalidNumber, 553, "5.1.3 " + number.error().message);
  auto opted_out = host_.opted_out(*number);
  if (!opted_out)
    return format_reply({451, "4.3.0 Cannot check the recipient now, try again later"});
  if (*opted_out)
    return refuse(SmtpRefusal::kOptedOut, 550,
                  "5.7.1 " + *number + " opted out of messages from this gateway");
  if (std::find(recipients_.begin(), recipients_.end(), *number) == recipients_.end())
    recipients_.push_back(*number);
  return format_reply({250, "2.1.5 OK " + *number});
}

std::string SmtpSession::data(std::string_view argument) {
  if (!argument.empty()) return error(501, "5.5.4 Syntax: DATA");
  if (!from_) return error(503, "5.5.1 Send MAIL FROM first");
  if (recipients_.empty()) return error(554, "5.5.1 No valid recipients");
  state_ = State::kData;
  mail_.clear();
  mail_too_big_ = false;
  return format_reply({354, "End data with <CR><LF>.<CR><LF>"});
}

std::string SmtpSession::on_data_line(std::string_view line) {
  if (line == ".") return end_of_data();
  if (!line.empty() && line[0] == '.') line.remove_prefix(1);  // RFC 5321 §4.5.2
  if (mail_too_big_) return {};
  if (mail_.size() + line.size() + kCrlf.size() > settings_.max_message_bytes) {
    mail_too_big_ = true;
    mail_.clear();
    mail_.shrink_to_fit();
    return {};
  }
  mail_.append(line);
  mail_.append(kCrlf);
  return {};
}

std::string SmtpSession::end_of_data() {
  state_ = State::kCommand;
  if (mail_too_big_) {
    reset_transaction();
    return refuse(SmtpRefusal::kSize, 552,
                  "5.3.4 Message size exceeds fixed maximum message size (" +
                      std::to_string(settings_.max_message_bytes) + " bytes)");
  }
  Envelope envelope{*from_, recipients_, client_address_, signed_in_as_};
  SmtpReply reply = host_.deliver(envelope, mail_);
  reset_transaction();
  return format_reply(reply);
}

std::string SmtpSession::error(int code, std::string text) {
  std::string out = format_reply({code, std::move(text)});
  if (++errors_ >= kMaxErrors) {
    closed_ = true;
    out += format_reply({421, "4.7.0 Too many errors, closing"});
  }
  return out;
}

std::string SmtpSession::refuse(SmtpRefusal why, int code, std::string text) {
  host_.refused(why);
  return error(code, std::move(text));
}

void SmtpSession::reset_transaction() {
  from_.reset();
  recipients_.clear();
  mail_.clear();
  mail_too_big_ = false;
}

}  // namespace smsgate::email

// SmtpSession: one SMTP conversation (RFC 5321, with ESMTP SIZE, 8BITMIME, PIPELINING,
// AUTH PLAIN and LOGIN of RFC 4954, and STARTTLS of RFC 3207), as a pure state
// machine. The shell (email/smtp_server.h) feeds it the bytes a client sends and
// writes back what it answers; the session does no I/O and reads no clock.
//
// Who may send: a client that signed in (AUTH: the password is an API key with the
// `send` scope, or a console user's password; SmtpHost::authenticate decides), or one
// whose address is in [email] allow_networks (the shell says so when it makes the
// session). Anyone else gets 530 at MAIL FROM.
//
// Recipients: only <number>@<[email] domain> (any case); anything else is
// "550 5.7.1 relaying denied". The number is normalised with policy/phone.h and
// [sending] default_region: an invalid one is 553 5.1.3 with the reason, one that opted
// out 550 5.7.1 saying so. DATA is dot-unstuffed and capped at the SIZE advertised
// (552 when over, the rest read and dropped); the mail is then handed to
// SmtpHost::deliver, whose reply is the answer: 250 only once every message is
// committed through the intake.
//
// Lines: commands end at LF (CR before it dropped); a command line longer than
// kMaxCommandLine is "500 5.5.2 line too long" and skipped to its end. After STARTTLS
// anything the client sent beyond it is dropped (RFC 3207 §4.2: no plaintext carried
// into TLS) and the session starts again, signed out. After kMaxErrors bad commands or
// kMaxAuthFailures failed sign-ins the session says 421 and closes.
//
// Thread safety: one session is used by one thread at a time. SmtpHost's methods are
// called from that thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::email {

struct SmtpReply {
  int code = 250;
  std::string text;  // "2.0.0 OK"; lines separated by '\n' make a multiline reply
};
// The reply as it goes on the wire: "250-first\r\n250 last\r\n".
std::string format_reply(const SmtpReply& reply);

// What a mail was sent with.
struct Envelope {
  std::string from;                     // MAIL FROM's address; empty for <>
  std::vector<std::string> recipients;  // E.164, in RCPT order, no duplicates
  std::string client_address;
  std::string signed_in_as;  // AUTH's user name (empty when trusted by network)
};

// Why a session refused something, for the counters on /metrics.
enum class SmtpRefusal {
  kRelay,         // a recipient outside [email] domain
  kAuthRequired,  // MAIL FROM before signing in, from outside allow_networks
  kBadAuth,       // wrong credentials
  kSize,          // over the size cap
  kInvalidNumber,
  kOptedOut,
};

class SmtpHost {
 public:
  virtual ~SmtpHost() = default;
  // Whether `password` lets `user` send: an API key with the send scope (any user
  // name), or the password of the console user `user`.
  virtual bool authenticate(std::string_view user, std::string_view password) = 0;
  // Whether `number` (E.164) opted out; an error when the store cannot say.
  virtual Result<bool> opted_out(const std::string& number) = 0;
  // The mail, committed for every recipient, or the reason it is not.
  virtual SmtpReply deliver(const Envelope& envelope, std::string_view mail) = 0;
  // A refusal, to count it.
  virtual void refused(SmtpRefusal /*why*/) {}
};

struct SmtpSettings {
  std::string hostname = "smsgate";  // in the greeting and EHLO's answer
  std::string domain;                // [email] domain
  std::string default_region;        // [sending] default_region
  size_t max_message_bytes = 1024 * 1024;
  size_t max_recipients = 100;
  bool tls_available = false;  // a certificate is configured
};

class SmtpSession {
 public:
  static constexpr size_t kMaxCommandLine = 2048;  // AUTH PLAIN with a long key fits
  static constexpr int kMaxErrors = 10;
  static constexpr int kMaxAuthFailures = 3;

  // `trusted`: the client's address is in allow_networks; `in_tls`: the connection is
  // already encrypted (none of our listeners does that yet, but tests may).
  SmtpSession(SmtpSettings settings, SmtpHost& host, std::string client_address, bool trusted,
              bool in_tls = false);

  // The 220 greeting, to send first.
  std::string greeting() const;
  // Bytes from the client; returns the bytes to send back (empty while DATA is read).
  std::string feed(std::string_view bytes);

  // The client asked for TLS and was told 220: the shell starts TLS now, then calls
  // tls_started(); on failure it closes.
  bool wants_tls() const { return wants_tls_; }
  void tls_started();
  bool in_tls() const { return in_tls_; }
  // The session is over (QUIT, too many errors): close once the reply is sent.
  bool closed() const { return closed_; }
  // Reading the mail (after 354): the shell's deadline for a data block applies.
  bool reading_data() const { return state_ == State::kData; }
  bool signed_in() const { return authenticated_; }

 private:
  enum class State { kCommand, kAuthPlain, kAuthLoginUser, kAuthLoginPassword, kData };

  std::string on_line(std::string_view line);
  std::string on_command(std::string_view line);
  std::string on_data_line(std::string_view line);
  std::string ehlo(std::string_view argument, bool extended);
  std::string auth(std::string_view argument);
  std::string auth_plain(std::string_view encoded);
  std::string finish_auth(std::string_view user, std::string_view password);
  std::string mail_from(std::string_view argument);
  std::string rcpt_to(std::string_view argument);
  std::string data(std::string_view argument);
  std::string end_of_data();
  std::string error(int code, std::string text);
  std::string refuse(SmtpRefusal why, int code, std::string text);
  void reset_transaction();

  SmtpSettings settings_;
  SmtpHost& host_;
  std::string client_address_;
  bool trusted_;
  bool in_tls_;

  State state_ = State::kCommand;
  std::string buffer_;          // bytes after the last complete line
  bool skipping_line_ = false;  // a line too long: dropped up to its LF
  bool wants_tls_ = false;
  bool closed_ = false;
  bool greeted_ = false;
  int errors_ = 0;
  int auth_failures_ = 0;
  bool authenticated_ = false;
  std::string signed_in_as_;
  std::string login_user_;  // AUTH LOGIN's user, between its two steps

  std::optional<std::string> from_;  // set by MAIL FROM
  std::vector<std::string> recipients_;
  std::string mail_;
  bool mail_too_big_ = false;
};

}  // namespace smsgate::email

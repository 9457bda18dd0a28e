// Smarthost: one mail handed to the relay that sends the gateway's mail on, with
// libcurl's SMTP client, and what its answer means for the mail.
//
// [email] smarthost is smtp://HOST[:PORT] (587 by default in the file's examples;
// STARTTLS is required, so a relay that does not offer it, or a downgrade by someone
// in between, fails the try instead of sending the mail and the login in clear) or
// smtps://HOST[:PORT] (TLS from the first byte). A relay on this machine (127.0.0.0/8,
// ::1, localhost) is trusted without TLS: STARTTLS is used when offered.
// Certificates are checked against the system's CAs, or only against those of
// Smarthost::ca_file when set (a site's own CA); the login goes only over TLS (or to
// the local relay) and is never logged.
//
// Thread safety: send_mail may be called from any thread; the others are pure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace smsgate::email {

struct Smarthost {
  std::string url;  // smtp://mail.example:587 or smtps://mail.example:465
  std::string user;
  std::string password;  // never logged
  std::string ca_file;   // PEM CA certificates; empty: the system's
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

enum class SmarthostTls {
  kImplicit,           // smtps://
  kStartTlsRequired,   // smtp:// to another machine
  kStartTlsIfOffered,  // smtp:// to this machine
};
SmarthostTls smarthost_tls(std::string_view url);

// What a try's outcome means for the mail.
enum class SendVerdict {
  kSent,
  kRetry,    // 4xx, or no answer (refused, timed out, TLS failed, cut off)
  kSetAside  // 5xx: the relay will not take it, however often it is asked
};

struct SendOutcome {
  SendVerdict verdict = SendVerdict::kRetry;
  // The relay's reply that decided: 250 when sent, its last refusal (451, 550, ...)
  // otherwise; 0 when none came.
  int reply_code = 0;
  // Empty when sent; else the relay's refusal ("550 5.1.1 no such user") or what went
  // wrong on the way ("Failed to connect to 127.0.0.1 port 25 ...").
  std::string error;
};

// The verdict on a try that ended with libcurl's `curl_code` and the relay's last
// `reply_code` (0 for none).
SendVerdict judge_reply(int curl_code, int reply_code);

// Sends `message` (RFC 5322, CRLF) from `envelope_from` to `envelope_to` (bare
// addresses). Blocks for at most the smarthost's timeout.
SendOutcome send_mail(const Smarthost& smarthost, const std::string& envelope_from,
                      const std::string& envelope_to, std::string_view message);

}  // namespace smsgate::email

// One-time passwords (DESIGN.md: POST /api/v1/otp, POST /api/v1/otp/verify): a random
// numeric code sent by SMS, then checked once.
//
// Rules: only the newest code of a recipient is valid (sending a new one supersedes the
// older ones); a code is used up by the first right answer; it expires after its TTL;
// after kMaxAttempts answers it is dead, even to the right one. Attempts are counted in
// the database, so restarting the daemon does not give an attacker new tries.
//
// The code is stored as a keyed hash only; the message that carries it is an ordinary
// message, so the messages table holds the code in its text (which is unavoidable: the
// modem needs it). What the hash does and does not protect is said in otp.cpp.
//
// The code's message goes out through an OtpSender (dispatch::Intake in the daemon),
// the road every new message takes; this file draws, hashes and checks codes.
//
// Thread safety: all methods may be called from any thread at the same time. The
// Store and the OtpSender must outlive the Otp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/thread_annotations.h"
#include "store/credentials.h"

namespace smsgate::auth {

struct OtpRequest {
  std::string to;                              // as the caller wrote it
  std::optional<std::string> template_text;    // must contain "{code}"
  std::optional<int> length;                   // digits, 4..10; default 6
  std::optional<int> ttl_seconds;              // 30..3600; default 300
  std::optional<std::string> idempotency_key;  // the same key returns the same code's message
};

struct OtpIssued {
  int64_t message_id = 0;
  std::string to;  // E.164
  int64_t expires_at = 0;
  int parts = 0;
  std::string encoding;
  // The idempotency key was known: this is the code sent then, not a new one.
  bool existing = false;
  // Set when the per-number limit refused it: nothing was sent or stored (the other
  // fields are empty but `to`), and a code to `to` would be accepted from this time.
  std::optional<int64_t> refused_until;
};

// A drawn code's message, ready to be composed and submitted with the code's hash.
struct OtpMessage {
  std::string to;  // as the caller wrote it
  std::string text;
  int64_t ttl_ms = 0;  // the code's: an undelivered code expires with its message
  std::optional<std::string> idempotency_key;
  std::string code_hash;
  store::OtpSendLimit limit;
};

// Sends a code's message (category otp) and records the code's hash in one
// transaction (store::Store::submit_otp). Errors name the field: "to: ...",
// "template: ..." (the template is the only text the caller wrote).
class OtpSender {
 public:
  virtual ~OtpSender() = default;
  virtual Result<OtpIssued> send_code(const OtpMessage& message, int64_t now) = 0;
};

enum class OtpVerdict { kValid, kWrongCode, kExpired, kTooManyAttempts, kNoCode };
// "valid", "wrong_code", "expired", "too_many_attempts", "no_code".
std::string_view otp_verdict_name(OtpVerdict verdict);

class Otp {
 public:
  static constexpr int kMinLength = 4;
  static constexpr int kMaxLength = 10;
  static constexpr int kDefaultLength = 6;
  static constexpr int kMinTtlSeconds = 30;
  static constexpr int kMaxTtlSeconds = 3600;
  static constexpr int kDefaultTtlSeconds = 300;
  static constexpr size_t kMaxTemplateLength = 300;  // characters
  static constexpr std::string_view kDefaultTemplate = "Your code is {code}";
  static constexpr std::string_view kCodePlaceholder = "{code}";
  static constexpr int kMaxAttempts = 5;
  // Per number: 5 codes an hour is more than a person logging in needs (a lost SMS,
  // a retry or two) and little for a pumping script ([otp] in the config).
  static constexpr int kDefaultMaxSendsPerNumber = 5;
  static constexpr int64_t kDefaultSendWindowMs = 3600 * 1000;

  // `default_region` ([sending] default_region) normalises the numbers verify() is
  // given (send() leaves that to the sender). `limit`: how many codes one number may
  // be sent within a sliding window.
  Otp(store::Credentials& store, OtpSender& sender, std::string default_region,
      store::OtpSendLimit limit = {kDefaultMaxSendsPerNumber, kDefaultSendWindowMs});

  // A new limit for the sends from now on (SIGHUP); the codes already sent count.
  void set_send_limit(store::OtpSendLimit limit);

  // Draws a code, sends it (category otp, its TTL the code's, so an undelivered code
  // expires with it) and stores its hash, in one transaction. Errors name the field:
  // "to: ...", "length: ...", "ttl: ...", "template: ...". Over the per-number limit
  // the answer is not an Error but an OtpIssued with refused_until set.
  Result<OtpIssued> send(const OtpRequest& request, int64_t now);
  // Checks `code` against the newest code sent to `to`. An Error only for input that
  // cannot be a code or a number ("to: ...", "code: ...") or a database failure.
  Result<OtpVerdict> verify(std::string_view to, std::string_view code, int64_t now);

 private:
  // The per-database hashing key (settings "otp_key"), created on first use.
  Result<std::string> hashing_key();
  Result<std::string> hash_code(std::string_view code);

  store::Credentials& store_;
  OtpSender& sender_;
  const std::string default_region_;
  Mutex key_mutex_;
  std::string key_ GUARDED_BY(key_mutex_);  // raw bytes; empty until loaded
  mutable Mutex limit_mutex_;
  store::OtpSendLimit limit_ GUARDED_BY(limit_mutex_);
};

}  // namespace smsgate::auth

#include "auth/otp.h"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "auth/sodium_util.h"
#include "pdu/utf.h"
#include "policy/phone.h"

namespace smsgate::auth {

namespace {

// Codes are hashed with keyed BLAKE2b under a random key kept in the settings table.
// Honestly: the key sits in the same database, and the messages table holds each code
// in its text anyway, so whoever has the whole file has the codes. The hash keeps them
// out of what leaks short of that: an export or dump of otp_codes alone, a query
// result in a log. Unkeyed, a 6-digit code's hash falls to 10^6 guesses in a moment;
// keyed, it cannot be guessed without the key.
constexpr const char* kKeySetting = "otp_key";
constexpr size_t kKeyBytes = 32;

Status validate(int length, int ttl_seconds, const std::string& template_text) {
  if (length < Otp::kMinLength || length > Otp::kMaxLength)
    return make_error("length: " + std::to_string(length) + " is outside " +
                      std::to_string(Otp::kMinLength) + ".." + std::to_string(Otp::kMaxLength) +
                      " digits");
  if (ttl_seconds < Otp::kMinTtlSeconds || ttl_seconds > Otp::kMaxTtlSeconds)
    return make_error("ttl: " + std::to_string(ttl_seconds) + " is outside " +
                      std::to_string(Otp::kMinTtlSeconds) + ".." +
                      std::to_string(Otp::kMaxTtlSeconds) + " seconds");
  auto characters = pdu::utf8_to_code_points(template_text);
  if (!characters) return make_error("template: not valid UTF-8");
  if (characters->size() > Otp::kMaxTemplateLength)
    return make_error("template: longer than " + std::to_string(Otp::kMaxTemplateLength) +
                      " characters");
  if (template_text.find(Otp::kCodePlaceholder) == std::string::npos)
    return make_error("template: must contain " + std::string(Otp::kCodePlaceholder));
  return ok_status();
}

std::string random_digits(int length) {
  std::string code;
  // randombytes_uniform has no modulo bias, so every digit is equally likely.
  for (int i = 0; i < length; ++i) code += static_cast<char>('0' + randombytes_uniform(10));
  return code;
}

std::string fill_template(const std::string& template_text, const std::string& code) {
  std::string text;
  size_t from = 0;
  for (;;) {
    size_t at = template_text.find(Otp::kCodePlaceholder, from);
    if (at == std::string::npos) break;
    text.append(template_text, from, at - from);
    text += code;
    from = at + Otp::kCodePlaceholder.size();
  }
  text.append(template_text, from);
  return text;
}

OtpVerdict verdict_of(store::OtpCheck check) {
  switch (check) {
    case store::OtpCheck::kValid:
      return OtpVerdict::kValid;
    case store::OtpCheck::kWrongCode:
      return OtpVerdict::kWrongCode;
    case store::OtpCheck::kExpired:
      return OtpVerdict::kExpired;
    case store::OtpCheck::kTooManyAttempts:
      return OtpVerdict::kTooManyAttempts;
    case store::OtpCheck::kNoCode:
      return OtpVerdict::kNoCode;
  }
  return OtpVerdict::kNoCode;
}

}  // namespace

std::string_view otp_verdict_name(OtpVerdict verdict) {
  switch (verdict) {
    case OtpVerdict::kValid:
      return "valid";
    case OtpVerdict::kWrongCode:
      return "wrong_code";
    case OtpVerdict::kExpired:
      return "expired";
    case OtpVerdict::kTooManyAttempts:
      return "too_many_attempts";
    case OtpVerdict::kNoCode:
      return "no_code";
  }
  return "no_code";
}

Otp::Otp(store::Credentials& store, OtpSender& sender, std::string default_region,
         store::OtpSendLimit limit)
    : store_(store), sender_(sender), default_region_(std::move(default_region)), limit_(limit) {
  detail::ensure_sodium();
}

void Otp::set_send_limit(store::OtpSendLimit limit) {
  MutexLock lock(limit_mutex_);
  limit_ = limit;
}

Result<OtpIssued> Otp::send(const OtpRequest& request, int64_t now) {
  int length = request.length.value_or(kDefaultLength);
  int ttl_seconds = request.ttl_seconds.value_or(kDefaultTtlSeconds);
  std::string template_text = request.template_text.value_or(std::string(kDefaultTemplate));
  if (auto s = validate(length, ttl_seconds, template_text); !s.ok()) return s.error();

  std::string code = random_digits(length);
  auto code_hash = hash_code(code);
  if (!code_hash) return code_hash.error();

  OtpMessage message;
  message.to = request.to;
  message.text = fill_template(template_text, code);
  // The message lives as long as its code: a code that could not be sent in time is
  // not worth sending late.
  message.ttl_ms = int64_t{ttl_seconds} * 1000;
  message.idempotency_key = request.idempotency_key;
  message.code_hash = std::move(*code_hash);
  {
    MutexLock lock(limit_mutex_);
    message.limit = limit_;
  }
  return sender_.send_code(message, now);
}

Result<OtpVerdict> Otp::verify(std::string_view to, std::string_view code, int64_t now) {
  auto recipient = policy::normalize_number(to, default_region_);
  if (!recipient) return make_error("to: " + recipient.error().message);
  if (code.empty()) return make_error("code: empty");
  if (code.size() > static_cast<size_t>(kMaxLength) ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return make_error("code: must be up to " + std::to_string(kMaxLength) + " digits");
  auto answer_hash = hash_code(code);
  if (!answer_hash) return answer_hash.error();
  auto check = store_.check_otp(*recipient, kMaxAttempts, now, [&](std::string_view stored) {
    return stored.size() == answer_hash->size() &&
           sodium_memcmp(stored.data(), answer_hash->data(), stored.size()) == 0;
  });
  if (!check) return check.error();
  return verdict_of(*check);
}

Result<std::string> Otp::hashing_key() {
  MutexLock lock(key_mutex_);
  if (!key_.empty()) return key_;
  unsigned char fresh[kKeyBytes];
  randombytes_buf(fresh, sizeof fresh);
  // Another process (or an earlier run) may have made it first: its key wins.
  auto stored = store_.get_or_put_setting(kKeySetting, detail::to_hex(fresh, sizeof fresh));
  sodium_memzero(fresh, sizeof fresh);
  if (!stored) return stored.error();
  std::string key(kKeyBytes, '\0');
  size_t decoded = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), stored->data(),
                     stored->size(), nullptr, &decoded, nullptr) != 0 ||
      decoded != kKeyBytes)
    return make_error("settings: otp_key is not " + std::to_string(kKeyBytes) + " bytes of hex");
  key_ = key;
  return key_;
}

Result<std::string> Otp::hash_code(std::string_view code) {
  auto key = hashing_key();
  if (!key) return key.error();
  return detail::blake2b_hex(code, *key);
}

}  // namespace smsgate::auth

// The stable, machine-readable codes of errors that reach an API client
// (DESIGN.md: `{"error": {"code": "invalid_number", ...}}`). A code says what kind of
// thing went wrong; the HTTP layer maps it to a status (src/http/api.h), so no rule
// compares error strings.
//
// Thread safety: pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace smsgate {

enum class ErrorCode : uint8_t {
  kNone,  // not said: the HTTP layer derives one from the field, else invalid_request
  kInvalidRequest,
  kInvalidJson,
  kInvalidField,
  kMissingField,
  kUnknownField,
  kInvalidNumber,
  kInvalidText,
  kInvalidCursor,
  kInvalidName,
  kUnknownModem,
  kRecipientOptedOut,
  kNotCancellable,
  kNotRetryable,
  kNameTaken,    // a user's name already in use
  kNumberTaken,  // another contact has that number
  kLastAdmin,    // the change would leave the console without an admin
  // Only failed, expired or cancelled messages, never one-time passwords, are sent again.
  kNotResendable,
  kNotFound,
  kMethodNotAllowed,
  kBodyTooLarge,
  kRequestTimeout,  // the body did not arrive within its deadline
  kUnsupportedMediaType,
  kUnauthorized,
  kForbidden,  // a valid key without the route's scope
  kWrongPassword,
  kRateLimited,
  kStorage,  // the database failed: an internal error to the client
  // The disk cannot take a write now (full, I/O error, read-only): 503, try again later
  kStorageUnavailable,
  // Every slot for a long-lived answer (an event stream) is taken: 503, try again later
  kTooManyStreams,
  // The modem cannot take the request now (starting, resetting, offline): 409
  kModemNotReady,
  // The modem is already busy with a request of that kind (a USSD session): 409
  kModemBusy,
  // The network refused or ended a USSD request, or the modem refused to ask it: 502
  kUssdFailed,
  // No USSD answer came in time: 504
  kUssdTimeout,
  kInternal,
};

// "invalid_number", ...; "" for kNone.
constexpr std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNone:
      return "";
    case ErrorCode::kInvalidRequest:
      return "invalid_request";
    case ErrorCode::kInvalidJson:
      return "invalid_json";
    case ErrorCode::kInvalidField:
      return "invalid_field";
    case ErrorCode::kMissingField:
      return "missing_field";
    case ErrorCode::kUnknownField:
      return "unknown_field";
    case ErrorCode::kInvalidNumber:
      return "invalid_number";
    case ErrorCode::kInvalidText:
      return "invalid_text";
    case ErrorCode::kInvalidCursor:
      return "invalid_cursor";
    case ErrorCode::kInvalidName:
      return "invalid_name";
    case ErrorCode::kUnknownModem:
      return "unknown_modem";
    case ErrorCode::kRecipientOptedOut:
      return "recipient_opted_out";
    case ErrorCode::kNotCancellable:
      return "not_cancellable";
    case ErrorCode::kNotRetryable:
      return "not_retryable";
    case ErrorCode::kNameTaken:
      return "name_taken";
    case ErrorCode::kNumberTaken:
      return "number_taken";
    case ErrorCode::kLastAdmin:
      return "last_admin";
    case ErrorCode::kNotResendable:
      return "not_resendable";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::kBodyTooLarge:
      return "body_too_large";
    case ErrorCode::kRequestTimeout:
      return "request_timeout";
    case ErrorCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kWrongPassword:
      return "wrong_password";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kStorage:
      return "storage";
    case ErrorCode::kStorageUnavailable:
      return "storage_unavailable";
    case ErrorCode::kTooManyStreams:
      return "too_many_streams";
    case ErrorCode::kModemNotReady:
      return "modem_not_ready";
    case ErrorCode::kModemBusy:
      return "modem_busy";
    case ErrorCode::kUssdFailed:
      return "ussd_failed";
    case ErrorCode::kUssdTimeout:
      return "ussd_timeout";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "";
}

}  // namespace smsgate

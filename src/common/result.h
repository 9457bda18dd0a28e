// Result<T>: a value or an Error, for code that must not throw on bad input
// (parsers, the AT channel, the store). Errors carry one human-readable line that
// says what is wrong and where.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "common/error_code.h"

namespace smsgate {

struct Error {
  std::string message;
  // For errors that reach an API client: a stable machine-readable code
  // (common/error_code.h) and the request field at fault; none when not known.
  ErrorCode code = ErrorCode::kNone;
  std::string field = {};
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

// Status: success with no value, or an Error.
struct Unit {
  friend bool operator==(Unit, Unit) = default;
};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace smsgate

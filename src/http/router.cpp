#include "http/router.h"

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace smsgate::http {

namespace {

std::vector<std::string> split_path(std::string_view path) { return split_nonempty(path, '/'); }

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view lower_case_name) const {
  auto found = headers.find(lower_case_name);
  if (found == headers.end()) return std::nullopt;
  return std::string_view(found->second);
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kRecipientOptedOut:
    case ErrorCode::kNotCancellable:
    case ErrorCode::kNotRetryable:
    case ErrorCode::kNameTaken:
    case ErrorCode::kNumberTaken:
    case ErrorCode::kLastAdmin:
    case ErrorCode::kNotResendable:
    case ErrorCode::kModemNotReady:
    case ErrorCode::kModemBusy:
      return 409;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kRequestTimeout:
      return 408;
    case ErrorCode::kBodyTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kUnauthorized:
    case ErrorCode::kWrongPassword:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kStorage:
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kStorageUnavailable:
    case ErrorCode::kTooManyStreams:
      return 503;
    case ErrorCode::kUssdFailed:
      return 502;
    case ErrorCode::kUssdTimeout:
      return 504;
    case ErrorCode::kNone:
    case ErrorCode::kInvalidRequest:
    case ErrorCode::kInvalidJson:
    case ErrorCode::kInvalidField:
    case ErrorCode::kMissingField:
    case ErrorCode::kUnknownField:
    case ErrorCode::kInvalidNumber:
    case ErrorCode::kInvalidText:
    case ErrorCode::kInvalidCursor:
    case ErrorCode::kInvalidName:
    case ErrorCode::kUnknownModem:
      return 400;
  }
  return 400;
}

Response error_response(ErrorCode code, std::string_view message, std::string_view field) {
  nlohmann::json error = {{"code", error_code_name(code)}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  return Response{
      http_status(code), "application/json", nlohmann::json{{"error", error}}.dump(), {}};
}

std::string Access::describe() const {
  switch (kind) {
    case Kind::kPublic:
      return "public";
    case Kind::kAdminSession:
      return "admin session";
    case Kind::kSession:
      return "any session";
    case Kind::kApiKey:
      break;
  }
  if (!scope) return "any API key";
  return "API key with scope " + std::string(auth::scope_name(*scope));
}

void Router::add(std::string method, std::string pattern, Access access, Handler handler) {
  std::vector<std::string> segments = split_path(pattern);
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(segments), access,
                          std::move(handler)});
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  std::vector<std::string> segments = split_path(path);
  Match result;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      if (is_param(route.segments[i])) {
        params.push_back(segments[i]);
      } else {
        matches = route.segments[i] == segments[i];
      }
    }
    if (!matches) continue;
    if (route.method == method) {
      result.handler = &route.handler;
      result.pattern = route.pattern;
      result.access = route.access;
      result.params = std::move(params);
      result.allowed.clear();
      return result;
    }
    result.pattern = route.pattern;
    result.allowed.push_back(route.method);
  }
  return result;
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 &&
               hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string, std::less<>> parse_query(std::string_view query) {
  std::map<std::string, std::string, std::less<>> values;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      size_t equals = pair.find('=');
      std::string name = url_decode(pair.substr(0, equals));
      std::string value =
          equals == std::string_view::npos ? std::string() : url_decode(pair.substr(equals + 1));
      values[std::move(name)] = std::move(value);
    }
    start = amp + 1;
  }
  return values;
}

}  // namespace smsgate::http

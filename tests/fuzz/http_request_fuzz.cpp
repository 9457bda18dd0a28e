// Whatever a client sends, the request readers answer with a value or an error naming
// what is wrong: never a crash, an out-of-range read (ASan) or undefined behaviour
// (UBSan). The input is used as a submission body (then composed into PDUs when it
// reads as one), as a query string, as a path for the router and as a time.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dispatch/compose.h"
#include "http/json_input.h"
#include "http/message_request.h"
#include "http/router.h"
#include "store/event_json.h"

namespace {

using namespace smsgate;

template <class T>
void require_explained(const Result<T>& result) {
  if (!result.ok() && result.error().message.empty()) __builtin_trap();
}

const http::Router& router() {
  static const http::Router instance = [] {
    http::Router r;
    auto ok = [](const http::Request&) { return http::Response{}; };
    r.add("GET", "/api/v1/messages", http::Access::api_key(auth::Scope::kRead), ok);
    r.add("GET", "/api/v1/messages/{id}", http::Access::api_key(auth::Scope::kRead), ok);
    r.add("POST", "/api/v1/modems/{id}/reset", http::Access::api_key(auth::Scope::kModems), ok);
    return r;
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto body = http::parse_object(input);
  require_explained(body);
  if (body.ok()) {
    auto request = http::read_message_request(*body, "messages[0].");
    require_explained(request);
    if (request.ok()) {
      dispatch::ComposeDefaults defaults;
      defaults.default_region = "DE";
      require_explained(dispatch::compose_message(*request, 1795428900000, 7, defaults));
    }
  }
  auto query = http::parse_query(input);
  for (const auto& [name, value] : query) {
    require_explained(http::query_integer(std::string_view(value), name, 1, 1000));
    require_explained(http::query_time(std::string_view(value), name));
  }
  auto match = router().match("GET", input);
  if (match.handler && match.params.empty() && match.pattern != "/api/v1/messages")
    __builtin_trap();
  if (auto time = http::parse_iso8601(input)) {
    if (http::parse_iso8601(store::iso8601_utc(*time)) != *time) __builtin_trap();
  }
  return 0;
}

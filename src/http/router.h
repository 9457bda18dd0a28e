// Requests, responses and the router: "METHOD /path/{param}/..." patterns matched
// against a request's method and path. Pure; no I/O (the server is server.h).
//
// Thread safety: a Router is built once, then only read (match) from many threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/scopes.h"
#include "common/error_code.h"

namespace smsgate::http {

struct Request {
  std::string method;
  std::string path;                                       // decoded, without the query
  std::map<std::string, std::string, std::less<>> query;  // decoded; a repeated name keeps the last
  std::map<std::string, std::string, std::less<>> headers;  // names lower-cased
  std::vector<std::string> params;  // the {param} parts of the route, in order
  std::string body;
  std::string remote_address;
  bool over_tls = false;

  std::optional<std::string_view> header(std::string_view lower_case_name) const;
};

// Where a streamed response's body goes (Response::stream), given by the server.
// Belongs to the one server thread that runs the stream.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Sends `bytes` at once; false when they could not be sent (the client went away,
  // or did not take them in time): the stream is over.
  virtual bool write(std::string_view bytes) = 0;
  // Whether the client has closed its end of the connection.
  virtual bool client_gone() = 0;
  // Requested when the server stops: a stream that waits, waits with it, and returns.
  virtual std::stop_token stopping() const = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is not `body` but what this writes, for as long as it runs
  // (text/event-stream): the server sends the status and headers without a length,
  // runs it on the request's thread, and closes the connection when it returns.
  std::function<void(BodyWriter&)> stream = {};
};

using Handler = std::function<Response(const Request&)>;

// The HTTP status of an error of `code`: 400 for bad input, 409 for a conflict with
// what is stored, 500 for the daemon's own failures, and so on.
int http_status(ErrorCode code);

// One JSON error body: {"error": {"code", "message", "field"?}}, with the code's status.
Response error_response(ErrorCode code, std::string_view message, std::string_view field = {});

// Who may call a route: anyone, the admin page's session only, or an API key with the
// scope the route needs (which the console's session also opens, as far as the
// person's role allows: auth/roles.h). The router keeps it beside the route for those
// who read the table (the server, the authorization tests); the route's handler
// enforces it (http/api.h add_routes).
struct Access {
  // kAdminSession: a console session of the role admin; kSession: anyone's.
  enum class Kind : uint8_t { kPublic, kAdminSession, kApiKey, kSession };
  Kind kind = Kind::kApiKey;
  std::optional<auth::Scope> scope;  // kApiKey: the scope it needs; none: any live key

  static Access anyone() { return {Kind::kPublic, std::nullopt}; }
  static Access admin_session() { return {Kind::kAdminSession, std::nullopt}; }
  static Access session() { return {Kind::kSession, std::nullopt}; }
  static Access api_key(std::optional<auth::Scope> scope) { return {Kind::kApiKey, scope}; }
  // "public", "admin session", "any session", "API key with scope send", "any API key".
  std::string describe() const;
  friend bool operator==(const Access&, const Access&) = default;
};

class Router {
 public:
  // `pattern`: "/api/v1/messages/{id}"; a {param} matches one non-empty segment.
  void add(std::string method, std::string pattern, Access access, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: no route (see allowed)
    std::string pattern;               // the route's pattern, for metrics
    Access access;                     // the matched route's (meaningful with a handler)
    std::vector<std::string> params;
    std::vector<std::string> allowed;  // methods the path has, when the method had none
  };
  Match match(std::string_view method, std::string_view path) const;

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Access access;
    Handler handler;
  };
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Decodes %XX and '+' (form encoding) in a query component.
std::string url_decode(std::string_view text);
std::map<std::string, std::string, std::less<>> parse_query(std::string_view query);

}  // namespace smsgate::http

// The HTTP server: CivetWeb underneath, a small router on top. Handlers see a parsed
// Request and give back a Response; nothing of CivetWeb leaks past server.cpp.
//
// Routes are "METHOD /path/{param}/..." patterns. A path that matches no route is 404,
// a path that matches with another method is 405 (with Allow), a body over the limit
// is 413, all as JSON errors, before any handler runs.
//
// Thread safety: CivetWeb runs handlers on its worker threads, many at once; handlers
// must be thread-safe. The routes are fixed before start().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

struct mg_connection;  // CivetWeb's, kept out of this header
struct mg_context;

namespace smsgate::http {

struct Request {
  std::string method;
  std::string path;  // decoded, without the query
  std::map<std::string, std::string, std::less<>> query;  // decoded; a repeated name keeps the last
  std::map<std::string, std::string, std::less<>> headers;  // names lower-cased
  std::vector<std::string> params;  // the {param} parts of the route, in order
  std::string body;
  std::string remote_address;

  std::optional<std::string_view> header(std::string_view lower_case_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Response(const Request&)>;

// One JSON error body: {"error": {"code", "message", "field"?}}.
Response error_response(int status, std::string_view code, std::string_view message,
                        std::string_view field = {});

class Router {
 public:
  // `pattern`: "/api/v1/messages/{id}"; a {param} matches one non-empty segment.
  void add(std::string method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: no route (see allowed)
    std::string pattern;               // the route's pattern, for metrics
    std::vector<std::string> params;
    std::vector<std::string> allowed;  // methods the path has, when the method had none
  };
  Match match(std::string_view method, std::string_view path) const;

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // ADDRESS:PORT; port 0 picks a free one
  std::string tls_certificate;            // PEM; with tls_key, HTTPS
  std::string tls_key;
  int threads = 64;                        // requests served at once
  size_t max_body_bytes = 1 << 20;         // larger bodies: 413
  int request_timeout_ms = 30000;
};

// Told about every request once it has been answered (metrics, access log).
using RequestObserver = std::function<void(const Request&, std::string_view route_pattern,
                                           int status, std::chrono::nanoseconds elapsed)>;

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerOptions options, Router router,
                                               RequestObserver observer = {});
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port actually listened on (the one chosen when the options said 0).
  int port() const { return port_; }
  bool tls() const { return tls_; }
  // Waits for the requests being served, then closes the listening socket.
  void stop();

 private:
  Server() = default;
  static int handle(mg_connection* connection, void* self);
  void serve(mg_connection* connection);

  ServerOptions options_;
  Router router_;
  RequestObserver observer_;
  mg_context* context_ = nullptr;
  int port_ = 0;
  bool tls_ = false;
};

// Whether CivetWeb could load OpenSSL here, so that tls_certificate can be served.
bool tls_available();

// CivetWeb's "listening_ports" value for an ADDRESS:PORT ("127.0.0.1:8080s" for TLS).
Result<std::string> listening_ports_option(std::string_view listen, bool tls);

// Decodes %XX and '+' (form encoding) in a query component.
std::string url_decode(std::string_view text);
std::map<std::string, std::string, std::less<>> parse_query(std::string_view query);

}  // namespace smsgate::http

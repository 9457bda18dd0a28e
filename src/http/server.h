// The HTTP server: CivetWeb underneath, the router (router.h) on top. Handlers see a
// parsed Request and give back a Response; nothing of CivetWeb leaks past server.cpp.
//
// A path that matches no route is 404, a path that matches with another method is 405
// (with Allow), a body over the limit is 413, all as JSON errors, before any handler
// runs.
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
#include "http/router.h"

struct mg_connection;  // CivetWeb's, kept out of this header
struct mg_context;

namespace smsgate::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // ADDRESS:PORT; port 0 picks a free one
  std::string tls_certificate;            // PEM; with tls_key, HTTPS
  std::string tls_key;
  int threads = 64;                 // requests served at once
  size_t max_body_bytes = 1 << 20;  // larger bodies: 413
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

}  // namespace smsgate::http

// The HTTP server: CivetWeb underneath, the router (router.h) on top. Handlers see a
// parsed Request and give back a Response; nothing of CivetWeb leaks past server.cpp.
//
// A path that matches no route is 404, a path that matches with another method is 405
// (with Allow), a body over the limit is 413, all as JSON errors, before any handler
// runs.
//
// Slow and hostile clients (DESIGN.md, guarantees) are held to deadlines and caps
// before any handler runs:
// - A request's line and headers must arrive within header_timeout of the connection's
//   start (or of the previous answer on a kept-alive connection), its whole body within
//   body_timeout of its headers; past either the connection is closed, a late body
//   first answered 408 request_timeout (its socket is shut for reading only, so the
//   answer can still go out). A body's wait is ended at its deadline
//   (socket_deadlines.h), not after it, however the bytes trickle in.
// - The route's access (router.h Access) is checked by the Authorizer before the body
//   is read: a request that may not call the route is answered (401, 403) without
//   reading its body, and its connection is closed.
// - Each client address may have max_connections_per_client connections open; one
//   more is closed, unanswered, as soon as its first request's headers are in (CivetWeb
//   names no client before), so it holds a thread no longer than they take
//   (client_connections.h).
//
// A streamed response (router.h Response::stream, the event stream) holds its CivetWeb
// thread until it returns: when the client goes away (BodyWriter::client_gone, a failed
// write) or the server stops (stop() requests BodyWriter::stopping before it waits for
// the handlers). Its route caps how many run at once.
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
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "http/client_connections.h"
#include "http/router.h"
#include "http/socket_deadlines.h"

struct mg_connection;  // CivetWeb's, kept out of this header
struct mg_context;
struct mg_request_info;

namespace smsgate::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // ADDRESS:PORT; port 0 picks a free one
  std::string tls_certificate;            // PEM; with tls_key, HTTPS
  std::string tls_key;
  int threads = 64;                 // requests served at once
  size_t max_body_bytes = 1 << 20;  // larger bodies: 413
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  int max_connections_per_client = 16;
};

// Whether a request, seen by its line and headers only, may call the route it
// matched: none to go on (the body is read, then the handler runs), or the answer to
// give instead, without reading the body. The route's handler checks again; this only
// spares a thread the wait for a body that would be refused.
using Authorizer = std::function<std::optional<Response>(const Request&, const Access&)>;

// Told about every request once it has been answered (metrics, access log).
using RequestObserver = std::function<void(const Request&, std::string_view route_pattern,
                                           int status, std::chrono::nanoseconds elapsed)>;

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerOptions options, Router router,
                                               RequestObserver observer = {},
                                               Authorizer authorizer = {});
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port actually listened on (the one chosen when the options said 0).
  int port() const { return port_; }
  bool tls() const { return tls_; }
  // The routes served, with who may call each (read-only; fixed once started).
  const Router& router() const { return router_; }
  // Ends the streams, waits for the requests being served, then closes the listening
  // socket.
  void stop();

 private:
  struct Connection;  // what the server keeps for each connection

  explicit Server(ServerOptions options);
  static int handle(mg_connection* connection, void* self);
  static int connection_opened(const mg_connection* connection, void** data);
  static void connection_closing(const mg_connection* connection);
  // Counts the connection against its client's cap at its first request: false when
  // over it (the connection is then closed unanswered).
  bool admit(Connection& state, const mg_request_info& info);
  void serve(mg_connection* connection);
  // What serve() does with a request: the response, whether it is sent (a client
  // past its deadline is not answered), and whether the connection closes after it
  // (a body left unread).
  struct Answer {
    Response response;
    bool send = true;
    bool close = false;
  };
  Answer answer(mg_connection* connection, const Connection* state, Request& request,
                Router::Match& match, MonotonicClock::time_point body_deadline);

  ServerOptions options_;
  Router router_;
  RequestObserver observer_;
  Authorizer authorizer_;
  ClientConnections clients_;
  SocketDeadlines deadlines_;
  // Requested by stop(), so that streams end before CivetWeb waits for its threads.
  std::stop_source stopping_;
  mg_context* context_ = nullptr;
  int port_ = 0;
  bool tls_ = false;
};

// Whether CivetWeb could load OpenSSL here, so that tls_certificate can be served.
bool tls_available();

// Whether the certificate and key files would serve: both readable PEM, the key the
// certificate's. The error names the key and the file, as start() would refuse them.
Status check_tls_files(const std::string& certificate_path, const std::string& key_path);

// CivetWeb's "listening_ports" value for an ADDRESS:PORT ("127.0.0.1:8080s" for TLS).
Result<std::string> listening_ports_option(std::string_view listen, bool tls);

}  // namespace smsgate::http

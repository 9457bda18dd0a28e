#include "http/server.h"

#include <civetweb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/strings.h"
#include "common/throttle.h"

namespace smsgate::http {

namespace {

// The status and headers of a streamed response: no length, the connection closes
// when the stream ends.
void send_stream_head(mg_connection* connection, const Response& response) {
  mg_response_header_start(connection, response.status);
  mg_response_header_add(connection, "Content-Type", response.content_type.c_str(), -1);
  mg_response_header_add(connection, "Cache-Control", "no-store", -1);
  for (const auto& [name, value] : response.headers) {
    mg_response_header_add(connection, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(connection);
}

void send(mg_connection* connection, const Response& response) {
  // Through CivetWeb's header API, so that it knows the status and keeps the
  // connection alive (or closes it) correctly.
  mg_response_header_start(connection, response.status);
  if (response.status != 204) {
    mg_response_header_add(connection, "Content-Type", response.content_type.c_str(), -1);
  }
  std::string length = std::to_string(response.body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  mg_response_header_add(connection, "Cache-Control", "no-store", -1);
  for (const auto& [name, value] : response.headers) {
    mg_response_header_add(connection, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(connection);
  if (!response.body.empty()) mg_write(connection, response.body.data(), response.body.size());
}

// "30 s", or "1500 ms" when not whole seconds.
std::string spoken_duration(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

enum class BodyRead : uint8_t { kComplete, kTooLarge, kLate, kBroken };

// Reads the body, up to `limit` bytes, until `deadline`. Each mg_read waits at most
// CivetWeb's request_timeout_ms for data, and the connection's socket is shut for
// reading at the deadline (SocketDeadlines), which ends a wait at once; so a client
// that drips its body is cut off at the deadline, however often it sends a byte.
BodyRead read_body(mg_connection* connection, long long content_length, size_t limit,
                   MonotonicClock::time_point deadline, std::string& body) {
  if (content_length > static_cast<long long>(limit)) return BodyRead::kTooLarge;
  if (content_length > 0) body.reserve(static_cast<size_t>(content_length));
  char buffer[16384];
  // Without a length (chunked), CivetWeb says 0 at the end of the last chunk.
  while (content_length < 0 || body.size() < static_cast<size_t>(content_length)) {
    if (MonotonicClock::now() >= deadline) return BodyRead::kLate;
    size_t wanted = sizeof buffer;
    if (content_length >= 0)
      wanted = std::min(wanted, static_cast<size_t>(content_length) - body.size());
    int got = mg_read(connection, buffer, wanted);
    if (got > 0) {
      body.append(buffer, static_cast<size_t>(got));
      if (body.size() > limit) return BodyRead::kTooLarge;
      continue;
    }
    if (MonotonicClock::now() >= deadline) return BodyRead::kLate;
    if (got < 0) return BodyRead::kBroken;
    // 0 with a length to go: CivetWeb's wait for data ran out; the deadline decides.
    if (content_length < 0) break;
  }
  return BodyRead::kComplete;
}

// What a client still sends of a body refused as too large, read and dropped while it
// keeps coming (at most `cap` bytes, until `deadline`): closing on unread data resets
// the connection, and the client would lose the 413 it was answered.
void discard_arriving(mg_connection* connection, int socket, size_t cap,
                      MonotonicClock::time_point deadline) {
  constexpr int kQuietMs = 200;  // nothing for this long: the client has stopped
  char buffer[16384];
  size_t dropped = 0;
  while (dropped < cap && MonotonicClock::now() < deadline) {
    pollfd waiting{socket, POLLIN, 0};
    if (::poll(&waiting, 1, kQuietMs) <= 0) return;
    int got = mg_read(connection, buffer, sizeof buffer);
    if (got <= 0) return;
    dropped += static_cast<size_t>(got);
  }
}

// Whether the client sends a body after its headers (a length, or chunks).
bool sends_body(mg_connection* connection, const mg_request_info* info) {
  if (info->content_length > 0) return true;
  const char* encoding = mg_get_header(connection, "Transfer-Encoding");
  return encoding != nullptr && strcasecmp(encoding, "identity") != 0;
}

Result<std::string> read_file(const std::string& key, const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return make_error(key + ": " + path + ": cannot be read");
  std::string text;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
  std::fclose(file);
  return text;
}

std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  return reason ? reason : "unreadable";
}

// The certificate and its key as the one PEM text CivetWeb reads, checked first so
// that a wrong file is named; CivetWeb itself only says "Error initializing SSL context".
Result<std::string> tls_pem(const std::string& certificate_path, const std::string& key_path) {
  if (key_path.empty()) return make_error("tls_key: needed with tls_certificate");
  auto certificate_text = read_file("tls_certificate", certificate_path);
  if (!certificate_text) return certificate_text.error();
  auto key_text = read_file("tls_key", key_path);
  if (!key_text) return key_text.error();

  using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
  Bio certificate_bio(
      BIO_new_mem_buf(certificate_text->data(), static_cast<int>(certificate_text->size())),
      &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      PEM_read_bio_X509(certificate_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!certificate)
    return make_error("tls_certificate: " + certificate_path + ": not a PEM certificate (" +
                      openssl_reason() + ")");
  Bio key_bio(BIO_new_mem_buf(key_text->data(), static_cast<int>(key_text->size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key)
    return make_error("tls_key: " + key_path + ": not an unencrypted PEM private key (" +
                      openssl_reason() + ")");
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    return make_error("tls_key: " + key_path + " is not the key of the certificate in " +
                      certificate_path);
  }
  std::string pem = std::move(*certificate_text);
  if (!pem.empty() && pem.back() != '\n') pem += '\n';
  return pem + *key_text;
}

// A streamed response's writer (router.h BodyWriter) on one connection.
class ConnectionWriter final : public BodyWriter {
 public:
  ConnectionWriter(mg_connection* connection, int socket, SocketDeadlines& deadlines,
                   std::chrono::milliseconds write_timeout, std::stop_token stopping)
      : connection_(connection),
        socket_(socket),
        deadlines_(deadlines),
        write_timeout_(write_timeout),
        stopping_(std::move(stopping)) {}

  bool write(std::string_view bytes) override {
    if (broken_) return false;
    // A client that stops reading gets no longer for each write than it had for a
    // body; between writes there is no deadline (client_gone watches instead).
    deadlines_.set(socket_, MonotonicClock::now() + write_timeout_, SocketDeadlines::Shut::kBoth);
    int sent = mg_write(connection_, bytes.data(), bytes.size());
    deadlines_.clear(socket_);
    broken_ = sent != static_cast<int>(bytes.size());
    return !broken_;
  }

  bool client_gone() override {
    if (broken_) return true;
    if (socket_ < 0) return false;  // the next write will tell
    // The peer's FIN shows as POLLRDHUP, over TLS as well; what it sends is not read.
    pollfd watched{socket_, POLLRDHUP, 0};
    return ::poll(&watched, 1, 0) > 0 && (watched.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  std::stop_token stopping() const override { return stopping_; }

 private:
  mg_connection* connection_;
  int socket_;
  SocketDeadlines& deadlines_;
  std::chrono::milliseconds write_timeout_;
  std::stop_token stopping_;
  bool broken_ = false;
};

}  // namespace

bool tls_available() {
  // Once per process, before any server starts (CivetWeb wants it so); the plain
  // HTTP server works whether or not OpenSSL could be loaded.
  static const unsigned initialized = mg_init_library(MG_FEATURES_TLS);
  return (initialized & MG_FEATURES_TLS) != 0;
}

Status check_tls_files(const std::string& certificate_path, const std::string& key_path) {
  auto pem = tls_pem(certificate_path, key_path);
  if (!pem) return pem.error();
  return ok_status();
}

Result<std::string> listening_ports_option(std::string_view listen, bool tls) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == listen.size())
    return make_error("listen: \"" + std::string(listen) + "\" is not ADDRESS:PORT");
  std::string_view address = listen.substr(0, colon);
  std::string_view port = listen.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      port.size() > 5 || std::stoi(std::string(port)) > 65535)
    return make_error("listen: bad port \"" + std::string(port) + "\"");
  if (address.front() == '[') {
    // This CivetWeb may be built without IPv6; say so rather than fail obscurely.
    if (mg_check_feature(8) == 0)
      return make_error("listen: IPv6 (\"" + std::string(listen) +
                        "\") is not supported by this build of CivetWeb; use an IPv4 address");
  }
  return std::string(address) + ":" + std::string(port) + (tls ? "s" : "");
}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Router router,
                                              RequestObserver observer, Authorizer authorizer) {
  bool tls = !options.tls_certificate.empty();
  if (tls && !tls_available())
    return make_error(
        "tls_certificate: TLS is not available: CivetWeb could not load OpenSSL (is "
        "smsgated's lib/smsgate directory, with its libssl.so for CivetWeb, in place?)");
  auto ports = listening_ports_option(options.listen, tls);
  if (!ports) return ports.error();

  (void)tls_available();  // initialises CivetWeb
  std::unique_ptr<Server> server(new Server(std::move(options)));
  server->router_ = std::move(router);
  server->observer_ = std::move(observer);
  server->authorizer_ = std::move(authorizer);
  server->tls_ = tls;

  std::string threads = std::to_string(std::max(1, server->options_.threads));
  // CivetWeb's own bound on each wait for data, and on the first request's headers;
  // the other deadlines are kept to the millisecond by deadlines_.
  // CivetWeb checks a request's headers against it after each wait for data, so they
  // may take up to twice as long: half the deadline keeps them within it.
  std::string timeout =
      std::to_string(std::max<int64_t>(1, server->options_.header_timeout.count() / 2));
  std::vector<const char*> civet_options = {
      "listening_ports", ports->c_str(), "num_threads", threads.c_str(), "request_timeout_ms",
      timeout.c_str(), "enable_keep_alive", "yes",
      // Headers and body leave as two writes; without this the body waits for the
      // client's delayed ACK of the headers, about 40 ms per answer.
      "tcp_nodelay", "1",
      // A keep-alive connection holds a thread; let idle clients go.
      "keep_alive_timeout_ms", "5000"};
  // CivetWeb reads the certificate and the key from one PEM file; ours come as two,
  // so they are joined in an anonymous memory file that never touches the disk.
  int pem_fd = -1;
  std::string pem_path;
  if (tls) {
    auto pem = tls_pem(server->options_.tls_certificate, server->options_.tls_key);
    if (!pem) return pem.error();
    pem_fd = memfd_create("smsgate-tls", MFD_CLOEXEC);
    if (pem_fd < 0 ||
        write(pem_fd, pem->data(), pem->size()) != static_cast<ssize_t>(pem->size())) {
      if (pem_fd >= 0) close(pem_fd);
      return make_error("cannot prepare the TLS certificate");
    }
    pem_path = "/proc/self/fd/" + std::to_string(pem_fd);
    civet_options.insert(civet_options.end(),
                         {"ssl_certificate", pem_path.c_str(), "ssl_protocol_version", "4"});
  }
  civet_options.push_back(nullptr);

  mg_callbacks callbacks{};
  // CivetWeb reports its own errors here: while starting, on this thread (a port in
  // use, a bad certificate), kept for the answer; later, on its own threads (a
  // client's failed TLS handshake), only logged.
  static thread_local std::string* start_error = nullptr;
  std::string error_while_starting;
  start_error = &error_while_starting;
  callbacks.log_message = [](const mg_connection*, const char* message) {
    if (start_error) {
      *start_error = message;
    } else {
      spdlog::debug("http: {}", message);
    }
    return 1;
  };
  callbacks.init_connection = &Server::connection_opened;
  callbacks.connection_close = &Server::connection_closing;
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = civet_options.data();
  mg_error_data error{};
  char error_text[256] = {0};
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;
  server->context_ = mg_start2(&init, &error);
  start_error = nullptr;
  if (pem_fd >= 0) close(pem_fd);
  if (!server->context_) {
    std::string why = error_text[0] ? error_text : error_while_starting;
    return make_error("cannot listen on " + server->options_.listen + ": " +
                      (why.empty() ? "unknown error" : why));
  }
  mg_set_request_handler(server->context_, "/", &Server::handle, server.get());
  mg_server_port listening[4];
  int count = mg_get_server_ports(server->context_, 4, listening);
  server->port_ = count > 0 ? listening[0].port : 0;
  return server;
}

// What the server keeps for each connection, from CivetWeb's worker picking it up
// until it closes.
struct Server::Connection {
  bool counted = false;  // admit() has seen it
  std::string client;    // the remote address
  int socket = -1;       // -1 when it could not be found: CivetWeb's timeouts alone then
  bool admitted = false;
};

Server::Server(ServerOptions options)
    : options_(std::move(options)), clients_(options_.max_connections_per_client) {}

Server::~Server() { stop(); }

void Server::stop() {
  // Streams first: mg_stop waits for every handler to return.
  stopping_.request_stop();
  if (context_) mg_stop(context_);
  context_ = nullptr;
}

int Server::handle(mg_connection* connection, void* self) {
  static_cast<Server*>(self)->serve(connection);
  return 1;
}

int Server::connection_opened(const mg_connection*, void** data) {
  // CivetWeb tells nothing of the client yet (not even its address): the connection
  // is counted at its first request (admit).
  *data = new Connection();
  return 0;
}

bool Server::admit(Connection& state, const mg_request_info& info) {
  if (state.counted) return state.admitted;
  state.counted = true;
  state.client = info.remote_addr;
  state.socket = find_connection_socket(state.client, info.remote_port, info.server_port);
  state.admitted = clients_.admit(state.client);
  if (!state.admitted) {
    static Throttle log_throttle(std::chrono::seconds(10));
    if (log_throttle.allow())
      spdlog::warn(
          "http: {} has {} connections open already; refusing more ([http] "
          "max_connections_per_client)",
          state.client, options_.max_connections_per_client);
  }
  return state.admitted;
}

void Server::connection_closing(const mg_connection* connection) {
  std::unique_ptr<Connection> state(
      static_cast<Connection*>(mg_get_user_connection_data(connection)));
  if (!state) return;
  auto* server = static_cast<Server*>(mg_get_user_data(mg_get_context(connection)));
  // Before CivetWeb closes the socket, so that a deadline never shuts a reused one.
  server->deadlines_.clear(state->socket);
  if (state->admitted) server->clients_.release(state->client);
}

Server::Answer Server::answer(mg_connection* connection, const Connection* state, Request& request,
                              Router::Match& match, MonotonicClock::time_point body_deadline) {
  const mg_request_info* info = mg_get_request_info(connection);
  bool body_follows = sends_body(connection, info);
  if (state && !state->admitted) {
    return {error_response(ErrorCode::kRateLimited, "too many connections from " + state->client),
            false, true};
  }
  if (!match.handler && match.allowed.empty()) {
    return {error_response(ErrorCode::kNotFound, "no such endpoint: " + request.path), true,
            body_follows};
  }
  if (!match.handler) {
    std::string allow;
    for (const std::string& method : match.allowed) allow += (allow.empty() ? "" : ", ") + method;
    Response response = error_response(ErrorCode::kMethodNotAllowed,
                                       request.method + " is not allowed here; use " + allow);
    response.headers.emplace_back("Allow", allow);
    return {std::move(response), true, body_follows};
  }
  if (authorizer_) {
    if (auto refused = authorizer_(request, match.access))
      return {std::move(*refused), true, body_follows};
  }
  switch (read_body(connection, info->content_length, options_.max_body_bytes, body_deadline,
                    request.body)) {
    case BodyRead::kTooLarge:
      return {error_response(
                  ErrorCode::kBodyTooLarge,
                  "the body is larger than " + std::to_string(options_.max_body_bytes) + " bytes"),
              true, true};
    case BodyRead::kLate:
      // Its socket is shut for reading only, so the answer may still go out; a client
      // that has gone or stopped reading holds it no longer than body_timeout.
      return {error_response(ErrorCode::kRequestTimeout,
                             "the body did not arrive within " +
                                 spoken_duration(options_.body_timeout) + " of the headers"),
              true, true};
    case BodyRead::kBroken:
      return {error_response(ErrorCode::kInvalidRequest, "the body ended early"), false, true};
    case BodyRead::kComplete:
      break;
  }
  if (state) deadlines_.clear(state->socket);  // the handler's time is ours, not the client's
  request.params = std::move(match.params);
  try {
    return {(*match.handler)(request), true, false};
  } catch (const std::exception& error) {
    // A handler bug must not take the daemon down; the client gets a 500.
    spdlog::error("http: {} {}: {}", request.method, request.path, error.what());
    return {error_response(ErrorCode::kInternal, "internal error"), true, false};
  }
}

void Server::serve(mg_connection* connection) {
  auto started = MonotonicClock::now();
  const mg_request_info* info = mg_get_request_info(connection);
  auto* state = static_cast<Connection*>(mg_get_user_connection_data(connection));
  if (state) admit(*state, *info);
  int socket = state ? state->socket : -1;
  // From here the body must be in within body_timeout; shut for reading only, so an
  // answer can still go out.
  auto body_deadline = started + options_.body_timeout;
  deadlines_.set(socket, body_deadline, SocketDeadlines::Shut::kReading);
  Request request;
  request.method = info->request_method ? info->request_method : "";
  request.path = info->local_uri ? info->local_uri : "/";
  if (info->query_string) request.query = parse_query(info->query_string);
  request.remote_address = info->remote_addr;
  request.over_tls = info->is_ssl != 0;
  for (int i = 0; i < info->num_headers; ++i) {
    request.headers[to_lower(info->http_headers[i].name)] = info->http_headers[i].value;
  }

  Router::Match match = router_.match(request.method, request.path);
  Answer answered = answer(connection, state, request, match, body_deadline);
  if (answered.response.status == 413 && socket >= 0) {
    discard_arriving(connection, socket, 4 * options_.max_body_bytes, body_deadline);
  }
  // A body left unread is not read after the answer either (CivetWeb would, to keep
  // the connection alive): the connection closes instead.
  if (answered.close || answered.response.stream) mg_disable_connection_keep_alive(connection);
  if (answered.send) {
    // A client that does not take its answer gets no longer than it had for its body.
    deadlines_.set(socket, MonotonicClock::now() + options_.body_timeout,
                   SocketDeadlines::Shut::kBoth);
    if (answered.response.stream) {
      send_stream_head(connection, answered.response);
      deadlines_.clear(socket);
      ConnectionWriter writer(connection, socket, deadlines_, options_.body_timeout,
                              stopping_.get_token());
      try {
        answered.response.stream(writer);
      } catch (const std::exception& error) {
        spdlog::error("http: {} {}: {}", request.method, request.path, error.what());
      }
    } else {
      send(connection, answered.response);
    }
  }
  // The next request on a kept-alive connection: its headers within header_timeout.
  deadlines_.set(socket, MonotonicClock::now() + options_.header_timeout,
                 SocketDeadlines::Shut::kBoth);
  if (observer_) {
    observer_(request, match.pattern.empty() ? std::string_view("unmatched") : match.pattern,
              answered.response.status, MonotonicClock::now() - started);
  }
}

}  // namespace smsgate::http

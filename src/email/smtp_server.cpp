#include "email/smtp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <map>
#include <thread>
#include <utility>

#include "common/thread_annotations.h"
#include "config/networks.h"

namespace smsgate::email {
namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

struct SslContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslContext = std::unique_ptr<SSL_CTX, SslContextDeleter>;

Result<SslContext> make_tls_context(const std::string& certificate, const std::string& key) {
  SslContext context(SSL_CTX_new(TLS_server_method()));
  if (!context) return make_error("TLS: " + openssl_error());
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(context.get(), certificate.c_str()) != 1)
    return make_error("TLS certificate " + certificate + ": " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(context.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
    return make_error("TLS key " + key + ": " + openssl_error());
  if (SSL_CTX_check_private_key(context.get()) != 1)
    return make_error("TLS key " + key + " does not match the certificate " + certificate);
  return context;
}

// "127.0.0.1:2525", "[::]:25" -> a bound, listening socket.
Result<int> listen_on(const std::string& listen) {
  std::string host;
  std::string port;
  if (listen.starts_with('[')) {
    size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      return make_error("\"" + listen + "\" is not ADDRESS:PORT");
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return make_error("\"" + listen + "\" is not ADDRESS:PORT");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* found = nullptr;
  if (int failed = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); failed != 0)
    return make_error("\"" + listen + "\": " + gai_strerror(failed));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno));
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return make_error("cannot listen on " + listen + ": " + why);
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

std::string peer_address(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text,
              sizeof text);
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text,
              sizeof text);
  }
  return text;
}

void set_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// The session's questions answered from the daemon's parts, for one client.
class ListenerHost final : public SmtpHost {
 public:
  ListenerHost(SmtpServices& services, const MailDeliveryOptions& delivery, std::string client)
      : services_(services), delivery_(delivery), client_(std::move(client)) {}

  bool authenticate(std::string_view user, std::string_view password) override {
    int64_t now = services_.clock.now();
    // A key is known by its prefix; anything else is a console user's password, so a
    // key never costs an argon2id check and a password never a key lookup.
    if (password.starts_with(auth::kApiKeyPrefix)) {
      auto key = services_.api_keys.authenticate(password, now);
      return key && key->scopes.has(auth::Scope::kSend);
    }
    if (user.empty()) return false;
    auto checked = services_.sessions.confirm_password(user, password, client_, now);
    return checked.ok() && checked->outcome == auth::SignInResult::Outcome::kSignedIn;
  }

  Result<bool> opted_out(const std::string& number) override {
    return services_.store.is_opted_out(number);
  }

  SmtpReply deliver(const Envelope& envelope, std::string_view mail) override {
    MailOutcome outcome = deliver_mail(services_.intake, services_.store, delivery_, envelope.from,
                                       envelope.recipients, mail, services_.clock.now());
    if (outcome.kind == MailOutcomeKind::kAccepted) {
      spdlog::info("email from {} <{}>: {} message(s) queued", client_, envelope.from,
                   outcome.message_ids.size());
    } else {
      spdlog::info("email from {} <{}> refused: {}", client_, envelope.from, outcome.reason);
    }
    count(outcome_name(outcome.kind));
    return smtp_reply(outcome);
  }

  void refused(SmtpRefusal why) override { count(refusal_name(why)); }

 private:
  void count(std::string_view what) {
    if (services_.count) services_.count(what);
  }

  SmtpServices& services_;
  const MailDeliveryOptions& delivery_;
  std::string client_;
};

}  // namespace

std::string_view refusal_name(SmtpRefusal why) {
  switch (why) {
    case SmtpRefusal::kRelay:
      return "relay";
    case SmtpRefusal::kAuthRequired:
      return "auth_required";
    case SmtpRefusal::kBadAuth:
      return "bad_auth";
    case SmtpRefusal::kSize:
      return "size";
    case SmtpRefusal::kInvalidNumber:
      return "invalid_number";
    case SmtpRefusal::kOptedOut:
      return "opted_out";
  }
  return "other";
}

struct SmtpServer::State {
  struct Connection {
    int fd = -1;
    std::string address;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  State(SmtpServerOptions options_in, SmtpServices services_in)
      : options(std::move(options_in)), services(std::move(services_in)) {}

  void accept_loop();
  void serve(Connection& connection);
  // Joins and closes the connections that ended.
  void sweep() REQUIRES(mutex);

  SmtpServerOptions options;
  SmtpServices services;
  std::vector<config::Network> networks;
  SslContext tls;
  int listen_fd = -1;
  int wake_pipe[2] = {-1, -1};
  std::thread acceptor;
  std::atomic<bool> stopping{false};

  Mutex mutex;
  std::list<std::unique_ptr<Connection>> connections GUARDED_BY(mutex);
  std::map<std::string, int> per_client GUARDED_BY(mutex);
};

void SmtpServer::State::sweep() {
  for (auto it = connections.begin(); it != connections.end();) {
    if (!(*it)->done.load()) {
      ++it;
      continue;
    }
    (*it)->thread.join();
    close((*it)->fd);
    if (--per_client[(*it)->address] <= 0) per_client.erase((*it)->address);
    it = connections.erase(it);
  }
}

void SmtpServer::State::accept_loop() {
  while (!stopping.load()) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("SMTP listener: poll: {}", std::strerror(errno));
      return;
    }
    if (stopping.load() || (fds[1].revents & POLLIN)) return;
    if (!(fds[0].revents & POLLIN)) continue;
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string address = peer_address(peer);
    MutexLock lock(mutex);
    sweep();
    bool full = static_cast<int>(connections.size()) >= options.max_connections;
    bool client_full = per_client[address] >= options.max_connections_per_client;
    if (full || client_full) {
      std::string reply = format_reply({421, "4.7.0 Too many connections, try again later"});
      (void)send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      close(fd);
      if (per_client[address] == 0) per_client.erase(address);
      if (services.count) services.count("too_many_connections");
      continue;
    }
    ++per_client[address];
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    connection->address = address;
    Connection& started = *connection;
    connections.push_back(std::move(connection));
    started.thread = std::thread([this, &started] {
      serve(started);
      started.done.store(true);
    });
  }
}

void SmtpServer::State::serve(Connection& connection) {
  const int fd = connection.fd;
  ListenerHost host(services, options.delivery, connection.address);
  SmtpSettings settings = options.session;
  settings.tls_available = tls != nullptr;
  SmtpSession session(settings, host, connection.address,
                      config::in_networks(connection.address, networks));
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(nullptr, SSL_free);

  auto write_all = [&](std::string_view bytes) {
    while (!bytes.empty()) {
      long written = ssl ? SSL_write(ssl.get(), bytes.data(), static_cast<int>(bytes.size()))
                         : send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (written <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(written));
    }
    return true;
  };

  set_timeout(fd, options.command_timeout);
  if (!write_all(session.greeting())) return;
  char buffer[16384];
  bool reading_data = false;
  while (!stopping.load() && !session.closed()) {
    if (session.reading_data() != reading_data) {
      reading_data = session.reading_data();
      set_timeout(fd, reading_data ? options.data_timeout : options.command_timeout);
    }
    long received =
        ssl ? SSL_read(ssl.get(), buffer, sizeof buffer) : recv(fd, buffer, sizeof buffer, 0);
    if (received <= 0) {
      bool timed_out = !ssl && received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      if (ssl && received < 0) {
        int why = SSL_get_error(ssl.get(), static_cast<int>(received));
        timed_out = why == SSL_ERROR_WANT_READ ||
                    (why == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
      }
      if (timed_out && !stopping.load())
        (void)write_all(format_reply({421, "4.4.2 Timeout, closing"}));
      break;
    }
    std::string reply = session.feed(std::string_view(buffer, static_cast<size_t>(received)));
    if (!reply.empty() && !write_all(reply)) break;
    if (session.wants_tls()) {
      ssl.reset(SSL_new(tls.get()));
      if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
        spdlog::info("SMTP client {}: TLS handshake failed: {}", connection.address,
                     openssl_error());
        ERR_clear_error();
        break;
      }
      session.tls_started();
    }
  }
  if (ssl) SSL_shutdown(ssl.get());
}

Result<std::unique_ptr<SmtpServer>> SmtpServer::start(SmtpServerOptions options,
                                                      SmtpServices services) {
  auto state = std::make_unique<State>(std::move(options), std::move(services));
  for (const std::string& text : state->options.allow_networks) {
    auto network = config::parse_network(text);
    if (!network) return make_error("allow_networks: " + network.error().message);
    state->networks.push_back(*network);
  }
  if (!state->options.tls_certificate.empty()) {
    auto context = make_tls_context(state->options.tls_certificate, state->options.tls_key);
    if (!context) return context.error();
    state->tls = std::move(*context);
  }
  auto fd = listen_on(state->options.listen);
  if (!fd) return fd.error();
  state->listen_fd = *fd;
  if (pipe2(state->wake_pipe, O_CLOEXEC) != 0) {
    close(state->listen_fd);
    return make_error(std::string("pipe: ") + std::strerror(errno));
  }
  int port = bound_port(state->listen_fd);
  State* raw = state.get();
  state->acceptor = std::thread([raw] { raw->accept_loop(); });
  return std::unique_ptr<SmtpServer>(new SmtpServer(std::move(state), port));
}

SmtpServer::SmtpServer(std::unique_ptr<State> state, int port)
    : state_(std::move(state)), port_(port) {}

SmtpServer::~SmtpServer() { stop(); }

bool SmtpServer::tls() const { return state_->tls != nullptr; }

void SmtpServer::stop() {
  if (!state_ || state_->stopping.exchange(true)) return;
  char wake = 1;
  (void)!write(state_->wake_pipe[1], &wake, 1);
  if (state_->acceptor.joinable()) state_->acceptor.join();
  {
    // Wakes every connection's blocked read; each thread then ends. Connection threads
    // never take the mutex, so they are joined under it.
    MutexLock lock(state_->mutex);
    for (auto& connection : state_->connections) shutdown(connection->fd, SHUT_RDWR);
    for (auto& connection : state_->connections) {
      connection->thread.join();
      close(connection->fd);
    }
    state_->connections.clear();
    state_->per_client.clear();
  }
  close(state_->listen_fd);
  close(state_->wake_pipe[0]);
  close(state_->wake_pipe[1]);
}

}  // namespace smsgate::email

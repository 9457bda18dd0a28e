// A webhook receiver for tests: a tiny HTTP/1.1 server on 127.0.0.1 (an ephemeral
// port) that records every request it reads in full (method, path, headers with
// lowercase names, body) and answers as told: 200, 500, or never (hang, holding the
// connection open); refuse_when() answers 500 to the requests it picks whatever the
// mode. go_down() stops listening (connections are refused) and drops what it holds;
// come_up() listens again on the same port.
//
// One thread with poll(); every public method may be called from any thread.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace smsgate::testing {

class WebhookReceiver {
 public:
  enum class Mode { kOk, kError, kHang };

  struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;
    int answered = 0;  // the status sent back; 0: none (hung)
    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
  };

  WebhookReceiver() {
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe");
    open_listener();
    thread_ = std::thread([this] { run(); });
  }
  ~WebhookReceiver() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    poke();
    thread_.join();
    close_all();
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  void set_mode(Mode mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
  }
  // While set, a request it returns true for is answered 500 (an event the receiver
  // keeps refusing); {} clears it.
  void refuse_when(std::function<bool(const Request&)> refuse) {
    std::lock_guard lock(mutex_);
    refuse_ = std::move(refuse);
  }
  // Returns once the port is closed: from then on connections are refused.
  void go_down() { set_up(false); }
  void come_up() { set_up(true); }

  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  struct Client {
    int fd = -1;
    std::string buffer;
    bool hung = false;  // read in full, no answer given
  };

  void poke() {
    char byte = 1;
    (void)!::write(wake_[1], &byte, 1);
  }

  void set_up(bool up) {
    std::unique_lock lock(mutex_);
    want_up_ = up;
    uint64_t target = ++requested_;
    lock.unlock();
    poke();
    lock.lock();
    applied_changed_.wait(lock, [&] { return applied_ >= target; });
  }

  void open_listener() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int yes = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port_));
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 64) != 0)
      throw std::runtime_error("webhook receiver: cannot listen on port " + std::to_string(port_));
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }

  void close_all() {
    for (Client& client : clients_) ::close(client.fd);
    clients_.clear();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
  }

  void run() {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (applied_ < requested_) {
          if (!want_up_ && listen_fd_ >= 0) close_all();
          if (want_up_ && listen_fd_ < 0) open_listener();
          applied_ = requested_;
          applied_changed_.notify_all();
        }
      }
      std::vector<pollfd> fds{{wake_[0], POLLIN, 0}};
      if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
      for (const Client& client : clients_) fds.push_back({client.fd, POLLIN, 0});
      ::poll(fds.data(), fds.size(), 1000);
      char drain[64];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
      if (listen_fd_ >= 0) {
        for (;;) {
          int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (fd < 0) break;
          clients_.push_back(Client{fd, "", false});
        }
      }
      for (Client& client : clients_) read_from(client);
      std::erase_if(clients_, [](const Client& client) { return client.fd < 0; });
    }
  }

  void read_from(Client& client) {
    char chunk[4096];
    for (;;) {
      ssize_t n = ::read(client.fd, chunk, sizeof chunk);
      if (n == 0) {  // the client gave up (a timeout)
        ::close(client.fd);
        client.fd = -1;
        return;
      }
      if (n < 0) break;
      if (!client.hung) client.buffer.append(chunk, static_cast<size_t>(n));
    }
    if (client.hung) return;
    size_t end = client.buffer.find("\r\n\r\n");
    if (end == std::string::npos) return;
    Request request;
    size_t line_end = client.buffer.find("\r\n");
    std::string line = client.buffer.substr(0, line_end);
    size_t space = line.find(' ');
    request.method = line.substr(0, space);
    request.path = line.substr(space + 1, line.find(' ', space + 1) - space - 1);
    size_t at = line_end + 2;
    while (at < end) {
      size_t next = client.buffer.find("\r\n", at);
      std::string header = client.buffer.substr(at, next - at);
      size_t colon = header.find(':');
      std::string name = header.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      size_t value = header.find_first_not_of(' ', colon + 1);
      request.headers[name] = value == std::string::npos ? "" : header.substr(value);
      at = next + 2;
    }
    size_t length = std::stoul(
        request.header("content-length").empty() ? "0" : request.header("content-length"));
    if (client.buffer.size() < end + 4 + length) return;
    request.body = client.buffer.substr(end + 4, length);

    Mode mode;
    std::function<bool(const Request&)> refuse;
    {
      std::lock_guard lock(mutex_);
      mode = mode_;
      refuse = refuse_;
    }
    if (mode == Mode::kOk && refuse && refuse(request)) mode = Mode::kError;
    if (mode == Mode::kHang) {
      client.hung = true;
    } else {
      request.answered = mode == Mode::kOk ? 200 : 500;
      std::string answer =
          mode == Mode::kOk ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                            : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n"
                              "Connection: close\r\n\r\noops";
      (void)!::write(client.fd, answer.data(), answer.size());
      ::close(client.fd);
      client.fd = -1;
    }
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }

  int wake_[2] = {-1, -1};
  int listen_fd_ = -1;  // server thread only, after construction
  int port_ = 0;
  std::vector<Client> clients_;  // server thread only

  mutable std::mutex mutex_;
  std::condition_variable applied_changed_;
  Mode mode_ = Mode::kOk;                       // guarded by mutex_
  std::function<bool(const Request&)> refuse_;  // guarded by mutex_
  std::vector<Request> requests_;               // guarded by mutex_
  bool stopping_ = false;                       // guarded by mutex_
  bool want_up_ = true;                         // guarded by mutex_
  uint64_t requested_ = 0, applied_ = 0;        // guarded by mutex_
  std::thread thread_;
};

}  // namespace smsgate::testing

// Plain TCP for the tests that play slow or hostile HTTP clients, which a real HTTP
// library will not be: a connection from a chosen loopback address (127.0.0.2 is
// "another machine" to the server), bytes sent when the test says, and answers read
// with a bound on the wait. Loopback only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace smsgate::testing {

class RawConnection {
 public:
  // Connects from `from` (a loopback address) to 127.0.0.1:`port`; connected() says
  // whether it did within `timeout`.
  RawConnection(const std::string& from, int port,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    socket_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (socket_ < 0) return;
    timeval bound{static_cast<time_t>(timeout.count() / 1000),
                  static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(socket_, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);  // bounds connect()
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    if (::bind(socket_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(socket_, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
      ::close(socket_);
      socket_ = -1;
    }
  }
  ~RawConnection() {
    if (socket_ >= 0) ::close(socket_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return socket_ >= 0; }

  // false when the server has closed (or reset) the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(socket_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  struct Answer {
    int status = 0;       // 0: no complete answer
    bool closed = false;  // the server closed (or reset) the connection
    std::string raw;      // everything read
    std::string header(std::string_view lower_case_name) const {
      std::string lower;
      for (char c : raw) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t at = lower.find("\r\n" + std::string(lower_case_name) + ":");
      if (at == std::string::npos) return "";
      size_t start = raw.find_first_not_of(' ', at + 3 + lower_case_name.size());
      return raw.substr(start, raw.find("\r\n", start) - start);
    }
  };

  // Reads one answer: until its headers and Content-Length bytes are in, the server
  // closes the connection, or `timeout` passes (then status stays 0 unless complete).
  Answer read_answer(std::chrono::milliseconds timeout) {
    Answer answer;
    auto deadline = MonotonicClock::now() + timeout;
    while (true) {
      size_t end = answer.raw.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string length = answer.header("content-length");
        size_t body = length.empty() ? 0 : std::strtoul(length.c_str(), nullptr, 10);
        if (answer.raw.size() >= end + 4 + body) {
          answer.status = std::atoi(answer.raw.c_str() + answer.raw.find(' ') + 1);
          answer.raw.resize(end + 4 + body);
          return answer;
        }
      }
      if (!wait_readable(deadline)) return answer;
      char buffer[4096];
      ssize_t got = ::recv(socket_, buffer, sizeof buffer, 0);
      if (got <= 0) {
        answer.closed = true;
        return answer;
      }
      answer.raw.append(buffer, static_cast<size_t>(got));
    }
  }

  // Whether the server closes (or resets) the connection within `timeout`; what it
  // sends before is read and dropped.
  bool closed_within(std::chrono::milliseconds timeout) {
    auto deadline = MonotonicClock::now() + timeout;
    while (wait_readable(deadline)) {
      char buffer[4096];
      if (::recv(socket_, buffer, sizeof buffer, 0) <= 0) return true;
    }
    return false;
  }

 private:
  bool wait_readable(MonotonicClock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - MonotonicClock::now());
    if (left.count() <= 0) return false;
    pollfd wanted{socket_, POLLIN, 0};
    return ::poll(&wanted, 1, static_cast<int>(left.count())) > 0;
  }

  int socket_ = -1;
};

// An HTTP/1.1 request with a JSON body (or none), as bytes.
inline std::string http_request(std::string_view method, std::string_view path,
                                std::string_view body = {}, std::string_view extra_headers = {}) {
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra_headers);
  if (!body.empty() || method == "POST") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return request + "\r\n" + std::string(body);
}

}  // namespace smsgate::testing

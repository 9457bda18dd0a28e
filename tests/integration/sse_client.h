// A Server-Sent Events client for the tests, over a plain loopback socket: it sends
// GET with the headers the test gives, reads the answer's head, then hands out the
// events as they arrive (id, event, data), each wait bounded. Loopback only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/clock.h"

namespace smsgate::testing {

struct SseEvent {
  int64_t id = 0;
  std::string event;
  std::string data;
  nlohmann::json body() const { return nlohmann::json::parse(data); }
};

class SseClient {
 public:
  // Connects to 127.0.0.1:`port` and asks for `path` with `headers` ("Name: value\r\n"
  // each); status() and header() say how it was answered once the head is in.
  SseClient(int port, const std::string& path, const std::string& headers,
            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    socket_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (socket_ < 0) return;
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    if (::connect(socket_, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
      close();
      return;
    }
    std::string request = "GET " + path +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                          headers + "\r\n";
    if (::send(socket_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      close();
      return;
    }
    auto deadline = MonotonicClock::now() + timeout;
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!read_more(deadline)) return;
    size_t end = buffer_.find("\r\n\r\n");
    head_ = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    status_ = std::atoi(head_.c_str() + head_.find(' ') + 1);
  }
  ~SseClient() { close(); }
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  int status() const { return status_; }
  // A header of the answer's head (name in lower case); "" when absent.
  std::string header(const std::string& lower_case_name) const {
    std::string lower;
    for (char c : head_) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = lower.find("\r\n" + lower_case_name + ":");
    if (at == std::string::npos) return "";
    size_t start = head_.find_first_not_of(' ', at + 3 + lower_case_name.size());
    return head_.substr(start, head_.find("\r\n", start) - start);
  }
  // What arrived and was not yet taken as an event (the retry field, comments).
  const std::string& unread() const { return buffer_; }
  const std::string& skipped() const { return skipped_; }

  // The next event, within `timeout`; none when none came (or the stream closed).
  std::optional<SseEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = MonotonicClock::now() + timeout;
    for (;;) {
      size_t end;
      while ((end = buffer_.find("\n\n")) != std::string::npos) {
        std::string block = buffer_.substr(0, end + 1);
        buffer_.erase(0, end + 2);
        SseEvent event;
        bool has_data = false;
        size_t start = 0;
        while (start < block.size()) {
          size_t stop = block.find('\n', start);
          std::string line = block.substr(start, stop - start);
          start = stop + 1;
          if (line.starts_with("id: ")) event.id = std::atoll(line.c_str() + 4);
          if (line.starts_with("event: ")) event.event = line.substr(7);
          if (line.starts_with("data: ")) {
            event.data += (has_data ? "\n" : "") + line.substr(6);
            has_data = true;
          }
        }
        if (has_data) return event;
        skipped_ += block + "\n";
      }
      if (!read_more(deadline)) return std::nullopt;
    }
  }

  // The next event named `name`, the others passed over; none within `timeout`.
  std::optional<SseEvent> next_named(const std::string& name,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = MonotonicClock::now() + timeout;
    while (MonotonicClock::now() < deadline) {
      auto event = next(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - MonotonicClock::now()));
      if (!event) return std::nullopt;
      if (event->event == name) return event;
    }
    return std::nullopt;
  }

  // Whether the server closes the connection within `timeout` (what comes first is kept).
  bool closed_within(std::chrono::milliseconds timeout) {
    auto deadline = MonotonicClock::now() + timeout;
    while (read_more(deadline)) {
    }
    return closed_;
  }

  void close() {
    if (socket_ >= 0) ::close(socket_);
    socket_ = -1;
  }

 private:
  // Reads what is there; false at the deadline or when the server closed.
  bool read_more(MonotonicClock::time_point deadline) {
    if (socket_ < 0 || closed_) return false;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - MonotonicClock::now());
    if (left.count() <= 0) return false;
    pollfd wanted{socket_, POLLIN, 0};
    if (::poll(&wanted, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    ssize_t got = ::recv(socket_, chunk, sizeof chunk, 0);
    if (got <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(got));
    return true;
  }

  int socket_ = -1;
  int status_ = 0;
  bool closed_ = false;
  std::string head_;
  std::string buffer_;
  std::string skipped_;
};

}  // namespace smsgate::testing

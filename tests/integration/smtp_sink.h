// An SMTP sink for tests: a tiny ESMTP server on 127.0.0.1 (an ephemeral port) that
// takes every mail, records its envelope and data (dot-unstuffed), and ends each DATA
// with the replies it is told, in order ("451 4.3.0 try later", then "250 ..."), and
// "250 2.0.0 queued" once they are used up. No TLS and no AUTH: it stands for a relay
// on this machine, which the gateway trusts without them (email/smarthost.h).
//
// One thread, one connection at a time (a smarthost client sends one mail per
// connection); every public method may be called from any thread.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace smsgate::testing {

class SmtpSink {
 public:
  struct Mail {
    std::string mail_from;  // MAIL FROM:<...>, without the brackets
    std::vector<std::string> rcpt_to;
    std::string data;      // as sent, CRLF, without the final "."
    std::string answered;  // the reply to its DATA
  };

  SmtpSink() {
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe");
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("smtp sink: cannot listen");
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~SmtpSink() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    char byte = 1;
    (void)!::write(wake_[1], &byte, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // The replies to the next DATAs, in order.
  void answer_next(std::vector<std::string> replies) {
    std::lock_guard lock(mutex_);
    replies_.insert(replies_.end(), replies.begin(), replies.end());
  }
  std::vector<Mail> mails() const {
    std::lock_guard lock(mutex_);
    return mails_;
  }

 private:
  bool stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  void run() {
    while (!stopping()) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) <= 0 || (fds[1].revents & POLLIN)) continue;
      int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      serve(client);
      ::close(client);
    }
  }

  // A line without its CRLF; false when the client is gone, silent for 5 s, or we stop.
  bool read_line(int fd, std::string& buffer, std::string& line) {
    for (;;) {
      if (size_t end = buffer.find("\r\n"); end != std::string::npos) {
        line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return true;
      }
      pollfd fds[2] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, 5000) <= 0 || (fds[1].revents & POLLIN)) return false;
      char chunk[4096];
      ssize_t got = ::read(fd, chunk, sizeof chunk);
      if (got <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(got));
    }
  }

  static void reply(int fd, const std::string& text) {
    std::string line = text + "\r\n";
    (void)!::write(fd, line.data(), line.size());
  }

  static std::string between_brackets(const std::string& line) {
    size_t open = line.find('<'), close = line.rfind('>');
    if (open == std::string::npos || close == std::string::npos || close < open) return "";
    return line.substr(open + 1, close - open - 1);
  }

  void serve(int fd) {
    std::string buffer, line;
    Mail mail;
    reply(fd, "220 sink.test ESMTP");
    while (read_line(fd, buffer, line)) {
      std::string verb = line.substr(0, 4);
      for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (verb == "EHLO" || verb == "HELO") {
        reply(fd, "250-sink.test");
        reply(fd, "250 8BITMIME");
      } else if (verb == "MAIL") {
        mail = {};
        mail.mail_from = between_brackets(line);
        reply(fd, "250 2.1.0 OK");
      } else if (verb == "RCPT") {
        mail.rcpt_to.push_back(between_brackets(line));
        reply(fd, "250 2.1.5 OK");
      } else if (verb == "DATA") {
        reply(fd, "354 go ahead");
        std::string data;
        bool complete = false;
        while (read_line(fd, buffer, line)) {
          if (line == ".") {
            complete = true;
            break;
          }
          data += (line.starts_with(".") ? line.substr(1) : line) + "\r\n";
        }
        if (!complete) return;
        mail.data = std::move(data);
        {
          std::lock_guard lock(mutex_);
          if (replies_.empty()) {
            mail.answered = "250 2.0.0 queued";
          } else {
            mail.answered = replies_.front();
            replies_.pop_front();
          }
          mails_.push_back(mail);
        }
        reply(fd, mail.answered);
      } else if (verb == "RSET" || verb == "NOOP") {
        reply(fd, "250 2.0.0 OK");
      } else if (verb == "QUIT") {
        reply(fd, "221 2.0.0 bye");
        return;
      } else {
        reply(fd, "502 5.5.1 not implemented");
      }
    }
  }

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  mutable std::mutex mutex_;
  bool stopping_ = false;
  std::deque<std::string> replies_;
  std::vector<Mail> mails_;
  std::thread thread_;
};

}  // namespace smsgate::testing

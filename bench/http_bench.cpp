// Load generator for the HTTP API: message submissions to a running smsgated over
// loopback, the way a client application sends them. Goals (the issue), with 8
// simulated modems running: single submissions >= 5,000/s with 64 connections, every
// one durable when acknowledged (DESIGN.md "Guarantees": a 2xx means fsynced);
// batches >= 50,000 messages/s; p99 latency < 20 ms at 1,000 requests/s.
//
// bench/http_bench.sh starts the simulator and the daemon, runs the scenarios and
// checks that the database holds as many messages as this program counted 202s.
//
// Raw sockets, HTTP/1.1 keep-alive, one thread and epoll for all connections, so the
// client costs little next to the daemon on the same machine (libcurl's per-request
// work would be measured otherwise).
//
//   closed loop (--rate 0): every connection sends its next request as soon as the
//     previous answer is in; latency = answer in - request out.
//   open loop (--rate R): request i is due at start + i/R whatever the daemon does;
//     it goes out on the next free connection, and its latency is measured from when
//     it was DUE, so a stall shows in the latency of every request it delayed
//     (coordinated omission is not hidden).
//
//   http_bench --url http://127.0.0.1:18089 --key KEY [--connections 64]
//              [--duration 10] [--rate 0] [--batch 0] [--send-now] [--warmup 1]
//              [--quickack]
//
// Every answer must be 202; anything else (or a connection failure) is an error, and
// the first few such bodies are printed. The last line is machine-readable:
//   RESULT requests=... messages=... errors=... accepted_messages=...
// where accepted_messages counts every message acknowledged with 202, warm-up included
// (what the database must hold).
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

// Built without the project's headers (a client of its own); common/clock.h's name.
using MonotonicClock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string url = "http://127.0.0.1:8080";
  std::string key;
  int connections = 64;
  double duration = 10;
  double warmup = 1;
  double rate = 0;
  int batch = 0;
  bool send_now = false;
  int show_errors = 3;
  bool quickack = false;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "http_bench: %s\n", what.c_str());
  std::exit(1);
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             MonotonicClock::now().time_since_epoch())
      .count();
}

// One message's JSON; the recipient's last 8 digits differ for every message.
void append_message(std::string& out, uint64_t serial, bool send_now) {
  char number[16];
  std::snprintf(number, sizeof number, "%08llu",
                static_cast<unsigned long long>(serial % 100'000'000ULL));
  out += R"({"to":"+4917)";
  out += number;
  out += R"(","text":"Your appointment is tomorrow at 10:15. Reply STOP to opt out.",)"
         R"("category":"reminder")";
  if (!send_now) out += R"(,"send_at":"2099-01-01T00:00:00Z")";
  out += '}';
}

struct Target {
  std::string host;
  int port = 80;
};

Target parse_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    die("only http:// URLs: " + url);
  }
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  Target target;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    target.host = rest;
  } else {
    target.host = rest.substr(0, colon);
    target.port = std::atoi(rest.c_str() + colon + 1);
  }
  if (target.port <= 0 || target.port > 65535) die("bad port in " + url);
  return target;
}

struct Connection {
  int fd = -1;
  bool busy = false;
  std::string out;  // request bytes not yet written
  size_t written = 0;
  bool waiting_out = false;  // EPOLLOUT registered
  std::string in;            // answer bytes read so far
  int64_t start_ns = 0;      // when the request was due (open loop) or sent (closed loop)
  int messages = 0;          // messages in the request in flight
  bool measured = false;     // after the warm-up
};

class Bench {
 public:
  explicit Bench(Options options) : options_(std::move(options)) {
    target_ = parse_url(options_.url);
    if (inet_pton(AF_INET, target_.host.c_str(), &address_.sin_addr) != 1)
      die("host must be an IPv4 address: " + target_.host);
    address_.sin_family = AF_INET;
    address_.sin_port = htons(static_cast<uint16_t>(target_.port));
    serial_ = static_cast<uint64_t>(now_ns() / 1000) * 7919;  // distinct across runs
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) die("epoll_create1: " + std::string(std::strerror(errno)));
  }

  void run() {
    connections_.resize(static_cast<size_t>(options_.connections));
    for (size_t i = 0; i < connections_.size(); ++i) open_connection(i);

    const int64_t warmup_ns = static_cast<int64_t>(options_.warmup * 1e9);
    const int64_t duration_ns = static_cast<int64_t>(options_.duration * 1e9);
    begin_ns_ = now_ns();
    measure_from_ns_ = begin_ns_ + warmup_ns;
    end_ns_ = measure_from_ns_ + duration_ns;
    const double interval_ns = options_.rate > 0 ? 1e9 / options_.rate : 0;
    uint64_t scheduled = 0;   // open loop: requests made due so far
    std::deque<int64_t> due;  // open loop: due times of requests waiting for a connection
    std::vector<epoll_event> events(connections_.size());
    // After the end, answers in flight are still awaited (they are acknowledgements
    // the database must hold), up to this long.
    const int64_t drain_limit_ns = 60'000'000'000;

    while (true) {
      int64_t now = now_ns();
      bool sending = now < end_ns_;
      if (options_.rate > 0) {
        // Everything due before the end is sent, late or not.
        while (true) {
          int64_t at =
              begin_ns_ + static_cast<int64_t>(static_cast<double>(scheduled) * interval_ns);
          if (at > now || at >= end_ns_) break;
          due.push_back(at);
          ++scheduled;
        }
        for (size_t i = 0; i < connections_.size() && !due.empty(); ++i) {
          if (connections_[i].busy || connections_[i].fd < 0) continue;
          send_request(i, due.front());
          due.pop_front();
        }
      } else if (sending) {
        for (size_t i = 0; i < connections_.size(); ++i) {
          if (!connections_[i].busy && connections_[i].fd >= 0) send_request(i, now);
        }
      }
      bool in_flight = std::any_of(connections_.begin(), connections_.end(),
                                   [](const Connection& c) { return c.busy; });
      if (!sending && due.empty() && !in_flight) break;
      if (!sending && now > end_ns_ + drain_limit_ns) {
        std::fprintf(stderr, "http_bench: answers still missing 60 s after the end\n");
        break;
      }
      int timeout_ms = 100;
      if (options_.rate > 0 && sending) {
        int64_t next =
            begin_ns_ + static_cast<int64_t>(static_cast<double>(scheduled) * interval_ns);
        timeout_ms = static_cast<int>(std::clamp<int64_t>((next - now) / 1'000'000, 0, 100));
        if (!due.empty()) timeout_ms = 100;  // waiting for a connection, not the clock
      } else if (sending) {
        timeout_ms = static_cast<int>(std::clamp<int64_t>((end_ns_ - now) / 1'000'000 + 1, 0, 100));
      }
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
      if (n < 0 && errno != EINTR) die("epoll_wait: " + std::string(std::strerror(errno)));
      for (int e = 0; e < n; ++e) {
        size_t i = events[static_cast<size_t>(e)].data.u64;
        if (events[static_cast<size_t>(e)].events & EPOLLOUT) write_some(i);
        if (events[static_cast<size_t>(e)].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) read_some(i);
      }
    }
    last_ns_ = std::max(last_ns_, measure_from_ns_ + 1);
    report();
  }

 private:
  void open_connection(size_t i) {
    Connection& c = connections_[i];
    c = Connection{};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: " + std::string(std::strerror(errno)));
    if (connect(fd, reinterpret_cast<sockaddr*>(&address_), sizeof address_) != 0)
      die("connect to " + options_.url + ": " + std::strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0)
      die("epoll_ctl: " + std::string(std::strerror(errno)));
    c.fd = fd;
    ++opened_;
  }

  void close_connection(size_t i) {
    Connection& c = connections_[i];
    if (c.fd >= 0) {
      epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
    }
    c.fd = -1;
    c.busy = false;
  }

  void send_request(size_t i, int64_t due_ns) {
    Connection& c = connections_[i];
    std::string body;
    int messages = 0;
    const char* path;
    if (options_.batch > 0) {
      path = "/api/v1/messages/batch";
      body.reserve(static_cast<size_t>(options_.batch) * 160 + 32);
      body += R"({"messages":[)";
      for (int m = 0; m < options_.batch; ++m) {
        if (m) body += ',';
        append_message(body, serial_++, options_.send_now);
      }
      body += "]}";
      messages = options_.batch;
    } else {
      path = "/api/v1/messages";
      append_message(body, serial_++, options_.send_now);
      messages = 1;
    }
    c.out.clear();
    c.out += "POST ";
    c.out += path;
    c.out += " HTTP/1.1\r\nHost: ";
    c.out += target_.host + ":" + std::to_string(target_.port);
    c.out += "\r\nAuthorization: Bearer " + options_.key;
    c.out += "\r\nContent-Type: application/json\r\nContent-Length: ";
    c.out += std::to_string(body.size());
    c.out += "\r\n\r\n";
    c.out += body;
    c.written = 0;
    c.in.clear();
    c.busy = true;
    c.start_ns = due_ns;
    c.messages = messages;
    c.measured = due_ns >= measure_from_ns_;
    write_some(i);
  }

  void write_some(size_t i) {
    Connection& c = connections_[i];
    if (c.fd < 0) return;
    while (c.written < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        fail(i, "send: " + std::string(std::strerror(errno)));
        return;
      }
      c.written += static_cast<size_t>(n);
    }
    epoll_event event{};
    event.events = EPOLLIN | (c.written < c.out.size() ? EPOLLOUT : 0u);
    event.data.u64 = i;
    if (c.written < c.out.size() || c.waiting_out) {
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event);
    }
    c.waiting_out = c.written < c.out.size();
  }

  void read_some(size_t i) {
    Connection& c = connections_[i];
    if (c.fd < 0) return;
    char buffer[65536];
    while (true) {
      if (options_.quickack) {
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      }
      ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        c.in.append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {
        if (c.busy) {
          fail(i, "connection closed by the server with no complete answer");
        } else {
          close_connection(i);
          reopen(i);
        }
        return;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      fail(i, "recv: " + std::string(std::strerror(errno)));
      return;
    }
    parse_answer(i);
  }

  void parse_answer(size_t i) {
    Connection& c = connections_[i];
    size_t header_end = c.in.find("\r\n\r\n");
    if (header_end == std::string::npos) return;
    std::string_view head(c.in.data(), header_end);
    int status = 0;
    if (head.size() > 12 && head.substr(0, 5) == "HTTP/") status = std::atoi(head.data() + 9);
    size_t length = 0;
    bool have_length = false, close_after = false;
    size_t line = head.find("\r\n");
    while (line != std::string_view::npos && line < head.size()) {
      size_t next = head.find("\r\n", line + 2);
      std::string_view header =
          head.substr(line + 2, (next == std::string_view::npos ? head.size() : next) - line - 2);
      auto colon = header.find(':');
      if (colon != std::string_view::npos) {
        std::string name(header.substr(0, colon));
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        std::string_view value = header.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (name == "content-length") {
          length = std::strtoull(std::string(value).c_str(), nullptr, 10);
          have_length = true;
        } else if (name == "connection" && (value == "close" || value == "Close")) {
          close_after = true;
        }
      }
      line = next;
    }
    if (!have_length) {
      fail(i, "answer without Content-Length: " + std::string(head));
      return;
    }
    if (c.in.size() < header_end + 4 + length) return;
    int64_t done = now_ns();
    std::string body = c.in.substr(header_end + 4, length);
    if (c.in.size() > header_end + 4 + length) {
      fail(i, "bytes after the answer");
      return;
    }
    c.busy = false;
    if (status == 202) {
      accepted_messages_ += static_cast<uint64_t>(c.messages);
    } else {
      record_error("HTTP " + std::to_string(status) + ": " + body);
    }
    if (c.measured) {
      ++requests_;
      if (status == 202) {
        messages_ += static_cast<uint64_t>(c.messages);
        latencies_ns_.push_back(done - c.start_ns);
      }
      last_ns_ = std::max(last_ns_, done);
    }
    c.in.clear();
    if (close_after) {
      close_connection(i);
      reopen(i);
    }
  }

  void fail(size_t i, const std::string& what) {
    Connection& c = connections_[i];
    if (c.busy && c.measured) ++requests_;
    record_error(what);
    close_connection(i);
    reopen(i);
  }

  void reopen(size_t i) {
    if (now_ns() < end_ns_) open_connection(i);
  }

  void record_error(const std::string& what) {
    ++errors_;
    if (errors_ <= static_cast<uint64_t>(options_.show_errors))
      std::fprintf(stderr, "http_bench: error: %.400s\n", what.c_str());
  }

  static double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

  void report() {
    const double seconds = static_cast<double>(last_ns_ - measure_from_ns_) / 1e9;
    std::sort(latencies_ns_.begin(), latencies_ns_.end());
    auto at = [&](double q) -> double {
      if (latencies_ns_.empty()) return 0;
      size_t index = static_cast<size_t>(std::ceil(q * static_cast<double>(latencies_ns_.size())));
      index = std::min(latencies_ns_.size() - 1, index == 0 ? 0 : index - 1);
      return ms(latencies_ns_[index]);
    };
    std::printf(
        "%s, %d connections, %s, %s%s: %.1f s measured after %.1f s warm-up\n",
        options_.batch ? ("batches of " + std::to_string(options_.batch)).c_str()
                       : "single messages",
        options_.connections,
        options_.rate > 0
            ? ("open loop at " + std::to_string(static_cast<int>(options_.rate)) + " requests/s")
                  .c_str()
            : "closed loop",
        options_.send_now ? "due now (modems sending)" : "send_at 2099 (modems idle)", "", seconds,
        options_.warmup);
    std::printf("  requests   %llu\n  messages   %llu (202)\n  errors     %llu\n",
                static_cast<unsigned long long>(requests_),
                static_cast<unsigned long long>(messages_),
                static_cast<unsigned long long>(errors_));
    std::printf("  throughput %.0f requests/s, %.0f messages/s\n",
                static_cast<double>(requests_) / seconds, static_cast<double>(messages_) / seconds);
    std::printf("  latency ms p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%s\n", at(0.5),
                at(0.9), at(0.99), at(0.999),
                latencies_ns_.empty() ? 0.0 : ms(latencies_ns_.back()),
                options_.rate > 0 ? "  (from each request's due time)" : "");
    std::printf(
        "RESULT requests=%llu messages=%llu errors=%llu requests_per_s=%.0f "
        "messages_per_s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f "
        "max_ms=%.2f accepted_messages=%llu connections_opened=%llu\n",
        static_cast<unsigned long long>(requests_), static_cast<unsigned long long>(messages_),
        static_cast<unsigned long long>(errors_), static_cast<double>(requests_) / seconds,
        static_cast<double>(messages_) / seconds, at(0.5), at(0.9), at(0.99), at(0.999),
        latencies_ns_.empty() ? 0.0 : ms(latencies_ns_.back()),
        static_cast<unsigned long long>(accepted_messages_),
        static_cast<unsigned long long>(opened_));
    std::fflush(stdout);
  }

  Options options_;
  Target target_;
  sockaddr_in address_{};
  int epoll_ = -1;
  std::vector<Connection> connections_;
  uint64_t serial_ = 0;
  int64_t begin_ns_ = 0, measure_from_ns_ = 0, end_ns_ = 0, last_ns_ = 0;
  uint64_t requests_ = 0, messages_ = 0, errors_ = 0, accepted_messages_ = 0, opened_ = 0;
  std::vector<int64_t> latencies_ns_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Load generator for smsgated's HTTP API (message submissions)"};
  app.add_option("--url", options.url, "The daemon, http://IP:PORT")->capture_default_str();
  app.add_option("--key", options.key, "API key")->required();
  app.add_option("--connections", options.connections, "Keep-alive connections")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--duration", options.duration, "Seconds measured")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--warmup", options.warmup, "Seconds before the measurement (not counted)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  app.add_option("--rate", options.rate,
                 "Requests per second in all, open loop (0: closed loop, as fast as answered)")
      ->check(CLI::Range(0.0, 1e7))
      ->capture_default_str();
  app.add_option("--batch", options.batch,
                 "Messages per POST /api/v1/messages/batch (0: single POST /api/v1/messages)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_flag("--send-now", options.send_now,
               "No send_at: the messages are due at once, so the modems send too");
  app.add_flag("--quickack", options.quickack,
               "Diagnostic: ACK every segment at once (TCP_QUICKACK), which hides a server "
               "that writes an answer in two segments with Nagle on; real clients delay ACKs");
  app.add_option("--show-errors", options.show_errors, "Error answers printed")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  Bench bench(options);
  bench.run();
  return 0;
}

// The flood on the daemon's LAN that tests/integration/http_flood_test.cpp checks and
// bench/flood_bench.cpp times, written once: 70 sockets from 127.0.0.1 dripping request
// bodies, 64 loops of wrong admin passwords from 127.0.0.3, and the client that must
// not be starved, submitting from 127.0.0.2 ("another machine"). Loopback only; no
// test framework, so that the benchmark, a plain program, uses it too.
//
// Thread safety: BodyDrippers and PasswordGuessers run threads of their own from
// construction to destruction; their counts may be read from any thread meanwhile.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "integration/raw_http.h"

namespace smsgate::testing {

// 70 sockets that each declare a 1 MiB body, with a valid key, and send it a byte every
// 100 ms; a socket the server closes is opened again.
class BodyDrippers {
 public:
  static constexpr int kSockets = 70;

  BodyDrippers(int port, std::string key) : port_(port), key_(std::move(key)) {
    thread_ = std::thread([this] { run(); });
  }
  ~BodyDrippers() {
    stop_ = true;
    thread_.join();
  }
  BodyDrippers(const BodyDrippers&) = delete;
  BodyDrippers& operator=(const BodyDrippers&) = delete;

  // How many of their sockets the server closed.
  int refused() const { return refused_; }

 private:
  void run() {
    std::vector<std::unique_ptr<RawConnection>> sockets(kSockets);
    std::string headers =
        "POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key_ +
        "\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{";
    while (!stop_) {
      for (auto& socket : sockets) {
        if (stop_) break;
        if (!socket || !socket->send("\"")) {
          if (socket) ++refused_;
          socket =
              std::make_unique<RawConnection>("127.0.0.1", port_, std::chrono::milliseconds(500));
          if (!socket->connected() || !socket->send(headers)) socket.reset();
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  const int port_;
  const std::string key_;
  std::atomic<bool> stop_{false};
  std::atomic<int> refused_{0};
  std::thread thread_;
};

// 64 loops sending wrong admin passwords as fast as they are answered.
class PasswordGuessers {
 public:
  static constexpr int kLoops = 64;

  explicit PasswordGuessers(int port) : port_(port) {
    for (int i = 0; i < kLoops; ++i) threads_.emplace_back([this, i] { run(i); });
  }
  ~PasswordGuessers() {
    stop_ = true;
    for (std::thread& thread : threads_) thread.join();
  }
  PasswordGuessers(const PasswordGuessers&) = delete;
  PasswordGuessers& operator=(const PasswordGuessers&) = delete;

  struct Tally {
    int wrong_password = 0;  // 401: a password was checked
    int too_many = 0;        // 429 with Retry-After
    int other = 0;           // anything else answered
    int refused = 0;         // closed without an answer
    int retry_after_missing = 0;
  };
  Tally tally() {
    std::lock_guard lock(mutex_);
    return tally_;
  }

 private:
  void run(int loop) {
    std::unique_ptr<RawConnection> connection;
    for (int attempt = 0; !stop_; ++attempt) {
      if (!connection)
        connection =
            std::make_unique<RawConnection>("127.0.0.3", port_, std::chrono::milliseconds(500));
      std::string body = R"({"password": "guess-)" + std::to_string(loop) + "-" +
                         std::to_string(attempt) + R"("})";
      auto answer = connection->connected() &&
                            connection->send(http_request("POST", "/api/v1/admin/session", body))
                        ? connection->read_answer(std::chrono::seconds(5))
                        : RawConnection::Answer{0, true, ""};
      {
        std::lock_guard lock(mutex_);
        if (answer.status == 401) {
          ++tally_.wrong_password;
        } else if (answer.status == 429) {
          ++tally_.too_many;
          if (answer.header("retry-after").empty()) ++tally_.retry_after_missing;
        } else if (answer.status != 0) {
          ++tally_.other;
        } else {
          ++tally_.refused;
        }
      }
      if (answer.status == 0 || answer.closed || answer.header("connection") == "close") {
        connection.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // and comes back
      }
    }
  }

  const int port_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  Tally tally_;
  std::vector<std::thread> threads_;
};

// One submission of the client that must not be starved: how long it took, from
// connecting to the whole answer, and the status it got (0: none, the connection
// failed or closed).
struct Submission {
  std::chrono::milliseconds latency{0};
  int status = 0;
  std::string answer;  // the raw answer, for a failure's report
};

// Submissions one after another, each on a new connection from 127.0.0.2 with `key`,
// for `duration`.
inline std::vector<Submission> submit_from_another_client(int port, const std::string& key,
                                                          std::chrono::milliseconds duration) {
  std::vector<Submission> submissions;
  auto until = MonotonicClock::now() + duration;
  for (int i = 0; MonotonicClock::now() < until; ++i) {
    auto started = MonotonicClock::now();
    RawConnection client("127.0.0.2", port);
    std::string body =
        R"({"to": "+4915112345678", "text": "Your table is ready )" + std::to_string(i) + R"("})";
    RawConnection::Answer answer;
    if (client.connected() && client.send(http_request("POST", "/api/v1/messages", body,
                                                       "Authorization: Bearer " + key + "\r\n")))
      answer = client.read_answer(std::chrono::seconds(10));
    submissions.push_back(
        {std::chrono::duration_cast<std::chrono::milliseconds>(MonotonicClock::now() - started),
         answer.status, std::move(answer.raw)});
  }
  return submissions;
}

// The latency below which `fraction` (0.99 for p99) of the submissions came back.
inline std::chrono::milliseconds latency_percentile(std::vector<Submission> submissions,
                                                    double fraction) {
  if (submissions.empty()) return std::chrono::milliseconds(0);
  std::sort(submissions.begin(), submissions.end(),
            [](const Submission& a, const Submission& b) { return a.latency < b.latency; });
  auto at = static_cast<size_t>(static_cast<double>(submissions.size()) * fraction);
  return submissions[std::min(submissions.size() - 1, at)].latency;
}

}  // namespace smsgate::testing

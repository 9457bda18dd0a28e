// What systemd is told, read off a real notify socket, and the watchdog's rule: it
// pings while every check is alive and stops as soon as one stalls.
#include "daemon/service_manager.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace smsgate::daemon {
namespace {

using namespace std::chrono_literals;

// A datagram socket standing in for systemd's NOTIFY_SOCKET for the test's lifetime.
class NotifySocket {
 public:
  NotifySocket() {
    path_ = (std::filesystem::temp_directory_path() /
             ("smsgate-notify-" + std::to_string(::getpid())))
                .string();
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    timeval timeout{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  // The next message, or "" after a second of silence.
  std::string next() {
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("service manager: ready, reloading, stopping and status reach the notify socket") {
  NotifySocket socket;
  notify_ready("2 of 2 modem(s) ready;\nAPI on http://127.0.0.1:8080/");
  CHECK(socket.next() == "READY=1\nSTATUS=2 of 2 modem(s) ready; API on http://127.0.0.1:8080/");
  notify_reloading();
  CHECK(socket.next().starts_with("RELOADING=1\n"));
  notify_watchdog();
  CHECK(socket.next() == "WATCHDOG=1");
  notify_stopping();
  CHECK(socket.next().starts_with("STOPPING=1\n"));
}

TEST_CASE("service manager: no notify socket, nothing is sent and nothing fails") {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  notify_ready("ready");
  notify_watchdog();
  CHECK_FALSE(watchdog_interval().has_value());
}

TEST_CASE("service manager: the watchdog interval comes from WATCHDOG_USEC") {
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  CHECK(watchdog_interval() == std::chrono::microseconds(30'000'000));
  ::setenv("WATCHDOG_USEC", "not a number", 1);
  CHECK_FALSE(watchdog_interval().has_value());
  ::unsetenv("WATCHDOG_USEC");
}

TEST_CASE("service manager: the journal is used only when stderr is the stream systemd named") {
  ::unsetenv("JOURNAL_STREAM");
  CHECK_FALSE(log_to_journal_when_attached());
  ::setenv("JOURNAL_STREAM", "1:1", 1);  // some other stream: stderr was redirected
  CHECK_FALSE(log_to_journal_when_attached());
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  CHECK_FALSE(log_to_journal_when_attached());
  ::unsetenv("JOURNAL_STREAM");
}

TEST_CASE("service manager: a check not seen within the age has stalled") {
  auto now = MonotonicClock::now();
  std::vector<Liveness> checks{
      {"fresh", [now] { return std::optional(now - 1s); }},
      {"old", [now] { return std::optional(now - 20s); }},
      {"never", [] { return std::optional<MonotonicClock::time_point>(); }},
  };
  CHECK(stalled(checks, now, 15s) == std::vector<std::string>{"old", "never"});
  CHECK(stalled(checks, now, 30s) == std::vector<std::string>{"never"});
  CHECK(stalled({}, now, 1s).empty());
}

TEST_CASE("service manager: the watchdog pings while alive and stops when a check stalls") {
  std::atomic<MonotonicClock::rep> seen{MonotonicClock::now().time_since_epoch().count()};
  std::atomic<bool> wedged{false};
  std::atomic<int> probes{0};
  std::atomic<int> pings{0};
  {
    Watchdog watchdog(
        200ms,
        {{"the loop",
          [&] {
            return std::optional(MonotonicClock::time_point(MonotonicClock::duration(seen.load())));
          }}},
        [&] {
          ++probes;
          if (!wedged) seen = MonotonicClock::now().time_since_epoch().count();
        },
        [&] { ++pings; });
    auto deadline = MonotonicClock::now() + 5s;
    while (pings < 3 && MonotonicClock::now() < deadline) std::this_thread::sleep_for(10ms);
    REQUIRE(pings >= 3);
    wedged = true;
    // Past half the interval since the last sign of life, no ping may follow.
    std::this_thread::sleep_for(300ms);
    int after_stall = pings;
    int probes_then = probes;
    deadline = MonotonicClock::now() + 5s;
    while (probes < probes_then + 4 && MonotonicClock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    CHECK(probes >= probes_then + 4);
    CHECK(pings == after_stall);
    wedged = false;
    deadline = MonotonicClock::now() + 5s;
    while (pings == after_stall && MonotonicClock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    CHECK(pings > after_stall);
  }
}

}  // namespace smsgate::daemon

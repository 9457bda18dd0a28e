// smsgated under a stand-in for systemd: a notify socket of the test's own, the
// watchdog asked for with WATCHDOG_USEC. The daemon must say READY only once the API
// answers, ping the watchdog while it works, and say RELOADING/READY around SIGHUP and
// STOPPING on SIGTERM.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "integration/http_client.h"
#include "integration/modem_harness.h"

namespace smsgate::testing {
namespace {

class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path.string()) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof(address.sun_path));
    path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    timeval timeout{0, 200'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~NotifySocket() { ::close(fd_); }
  const std::string& path() const { return path_; }

  // Waits (up to kPatience) for a message that starts with `prefix`; every message
  // received on the way is kept in `seen`.
  std::optional<std::string> wait_for(const std::string& prefix) {
    auto deadline = MonotonicClock::now() + kPatience;
    while (MonotonicClock::now() < deadline) {
      char buffer[4096];
      ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) continue;
      std::string message(buffer, static_cast<size_t>(n));
      seen.push_back(message);
      if (message.starts_with(prefix)) return message;
    }
    return std::nullopt;
  }

  std::vector<std::string> seen;

 private:
  std::string path_;
  int fd_ = -1;
};

pid_t start_daemon(const std::string& config, const std::string& log, const std::string& notify,
                   const std::string& watchdog_usec) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    FILE* out = std::fopen(log.c_str(), "a");
    if (out) {
      ::dup2(::fileno(out), STDOUT_FILENO);
      ::dup2(::fileno(out), STDERR_FILENO);
    }
    ::setenv("NOTIFY_SOCKET", notify.c_str(), 1);
    ::setenv("WATCHDOG_USEC", watchdog_usec.c_str(), 1);
    // A proxy set for the service must not carry the watchdog's request to ourselves.
    ::setenv("http_proxy", "http://127.0.0.1:9", 1);
    ::execl(SMSGATE_BINARY, SMSGATE_BINARY, "run", "--config", config.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  auto deadline = MonotonicClock::now() + kPatience;
  while (MonotonicClock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(20ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("service manager: READY once the API answers, watchdog pings, reload and stop said") {
  SimModems sims({sim::numbered_config(0), sim::numbered_config(1)});
  TempDir dir;
  std::string config = (dir.path() / "smsgate.toml").string();
  std::ofstream(config) << "[http]\nlisten = \"127.0.0.1:0\"\n"
                        << "[storage]\npath = \"" << (dir.path() / "smsgate.db").string()
                        << "\"\n"
                        << "[modems]\nports = [\"" << (sims.dir.path() / "modem*").string()
                        << "\"]\n"
                        << "[sending]\nquiet_hours = \"\"\ntimezone = \"UTC\"\n";
  std::string log = (dir.path() / "daemon.log").string();
  NotifySocket notify(dir.path() / "notify");
  // Four seconds: a ping every second, and room for the dispatcher's idle turn (1 s).
  pid_t pid = start_daemon(config, log, notify.path(), "4000000");

  auto ready = notify.wait_for("READY=1");
  REQUIRE_MESSAGE(ready, read_all(log));
  std::smatch url;
  REQUIRE(std::regex_search(*ready, url, std::regex("API on http://127\\.0\\.0\\.1:(\\d+)/")));
  CHECK_MESSAGE(ready->find("of 2 modem(s) ready") != std::string::npos, *ready);
  // READY comes after the API listens: it answers at once.
  HttpClient client("http://127.0.0.1:" + url[1].str());
  CHECK(client.request("GET", "/api/v1/health").json()["store"] == "ok");

  // The status line follows the modems as they become ready.
  auto both_ready = [](const std::string& message) {
    return message.find("STATUS=2 of 2 modem(s) ready; API on http://") != std::string::npos;
  };
  bool said_ready = both_ready(*ready);
  for (auto deadline = MonotonicClock::now() + kPatience;
       !said_ready && MonotonicClock::now() < deadline;) {
    auto status = notify.wait_for("STATUS=");
    said_ready = status && both_ready(*status);
  }
  CHECK_MESSAGE(said_ready, read_all(log));

  // The watchdog is fed: several pings within a few intervals.
  for (int i = 0; i < 3; ++i) REQUIRE_MESSAGE(notify.wait_for("WATCHDOG=1"), read_all(log));

  // A healthy daemon never holds its pings back.
  CHECK(read_all(log).find("stalled") == std::string::npos);

  ::kill(pid, SIGHUP);
  REQUIRE(notify.wait_for("RELOADING=1"));
  REQUIRE(notify.wait_for("READY=1"));
  CHECK(read_all(log).find("configuration reloaded") != std::string::npos);

  ::kill(pid, SIGTERM);
  REQUIRE(notify.wait_for("STOPPING=1"));
  CHECK(wait_exit(pid) == 0);
}

}  // namespace smsgate::testing

// smsgated as a process: started with a configuration file against simulated modems
// that live in this test (so they outlive the daemon), killed with SIGKILL at random
// moments while it sends, restarted, and finally stopped with SIGTERM. Nothing
// accepted may be lost, and duplicates may not exceed the parts in flight at the kills.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <random>

#include "common/clock.h"
#include "dispatch/compose.h"
#include "integration/modem_harness.h"
#include "store/store.h"

namespace smsgate::testing {
namespace {

class DaemonProcess {
 public:
  DaemonProcess(const std::string& config_path, const std::string& log_path) {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      FILE* log = std::fopen(log_path.c_str(), "a");
      if (log) {
        ::dup2(::fileno(log), STDOUT_FILENO);
        ::dup2(::fileno(log), STDERR_FILENO);
      }
      ::execl(SMSGATE_BINARY, SMSGATE_BINARY, "run", "--config", config_path.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~DaemonProcess() {
    if (pid_ > 0) kill(SIGKILL);
  }
  void kill(int signal_number) { ::kill(pid_, signal_number); }
  // The exit status, or -1 when it did not end within `patience`.
  int wait(std::chrono::seconds patience = kPatience) {
    auto deadline = MonotonicClock::now() + patience;
    while (MonotonicClock::now() < deadline) {
      int status = 0;
      pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

std::string write_config(const TempDir& dir, const std::string& ports_glob) {
  std::string path = (dir.path() / "smsgate.toml").string();
  std::ofstream out(path);
  // Any free port: daemons of tests running side by side must not compete for one.
  out << "[http]\nlisten = \"127.0.0.1:0\"\n"
      << "[storage]\npath = \"" << (dir.path() / "smsgate.db").string() << "\"\n"
      << "[modems]\nports = [\"" << ports_glob << "\"]\nrate_per_minute = 0\n"
      << "health_interval_seconds = 1\n"
      << "[sending]\nquiet_hours = \"\"\ntimezone = \"UTC\"\nretry_backoff_seconds = 1\n"
      << "[log]\nlevel = \"info\"\n";
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::string log_tail(const std::string& path) {
  std::string text = read_file(path);
  return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
}

}  // namespace

TEST_CASE("daemon: a bad configuration file is refused with its line") {
  TempDir dir;
  std::string path = (dir.path() / "bad.toml").string();
  std::ofstream(path) << "[modems]\nbaud = \"fast\"\n";
  std::string log = (dir.path() / "log").string();
  DaemonProcess daemon(path, log);
  CHECK(daemon.wait() == 1);
  CHECK(log_tail(log).find("bad.toml:2:") != std::string::npos);
}

TEST_CASE("daemon: SIGHUP reloads a good file and refuses a bad one, changing nothing") {
  SimModems sims(1);
  TempDir dir;
  std::string config = write_config(dir, (sims.dir.path() / "modem*").string());
  std::string log = (dir.path() / "daemon.log").string();
  DaemonProcess daemon(config, log);
  auto wait_for_log = [&](const std::string& needle, size_t count) {
    return wait_until([&] { return occurrences(read_file(log), needle) >= count; });
  };
  REQUIRE_MESSAGE(wait_for_log("smsgated running", 1), log_tail(log));
  std::ofstream(config, std::ios::app) << "[optout]\nkeywords = [\"STOP\", \"HALT\"]\n";
  daemon.kill(SIGHUP);
  REQUIRE_MESSAGE(wait_for_log("configuration reloaded", 1), log_tail(log));
  std::ofstream(config, std::ios::app) << "[bogus]\n";
  daemon.kill(SIGHUP);
  REQUIRE_MESSAGE(wait_for_log("reload refused, nothing changed", 1), log_tail(log));
  CHECK(read_file(log).find("smsgate.toml:") != std::string::npos);
  daemon.kill(SIGTERM);
  CHECK_MESSAGE(daemon.wait() == 0, log_tail(log));
}

TEST_CASE("daemon: killed at random moments while sending, nothing is lost") {
  std::vector<sim::SimConfig> modems;
  for (int i = 0; i < 3; ++i) {
    sim::SimConfig config = sim::numbered_config(i);
    config.cmgs_latency = 60ms;
    modems.push_back(config);
  }
  SimModems sims(modems);
  TempDir dir;
  std::string config = write_config(dir, (sims.dir.path() / "modem*").string());
  std::string log = (dir.path() / "daemon.log").string();

  // Accepted before the daemon ever runs: on disk, so the daemon must send them all.
  constexpr int kMessages = 120;
  {
    auto store = store::Store::open((dir.path() / "smsgate.db").string());
    REQUIRE(store.ok());
    std::vector<store::NewMessage> batch;
    for (int i = 0; i < kMessages; ++i) {
      dispatch::OutgoingRequest request;
      request.to = "+4917" + std::to_string(10000000 + i);
      request.text = "crash test " + std::to_string(i);
      auto message =
          dispatch::compose_message(request, SystemClock().now(), static_cast<uint16_t>(i));
      REQUIRE(message.ok());
      batch.push_back(std::move(*message));
    }
    REQUIRE((*store)->submit(std::move(batch), SystemClock().now()).ok());
  }

  std::mt19937 random(20261123);
  std::uniform_int_distribution<int> moment_ms(300, 1500);
  int kills = 0;
  for (; kills < 5; ++kills) {
    DaemonProcess daemon(config, log);
    std::this_thread::sleep_for(std::chrono::milliseconds(moment_ms(random)));
    daemon.kill(SIGKILL);
    REQUIRE(daemon.wait() == 128 + SIGKILL);
  }

  size_t started_before = occurrences(read_file(log), "smsgated running");
  DaemonProcess daemon(config, log);
  // Up (its signals handled) before it is judged: SIGTERM while it starts is fatal.
  REQUIRE_MESSAGE(
      wait_until([&] { return occurrences(read_file(log), "smsgated running") > started_before; }),
      log_tail(log));
  auto store = store::Store::open((dir.path() / "smsgate.db").string());
  REQUIRE(store.ok());
  auto all_sent = [&] {
    auto counts = (*store)->count_by_status();
    return counts.ok() && (*counts)[store::MessageStatus::kSent] == kMessages;
  };
  REQUIRE_MESSAGE(wait_until(all_sent), log_tail(log));
  daemon.kill(SIGTERM);
  CHECK_MESSAGE(daemon.wait() == 0, log_tail(log));

  std::map<std::string, int> copies;
  for (size_t m = 0; m < sims.bank->size(); ++m) {
    for (const auto& part : sims.with(m, [](sim::SimModem&s, auto) { return s.sent(); })) {
      ++copies[part.text];
    }
  }
  int duplicates = 0;
  for (int i = 0; i < kMessages; ++i) {
    int n = copies["crash test " + std::to_string(i)];
    CHECK_MESSAGE(n >= 1, "message " << i << " never reached the network");
    duplicates += std::max(0, n - 1);
  }
  // A kill can catch at most one part in flight per modem.
  MESSAGE("kills: " << kills << ", duplicates: " << duplicates);
  CHECK(duplicates <= kills * static_cast<int>(sims.bank->size()));
}

}  // namespace smsgate::testing

#include "daemon/service_manager.h"

#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace smsgate::daemon {
namespace {

void notify(const std::string& message) {
  // 0 (no NOTIFY_SOCKET) and errors alike change nothing: systemd cannot be told,
  // and the daemon runs the same without it.
  (void)sd_notify(0, message.c_str());
}

// A status line is one line: systemd shows it in `systemctl status`.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

}  // namespace

void notify_ready(std::string_view status) {
  notify("READY=1\nSTATUS=" + one_line(status));
}

void notify_reloading() {
  notify("RELOADING=1\nSTATUS=reloading the configuration");
}

void notify_stopping() {
  notify("STOPPING=1\nSTATUS=stopping: finishing the parts in flight");
}

void notify_status(std::string_view status) {
  notify("STATUS=" + one_line(status));
}

void notify_watchdog() {
  notify("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

bool log_to_journal_when_attached() {
  // systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected; stderr
  // is the journal only when it is still that stream (not redirected by a wrapper).
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat err {};
  if (::fstat(STDERR_FILENO, &err) != 0 || err.st_dev != device || err.st_ino != inode)
    return false;
  auto sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("smsgated");
  auto logger = std::make_shared<spdlog::logger>("smsgated", std::move(sink));
  logger->set_level(spdlog::default_logger()->level());
  spdlog::set_default_logger(std::move(logger));
  return true;
}

std::vector<std::string> stalled(const std::vector<Liveness>& checks,
                                 MonotonicClock::time_point now,
                                 std::chrono::microseconds max_age) {
  std::vector<std::string> names;
  for (const Liveness& check : checks) {
    auto seen = check.last_alive();
    if (!seen || now - *seen > max_age) names.push_back(check.name);
  }
  return names;
}

Watchdog::Watchdog(std::chrono::microseconds interval, std::vector<Liveness> checks,
                   std::function<void()> probe, std::function<void()> ping)
    : interval_(interval),
      checks_(std::move(checks)),
      probe_(std::move(probe)),
      ping_(std::move(ping)),
      thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watchdog::run() {
  bool withheld = false;
  for (;;) {
    {
      MutexLock lock(mutex_);
      wake_.wait_for(lock.native(), interval_ / 4, [this]() REQUIRES(mutex_) { return stopping_; });
      if (stopping_) return;
    }
    if (probe_) probe_();
    auto names = stalled(checks_, MonotonicClock::now(), interval_ / 2);
    if (names.empty()) {
      if (withheld) spdlog::info("watchdog: alive again, pinging systemd");
      withheld = false;
      ping_();
      continue;
    }
    if (!withheld) {
      std::string list;
      for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
      spdlog::error("watchdog: {} stalled; no more pings, systemd restarts the daemon", list);
      notify_status("stalled: " + list);
    }
    withheld = true;
  }
}

}  // namespace smsgate::daemon

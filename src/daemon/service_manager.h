// The service manager's side of the daemon: what systemd is told (sd_notify: ready,
// reloading, stopping, a status line, the watchdog) and where the log goes (journald,
// with each line's priority, when systemd runs us; stderr otherwise). Outside systemd
// every call is a no-op, so tests, the demo and a foreground run behave as before.
//
// The watchdog is fed only while the daemon really works: the dispatcher's loop has
// turned recently and the HTTP server answers a request on its own port. A wedged
// dispatcher or an HTTP server that no longer answers stops the pings, and systemd
// (WatchdogSec=) restarts the daemon.
//
// Thread safety: the notify functions may be called from any thread. A Watchdog runs
// its own thread between construction and destruction.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/thread_annotations.h"

namespace smsgate::daemon {

// sd_notify messages; each is ignored when NOTIFY_SOCKET is not set.
void notify_ready(std::string_view status);
void notify_reloading();
void notify_stopping();
void notify_status(std::string_view status);
void notify_watchdog();

// The interval systemd expects pings at (WatchdogSec=), or nullopt when it expects none.
std::optional<std::chrono::microseconds> watchdog_interval();

// Logs to journald (priorities from spdlog's levels) when stderr is the journal
// (systemd's JOURNAL_STREAM names it); otherwise leaves the default logger alone.
// Returns whether the journal is now used.
bool log_to_journal_when_attached();

// One thing that must keep moving for the daemon to count as alive: the last time it
// was seen alive (monotonic), or nullopt when it never was.
struct Liveness {
  std::string name;  // in the log line when it stalls: "the dispatcher"
  std::function<std::optional<MonotonicClock::time_point>()> last_alive;
};

// The names of the checks not seen alive within `max_age` of `now`; empty: all alive.
std::vector<std::string> stalled(const std::vector<Liveness>& checks,
                                 MonotonicClock::time_point now,
                                 std::chrono::microseconds max_age);

class Watchdog {
 public:
  // Every interval/4, runs `probe` (which may refresh what a check reads, e.g. an HTTP
  // request; it must return within interval/4), then pings through `ping` when no
  // check has stalled for longer than interval/2.
  Watchdog(std::chrono::microseconds interval, std::vector<Liveness> checks,
           std::function<void()> probe, std::function<void()> ping);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void run();

  std::chrono::microseconds interval_;
  std::vector<Liveness> checks_;
  std::function<void()> probe_;
  std::function<void()> ping_;
  Mutex mutex_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace smsgate::daemon

// UdevPortWatcher: tells a PortEvents (the pool) the moment udev has added or removed a
// tty, so that a modem plugged in is driven within seconds and one pulled out goes
// offline at once. Events come after udev's rules ran, so the /dev/smsgate/ links of
// udev/60-smsgate.rules exist when "added" is told.
//
// Where udev is not running (containers, chroots: no /run/udev/control) there is
// nothing to watch; start() says so once and returns null, and the pool's periodic
// rescan finds modems alone.
//
// Thread safety: one thread of its own reads the monitor and calls the PortEvents; the
// destructor stops and joins it.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "modem/port_events.h"

struct udev;
struct udev_monitor;

namespace smsgate::modem {

class UdevPortWatcher {
 public:
  // `events` must outlive the watcher. `udev_control`: the socket whose presence says
  // udevd runs (a parameter for tests).
  static std::unique_ptr<UdevPortWatcher> start(
      PortEvents& events, const std::string& udev_control = "/run/udev/control");
  ~UdevPortWatcher();
  UdevPortWatcher(const UdevPortWatcher&) = delete;
  UdevPortWatcher& operator=(const UdevPortWatcher&) = delete;

 private:
  UdevPortWatcher(PortEvents& events, udev* context, udev_monitor* monitor, int stop_fd);
  void run();
  void receive();

  PortEvents& events_;
  udev* context_;
  udev_monitor* monitor_;
  int stop_fd_;  // eventfd: the destructor's word to the thread
  std::thread thread_;
};

}  // namespace smsgate::modem

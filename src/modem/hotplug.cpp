#include "modem/hotplug.h"

#include <libudev.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace smsgate::modem {
namespace {

std::unique_ptr<UdevPortWatcher> without_udev(const std::string& why) {
  spdlog::info("no hot-plug events ({}); new modems are found by the periodic rescan", why);
  return nullptr;
}

}  // namespace

std::unique_ptr<UdevPortWatcher> UdevPortWatcher::start(PortEvents& events,
                                                        const std::string& udev_control) {
  std::error_code ignored;
  if (!std::filesystem::exists(udev_control, ignored)) {
    return without_udev("udev is not running: no " + udev_control);
  }
  udev* context = udev_new();
  if (!context) return without_udev("udev_new failed");
  // "udev": events after the rules ran (links made, permissions set), not the kernel's.
  udev_monitor* monitor = udev_monitor_new_from_netlink(context, "udev");
  if (!monitor || udev_monitor_filter_add_match_subsystem_devtype(monitor, "tty", nullptr) < 0 ||
      udev_monitor_enable_receiving(monitor) < 0) {
    if (monitor) udev_monitor_unref(monitor);
    udev_unref(context);
    return without_udev("the udev monitor cannot be opened");
  }
  int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) {
    udev_monitor_unref(monitor);
    udev_unref(context);
    return without_udev("no eventfd");
  }
  spdlog::info("watching udev for modems plugged in and out");
  return std::unique_ptr<UdevPortWatcher>(new UdevPortWatcher(events, context, monitor, stop_fd));
}

UdevPortWatcher::UdevPortWatcher(PortEvents& events, udev* context, udev_monitor* monitor,
                                 int stop_fd)
    : events_(events), context_(context), monitor_(monitor), stop_fd_(stop_fd) {
  thread_ = std::thread([this] { run(); });
}

UdevPortWatcher::~UdevPortWatcher() {
  uint64_t one = 1;
  (void)!::write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  ::close(stop_fd_);
  udev_monitor_unref(monitor_);
  udev_unref(context_);
}

void UdevPortWatcher::run() {
  pollfd fds[2] = {{udev_monitor_get_fd(monitor_), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("udev monitor: poll failed; hot-plug events stop, the rescan goes on");
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents & POLLIN) receive();
  }
}

void UdevPortWatcher::receive() {
  udev_device* device = udev_monitor_receive_device(monitor_);
  if (!device) return;
  const char* action = udev_device_get_action(device);
  const char* node = udev_device_get_devnode(device);
  if (action && node) {
    std::vector<std::string> names = {node};
    udev_list_entry* link = udev_device_get_devlinks_list_entry(device);
    for (; link; link = udev_list_entry_get_next(link)) {
      names.emplace_back(udev_list_entry_get_name(link));
    }
    std::string_view what = action;
    spdlog::debug("udev: {} {}", what, node);
    if (what == "add") {
      events_.on_port_added(names);
    } else if (what == "remove") {
      events_.on_port_removed(names);
    }
  }
  udev_device_unref(device);
}

}  // namespace smsgate::modem

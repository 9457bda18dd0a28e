#include "modem/discovery.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace smsgate::modem {
namespace {

namespace fs = std::filesystem;

std::optional<int> read_number(const fs::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text)) return std::nullopt;
  try {
    return std::stoi(text, nullptr, 16);  // sysfs prints it as two hex digits
  } catch (...) {
    return std::nullopt;
  }
}

struct Probed {
  std::string port;
  Result<Identity> identity = make_error("not probed");
};

int preference(const DiscoveredModem& modem, const std::vector<std::string>& ports) {
  const drivers::Driver& driver =
      drivers::driver_for(modem.identity.manufacturer, modem.identity.model);
  int rank = static_cast<int>(driver.at_interfaces.size());
  if (auto number = usb_interface_number(modem.port)) {
    auto found = std::find(driver.at_interfaces.begin(), driver.at_interfaces.end(), *number);
    if (found != driver.at_interfaces.end()) {
      rank = static_cast<int>(found - driver.at_interfaces.begin());
    }
  }
  int order = static_cast<int>(std::find(ports.begin(), ports.end(), modem.port) - ports.begin());
  return rank * 100000 + order;
}

}  // namespace

std::string device_of(const std::string& port) {
  std::error_code ignored;
  fs::path real = fs::canonical(port, ignored);
  return real.empty() ? port : real.string();
}

std::vector<std::string> expand_port_patterns(const std::vector<std::string>& patterns) {
  std::vector<std::string> ports;
  std::set<std::string> devices;
  for (const std::string& pattern : patterns) {
    glob_t matches{};
    if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
      std::vector<std::string> found(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
      std::sort(found.begin(), found.end());
      for (const std::string& path : found) {
        if (devices.insert(device_of(path)).second) ports.push_back(path);
      }
    }
    ::globfree(&matches);
  }
  return ports;
}

std::optional<int> usb_interface_number(const std::string& port) {
  std::string name = fs::path(device_of(port)).filename().string();
  fs::path device = fs::path("/sys/class/tty") / name / "device";
  std::error_code ignored;
  if (!fs::exists(device, ignored)) return std::nullopt;
  // ttyACM: the interface itself; ttyUSB: a usb-serial port below the interface.
  if (auto number = read_number(device / "bInterfaceNumber")) return number;
  return read_number(device / ".." / "bInterfaceNumber");
}

Discovery discover(const std::vector<std::string>& ports, const at::SerialSettings& settings,
                   std::chrono::milliseconds timeout) {
  std::vector<Probed> probed(ports.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ports.size(); ++i) {
    probed[i].port = ports[i];
    threads.emplace_back([&, i] {
      auto transport = at::open_transport(ports[i], settings);
      if (!transport) {
        probed[i].identity = transport.error();
        return;
      }
      at::AtChannel channel(std::move(*transport), drivers::all_unsolicited());
      at::Reply woken = wake(channel, timeout);
      if (!woken.ok()) {
        probed[i].identity = make_error("no modem answers AT (" + woken.describe() + ")");
        return;
      }
      probed[i].identity = read_identity(channel);
    });
  }
  for (std::thread& thread : threads) thread.join();

  Discovery discovery;
  std::map<std::string, size_t> by_imei;  // into discovery.modems
  for (const Probed& p : probed) {
    if (!p.identity) {
      discovery.skipped.push_back(p.port + ": " + p.identity.error().message);
      continue;
    }
    DiscoveredModem modem;
    modem.port = p.port;
    modem.identity = *p.identity;
    modem.family =
        std::string(drivers::driver_for(modem.identity.manufacturer, modem.identity.model).family);
    auto known = modem.identity.imei.empty() ? by_imei.end() : by_imei.find(modem.identity.imei);
    if (known == by_imei.end()) {
      if (!modem.identity.imei.empty()) by_imei[modem.identity.imei] = discovery.modems.size();
      discovery.modems.push_back(std::move(modem));
      continue;
    }
    DiscoveredModem& kept = discovery.modems[known->second];
    if (preference(modem, ports) < preference(kept, ports)) {
      modem.other_ports = std::move(kept.other_ports);
      modem.other_ports.push_back(kept.port);
      kept = std::move(modem);
    } else {
      kept.other_ports.push_back(modem.port);
    }
  }
  return discovery;
}

}  // namespace smsgate::modem

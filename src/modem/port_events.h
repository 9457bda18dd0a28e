// PortEvents: word that a serial port appeared or went away, so that the pool need not
// wait for its next rescan. udev is one source (modem/hotplug.h); tests, whose modems
// are ptys udev never sees, call it directly.
//
// Thread safety: implementations take calls from any thread.
#pragma once

#include <string>
#include <vector>

namespace smsgate::modem {

class PortEvents {
 public:
  virtual ~PortEvents() = default;
  // `names`: every name of the port, the device node and its links
  // ("/dev/ttyUSB2", "/dev/smsgate/0123-if02", "/dev/serial/by-id/...").
  virtual void on_port_added(const std::vector<std::string>& names) = 0;
  virtual void on_port_removed(const std::vector<std::string>& names) = 0;
};

}  // namespace smsgate::modem

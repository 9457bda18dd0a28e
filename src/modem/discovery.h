// Port discovery: which ports to drive. Configured entries are paths or glob patterns
// ("/dev/smsgate/*", "/dev/ttyUSB*"); a modem often exposes several ttys (AT, PPP,
// diagnostics, GPS), so every candidate is probed and each modem, known by its IMEI,
// is kept once, on the port its driver prefers.
//
// Thread safety: free functions; discover() runs one short-lived thread per port.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "at/transport.h"
#include "modem/probe.h"

namespace smsgate::modem {

// Every existing path the patterns name, sorted, each device once (symlinks to the same
// device count once; the first name in pattern order is kept). A pattern that matches
// nothing adds nothing: modems come and go.
std::vector<std::string> expand_port_patterns(const std::vector<std::string>& patterns);

// The device a port's path leads to, symlinks resolved ("/dev/ttyUSB2"); the path
// itself when it leads nowhere (now).
std::string device_of(const std::string& port);

// The USB interface number behind a tty (sysfs bInterfaceNumber), or nullopt for ptys
// and non-USB ports.
std::optional<int> usb_interface_number(const std::string& port);

struct DiscoveredModem {
  std::string port;
  std::string family;
  Identity identity;
  std::vector<std::string> other_ports;  // the same modem (IMEI) answered here too
};

struct Discovery {
  std::vector<DiscoveredModem> modems;
  std::vector<std::string> skipped;  // "/dev/ttyUSB1: no modem answers AT (timed out)"
};

// Probes each port (identity only: AT, ATE0, AT+CMEE=1, AT+CGMI/CGMM/CGMR/CGSN) and
// keeps one port per IMEI: the one whose USB interface comes first in the driver's
// at_interfaces, else the first in `ports` order.
Discovery discover(const std::vector<std::string>& ports, const at::SerialSettings& settings,
                   std::chrono::milliseconds timeout);

}  // namespace smsgate::modem

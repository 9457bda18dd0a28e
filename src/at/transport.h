// Transport: the byte pipe under an AT channel. A serial port through libserialport
// (baud, 8N1, flow control), or any file descriptor: a pseudo-terminal (simulated
// modems; libserialport does not open ptys) or one end of a socketpair in tests.
//
// A Transport is owned and used by one thread, the modem's worker; it is not safe for
// concurrent use, except interrupt(), which any thread may call. A failed read or write means the
// port is gone (unplugged, closed): the owner reopens it with open_transport() when it comes back.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace smsgate::at {

class Transport {
 public:
  virtual ~Transport() = default;

  // Waits up to `timeout` for bytes and returns what arrived (empty on timeout). An
  // error means the port is gone.
  virtual Result<std::string> read(std::chrono::milliseconds timeout) = 0;
  // Writes all of `bytes`, waiting up to `timeout` for the port to take them.
  virtual Status write(std::string_view bytes, std::chrono::milliseconds timeout) = 0;
  // Makes the read in progress, or else the next one, return at once (empty), so the
  // owner can look at new work without waiting for the modem. Thread-safe.
  virtual void interrupt() = 0;
  // Drops bytes received but not yet read (after a reset, before probing).
  virtual void discard_input() = 0;
  // "/dev/ttyUSB2", for logs.
  virtual const std::string& name() const = 0;
};

enum class FlowControl { kNone, kRtsCts, kXonXoff };

struct SerialSettings {
  int baud = 115200;
  FlowControl flow_control = FlowControl::kNone;
};

// Opens `path` (symlinks followed): a pseudo-terminal as a raw file descriptor, any
// other tty through libserialport with `settings` and 8N1. The error says why
// ("/dev/ttyUSB0: Permission denied").
Result<std::unique_ptr<Transport>> open_transport(const std::string& path,
                                                  const SerialSettings& settings = {});

// Wraps an open file descriptor (a pty, a socket); the Transport closes it.
std::unique_ptr<Transport> fd_transport(int fd, std::string name);

}  // namespace smsgate::at

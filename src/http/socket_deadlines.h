// Deadlines on the sockets of the HTTP server's connections. CivetWeb bounds each
// wait for data (request_timeout_ms) but not a whole request: a client that sends a
// byte every few seconds holds its thread for as long as it likes. At its deadline a
// socket is shut down (for reading, or both ways), which ends a read waiting on it at
// once; the thread serving it then answers or closes.
//
// CivetWeb does not hand out a connection's socket, so find_connection_socket() looks
// it up among the process's descriptors by its two addresses, once per connection.
//
// Thread safety: all methods may be called from any thread; a thread of its own shuts
// the sockets whose deadline has passed. A socket must be cleared before it is closed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "common/clock.h"
#include "common/thread_annotations.h"

namespace smsgate::http {

class SocketDeadlines {
 public:
  enum class Shut : uint8_t {
    kReading,  // reads end; an answer may still be written
    kBoth,     // the client is gone for us
  };

  SocketDeadlines();
  ~SocketDeadlines();
  SocketDeadlines(const SocketDeadlines&) = delete;
  SocketDeadlines& operator=(const SocketDeadlines&) = delete;

  // Shuts `socket` as `how` says at `deadline`, unless set again or cleared before.
  void set(int socket, MonotonicClock::time_point deadline, Shut how);
  void clear(int socket);

 private:
  struct Deadline {
    MonotonicClock::time_point at;
    Shut how;
  };
  void run();

  Mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<int, Deadline> deadlines_ GUARDED_BY(mutex_);  // by socket
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

// The descriptor of this process's TCP socket connected from `remote_address`
// ("192.0.2.7" or an IPv6 literal) port `remote_port` to local port `local_port`;
// -1 when there is none.
int find_connection_socket(std::string_view remote_address, int remote_port, int local_port);

}  // namespace smsgate::http

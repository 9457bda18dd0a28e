// SimBank: simulated modems on real pseudo-terminals, so the gateway drives them
// through the same serial path as hardware. Each modem gets a pty whose slave is
// symlinked as DIR/modem0, DIR/modem1, ...; one thread polls every master, feeds the
// bytes to that modem's SimModem, writes its answers back and fires its timers.
//
// Thread safety: every public method may be called from any thread. The SimModems
// are only touched under the bank's lock (with_modem runs the caller's function under
// it). The bank keeps a slave fd of each pty open itself, so a client that closes and
// reopens its port never makes the master see a hangup.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "drivers/sim/sim_modem.h"

namespace smsgate::sim {

class SimBank {
 public:
  // Creates `dir` when missing and one pty per config; an existing DIR/modemN symlink
  // (left by a crashed run) is replaced, any other file in its place is an error.
  static Result<std::unique_ptr<SimBank>> start(std::filesystem::path dir,
                                                std::vector<SimConfig> modems);
  ~SimBank();
  SimBank(const SimBank&) = delete;
  SimBank& operator=(const SimBank&) = delete;

  size_t size() const {
    MutexLock lock(mutex_);
    return ports_.size();
  }
  // DIR/modemN, the stable name a client opens.
  std::filesystem::path port_path(size_t index) const;
  // The pty slave it points to ("/dev/pts/5"); empty while unplugged.
  std::string device_path(size_t index) const;
  bool plugged(size_t index) const;

  // Runs `fn` under the bank's lock with the current time, then wakes the I/O thread
  // so whatever the modem now says goes out at once.
  void with_modem(size_t index,
                  const std::function<void(SimModem&, MonotonicClock::time_point)>& fn);

  // Pulls the USB plug: the master is closed (the client's reads fail with EIO or see
  // a hangup) and the symlink removed. The modem's state stays for inspection.
  Status unplug(size_t index);
  // Plugs it back: a new pty, the symlink re-created, the modem booting as after
  // power-on.
  Status replug(size_t index);

  // Stops the thread, closes the ptys and removes the symlinks. Idempotent.
  void stop();

 private:
  struct Port {
    explicit Port(SimConfig config) : modem(std::move(config)) {}
    SimModem modem;
    std::filesystem::path link;
    std::string device;
    int master = -1;
    int slave_keepalive = -1;  // see the class comment
    std::string unwritten;     // output the pty could not take yet
  };

  SimBank() = default;
  Status open_pty(Port& port) REQUIRES(mutex_);
  void close_pty(Port& port) REQUIRES(mutex_);
  void run();
  void wake();
  void pump(Port& port, MonotonicClock::time_point now) REQUIRES(mutex_);

  mutable Mutex mutex_;
  std::vector<std::unique_ptr<Port>> ports_ GUARDED_BY(mutex_);  // fixed size
  std::filesystem::path dir_;
  int wake_read_ = -1;
  int wake_write_ = -1;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace smsgate::sim

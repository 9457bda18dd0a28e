// ModemPool: every modem the daemon drives. It finds modems on the configured ports
// (paths and globs; one per IMEI), runs a ModemWorker for each, and looks again for
// ports that appeared (a modem plugged in, or re-enumerated under a new name after a
// hard reset or a replug, in which case its old worker is retired and the modem keeps
// its id): at once when told of a new port (PortEvents, from udev), else on a timer.
// Told that a port went away, it takes that port's modem offline at once.
//
// Events from all workers reach one PoolListener, tagged with the modem's id (its
// IMEI, or the port path when the modem gives none). The pool's methods are
// thread-safe; listener callbacks run on the workers' threads (see worker.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_annotations.h"
#include "modem/discovery.h"
#include "modem/port_events.h"
#include "modem/worker.h"

namespace smsgate::modem {

class PoolListener {
 public:
  virtual ~PoolListener() = default;
  virtual void on_status(const std::string& modem, const ModemStatus& status) = 0;
  virtual void on_sent(const std::string& modem, const SendOutcome& outcome) = 0;
  virtual void on_received(const std::string& modem, const Received& received) = 0;
};

// Settings for the modem on one port ([[modem]] tables of the configuration).
struct PortSettings {
  std::string port;
  std::optional<std::string> pin;
  bool enabled = true;
};

struct PoolConfig {
  std::vector<std::string> patterns;  // paths and globs
  std::vector<PortSettings> ports;    // per-port settings; their ports are scanned too
  WorkerConfig worker;                // template; port and pin filled in per modem
  // The fallback where no port events come (no udev: containers, chroots).
  std::chrono::milliseconds rescan_interval = std::chrono::seconds(10);
  std::chrono::milliseconds probe_timeout = std::chrono::seconds(5);
};

class ModemPool : public PortEvents {
 public:
  ModemPool(PoolConfig config, PoolListener& listener);
  ~ModemPool() override;  // stops
  ModemPool(const ModemPool&) = delete;
  ModemPool& operator=(const ModemPool&) = delete;

  // Scans once (so that start() returns with the modems present at start running), then
  // keeps rescanning on a thread.
  void start();
  void stop();

  // Ids of the running workers, sorted.
  std::vector<std::string> modems() const;
  bool try_send(const std::string& modem, SendRequest request);
  void confirm_stored(const std::string& modem, const StoredKey& key);
  void acknowledge_delivery(const std::string& modem, bool committed);
  void request_reset(const std::string& modem);
  // Asks the network a USSD code through `modem` (ModemWorker::request_ussd); `done`
  // runs once, on that modem's thread. Refused at once, `done` never called: kNotFound
  // for a modem the pool does not run, kModemNotReady, kModemBusy.
  Status request_ussd(const std::string& modem, UssdRequest request, UssdDone done);
  std::optional<ModemStatus> status(const std::string& modem) const;
  // The signal at each health poll of the last day, oldest first; none for a modem the
  // pool never drove.
  std::optional<std::vector<SignalSample>> signal_history(const std::string& modem) const;
  // What the last scan could not use ("/dev/ttyUSB1: no modem answers AT").
  std::vector<std::string> skipped_ports() const;

  // A port appeared: scan now (after a moment for the device's other ttys to appear).
  void on_port_added(const std::vector<std::string>& names) override;
  // A port went away: the modem on it goes offline now and its work to other modems;
  // it comes back under the same id when its port, or another, answers again.
  void on_port_removed(const std::vector<std::string>& names) override;

 private:
  class Forwarder;  // a worker's Listener, tagging events with the modem id
  struct Entry {
    std::unique_ptr<Forwarder> forwarder;
    std::unique_ptr<ModemWorker> worker;
    std::string port;
    std::string device;         // what `port` led to when last seen ("/dev/ttyUSB2")
    bool port_removed = false;  // udev said so, and has not said it is back
  };

  void scan();
  std::optional<std::string> pin_for(const std::string& port) const;
  bool enabled(const std::string& port) const;

  PoolConfig config_;
  PoolListener& listener_;
  mutable Mutex mutex_;
  std::map<std::string, Entry> entries_ GUARDED_BY(mutex_);  // by modem id
  std::vector<std::string> skipped_ GUARDED_BY(mutex_);
  // By modem id, kept when a modem moves to a new tty and its worker is replaced.
  std::map<std::string, std::shared_ptr<SignalHistory>> signal_histories_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool scan_requested_ GUARDED_BY(mutex_) = false;
  std::condition_variable wake_;
  std::thread rescanner_;
};

}  // namespace smsgate::modem

#include "modem/pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <set>

namespace smsgate::modem {
namespace {

// A USB modem's ttys appear one after another within a few hundred milliseconds; a
// scan that waits this long after the first sees them together, and so can keep the
// modem on the port its driver prefers.
constexpr std::chrono::milliseconds kPortSettle(300);

bool names_entry(const std::vector<std::string>& names, const std::string& port,
                 const std::string& device) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& name) { return name == port || name == device; });
}

}  // namespace

class ModemPool::Forwarder : public Listener {
 public:
  Forwarder(std::string id, PoolListener& listener) : id_(std::move(id)), listener_(listener) {}
  void on_status(const ModemStatus& status) override {
    if (!muted_) listener_.on_status(id_, status);
  }
  void on_sent(const SendOutcome& outcome) override { listener_.on_sent(id_, outcome); }
  void on_received(const Received& received) override { listener_.on_received(id_, received); }
  // A retired worker's states (stopping, stopped) would be taken for its successor's.
  void mute_status() { muted_ = true; }

 private:
  std::atomic<bool> muted_{false};
  std::string id_;
  PoolListener& listener_;
};

ModemPool::ModemPool(PoolConfig config, PoolListener& listener)
    : config_(std::move(config)), listener_(listener) {}

ModemPool::~ModemPool() { stop(); }

void ModemPool::start() {
  scan();
  rescanner_ = std::thread([this] {
    MutexLock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock.native(), config_.rescan_interval,
                     [this]() REQUIRES(mutex_) { return stopping_ || scan_requested_; });
      if (scan_requested_) {
        scan_requested_ = false;
        wake_.wait_for(lock.native(), kPortSettle, [this]() REQUIRES(mutex_) { return stopping_; });
      }
      if (stopping_) break;
      lock.unlock();
      scan();
      lock.lock();
    }
  });
}

void ModemPool::stop() {
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (rescanner_.joinable()) rescanner_.join();
  std::map<std::string, Entry> entries;
  {
    MutexLock lock(mutex_);
    entries.swap(entries_);
  }
  // All asked at once, then joined: each sees its part in flight through, and the
  // slowest send bounds the wait, not the sum of them.
  for (auto& [id, entry] : entries) entry.worker->request_stop();
  for (auto& [id, entry] : entries) entry.worker->stop();
}

std::optional<std::string> ModemPool::pin_for(const std::string& port) const {
  for (const PortSettings& settings : config_.ports) {
    if (settings.port == port) return settings.pin;
  }
  return std::nullopt;
}

bool ModemPool::enabled(const std::string& port) const {
  for (const PortSettings& settings : config_.ports) {
    if (settings.port == port) return settings.enabled;
  }
  return true;
}

void ModemPool::scan() {
  std::vector<std::string> patterns = config_.patterns;
  for (const PortSettings& settings : config_.ports) patterns.push_back(settings.port);
  std::vector<std::string> candidates = expand_port_patterns(patterns);

  // A port some worker has is that worker's to talk on (and to reopen when it comes
  // back); only the others are probed.
  std::set<std::string> offline_ids;
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    std::erase_if(candidates, [&](const std::string& port) REQUIRES(mutex_) {
      return !enabled(port) || std::any_of(entries_.begin(), entries_.end(),
                                           [&](const auto& e) { return e.second.port == port; });
    });
    for (const auto& [id, entry] : entries_) {
      // Removed, it may be between two attempts to reopen (opening), not offline.
      if (entry.port_removed || entry.worker->status().state == State::kOffline) {
        offline_ids.insert(id);
      }
    }
  }
  if (candidates.empty()) return;

  Discovery found = discover(candidates, config_.worker.serial, config_.probe_timeout);
  std::vector<Entry> retired;
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    skipped_ = found.skipped;
    for (DiscoveredModem& modem : found.modems) {
      std::string id = modem.identity.imei.empty() ? modem.port : modem.identity.imei;
      auto existing = entries_.find(id);
      if (existing != entries_.end()) {
        if (offline_ids.count(id) == 0) continue;  // already driven on another tty
        // The same modem under a new name (re-enumerated after a reset): move over.
        spdlog::info("modem {}: moved from {} to {}", id, existing->second.port, modem.port);
        existing->second.forwarder->mute_status();
        retired.push_back(std::move(existing->second));
        entries_.erase(existing);
      }
      WorkerConfig worker_config = config_.worker;
      worker_config.port = modem.port;
      worker_config.pin = pin_for(modem.port);
      std::shared_ptr<SignalHistory>& history = signal_histories_[id];
      if (!history) history = std::make_shared<SignalHistory>();
      worker_config.signal_history = history;
      Entry entry;
      entry.port = modem.port;
      entry.device = device_of(modem.port);
      entry.forwarder = std::make_unique<Forwarder>(id, listener_);
      entry.worker = std::make_unique<ModemWorker>(worker_config, *entry.forwarder);
      spdlog::info("modem {}: found on {} ({} {}, driver {})", id, modem.port,
                   modem.identity.manufacturer, modem.identity.model, modem.family);
      entry.worker->start();
      entries_.emplace(id, std::move(entry));
    }
  }
  // Stopped with their forwarders still alive: a stopping worker still reports.
  for (Entry& entry : retired) entry.worker->stop();
}

void ModemPool::on_port_added(const std::vector<std::string>& names) {
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    scan_requested_ = true;
    for (auto& [id, entry] : entries_) {
      std::string device = device_of(entry.port);
      if (!names_entry(names, entry.port, device)) continue;
      // Back where it was: its own worker reopens it now (scans leave a worker's port
      // alone).
      entry.device = device;
      entry.port_removed = false;
      if (entry.worker->status().state == State::kOffline) entry.worker->port_added();
    }
  }
  wake_.notify_all();
}

void ModemPool::on_port_removed(const std::vector<std::string>& names) {
  MutexLock lock(mutex_);
  for (auto& [id, entry] : entries_) {
    if (!names_entry(names, entry.port, entry.device)) continue;
    spdlog::info("modem {}: {} was removed", id, entry.port);
    entry.port_removed = true;
    entry.worker->port_removed();
  }
}

std::vector<std::string> ModemPool::modems() const {
  MutexLock lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& [id, entry] : entries_) ids.push_back(id);
  return ids;
}

bool ModemPool::try_send(const std::string& modem, SendRequest request) {
  MutexLock lock(mutex_);
  auto found = entries_.find(modem);
  return found != entries_.end() && found->second.worker->try_send(std::move(request));
}

void ModemPool::confirm_stored(const std::string& modem, const StoredKey& key) {
  MutexLock lock(mutex_);
  auto found = entries_.find(modem);
  if (found != entries_.end()) found->second.worker->confirm_stored(key);
}

void ModemPool::acknowledge_delivery(const std::string& modem, bool committed) {
  MutexLock lock(mutex_);
  auto found = entries_.find(modem);
  if (found != entries_.end()) found->second.worker->acknowledge_delivery(committed);
}

void ModemPool::request_reset(const std::string& modem) {
  MutexLock lock(mutex_);
  auto found = entries_.find(modem);
  if (found != entries_.end()) found->second.worker->request_reset();
}

Status ModemPool::request_ussd(const std::string& modem, UssdRequest request, UssdDone done) {
  MutexLock lock(mutex_);
  auto found = entries_.find(modem);
  if (found == entries_.end()) return Error{"no running modem " + modem, ErrorCode::kNotFound};
  return found->second.worker->request_ussd(std::move(request), std::move(done));
}

std::optional<ModemStatus> ModemPool::status(const std::string& modem) const {
  MutexLock lock(mutex_);
  auto found = entries_.find(modem);
  if (found == entries_.end()) return std::nullopt;
  return found->second.worker->status();
}

std::optional<std::vector<SignalSample>> ModemPool::signal_history(const std::string& modem) const {
  static const SystemClock system_clock;
  const Clock& clock = config_.worker.wall_clock ? *config_.worker.wall_clock : system_clock;
  MutexLock lock(mutex_);
  auto found = signal_histories_.find(modem);
  if (found == signal_histories_.end()) return std::nullopt;
  return found->second->samples(clock.now());
}

std::vector<std::string> ModemPool::skipped_ports() const {
  MutexLock lock(mutex_);
  return skipped_;
}

}  // namespace smsgate::modem

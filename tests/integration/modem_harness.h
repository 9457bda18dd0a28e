// Shared by the integration tests: simulated modems on real ptys in a fresh directory,
// and a Listener that records what a worker reports and lets a test wait for it.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "drivers/sim/sim_bank.h"
#include "modem/worker.h"

namespace smsgate::testing {

using namespace std::chrono_literals;

// Long enough for any correct behaviour on a loaded CI machine; a test that waits this
// long has failed.
inline constexpr auto kPatience = 60s;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "smsgate-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct SimModems {
  TempDir dir;
  std::unique_ptr<sim::SimBank> bank;

  explicit SimModems(std::vector<sim::SimConfig> configs) {
    auto started = sim::SimBank::start(dir.path(), std::move(configs));
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    bank = std::move(*started);
  }
  explicit SimModems(size_t count = 1) : SimModems(std::vector<sim::SimConfig>(count)) {}

  std::string port(size_t i) const { return bank->port_path(i).string(); }
  template <class F>
  auto with(size_t i, F&& f) {
    using R = decltype(f(std::declval<sim::SimModem&>(), MonotonicClock::now()));
    if constexpr (std::is_void_v<R>) {
      bank->with_modem(i, [&](sim::SimModem& m, MonotonicClock::time_point now) { f(m, now); });
    } else {
      R result{};
      bank->with_modem(
          i, [&](sim::SimModem& m, MonotonicClock::time_point now) { result = f(m, now); });
      return result;
    }
  }
};

// Records everything a worker reports.
class Recorder : public modem::Listener {
 public:
  void on_status(const modem::ModemStatus& status) override {
    std::lock_guard lock(mutex_);
    statuses_.push_back(status);
    changed_.notify_all();
  }
  void on_sent(const modem::SendOutcome& outcome) override {
    std::lock_guard lock(mutex_);
    outcomes_.push_back(outcome);
    changed_.notify_all();
  }
  void on_received(const modem::Received& received) override {
    {
      std::lock_guard lock(mutex_);
      received_.push_back(received);
      changed_.notify_all();
    }
    if (received.awaits_acknowledgement && acknowledge_) acknowledge_(received);
  }
  // Called for each direct delivery that waits for an acknowledgement, as the
  // dispatcher would once it has stored it.
  void acknowledge_with(std::function<void(const modem::Received&)> acknowledge) {
    acknowledge_ = std::move(acknowledge);
  }

  // Waits until `done` holds over what was recorded; false after kPatience.
  bool wait(const std::function<bool(const Recorder&)>& done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return done(*this); });
  }
  bool wait_for_state(modem::State state) {
    return wait([&](const Recorder& r) {
      return !r.statuses_.empty() && r.statuses_.back().state == state;
    });
  }
  // Whether the worker was ever in `state` since the recording began.
  bool saw_state(modem::State state) const {
    std::lock_guard lock(mutex_);
    for (const auto& s : statuses_) {
      if (s.state == state) return true;
    }
    return false;
  }

  std::vector<modem::ModemStatus> statuses() const {
    std::lock_guard lock(mutex_);
    return statuses_;
  }
  std::vector<modem::SendOutcome> outcomes() const {
    std::lock_guard lock(mutex_);
    return outcomes_;
  }
  std::vector<modem::Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

  // Unlocked views for use inside wait() predicates (the lock is held there).
  const std::vector<modem::ModemStatus>& statuses_locked() const { return statuses_; }
  const std::vector<modem::SendOutcome>& outcomes_locked() const { return outcomes_; }
  const std::vector<modem::Received>& received_locked() const { return received_; }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<modem::ModemStatus> statuses_;
  std::vector<modem::SendOutcome> outcomes_;
  std::vector<modem::Received> received_;
  std::function<void(const modem::Received&)> acknowledge_;
};

// Polls `done` until it holds; false after kPatience (the test has failed then).
inline bool wait_until(const std::function<bool()>& done) {
  auto deadline = MonotonicClock::now() + kPatience;
  while (!done()) {
    if (MonotonicClock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Worker settings for tests: quick health polls so a hang is found in seconds.
inline modem::WorkerConfig test_worker_config(std::string port) {
  modem::WorkerConfig config;
  config.port = std::move(port);
  config.health_interval = 300ms;
  config.reopen_interval = 100ms;
  config.boot_timeout = 5s;
  // A hung modem's part in flight comes back after this instead of minutes.
  config.send_timeout = 5s;
  return config;
}

}  // namespace smsgate::testing

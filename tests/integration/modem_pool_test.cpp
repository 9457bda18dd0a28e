// ModemPool over simulated modems: the modems present at start, one worker per IMEI,
// a modem plugged in later, and a modem that comes back under a new port name.
#include <doctest/doctest.h>

#include "integration/modem_harness.h"
#include "modem/pool.h"

namespace smsgate::testing {
namespace {

class PoolRecorder : public modem::PoolListener {
 public:
  void on_status(const std::string& modem, const modem::ModemStatus& status) override {
    std::lock_guard lock(mutex_);
    states_[modem] = status.state;
    changed_.notify_all();
  }
  void on_sent(const std::string&, const modem::SendOutcome&) override {}
  void on_received(const std::string&, const modem::Received&) override {}

  bool wait_ready(const std::string& modem) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] {
      auto found = states_.find(modem);
      return found != states_.end() && found->second == modem::State::kReady;
    });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, modem::State> states_;
};

std::vector<sim::SimConfig> modems_with_imeis(std::vector<std::string> imeis) {
  std::vector<sim::SimConfig> configs;
  for (auto& imei : imeis) {
    sim::SimConfig config;
    config.imei = imei;
    configs.push_back(config);
  }
  return configs;
}

modem::PoolConfig pool_config(const SimModems& sims) {
  modem::PoolConfig config;
  config.patterns = {(sims.dir.path() / "modem*").string()};
  config.worker = test_worker_config("");
  config.rescan_interval = 200ms;
  config.probe_timeout = 2s;
  return config;
}

}  // namespace

TEST_CASE("modem pool: one worker per modem, and modems plugged in later") {
  // The first two are one modem with two ttys; the third is plugged in later.
  SimModems sims(modems_with_imeis({"356938035643809", "356938035643809", "490154203237518"}));
  REQUIRE(sims.bank->unplug(2).ok());
  PoolRecorder recorder;
  modem::ModemPool pool(pool_config(sims), recorder);
  pool.start();
  CHECK(pool.modems() == std::vector<std::string>{"356938035643809"});
  REQUIRE(recorder.wait_ready("356938035643809"));
  CHECK(pool.status("356938035643809")->port == sims.port(0));

  REQUIRE(sims.bank->replug(2).ok());
  REQUIRE(recorder.wait_ready("490154203237518"));
  CHECK(pool.modems() == std::vector<std::string>{"356938035643809", "490154203237518"});
  CHECK(pool.status("490154203237518")->port == sims.port(2));
  CHECK_FALSE(pool.status("nothing").has_value());
  CHECK_FALSE(pool.try_send("nothing", modem::SendRequest{}));
}

TEST_CASE("modem pool: a modem back under a new name moves its worker there") {
  // modem0 and modem1 are the same modem before and after re-enumeration.
  SimModems sims(modems_with_imeis({"356938035643809", "356938035643809"}));
  REQUIRE(sims.bank->unplug(1).ok());
  PoolRecorder recorder;
  modem::ModemPool pool(pool_config(sims), recorder);
  pool.start();
  REQUIRE(recorder.wait_ready("356938035643809"));
  REQUIRE(sims.bank->unplug(0).ok());
  REQUIRE(
      wait_until([&] { return pool.status("356938035643809")->state == modem::State::kOffline; }));
  REQUIRE(sims.bank->replug(1).ok());
  REQUIRE(wait_until([&] {
    auto status = pool.status("356938035643809");
    return status->port == sims.port(1) && status->state == modem::State::kReady;
  }));
  CHECK(pool.modems().size() == 1);
}

}  // namespace smsgate::testing

// Hot-plug: the pool told of ports appearing and going (modem::PortEvents, as the udev
// watcher tells it), with the periodic rescan set to a minute so that only the event
// can explain what happens within seconds. Simulated modems are ptys, which udev never
// sees, so the tests tell the pool themselves.
#include "modem/hotplug.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "dispatch/compose.h"
#include "dispatch/dispatcher.h"
#include "integration/modem_harness.h"
#include "modem/pool.h"
#include "store/store.h"

namespace smsgate::testing {
namespace {

using modem::State;

// What a modem plugged in may take to be driven, from its port's event (the issue's
// promise); the rescan, a minute, cannot be what found it.
constexpr auto kPlugDeadline = 3s;
// "At once" for a port that went away.
constexpr auto kUnplugDeadline = 1s;
constexpr auto kNoRescan = 60s;

bool within(std::chrono::milliseconds deadline, const std::function<bool()>& done) {
  auto until = MonotonicClock::now() + deadline;
  while (!done()) {
    if (MonotonicClock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Every state each modem went through.
class StateLog : public modem::PoolListener {
 public:
  void on_status(const std::string& modem, const modem::ModemStatus& status) override {
    std::lock_guard lock(mutex_);
    states_[modem].push_back(status.state);
  }
  void on_sent(const std::string&, const modem::SendOutcome&) override {}
  void on_received(const std::string&, const modem::Received&) override {}

  bool saw(const std::string& modem, State state) {
    std::lock_guard lock(mutex_);
    auto& seen = states_[modem];
    return std::find(seen.begin(), seen.end(), state) != seen.end();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<State>> states_;
};

constexpr const char* kImeiA = "356938035643809";
constexpr const char* kImeiB = "490154203237518";

std::vector<sim::SimConfig> with_imeis(std::vector<std::string> imeis) {
  std::vector<sim::SimConfig> configs;
  for (size_t i = 0; i < imeis.size(); ++i) {
    sim::SimConfig config = sim::numbered_config(static_cast<int>(i));
    config.imei = imeis[i];
    configs.push_back(config);
  }
  return configs;
}

modem::PoolConfig slow_rescan_config(const SimModems& sims) {
  modem::PoolConfig config;
  config.patterns = {(sims.dir.path() / "modem*").string()};
  config.worker = test_worker_config("");
  config.rescan_interval = kNoRescan;
  config.probe_timeout = 2s;
  return config;
}

bool ready_on(modem::ModemPool& pool, const std::string& id, const std::string& port) {
  auto status = pool.status(id);
  return status && status->state == State::kReady && status->port == port;
}

}  // namespace

TEST_CASE("hot-plug: a modem whose port appears is driven within seconds of the event") {
  SimModems sims(with_imeis({kImeiA, kImeiB}));
  REQUIRE(sims.bank->unplug(1).ok());
  StateLog log;
  modem::ModemPool pool(slow_rescan_config(sims), log);
  pool.start();
  REQUIRE(wait_until([&] { return ready_on(pool, kImeiA, sims.port(0)); }));

  REQUIRE(sims.bank->replug(1).ok());
  CHECK(pool.modems() == std::vector<std::string>{kImeiA});  // nothing scans by itself
  pool.on_port_added({sims.bank->device_path(1), sims.port(1)});
  CHECK(within(kPlugDeadline, [&] { return ready_on(pool, kImeiB, sims.port(1)); }));
  CHECK(pool.modems() == std::vector<std::string>{kImeiA, kImeiB});
}

TEST_CASE("hot-plug: a modem whose port is removed goes offline at once") {
  SimModems sims(with_imeis({kImeiA, kImeiB}));
  StateLog log;
  modem::ModemPool pool(slow_rescan_config(sims), log);
  pool.start();
  REQUIRE(wait_until([&] { return ready_on(pool, kImeiA, sims.port(0)); }));
  REQUIRE(wait_until([&] { return ready_on(pool, kImeiB, sims.port(1)); }));

  SUBCASE("named by its link") {
    // The link goes, the pty stays open and answering: only the event says the device
    // is gone, as udev does before a read on the real tty fails.
    std::filesystem::remove(sims.port(0));
    pool.on_port_removed({"/dev/ttyUSB7", sims.port(0)});
    CHECK(within(kUnplugDeadline, [&] { return pool.status(kImeiA)->state == State::kOffline; }));
    // No link to reopen: it stays offline, under its id, while the other modem works on.
    std::this_thread::sleep_for(300ms);  // a few of its reopening attempts
    CHECK(pool.status(kImeiA)->state == State::kOffline);
    CHECK(pool.status(kImeiB)->state == State::kReady);
  }
  SUBCASE("named by its device node only") {
    pool.on_port_removed({sims.bank->device_path(1)});
    CHECK(within(kUnplugDeadline, [&] { return log.saw(kImeiB, State::kOffline); }));
    // Its link still leads to the answering pty, so the worker is back by itself.
    CHECK(wait_until([&] { return ready_on(pool, kImeiB, sims.port(1)); }));
    CHECK_FALSE(log.saw(kImeiA, State::kOffline));
  }
  SUBCASE("a port no modem is on changes nothing") {
    pool.on_port_removed({"/dev/ttyUSB9", "/dev/smsgate/elsewhere-if02"});
    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(log.saw(kImeiA, State::kOffline));
    CHECK_FALSE(log.saw(kImeiB, State::kOffline));
  }
}

TEST_CASE("hot-plug: a modem back on its own port is driven again at once") {
  SimModems sims(with_imeis({kImeiA}));
  StateLog log;
  modem::PoolConfig config = slow_rescan_config(sims);
  // Its worker would look at the port again only after a minute by itself.
  config.worker.reopen_interval = kNoRescan;
  modem::ModemPool pool(config, log);
  pool.start();
  REQUIRE(wait_until([&] { return ready_on(pool, kImeiA, sims.port(0)); }));

  std::string device = sims.bank->device_path(0);
  std::filesystem::remove(sims.port(0));
  pool.on_port_removed({sims.port(0)});
  REQUIRE(within(kUnplugDeadline, [&] { return pool.status(kImeiA)->state == State::kOffline; }));
  std::filesystem::create_symlink(device, sims.port(0));
  pool.on_port_added({device, sims.port(0)});
  CHECK(within(kPlugDeadline, [&] { return ready_on(pool, kImeiA, sims.port(0)); }));
}

TEST_CASE("hot-plug: a modem back on another port keeps its id") {
  // modem0 and modem1 are one modem (one IMEI) before and after a replug elsewhere.
  SimModems sims(with_imeis({kImeiA, kImeiA}));
  REQUIRE(sims.bank->unplug(1).ok());
  StateLog log;
  modem::ModemPool pool(slow_rescan_config(sims), log);
  pool.start();
  REQUIRE(wait_until([&] { return ready_on(pool, kImeiA, sims.port(0)); }));

  REQUIRE(sims.bank->unplug(0).ok());
  pool.on_port_removed({sims.port(0)});
  CHECK(within(kUnplugDeadline, [&] { return pool.status(kImeiA)->state == State::kOffline; }));
  REQUIRE(sims.bank->replug(1).ok());
  pool.on_port_added({sims.bank->device_path(1), sims.port(1)});
  CHECK(within(kPlugDeadline, [&] { return ready_on(pool, kImeiA, sims.port(1)); }));
  CHECK(pool.modems() == std::vector<std::string>{kImeiA});
}

TEST_CASE("hot-plug: without udev there is no watcher, and the rescan finds modems alone") {
  class Ignored : public modem::PortEvents {
    void on_port_added(const std::vector<std::string>&) override {}
    void on_port_removed(const std::vector<std::string>&) override {}
  } events;
  TempDir dir;
  CHECK(modem::UdevPortWatcher::start(events, (dir.path() / "control").string()) == nullptr);

  SimModems sims(with_imeis({kImeiA}));
  REQUIRE(sims.bank->unplug(0).ok());
  StateLog log;
  modem::PoolConfig config = slow_rescan_config(sims);
  config.rescan_interval = 200ms;
  modem::ModemPool pool(config, log);
  pool.start();
  REQUIRE(sims.bank->replug(0).ok());
  CHECK(wait_until([&] { return ready_on(pool, kImeiA, sims.port(0)); }));
}

// The dispatcher's side: an unplugged modem's work goes to the others, and the modem
// plugged in again elsewhere goes on under its id, its sends in the store still its own.
TEST_CASE("hot-plug: unplugged, a modem's work goes elsewhere; back, it keeps its history") {
  // modem0 and modem2 are modem A before and after the replug; modem1 is modem B.
  std::vector<sim::SimConfig> configs = with_imeis({kImeiA, kImeiB, kImeiA});
  for (auto& c : configs) c.cmgs_latency = 50ms;
  SimModems sims(configs);
  REQUIRE(sims.bank->unplug(2).ok());
  TempDir db_dir;
  auto opened = store::Store::open((db_dir.path() / "smsgate.db").string());
  REQUIRE(opened.ok());
  std::unique_ptr<store::Store> store = std::move(*opened);
  SystemClock clock;
  dispatch::DispatcherOptions options;
  options.retry.base_delay_ms = 50;
  options.retry.max_delay_ms = 200;
  options.quiet_hours = std::nullopt;
  options.idle_poll_ms = 50;
  auto created = dispatch::Dispatcher::create(*store, clock, options);
  REQUIRE(created.ok());
  std::unique_ptr<dispatch::Dispatcher> dispatcher = std::move(*created);
  modem::ModemPool pool(slow_rescan_config(sims), *dispatcher);
  dispatcher->attach(pool);
  pool.start();
  REQUIRE(dispatcher->start().ok());
  REQUIRE(wait_until([&] { return ready_on(pool, kImeiA, sims.port(0)); }));
  REQUIRE(wait_until([&] { return ready_on(pool, kImeiB, sims.port(1)); }));

  int next_ref = 1;
  auto submit = [&](int i, std::optional<std::string> pin = std::nullopt) {
    dispatch::OutgoingRequest request;
    request.to = "+4917012345" + std::to_string(10 + i);
    request.text = "m" + std::to_string(i);
    request.modem = pin;
    auto message =
        dispatch::compose_message(request, clock.now(), static_cast<uint16_t>(next_ref++));
    REQUIRE(message.ok());
    auto submitted = store->submit({std::move(*message)}, clock.now());
    REQUIRE(submitted.ok());
    dispatcher->wake();
    return (*submitted)[0].id;
  };
  auto status_of = [&](int64_t id) { return (*store->get_message(id))->message.status; };
  auto sent_by = [&](size_t sim) {
    return sims.with(sim, [](sim::SimModem& m, auto) { return m.sent(); });
  };

  std::vector<int64_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(submit(i));
  REQUIRE(wait_until([&] { return sent_by(0).size() >= 2 && sent_by(1).size() >= 2; }));

  REQUIRE(sims.bank->unplug(0).ok());
  pool.on_port_removed({sims.port(0)});
  CHECK(within(kUnplugDeadline, [&] { return pool.status(kImeiA)->state == State::kOffline; }));
  for (int64_t id : ids) {
    REQUIRE(wait_until([&] { return status_of(id) == store::MessageStatus::kSent; }));
  }
  std::map<std::string, int> copies;
  for (size_t s : {size_t{0}, size_t{1}}) {
    for (const auto& part : sent_by(s)) ++copies[part.text];
  }
  int duplicates = 0;
  for (int i = 0; i < 20; ++i) duplicates += std::max(0, copies["m" + std::to_string(i)] - 1);
  CHECK(duplicates <= 1);  // at most the part in flight on the unplugged modem
  int sent_by_a = 0;
  for (int64_t id : ids) {
    if ((*store->get_message(id))->message.assigned_modem == kImeiA) ++sent_by_a;
  }
  CHECK(sent_by_a >= 2);

  REQUIRE(sims.bank->replug(2).ok());
  pool.on_port_added({sims.bank->device_path(2), sims.port(2)});
  CHECK(within(kPlugDeadline, [&] { return ready_on(pool, kImeiA, sims.port(2)); }));
  int64_t after = submit(99, std::string(kImeiA));
  REQUIRE(wait_until([&] { return status_of(after) == store::MessageStatus::kSent; }));
  CHECK((*store->get_message(after))->message.assigned_modem == kImeiA);
  CHECK(sent_by(2).size() == 1);

  auto modems = store->list_modems();
  REQUIRE(modems.ok());
  REQUIRE(modems->size() == 2);
  auto a = std::find_if(modems->begin(), modems->end(),
                        [](const store::ModemRecord& m) { return m.identity.imei == kImeiA; });
  REQUIRE(a != modems->end());
  CHECK(a->parts_sent == sent_by_a + 1);

  dispatcher->stop(true);
  pool.stop();
}

}  // namespace smsgate::testing

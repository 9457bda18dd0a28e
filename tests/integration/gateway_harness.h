// A whole gateway in the test process: simulated modems on ptys, a store in a temp
// directory, the modem pool and the dispatcher, wired as the daemon wires them. Tests
// submit through compose_message (as the API will) and wait for outcomes in the store.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "dispatch/compose.h"
#include "dispatch/dispatcher.h"
#include "integration/modem_harness.h"
#include "modem/pool.h"
#include "store/store.h"

namespace smsgate::testing {

class Gateway {
 public:
  Gateway(std::vector<sim::SimConfig> modems, dispatch::DispatcherOptions options = fast_options(),
          const Clock* clock = nullptr)
      : sims_(number(std::move(modems))), options_(std::move(options)) {
    clock_ = clock ? clock : &system_clock_;
    db_path_ = (db_dir_.path() / "smsgate.db").string();
    start();
  }
  explicit Gateway(size_t modems = 2) : Gateway(std::vector<sim::SimConfig>(modems)) {}
  ~Gateway() { stop(); }

  // Retries quickly, so that tests of retries take milliseconds.
  static dispatch::DispatcherOptions fast_options() {
    dispatch::DispatcherOptions options;
    options.retry.base_delay_ms = 50;
    options.retry.max_delay_ms = 200;
    options.quiet_hours = std::nullopt;
    options.idle_poll_ms = 50;
    return options;
  }

  // (Re)starts the daemon's part; the modems and the database stay.
  void start() {
    auto opened = store::Store::open(db_path_);
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    store_ = std::move(*opened);
    auto created = dispatch::Dispatcher::create(*store_, *clock_, options_);
    REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
    dispatcher_ = std::move(*created);
    modem::PoolConfig pool_config;
    pool_config.patterns = {(sims_.dir.path() / "modem*").string()};
    pool_config.worker = test_worker_config("");
    pool_config.rescan_interval = 300ms;
    pool_config.probe_timeout = 2s;
    pool_ = std::make_unique<modem::ModemPool>(pool_config, *dispatcher_);
    dispatcher_->attach(*pool_);
    pool_->start();
    REQUIRE(dispatcher_->start().ok());
  }

  // As SIGTERM does: the dispatcher drains, then the modems are let go.
  void stop() {
    if (!dispatcher_) return;
    dispatcher_->stop(true);
    pool_->stop();
    pool_.reset();
    dispatcher_.reset();
    store_.reset();
  }

  // Waits until `count` modems are ready to send; false after kPatience.
  bool wait_ready(size_t count) {
    return wait_until([&] {
      size_t ready = 0;
      for (const std::string& id : pool_->modems()) {
        auto status = pool_->status(id);
        if (status && status->state == modem::State::kReady) ++ready;
      }
      return ready >= count;
    });
  }

  int64_t submit(const std::string& to, const std::string& text,
                 const std::function<void(dispatch::OutgoingRequest&)>& adjust = {}) {
    dispatch::OutgoingRequest request;
    request.to = to;
    request.text = text;
    if (adjust) adjust(request);
    auto message =
        dispatch::compose_message(request, clock_->now(), static_cast<uint16_t>(next_ref_++));
    REQUIRE_MESSAGE(message.ok(), (message.ok() ? "" : message.error().message));
    auto submitted = store_->submit({std::move(*message)}, clock_->now());
    REQUIRE_MESSAGE(submitted.ok(), (submitted.ok() ? "" : submitted.error().message));
    dispatcher_->wake();
    return (*submitted)[0].id;
  }

  store::MessageDetail message(int64_t id) {
    auto detail = store_->get_message(id);
    REQUIRE(detail.ok());
    REQUIRE(detail->has_value());
    return **detail;
  }

  // Waits until message `id` has `status`; false after kPatience.
  bool wait_status(int64_t id, store::MessageStatus status) {
    return wait_until([&] { return message(id).message.status == status; });
  }

  bool wait_until(const std::function<bool()>& done) { return testing::wait_until(done); }

  // Every part the modems accepted, over all modems.
  std::vector<sim::SentMessage> sent() {
    std::vector<sim::SentMessage> all;
    for (size_t i = 0; i < sims_.bank->size(); ++i) {
      auto sent = sims_.with(i, [](sim::SimModem& m, auto) { return m.sent(); });
      all.insert(all.end(), sent.begin(), sent.end());
    }
    return all;
  }

  SimModems& sims() { return sims_; }
  store::Store& store() { return *store_; }
  dispatch::Dispatcher& dispatcher() { return *dispatcher_; }
  modem::ModemPool& pool() { return *pool_; }
  const std::string& db_path() const { return db_path_; }

 private:
  static std::vector<sim::SimConfig> number(std::vector<sim::SimConfig> modems) {
    for (size_t i = 0; i < modems.size(); ++i) {
      modems[i] = sim::numbered_config(static_cast<int>(i), modems[i]);
    }
    return modems;
  }

  SimModems sims_;
  TempDir db_dir_;
  std::string db_path_;
  dispatch::DispatcherOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<dispatch::Dispatcher> dispatcher_;
  std::unique_ptr<modem::ModemPool> pool_;
  int next_ref_ = 1;
};

}  // namespace smsgate::testing

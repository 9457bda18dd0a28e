#include "daemon/daemon.h"

#include <spdlog/spdlog.h>

namespace smsgate::daemon {

Result<dispatch::DispatcherOptions> dispatcher_options(const config::Config& config) {
  dispatch::DispatcherOptions options;
  options.retry = config.sending.retry_policy();
  options.quiet_hours = config.sending.quiet_hours;
  auto zone = dispatch::TimeZone::create(config.sending.timezone);
  if (!zone) return make_error("[sending] timezone: " + zone.error().message);
  options.timezone = *zone;
  options.routes = config.sending.routes;
  options.default_limits = {config.modems.rate_per_minute, config.modems.daily_limit};
  for (const config::ModemConfig& modem : config.modem) {
    options.modems.push_back(dispatch::ModemPolicy{
        modem.port, modem.name, dispatch::RateLimits{modem.rate_per_minute, modem.daily_limit}});
  }
  options.optout_keywords = config.optout.keywords;
  options.optin_keywords = config.optout.optin_keywords;
  return options;
}

modem::PoolConfig pool_config(const config::Config& config) {
  modem::PoolConfig pool;
  pool.patterns = config.modems.ports;
  for (const config::ModemConfig& modem : config.modem) {
    pool.ports.push_back(modem::PortSettings{modem.port, modem.pin, modem.enabled});
  }
  pool.worker.serial = config.modems.serial();
  pool.worker.health_interval = config.modems.health_interval;
  pool.worker.trace = config.log.at_trace;
  return pool;
}

Status apply_log_config(const config::LogConfig& log) {
  auto level = spdlog::level::from_str(log.level);
  // from_str answers "off" for anything it does not know; the config checked the name.
  if (log.at_trace && level > spdlog::level::debug) level = spdlog::level::debug;
  spdlog::set_level(level);
  return ok_status();
}

Result<std::unique_ptr<Daemon>> Daemon::start(const config::Config& config) {
  std::unique_ptr<Daemon> daemon(new Daemon());
  daemon->config_ = config;
  auto options = dispatcher_options(config);
  if (!options) return options.error();
  auto store = store::Store::open(config.storage.path);
  if (!store) return make_error(config.storage.path + ": " + store.error().message);
  daemon->store_ = std::move(*store);
  auto dispatcher =
      dispatch::Dispatcher::create(*daemon->store_, daemon->clock_, std::move(*options));
  if (!dispatcher) return dispatcher.error();
  daemon->dispatcher_ = std::move(*dispatcher);
  daemon->pool_ = std::make_unique<modem::ModemPool>(pool_config(config), *daemon->dispatcher_);
  daemon->dispatcher_->attach(*daemon->pool_);
  // The dispatcher first: it requeues what a crash left before any modem is ready.
  if (Status started = daemon->dispatcher_->start(); !started) return started.error();
  daemon->pool_->start();
  auto modems = daemon->pool_->modems();
  spdlog::info("smsgated running: {} modem(s), database {}", modems.size(), config.storage.path);
  for (const std::string& skipped : daemon->pool_->skipped_ports()) {
    spdlog::info("port not used: {}", skipped);
  }
  return daemon;
}

Daemon::~Daemon() { stop(); }

Status Daemon::reload(const config::Config& config) {
  auto options = dispatcher_options(config);
  if (!options) return options.error();
  if (Status reloaded = dispatcher_->reload(std::move(*options)); !reloaded) return reloaded;
  // Limits and names reach the dispatcher above; what the pool and the store were
  // started with (where to look for modems, PINs, the database) does not change.
  bool pool_changed = pool_config(config).patterns != pool_config(config_).patterns;
  for (size_t i = 0; !pool_changed && i < config.modem.size(); ++i) {
    pool_changed = i >= config_.modem.size() || config.modem[i].port != config_.modem[i].port ||
                   config.modem[i].pin != config_.modem[i].pin ||
                   config.modem[i].enabled != config_.modem[i].enabled;
  }
  pool_changed = pool_changed || config.modem.size() != config_.modem.size();
  if (config.storage != config_.storage || config.http != config_.http || pool_changed) {
    spdlog::warn("reload: changes to storage, http, ports, PINs and enabled take a restart");
  }
  if (Status logged = apply_log_config(config.log); !logged) return logged;
  config_.sending = config.sending;
  config_.optout = config.optout;
  config_.log = config.log;
  config_.modems.rate_per_minute = config.modems.rate_per_minute;
  config_.modems.daily_limit = config.modems.daily_limit;
  spdlog::info("configuration reloaded");
  return ok_status();
}

void Daemon::stop() {
  if (!dispatcher_) return;
  spdlog::info("stopping: finishing the parts in flight");
  dispatcher_->stop(true);
  pool_->stop();
  pool_.reset();
  dispatcher_.reset();
  store_.reset();
  spdlog::info("stopped");
}

Result<std::unique_ptr<sim::SimBank>> start_demo_modems(const std::filesystem::path& dir,
                                                        int count) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return make_error(dir.string() + ": " + error.message());
  std::vector<sim::SimConfig> modems;
  for (int i = 0; i < count; ++i) {
    sim::SimConfig config = sim::numbered_config(i);
    // Roughly what a real network takes to accept a message.
    config.cmgs_latency = std::chrono::milliseconds(800);
    modems.push_back(config);
  }
  auto bank = sim::SimBank::start(dir, modems);
  if (!bank) return bank.error();
  for (int i = 0; i < count; ++i) {
    (*bank)->with_modem(static_cast<size_t>(i), [](sim::SimModem& modem, sim::Clock::time_point) {
      modem.set_auto_status_reports(
          sim::SimModem::AutoStatusReports{0, std::chrono::milliseconds(2000)});
    });
  }
  return bank;
}

}  // namespace smsgate::daemon

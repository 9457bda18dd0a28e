// Daemon: smsgated's running parts wired together from a Config: the store, the modem
// pool (a worker per modem found on the configured ports), and the dispatcher between
// them. `smsgated run` builds one, waits for signals, and stops it; tests build one in
// process. The demo adds simulated modems on ptys first and points the pool at them.
//
// Thread safety: start/reload/stop from one controlling thread (the signal loop).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "auth/admin_sessions.h"
#include "auth/api_keys.h"
#include "auth/otp.h"
#include "common/clock.h"
#include "config/config.h"
#include "daemon/service_manager.h"
#include "dispatch/alarms.h"
#include "dispatch/appointments.h"
#include "dispatch/autoreply.h"
#include "dispatch/dispatcher.h"
#include "dispatch/intake.h"
#include "drivers/sim/sim_bank.h"
#include "email/mail_back.h"
#include "email/outbox.h"
#include "email/smtp_server.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/server.h"
#include "modem/hotplug.h"
#include "modem/pool.h"
#include "store/store.h"
#include "webhook/deliverer.h"

namespace smsgate::daemon {

// What the configuration says the dispatcher and the pool should do.
Result<dispatch::DispatcherOptions> dispatcher_options(const config::Config& config);
modem::PoolConfig pool_config(const config::Config& config);
// Balance checks and alarms: [modems] and each [[modem]]'s balance and SIM keys.
dispatch::AlarmWatchOptions alarm_watch_options(const config::Config& config);
dispatch::ComposeDefaults compose_defaults(const config::Config& config);
// [appointments] and the quiet hours and zone of [sending], for the AppointmentBook.
Result<dispatch::AppointmentSettings> appointment_settings(const config::Config& config);
store::OtpSendLimit otp_send_limit(const config::Config& config);

// What start() would refuse before it opens the database, a port or a socket: the time
// zone, the listen address, the TLS certificate and key (readable, the key the
// certificate's, OpenSSL loadable). `smsgated check-config` runs it without starting.
Status check_startable(const config::Config& config);

class Daemon {
 public:
  // Opens the store, requeues what a crash left half-done, finds the modems, starts
  // dispatching, delivering webhooks and serving the API. Errors (a store that will
  // not open, a bad time zone, a port in use) stop it here.
  // `clock`: the wall clock (tests move it forward); it must outlive the daemon.
  static Result<std::unique_ptr<Daemon>> start(const config::Config& config,
                                               const Clock* clock = nullptr);
  ~Daemon();  // stop()

  // SIGHUP: what can change without a restart (policies, limits, keywords, the OTP
  // send limit, [autoreply] and [appointments], log level). A file whose appointment
  // settings are refused changes nothing.
  // Ports, the database and the listen address need a restart; a change there is
  // logged and ignored.
  Status reload(const config::Config& config);
  // SIGTERM: the API stops answering; no new parts; the parts in flight are seen
  // through (no part is left half submitted), then the modems are let go and the
  // store closed.
  void stop();

  store::Store& store() { return *store_; }
  dispatch::Dispatcher& dispatcher() { return *dispatcher_; }
  // Where every new message goes in.
  dispatch::Intake& intake() { return *intake_; }
  modem::ModemPool& pool() { return *pool_; }
  dispatch::AlarmWatch& alarms() { return *alarms_; }
  auth::ApiKeys& api_keys() { return *api_keys_; }
  // The port the API listens on (the one chosen when the config said port 0).
  int http_port() const { return server_ ? server_->port() : 0; }
  // The port the SMTP listener accepts on; 0 when [email] listen is not set.
  int smtp_port() const { return smtp_server_ ? smtp_server_->port() : 0; }
  // The routes the API serves (the authorization tests walk them); valid while running.
  const http::Router& http_routes() const { return server_->router(); }
  // Where the API answers on this machine ("http://127.0.0.1:8080/"); valid while running.
  std::string api_url() const;
  // One line for systemd's status: "3 of 4 modem(s) ready; API on http://...". Any
  // thread.
  std::string summary();

 private:
  Daemon() = default;
  // Under systemd with WatchdogSec=: pings while the dispatcher turns and the API answers.
  void start_watchdog();

  config::Config config_;
  SystemClock system_clock_;
  const Clock* clock_ = &system_clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<dispatch::Dispatcher> dispatcher_;
  std::unique_ptr<modem::ModemPool> pool_;
  std::unique_ptr<modem::UdevPortWatcher> port_watcher_;  // null without udev
  std::unique_ptr<dispatch::AlarmWatch> alarms_;
  std::unique_ptr<webhook::Deliverer> deliverer_;
  // Mail out: both null while [email] smarthost is not set. The outbox is woken by
  // what mail_back_ writes, so it goes second.
  std::unique_ptr<email::Outbox> mail_outbox_;
  std::unique_ptr<email::MailBack> mail_back_;
  std::unique_ptr<auth::ApiKeys> api_keys_;
  std::unique_ptr<dispatch::Intake> intake_;
  std::unique_ptr<dispatch::AutoReplier> auto_replier_;  // answers what the inbox records
  std::unique_ptr<dispatch::AppointmentBook> appointments_;
  std::unique_ptr<auth::Otp> otp_;
  std::unique_ptr<auth::AdminSessions> admin_sessions_;
  http::ApiMetrics api_metrics_;
  http::SettingsSource settings_;  // what GET /api/v1/settings shows
  std::unique_ptr<http::ApiContext> api_context_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<email::SmtpServer> smtp_server_;  // with [email] listen
  Mutex summary_mutex_;
  std::string summary_url_ GUARDED_BY(summary_mutex_);  // api_url() once it listens
  std::atomic<bool> serving_{false};
  std::atomic<MonotonicClock::rep> api_answered_{0};  // MonotonicClock ticks; 0: never
  std::unique_ptr<Watchdog> watchdog_;                // after what it watches: stopped first
};

// How the demo's simulated phones answer a text: one that asks for a score ("Reply
// 1-10", "from 1 to 10") gets "9, thank you!"; others no answer.
std::optional<std::string> demo_phone_answer(const std::string& text);

// The demo's simulated modems: `count` modems on ptys in `dir` (created), with
// distinct identities, a realistic send latency, delivery reports and phones that
// answer as demo_phone_answer says.
Result<std::unique_ptr<sim::SimBank>> start_demo_modems(const std::filesystem::path& dir,
                                                        int count);

// Opens the store at [storage] `path`: its directory made (0700) when missing, files
// found open to others fixed and logged; a full disk said so.
Result<std::unique_ptr<store::Store>> open_store(const std::string& path);

// Applies [log] level (and debug when at_trace) to the default logger.
Status apply_log_config(const config::LogConfig& log);

}  // namespace smsgate::daemon

#include "daemon/daemon.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "daemon/local_api.h"
#include "daemon/service_manager.h"
#include "email/mail_compose.h"
#include "http/web.h"
#include "policy/appointment_schedule.h"
#include "store/files.h"

namespace smsgate::daemon {
namespace {

store::ModemEventInfo modem_event_info(const std::string& id, const modem::ModemStatus& status,
                                       std::string reason) {
  store::ModemEventInfo info;
  info.modem = id;
  info.port = status.port;
  info.model = status.identity.manufacturer + " " + status.identity.model;
  info.operator_name = status.health.operator_name;
  info.reason = std::move(reason);
  return info;
}

}  // namespace

Result<dispatch::DispatcherOptions> dispatcher_options(const config::Config& config) {
  dispatch::DispatcherOptions options;
  options.retry = config.sending.retry_policy();
  options.quiet_hours = config.sending.quiet_hours;
  auto zone = policy::TimeZone::create(config.sending.timezone);
  if (!zone) return make_error("[sending] timezone: " + zone.error().message);
  options.timezone = *zone;
  options.routes = config.sending.routes;
  options.default_limits = {config.modems.rate_per_minute, config.modems.daily_limit};
  for (const config::ModemConfig& modem : config.modem) {
    options.modems.push_back(dispatch::ModemPolicy{
        modem.port, modem.name, policy::RateLimits{modem.rate_per_minute, modem.daily_limit}});
  }
  options.optout_keywords = config.optout.keywords;
  options.optin_keywords = config.optout.optin_keywords;
  auto days = [](int count) -> std::optional<int64_t> {
    if (count == 0) return std::nullopt;  // 0: forever
    return int64_t{count} * 24 * 3600 * 1000;
  };
  options.messages_retention_ms = days(config.retention.messages_days);
  options.inbound_retention_ms = days(config.retention.inbound_days);
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

dispatch::AlarmWatchOptions alarm_watch_options(const config::Config& config) {
  dispatch::AlarmWatchOptions options;
  options.defaults = {config.modems.balance_ussd, config.modems.balance_check_hours,
                      config.modems.balance_alarm_below, std::nullopt};
  for (const config::ModemConfig& modem : config.modem) {
    options.ports[modem.port] = {modem.balance_ussd, modem.balance_check_hours,
                                 modem.balance_alarm_below, modem.sim_expires};
  }
  return options;
}

dispatch::ComposeDefaults compose_defaults(const config::Config& config) {
  dispatch::ComposeDefaults defaults;
  defaults.default_region = config.sending.default_region;
  defaults.timezone = config.sending.timezone;
  defaults.default_ttl_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.sending.default_ttl).count();
  defaults.default_reply_window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.sending.default_reply_window)
          .count();
  return defaults;
}

dispatch::AutoReplySettings autoreply_settings(const config::Config& config) {
  const config::AutoReplyConfig& autoreply = config.autoreply;
  dispatch::AutoReplySettings settings;
  settings.enabled = autoreply.enabled;
  settings.sender_name = autoreply.sender_name;
  settings.language = autoreply.language;
  settings.help_keywords = autoreply.help_keywords;
  settings.help_text = autoreply.help_text;
  settings.optout_text = autoreply.optout_text;
  settings.optin_text = autoreply.optin_text;
  settings.out_of_hours_text = autoreply.out_of_hours_text;
  settings.hours = autoreply.hours;
  settings.default_region = config.sending.default_region;
  settings.timezone = config.sending.timezone;
  return settings;
}

Result<dispatch::AppointmentSettings> appointment_settings(const config::Config& config) {
  dispatch::AppointmentSettings settings;
  settings.default_reminders.clear();
  for (const std::string& offset : config.appointments.default_reminders) {
    auto parsed = policy::parse_reminder_offset(offset);
    if (!parsed) return make_error("[appointments] default_reminders: " + parsed.error().message);
    settings.default_reminders.push_back(*parsed);
  }
  settings.confirmation_text = config.appointments.confirmation_text;
  settings.moved_text = config.appointments.moved_text;
  settings.cancelled_text = config.appointments.cancelled_text;
  auto words = policy::ReplyWords::create(config.appointments.reply_words);
  if (!words) return make_error("[appointments] " + words.error().message);
  settings.reply_words = std::move(*words);
  settings.quiet_hours = config.sending.quiet_hours;
  auto zone = policy::TimeZone::create(config.sending.timezone);
  if (!zone) return make_error("[sending] timezone: " + zone.error().message);
  settings.zone = *zone;
  return settings;
}

email::OutboxOptions outbox_options(const config::Config& config) {
  email::OutboxOptions options;
  options.smarthost.url = config.email.smarthost.value_or("");
  options.smarthost.user = config.email.smarthost_user;
  options.smarthost.password = config.email.smarthost_password;
  options.smarthost.ca_file = config.email.smarthost_ca_file;
  options.smarthost.timeout = config.email.smarthost_timeout;
  options.from = config.email.from;
  options.retry.max_attempts = config.email.mail_max_attempts;
  return options;
}

// The [email] keys of mail out, which a reload applies, from `file` into `running`.
void take_mail_out(config::EmailConfig& running, const config::EmailConfig& file) {
  running.smarthost = file.smarthost;
  running.smarthost_user = file.smarthost_user;
  running.smarthost_password = file.smarthost_password;
  running.smarthost_ca_file = file.smarthost_ca_file;
  running.from = file.from;
  running.mail_max_attempts = file.mail_max_attempts;
  running.smarthost_timeout = file.smarthost_timeout;
  running.reports_to = file.reports_to;
  running.report_delivered = file.report_delivered;
  running.report_failed = file.report_failed;
  running.report_replies = file.report_replies;
}

Result<email::MailBackSettings> mail_back_settings(const config::Config& config) {
  email::MailBackSettings settings;
  for (const config::ForwardConfig& forward : config.forward)
    settings.forwards.push_back({std::nullopt, forward.to, forward.from_numbers, forward.subject});
  auto zone = policy::TimeZone::create(config.sending.timezone);
  if (!zone) return make_error("[sending] timezone: " + zone.error().message);
  settings.zone = *zone;
  // Message-IDs on the From's domain, so that replies and bounces thread there.
  auto from = email::mailbox_address(config.email.from);
  if (!from) return make_error("[email] from: " + from.error().message);
  settings.message_domain = std::string(email::address_domain(*from));
  settings.reports_to = config.email.reports_to;
  settings.sms_domain = config.email.domain;
  settings.report_delivered = config.email.report_delivered;
  settings.report_failed = config.email.report_failed;
  settings.report_replies = config.email.report_replies;
  return settings;
}

store::OtpSendLimit otp_send_limit(const config::Config& config) {
  return store::OtpSendLimit{
      config.otp.max_sends_per_number,
      std::chrono::duration_cast<std::chrono::milliseconds>(config.otp.send_window).count()};
}

// [email] as the SMTP listener takes it. STARTTLS uses [email]'s certificate, else the
// API's, so one certificate serves both on a small appliance.
email::SmtpServerOptions smtp_options(const config::Config& config) {
  email::SmtpServerOptions options;
  options.listen = config.email.listen.value_or("");
  options.session.hostname = config.email.domain;
  options.session.domain = config.email.domain;
  options.session.default_region = config.sending.default_region;
  options.session.max_message_bytes = static_cast<size_t>(config.email.max_message_kb) * 1024;
  options.delivery.text.subject_prefix = config.email.subject_prefix;
  options.delivery.max_parts = config.email.max_parts;
  options.allow_networks = config.email.allow_networks;
  options.max_connections = config.email.max_connections;
  options.max_connections_per_client = config.email.max_connections_per_client;
  if (!config.email.tls_certificate.empty()) {
    options.tls_certificate = config.email.tls_certificate;
    options.tls_key = config.email.tls_key;
  } else {
    options.tls_certificate = config.http.tls_certificate;
    options.tls_key = config.http.tls_key;
  }
  return options;
}

// The API and the admin page's files on one server.
http::Router with_admin_page(http::Router router) {
  http::add_web_routes(router);
  return router;
}

Status apply_log_config(const config::LogConfig& log) {
  auto level = spdlog::level::from_str(log.level);
  // from_str answers "off" for anything it does not know; the config checked the name.
  if (log.at_trace && level > spdlog::level::debug) level = spdlog::level::debug;
  spdlog::set_level(level);
  return ok_status();
}

Result<std::unique_ptr<store::Store>> open_store(const std::string& path) {
  // Made here, by the daemon, so it is private; a directory that exists keeps its mode.
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (Status made = store::create_private_directories(directory); !made)
    return make_error("[storage] path: " + made.error().message);
  auto store = store::Store::open(path);
  if (!store) {
    const Error& error = store.error();
    if (error.code == ErrorCode::kStorageUnavailable)
      return Error{
          "[storage] path: the database cannot be opened, its disk is full or "
          "failing (opening it writes its -shm file, and a new or older database "
          "needs room for its tables): " +
              error.message,
          error.code};
    return make_error("[storage] path: " + error.message);
  }
  for (const std::string& note : (*store)->file_notes()) {
    spdlog::warn("{} (the database holds every text and secret: owner only)", note);
  }
  return store;
}

// The addresses as GMime reads them (the file's own check catches only typos).
Status check_mail_out(const config::Config& config) {
  if (!config.email.smarthost) return ok_status();
  if (auto from = email::mailbox_address(config.email.from); !from)
    return make_error("[email] from: " + from.error().message);
  for (const config::ForwardConfig& forward : config.forward)
    if (auto to = email::mailbox_address(forward.to); !to)
      return make_error("[[forward]] to: " + to.error().message);
  if (config.email.reports_to)
    if (auto to = email::mailbox_address(*config.email.reports_to); !to)
      return make_error("[email] reports_to: " + to.error().message);
  return ok_status();
}

Status check_startable(const config::Config& config) {
  if (auto options = dispatcher_options(config); !options) return options.error();
  if (Status mail = check_mail_out(config); !mail) return mail.error();
  const bool tls = !config.http.tls_certificate.empty();
  if (auto ports = http::listening_ports_option(config.http.listen, tls); !ports)
    return make_error("[http] " + ports.error().message);
  if (!tls) return ok_status();
  if (!http::tls_available())
    return make_error(
        "[http] tls_certificate: TLS is not available: CivetWeb could not load OpenSSL (is "
        "smsgated's lib/smsgate directory, with its libssl.so for CivetWeb, in place?)");
  if (Status files = http::check_tls_files(config.http.tls_certificate, config.http.tls_key);
      !files)
    return make_error("[http] " + files.error().message);
  return ok_status();
}

Result<std::unique_ptr<Daemon>> Daemon::start(const config::Config& config, const Clock* clock) {
  std::unique_ptr<Daemon> daemon(new Daemon());
  Daemon& d = *daemon;
  d.config_ = config;
  if (clock) d.clock_ = clock;
  auto options = dispatcher_options(config);
  if (!options) return options.error();
  auto store = open_store(config.storage.path);
  if (!store) return store.error();
  d.store_ = std::move(*store);

  webhook::DelivererOptions delivery;
  delivery.timeout = config.webhooks.timeout;
  delivery.max_age = config.webhooks.max_age;
  delivery.set_aside_after = config.webhooks.set_aside_after;
  auto deliverer = webhook::Deliverer::start(*d.store_, *d.clock_, delivery);
  if (!deliverer) return deliverer.error();
  d.deliverer_ = std::move(*deliverer);

  if (config.email.smarthost) {
    if (Status mail = check_mail_out(config); !mail) return mail.error();
    auto outbox = email::Outbox::start(*d.store_, *d.clock_, outbox_options(config));
    if (!outbox) return outbox.error();
    d.mail_outbox_ = std::move(*outbox);
    auto settings = mail_back_settings(config);
    if (!settings) return settings.error();
    auto back = email::MailBack::start(*d.store_, *d.clock_, std::move(*settings),
                                       [&d] { d.mail_outbox_->wake(); });
    if (!back) return back.error();
    d.mail_back_ = std::move(*back);
  }

  // The intake before the dispatcher, for the appointments and the automatic answers
  // to inbound texts: its thread hands them replies from the start. It wakes the
  // dispatcher only when something is submitted, which starts after this.
  d.intake_ = std::make_unique<dispatch::Intake>(*d.store_, compose_defaults(config),
                                                 [&d] { d.dispatcher_->wake(); });
  auto appointments = appointment_settings(config);
  if (!appointments) return appointments.error();
  d.appointments_ =
      std::make_unique<dispatch::AppointmentBook>(*d.store_, *d.intake_, std::move(*appointments));

  // Status changes and inbound messages wrote their webhook events in their own
  // transaction; modem events are written here. Either way the deliverer is woken.
  dispatch::Dispatcher::Observers observers;
  observers.message_changed = [&d](const store::StatusChange&) { d.deliverer_->wake(); };
  observers.answers_appointment = [&d](const store::InboundMessage& message) {
    return d.appointments_->answers(message);
  };
  observers.inbound_received = [&d](const store::InboundMessage& message) {
    d.appointments_->take_reply(message, d.clock_->now());
    d.deliverer_->wake();
  };
  observers.modem_changed = [&d](const std::string& id, const modem::ModemStatus& status) {
    bool online = status.state == modem::State::kReady;
    store::ModemEventInfo info = modem_event_info(id, status, online ? "" : status.detail);
    if (Status queued = d.store_->enqueue_modem_event(online, info, d.clock_->now()); !queued) {
      spdlog::error("webhook event for modem {}: {}", id, queued.error().message);
    }
    d.deliverer_->wake();
    notify_status(d.summary());
  };
  // Every state change, for the event stream only (no webhook asks for it).
  observers.modem_state_changed = [&d](const std::string& id, const modem::ModemStatus& status) {
    store::ModemStateInfo info{id, std::string(modem::state_name(status.state)), status.detail,
                               status.port};
    if (Status logged = d.store_->log_modem_state(info, d.clock_->now()); !logged) {
      spdlog::error("event for modem {}: {}", id, logged.error().message);
    }
  };
  observers.modem_storage_full = [&d](const std::string& id, const modem::ModemStatus& status) {
    store::ModemEventInfo info = modem_event_info(id, status, "message storage full");
    info.storage_used = status.health.message_storage->used;
    info.storage_total = status.health.message_storage->total;
    if (Status queued = d.store_->enqueue_modem_storage_full(info, d.clock_->now()); !queued) {
      spdlog::error("webhook event for modem {}: {}", id, queued.error().message);
    }
    d.deliverer_->wake();
  };
  d.auto_replier_ =
      std::make_unique<dispatch::AutoReplier>(*d.store_, *d.intake_, autoreply_settings(config));
  observers.answer_inbound = [&d](const store::InboundMessage& message, policy::KeywordKind keyword,
                                  int64_t now) { d.auto_replier_->answer(message, keyword, now); };
  auto dispatcher =
      dispatch::Dispatcher::create(*d.store_, *d.clock_, std::move(*options), std::move(observers));
  if (!dispatcher) return dispatcher.error();
  d.dispatcher_ = std::move(*dispatcher);
  modem::PoolConfig pool = pool_config(config);
  pool.worker.wall_clock = d.clock_;
  d.pool_ = std::make_unique<modem::ModemPool>(std::move(pool), *d.dispatcher_);
  d.dispatcher_->attach(*d.pool_);
  // The dispatcher first: it requeues what a crash left before any modem is ready.
  if (Status started = d.dispatcher_->start(); !started) return started.error();
  d.pool_->start();
  d.port_watcher_ = modem::UdevPortWatcher::start(*d.pool_);
  d.alarms_ = std::make_unique<dispatch::AlarmWatch>(
      *d.store_, *d.pool_, *d.clock_, alarm_watch_options(config), [&d] { d.deliverer_->wake(); });
  if (Status watching = d.alarms_->start(); !watching) {
    d.stop();
    return watching.error();
  }

  d.api_keys_ = std::make_unique<auth::ApiKeys>(*d.store_);
  d.otp_ = std::make_unique<auth::Otp>(*d.store_, *d.intake_, config.sending.default_region,
                                       otp_send_limit(config));
  d.admin_sessions_ = std::make_unique<auth::AdminSessions>(*d.store_);
  d.api_context_.reset(new http::ApiContext{*d.store_, *d.dispatcher_, *d.pool_, *d.api_keys_,
                                            *d.otp_, *d.clock_, *d.intake_, d.deliverer_.get(),
                                            d.api_metrics_, *d.admin_sessions_});
  d.api_context_->event_streams.max = config.http.max_event_streams;
  d.settings_.set(config);
  d.api_context_->settings = &d.settings_;
  d.api_context_->alarms = d.alarms_.get();
  d.api_context_->auto_replier = d.auto_replier_.get();
  d.api_context_->appointments = d.appointments_.get();
  d.api_context_->mail_outbox = d.mail_outbox_.get();
  d.api_context_->mail_back = d.mail_back_.get();
  if (!d.mail_outbox_) {
    auto stored = d.store_->list_forwards();
    if (stored.ok() && !stored->empty()) {
      std::string warning =
          "SMS to email: " + std::to_string(stored->size()) +
          " forwarding rule(s) are stored but [email] smarthost is not set: no text is forwarded";
      spdlog::warn("{}", warning);
      d.api_context_->warnings.push_back(std::move(warning));
    }
  }
  bool tls = !config.http.tls_certificate.empty() && !config.http.tls_key.empty();
  if (auto warning = http::plaintext_warning(config.http.listen, tls)) {
    spdlog::warn("{}", *warning);
    d.api_context_->warnings.push_back(*warning);
  }
  http::ServerOptions server_options;
  server_options.listen = config.http.listen;
  server_options.tls_certificate = config.http.tls_certificate;
  server_options.tls_key = config.http.tls_key;
  server_options.max_connections_per_client = config.http.max_connections_per_client;
  auto server = http::Server::start(
      server_options, with_admin_page(http::api_router(*d.api_context_)),
      [&d](const http::Request& request, std::string_view route, int status,
           std::chrono::nanoseconds elapsed) {
        d.api_metrics_.record(request.method, route, status, elapsed);
      },
      http::api_authorizer(*d.api_context_));
  if (!server) {
    d.stop();
    return make_error("[http] " + server.error().message);
  }
  d.server_ = std::move(*server);
  if (config.email.listen) {
    auto smtp = email::SmtpServer::start(
        smtp_options(config),
        email::SmtpServices{*d.intake_, *d.store_, *d.api_keys_, *d.admin_sessions_, *d.clock_,
                            [&d](std::string_view what) {
                              if (what == "accepted") {
                                d.api_metrics_.mail.accepted();
                              } else {
                                d.api_metrics_.mail.refused(what);
                              }
                            }});
    if (!smtp) {
      d.stop();
      return make_error("[email] " + smtp.error().message);
    }
    d.smtp_server_ = std::move(*smtp);
    spdlog::info("email to SMS: SMTP on {} (port {}) for <number>@{}{}", *config.email.listen,
                 d.smtp_server_->port(), config.email.domain,
                 d.smtp_server_->tls() ? ", STARTTLS offered" : "");
  }
  {
    MutexLock lock(d.summary_mutex_);
    d.summary_url_ = d.api_url();
  }

  auto modems = d.pool_->modems();
  std::string host = config.http.listen.substr(0, config.http.listen.rfind(':'));
  spdlog::info("smsgated running: {} modem(s), database {}, API on {}://{}:{}", modems.size(),
               config.storage.path, d.server_->tls() ? "https" : "http", host, d.server_->port());
  for (const std::string& skipped : d.pool_->skipped_ports()) {
    spdlog::info("port not used: {}", skipped);
  }
  d.start_watchdog();
  // Running on a full disk: the API answers, but work cannot be taken until space returns.
  if (Status writable = d.store_->check_writable(); !writable) {
    spdlog::error(
        "the database {} cannot be written ({}): new messages are refused (503 "
        "storage_unavailable) and GET /api/v1/health answers 503 until there is space "
        "again; no restart is needed",
        config.storage.path, writable.error().message);
  }
  return daemon;
}

Daemon::~Daemon() { stop(); }

std::string Daemon::api_url() const {
  return local_base_url(config_.http.listen, server_->tls(), server_->port()) + "/";
}

std::string Daemon::summary() {
  int ready = 0;
  auto modems = pool_->modems();
  for (const std::string& id : modems) {
    auto status = pool_->status(id);
    if (status && status->state == modem::State::kReady) ++ready;
  }
  std::string line =
      std::to_string(ready) + " of " + std::to_string(modems.size()) + " modem(s) ready";
  MutexLock lock(summary_mutex_);
  return summary_url_.empty() ? line : line + "; API on " + summary_url_;
}

void Daemon::start_watchdog() {
  auto interval = watchdog_interval();
  if (!interval) return;
  serving_ = true;
  std::vector<Liveness> checks;
  checks.push_back({"the dispatcher", [this] { return dispatcher_->last_turn(); }});
  checks.push_back({"the HTTP server", [this]() -> std::optional<MonotonicClock::time_point> {
                      // While stopping the API is closed on purpose; the drain is watched.
                      if (!serving_) return MonotonicClock::now();
                      MonotonicClock::rep ticks = api_answered_.load();
                      if (ticks == 0) return std::nullopt;
                      return MonotonicClock::time_point(MonotonicClock::duration(ticks));
                    }});
  auto probe_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 5);
  std::string url = api_url();
  watchdog_ = std::make_unique<Watchdog>(
      *interval, std::move(checks),
      [this, url, probe_timeout] {
        // Any HTTP status will do: a worker thread took the connection and the router
        // ran. The admin page's index touches neither the store nor a modem.
        if (serving_ && get_local(url, probe_timeout).http_status != 0)
          api_answered_.store(MonotonicClock::now().time_since_epoch().count());
      },
      [] { notify_watchdog(); });
  spdlog::info("watchdog: pinging systemd every {} ms while the dispatcher turns and {} answers",
               std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 4).count(), url);
}

Status Daemon::reload(const config::Config& config) {
  auto options = dispatcher_options(config);
  if (!options) return options.error();
  // Everything that can be refused before anything changes.
  auto appointments = appointment_settings(config);
  if (!appointments) return appointments.error();
  // Mail out follows the file while it stays on: a new smarthost, login, From, retry
  // limit, [[forward]] or reports. Turning it on or off takes a restart.
  config::EmailConfig email = config_.email;
  std::optional<email::MailBackSettings> mail_back;
  if (mail_outbox_ && config.email.smarthost) {
    if (Status mail = check_mail_out(config); !mail) return mail.error();
    auto settings = mail_back_settings(config);
    if (!settings) return settings.error();
    mail_back = std::move(*settings);
    take_mail_out(email, config.email);
  }
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
  if (config.email != email)
    spdlog::warn(
        "reload: changes to the email listener, and turning mail out on or off, take a restart");
  if (Status logged = apply_log_config(config.log); !logged) return logged;
  config_.sending = config.sending;
  config_.optout = config.optout;
  auto_replier_->set_settings(autoreply_settings(config));
  config_.autoreply = config.autoreply;
  appointments_->set_settings(std::move(*appointments));
  config_.appointments = config.appointments;
  otp_->set_send_limit(otp_send_limit(config));
  config_.otp = config.otp;
  config_.log = config.log;
  if (mail_back) {
    if (Status mail = mail_outbox_->reconfigure(outbox_options(config)); !mail) return mail;
    mail_back_->set_settings(std::move(*mail_back));
    config_.email = email;
    config_.forward = config.forward;
  }
  config_.modems.rate_per_minute = config.modems.rate_per_minute;
  config_.modems.daily_limit = config.modems.daily_limit;
  // The console shows what runs now: the new file, but the database and the listener
  // as they were started.
  config::Config shown = config;
  shown.storage = config_.storage;
  shown.http = config_.http;
  shown.email = config_.email;
  shown.forward = config_.forward;
  settings_.set(shown);
  spdlog::info("configuration reloaded");
  return ok_status();
}

void Daemon::stop() {
  if (!dispatcher_) return;
  // The API first: a request answered after this point could not be kept.
  serving_ = false;
  if (smtp_server_) smtp_server_->stop();
  smtp_server_.reset();
  if (server_) server_->stop();
  server_.reset();
  spdlog::info("stopping: finishing the parts in flight");
  dispatcher_->stop(true);
  watchdog_.reset();
  if (alarms_) alarms_->stop();
  port_watcher_.reset();
  pool_->stop();
  pool_.reset();
  if (deliverer_) deliverer_->stop();
  if (mail_back_) mail_back_->stop();
  if (mail_outbox_) mail_outbox_->stop();
  dispatcher_.reset();
  api_context_.reset();
  alarms_.reset();
  otp_.reset();
  auto_replier_.reset();
  appointments_.reset();
  intake_.reset();
  api_keys_.reset();
  deliverer_.reset();
  mail_back_.reset();
  mail_outbox_.reset();
  store_.reset();
  spdlog::info("stopped");
}

std::optional<std::string> demo_phone_answer(const std::string& text) {
  if (text.find("1-10") == std::string::npos && text.find("1 to 10") == std::string::npos)
    return std::nullopt;
  return "9, thank you!";
}

Result<std::unique_ptr<sim::SimBank>> start_demo_modems(const std::filesystem::path& dir,
                                                        int count) {
  // The demo's database lives in `dir`: private, as the real one.
  if (Status made = store::create_private_directories(dir); !made) return made.error();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return make_error(dir.string() + ": " + error.message());
  std::vector<sim::SimConfig> modems;
  for (int i = 0; i < count; ++i) {
    sim::SimConfig config = sim::numbered_config(i);
    // Roughly what a real network takes to accept a message.
    config.cmgs_latency = std::chrono::milliseconds(800);
    // The last SIM is nearly empty, so that the dashboard shows a low-balance alarm.
    if (count > 1 && i == count - 1) {
      config.ussd_replies["*100#"] =
          sim::UssdScript{.text = "Your balance is 0.85 EUR, valid until 31.12."};
    }
    modems.push_back(config);
  }
  auto bank = sim::SimBank::start(dir, modems);
  if (!bank) return bank.error();
  for (int i = 0; i < count; ++i) {
    (*bank)->with_modem(
        static_cast<size_t>(i), [](sim::SimModem& modem, MonotonicClock::time_point) {
          modem.set_auto_status_reports(
              sim::SimModem::AutoStatusReports{0, std::chrono::milliseconds(2000)});
          modem.set_auto_replies(
              sim::SimModem::AutoReplies{demo_phone_answer, std::chrono::milliseconds(3000)});
        });
  }
  return bank;
}

}  // namespace smsgate::daemon

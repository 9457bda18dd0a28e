// `smsgated run [--config FILE]` and `smsgated run --demo`: the daemon in the
// foreground until SIGTERM or SIGINT (a graceful drain), reloading on SIGHUP.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "auth/admin_password.h"
#include "cli/commands.h"
#include "daemon/daemon.h"
#include "daemon/service_manager.h"
#include "dispatch/intake.h"

namespace smsgate::cli {
namespace {

struct RunArgs {
  std::string config = "/etc/smsgate/smsgate.toml";
  bool demo = false;
  std::string demo_dir = "smsgate-demo";
  int demo_modems = 4;
  std::string listen;  // overrides [http] listen
};

// The demo needs no file: defaults, its own database and simulated modems.
config::Config demo_config(const std::filesystem::path& dir) {
  config::Config config;
  config.storage.path = (dir / "smsgate.db").string();
  config.modems.ports = {(dir / "modems" / "modem*").string()};
  config.modems.rate_per_minute = 0;
  config.sending.quiet_hours = std::nullopt;  // the demo should show sending at any hour
  config.sending.timezone = "UTC";
  config.log.level = "debug";  // each message's progress, which info keeps quiet
  // Simulated SIMs answer *100# with a balance, which the dashboard then shows; the
  // last one's is below the alarm's threshold (start_demo_modems).
  config.modems.balance_ussd = "*100#";
  config.modems.balance_check_hours = 12;
  config.modems.balance_alarm_below = 1.0;
  // Mail on, to a mail server on this machine's port 2525: the Mail page can forward
  // texts, which wait in the outbox (saying why) until something listens there, such
  // as `python3 -m aiosmtpd -n -l 127.0.0.1:2525`, which prints what it gets.
  config.email.smarthost = "smtp://127.0.0.1:2525";
  config.email.from = "smsgate demo <demo@smsgate.invalid>";
  return config;
}

// A few messages so that the demo's log shows the queue at work.
void queue_demo_messages(daemon::Daemon& daemon) {
  struct Sample {
    const char* text;
    policy::Category category;
  };
  // The last one is answered by its simulated phone (demo_phone_answer): the inbox shows
  // a reply with its rating.
  const Sample samples[] = {
      {"Reminder: your appointment at the clinic is tomorrow at 10:15.",
       policy::Category::kTransactional},
      {"Your order 4711 has shipped and arrives on Thursday.", policy::Category::kTransactional},
      {"Your one-time code is 482913. It expires in 5 minutes.", policy::Category::kOtp},
      {"Thank you for your visit. How did we do? Reply 1-10.", policy::Category::kFeedback},
  };
  std::vector<Result<dispatch::OutgoingRequest>> requests;
  for (size_t i = 0; i < std::size(samples); ++i) {
    dispatch::OutgoingRequest request;
    request.to = "+4917000000" + std::to_string(10 + i);
    request.text = samples[i].text;
    request.category = samples[i].category;
    request.status_report = true;
    requests.push_back(std::move(request));
  }
  auto submitted = daemon.intake().submit_batch(
      std::move(requests), SystemClock().now(),
      [](size_t i) { return "demo message " + std::to_string(i + 1) + ": "; });
  if (!submitted) {
    spdlog::error("demo: {}", submitted.error().message);
    return;
  }
  spdlog::info("demo: {} sample messages queued", submitted->size());
}

// What the demo's user needs to try the API and the admin page: a fresh API key and
// admin password each start (the old ones stop working only for the password).
void print_demo_access(daemon::Daemon& daemon, const config::Config& config) {
  // Every scope: the demo is for trying the whole API.
  auto key = daemon.api_keys().create("demo", auth::Scopes::all(), SystemClock().now());
  auto password = auth::reset_admin_password(daemon.store());
  if (!key || !password) {
    spdlog::error("demo: cannot create credentials: {}",
                  !key ? key.error().message : password.error().message);
    return;
  }
  std::string host = config.http.listen.substr(0, config.http.listen.rfind(':'));
  std::string url = (config.http.tls_certificate.empty() ? "http://" : "https://") + host + ":" +
                    std::to_string(daemon.http_port());
  std::cout << "Admin page:     " << url << "/\n"
            << "Admin password: " << *password << "\n"
            << "API:            " << url << "/api/v1/ (OpenAPI at /api/v1/openapi.json)\n"
            << "API key:        " << key->key << "\n"
            << "Try:            curl -H 'Authorization: Bearer " << key->key << "' -d "
            << "'{\"to\":\"+4917000000099\",\"text\":\"Hello\"}' " << url << "/api/v1/messages\n"
            << "Stop with Ctrl-C." << std::endl;
}

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

void run(const RunArgs& args) {
  // Blocked before any thread starts, so that every thread inherits the mask and the
  // signals wait for sigwait() below; SIGPIPE from a vanished peer is ignored.
  sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  config::Config config;
  std::unique_ptr<sim::SimBank> demo_modems;
  if (args.demo) {
    std::filesystem::path dir = std::filesystem::absolute(args.demo_dir);
    config = demo_config(dir);
    auto bank = daemon::start_demo_modems(dir / "modems", args.demo_modems);
    if (!bank) throw UsageError("run --demo: " + bank.error().message);
    demo_modems = std::move(*bank);
    std::cout << "smsgated demo: " << args.demo_modems << " simulated modems in "
              << (dir / "modems").string() << ", database " << config.storage.path << "\n"
              << std::endl;
  } else {
    auto loaded = config::load_config(args.config);
    if (!loaded) throw UsageError(loaded.error().message);
    config = *loaded;
  }
  if (!args.listen.empty()) config.http.listen = args.listen;
  if (daemon::log_to_journal_when_attached()) spdlog::debug("logging to the journal");
  (void)daemon::apply_log_config(config.log);

  auto daemon = daemon::Daemon::start(config);
  if (!daemon) throw UsageError("run: " + daemon.error().message);
  if (args.demo) {
    print_demo_access(**daemon, config);
    queue_demo_messages(**daemon);
  }
  // The store is open, the API listens and the modems present were found.
  daemon::notify_ready((*daemon)->summary());

  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      if (args.demo) continue;
      daemon::notify_reloading();
      auto reloaded = config::load_config(args.config);
      if (!reloaded) {
        spdlog::error("reload refused, nothing changed: {}", reloaded.error().message);
      } else if (Status applied = (*daemon)->reload(*reloaded); !applied) {
        spdlog::error("reload refused, nothing changed: {}", applied.error().message);
      }
      daemon::notify_ready((*daemon)->summary());
      continue;
    }
    spdlog::info("signal {}: stopping", signal_number == SIGTERM ? "TERM" : "INT");
    daemon::notify_stopping();
    break;
  }
  (*daemon)->stop();
  daemon->reset();
  demo_modems.reset();
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* command = app.add_subcommand("run", "Run the gateway daemon");
  static RunArgs args;
  command->add_option("--config", args.config, "Configuration file")->capture_default_str();
  command->add_flag("--demo", args.demo,
                    "Simulated modems, a local database, no configuration file");
  command->add_option("--demo-dir", args.demo_dir, "Where the demo keeps its database and ptys")
      ->capture_default_str();
  command->add_option("--demo-modems", args.demo_modems, "How many simulated modems")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  command->add_option("--listen", args.listen,
                      "ADDRESS:PORT for the API, instead of [http] listen (port 0: any free one)");
  command->callback([] { run(args); });
}

}  // namespace smsgate::cli

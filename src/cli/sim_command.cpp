// `smsgated sim`: simulated modems on ptys in DIR, in the foreground until SIGINT or
// SIGTERM, and a control socket DIR/control (one JSON object per line each way) so
// tests in other processes can deliver messages, inject faults and see what was sent,
// with a simulator that outlives the daemon they crash-test.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/clock.h"
#include "drivers/sim/sim_bank.h"
#include "pdu/planner.h"

namespace smsgate::cli {
namespace {

using nlohmann::json;
using sim::SimBank;
using sim::SimModem;

constexpr int kMaxModems = 64;
// A control request is a short JSON line; anything longer is a client gone wrong.
constexpr size_t kMaxRequestBytes = 64 * 1024;

struct SimArgs {
  int modems = 1;
  std::string dir;
  int latency_ms = 0;
  std::string pin;
  int boot_ms = 200;
};

sim::SimConfig modem_config(const SimArgs& args, int index) {
  sim::SimConfig config = sim::numbered_config(index);
  config.cmgs_latency = std::chrono::milliseconds(args.latency_ms);
  config.boot_time = std::chrono::milliseconds(args.boot_ms);
  if (!args.pin.empty()) config.pin = args.pin;
  return config;
}

// A malformed control request; its message goes back as {"error": ...}.
struct ControlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
T field(const json& request, const char* key, std::optional<T> fallback = std::nullopt) {
  auto found = request.find(key);
  if (found == request.end()) {
    if (fallback) return *fallback;
    throw ControlError(std::string("missing \"") + key + "\"");
  }
  if constexpr (std::is_same_v<T, bool>) {
    if (!found->is_boolean()) throw ControlError(std::string("\"") + key + "\" must be a boolean");
  } else if constexpr (std::is_integral_v<T>) {
    if (!found->is_number_integer()) {
      throw ControlError(std::string("\"") + key + "\" must be an integer");
    }
  } else {
    if (!found->is_string()) throw ControlError(std::string("\"") + key + "\" must be a string");
  }
  return found->get<T>();
}

int ranged(const json& request, const char* key, int low, int high,
           std::optional<int> fallback = std::nullopt) {
  const int value = field<int>(request, key, fallback);
  if (value < low || value > high) {
    throw ControlError(std::string("\"") + key + "\" must be " + std::to_string(low) + ".." +
                       std::to_string(high));
  }
  return value;
}

sim::Routing routing_of(const json& request) {
  const std::string routing = field<std::string>(request, "routing", std::string("cnmi"));
  if (routing == "cnmi") return sim::Routing::kPerCnmi;
  if (routing == "store") return sim::Routing::kStore;
  if (routing == "direct") return sim::Routing::kDirect;
  throw ControlError("\"routing\" must be cnmi, store or direct");
}

json sent_json(const sim::SentMessage& m) {
  json concat = nullptr;
  if (m.concat) {
    concat = {{"ref", m.concat->reference},
              {"part", m.concat->part},
              {"total", m.concat->total},
              {"ref_bits", m.concat->reference_bits}};
  }
  json out = {{"reference", m.reference},
              {"to", m.to},
              {"encoding", pdu::encoding_name(m.encoding)},
              {"srr", m.status_report_request},
              {"concat", concat},
              {"pdu", m.pdu_hex}};
  if (m.encoding == pdu::Encoding::kEightBit) {
    out["data"] = m.data_hex;
  } else {
    out["text"] = m.text;
  }
  return out;
}

json modem_json(SimBank& bank, size_t index) {
  json out = {{"modem", index},
              {"port", bank.port_path(index).string()},
              {"device", bank.device_path(index)},
              {"plugged", bank.plugged(index)}};
  bank.with_modem(index, [&out](SimModem& modem, MonotonicClock::time_point) {
    const auto& c = modem.counters();
    out["sim"] = std::string(sim::sim_state_name(modem.sim_state()));
    out["registration"] = modem.registration_stat();
    out["hung"] = modem.hung();
    out["counters"] = {{"command_lines", c.command_lines},
                       {"errors", c.errors},
                       {"sends_accepted", c.sends_accepted},
                       {"sends_failed", c.sends_failed},
                       {"inbound", c.inbound_delivered},
                       {"status_reports", c.status_reports},
                       {"resets", c.resets}};
  });
  return out;
}

// One request; validation happens before any effect, so a bad request changes nothing.
json handle_request(SimBank& bank, const json& request) {
  if (!request.is_object()) throw ControlError("a request is a JSON object");
  const std::string cmd = field<std::string>(request, "cmd");
  if (cmd == "modems") {
    json list = json::array();
    for (size_t i = 0; i < bank.size(); ++i) list.push_back(modem_json(bank, i));
    return {{"ok", true}, {"modems", list}};
  }
  const auto modem =
      static_cast<size_t>(ranged(request, "modem", 0, static_cast<int>(bank.size()) - 1));
  json reply = {{"ok", true}};

  if (cmd == "deliver") {
    sim::InboundSms sms;
    sms.from = field<std::string>(request, "from");
    sms.text = field<std::string>(request, "text");
    const std::string encoding = field<std::string>(request, "encoding", std::string("auto"));
    if (encoding == "gsm7") {
      sms.encoding = sim::TextEncoding::kGsm7;
    } else if (encoding == "ucs2") {
      sms.encoding = sim::TextEncoding::kUcs2;
    } else if (encoding != "auto") {
      throw ControlError("\"encoding\" must be auto, gsm7 or ucs2");
    }
    sms.routing = routing_of(request);
    sms.concat_reference = static_cast<uint16_t>(ranged(request, "ref", 0, 65535, 0));
    sms.ref16 = field<bool>(request, "ref16", false);
    Result<std::vector<int>> delivered = make_error("not run");
    bank.with_modem(modem, [&](SimModem& m, MonotonicClock::time_point now) {
      delivered = m.deliver(sms, now);
    });
    if (!delivered) throw ControlError(delivered.error().message);
    reply["indexes"] = *delivered;
  } else if (cmd == "status_reports") {
    const auto status = static_cast<uint8_t>(ranged(request, "status", 0, 255, 0));
    const auto delay = std::chrono::milliseconds(ranged(request, "delay_ms", 0, 86'400'000, 0));
    if (request.contains("reference")) {
      const auto reference = static_cast<uint8_t>(ranged(request, "reference", 0, 255));
      const sim::Routing routing = routing_of(request);
      Status queued = make_error("not run");
      bank.with_modem(modem, [&](SimModem& m, MonotonicClock::time_point now) {
        queued = m.queue_status_report(reference, status, delay, now, routing);
      });
      if (!queued) throw ControlError(queued.error().message);
    } else {
      const bool on = field<bool>(request, "on", true);
      bank.with_modem(modem, [&](SimModem& m, MonotonicClock::time_point) {
        if (on) {
          m.set_auto_status_reports(SimModem::AutoStatusReports{status, delay});
        } else {
          m.set_auto_status_reports(std::nullopt);
        }
      });
    }
  } else if (cmd == "fail_sends") {
    // TS 27.005 clause 3.2.5: 0..511 are network and ME causes.
    const int cms = ranged(request, "cms", 0, 511);
    const int count = ranged(request, "count", 0, 1'000'000, 1);
    bank.with_modem(
        modem, [&](SimModem& m, MonotonicClock::time_point) { m.fail_next_sends(count, cms); });
  } else if (cmd == "hang") {
    const bool on = field<bool>(request, "on", true);
    bank.with_modem(modem, [&](SimModem& m, MonotonicClock::time_point) { m.set_hung(on); });
  } else if (cmd == "registered") {
    const bool on = field<bool>(request, "on");
    bank.with_modem(
        modem, [&](SimModem& m, MonotonicClock::time_point now) { m.set_registered(on, now); });
  } else if (cmd == "signal") {
    const int rssi = ranged(request, "rssi", 0, 99);
    bank.with_modem(modem, [&](SimModem& m, MonotonicClock::time_point) { m.set_signal(rssi); });
  } else if (cmd == "inject") {
    const std::string bytes = field<std::string>(request, "bytes");
    bank.with_modem(modem, [&](SimModem& m, MonotonicClock::time_point) { m.inject(bytes); });
  } else if (cmd == "ussd") {
    // What the network answers a USSD code from now on (a balance after a top-up, a
    // menu, a refusal, a slow or a missing answer).
    const std::string code = field<std::string>(request, "code");
    if (code.empty() || code.size() > 160 ||
        code.find_first_not_of("0123456789*#+") != std::string::npos) {
      throw ControlError("\"code\" must be a USSD code such as \"*100#\"");
    }
    sim::UssdScript script;
    script.text = field<std::string>(request, "text", std::string());
    script.status = ranged(request, "m", 0, 5, 0);
    const int dcs = ranged(request, "dcs", 0, 255, 15);
    if (dcs == 15) {
      script.encoding = sim::TextEncoding::kAuto;
    } else if (dcs == 72) {
      script.encoding = sim::TextEncoding::kUcs2;
    } else {
      throw ControlError("\"dcs\" must be 15 (GSM-7) or 72 (UCS-2)");
    }
    script.delay = std::chrono::milliseconds(ranged(request, "delay_ms", 0, 600'000, 0));
    script.answered = field<bool>(request, "answer", true);
    bank.with_modem(
        modem, [&](SimModem& m, MonotonicClock::time_point) { m.set_ussd_reply(code, script); });
  } else if (cmd == "reset") {
    bank.with_modem(modem,
                    [&](SimModem& m, MonotonicClock::time_point now) { m.power_cycle(now); });
  } else if (cmd == "unplug") {
    if (auto done = bank.unplug(modem); !done) throw ControlError(done.error().message);
  } else if (cmd == "replug") {
    if (auto done = bank.replug(modem); !done) throw ControlError(done.error().message);
    reply["device"] = bank.device_path(modem);
  } else if (cmd == "sent") {
    json list = json::array();
    bank.with_modem(modem, [&](SimModem& m, MonotonicClock::time_point) {
      for (const auto& message : m.sent()) list.push_back(sent_json(message));
    });
    reply["sent"] = list;
  } else if (cmd == "state") {
    reply.update(modem_json(bank, modem));
  } else {
    throw ControlError("unknown cmd \"" + cmd + "\"");
  }
  return reply;
}

std::string handle_line(SimBank& bank, std::string_view line) {
  json reply;
  const json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) {
    reply = {{"error", "not JSON"}};
  } else {
    try {
      reply = handle_request(bank, request);
    } catch (const ControlError& e) {
      reply = {{"error", e.what()}};
    } catch (const json::exception& e) {
      reply = {{"error", e.what()}};
    }
  }
  return reply.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

struct ControlClient {
  int fd = -1;
  std::string in;
  std::string out;
  bool closing = false;  // after its last reply is written
};

// Reads what the client sent and answers each complete line; false when it is gone.
bool serve(SimBank& bank, ControlClient& client) {
  char buffer[4096];
  while (true) {
    const ssize_t got = read(client.fd, buffer, sizeof buffer);
    if (got == 0) return false;
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      return false;
    }
    client.in.append(buffer, static_cast<size_t>(got));
  }
  size_t end;
  while ((end = client.in.find('\n')) != std::string::npos) {
    std::string line = client.in.substr(0, end);
    client.in.erase(0, end + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    client.out += handle_line(bank, line);
  }
  if (client.in.size() > kMaxRequestBytes) {
    client.out += json{{"error", "request line too long"}}.dump() + "\n";
    client.closing = true;
  }
  return true;
}

bool flush(ControlClient& client) {
  while (!client.out.empty()) {
    const ssize_t written = write(client.fd, client.out.data(), client.out.size());
    if (written < 0) return errno == EAGAIN || errno == EINTR;
    client.out.erase(0, static_cast<size_t>(written));
  }
  return !client.closing;
}

int listen_control(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof address.sun_path) {
    throw UsageError("sim: control socket path too long: " + path.string());
  }
  std::strcpy(address.sun_path, path.c_str());
  std::error_code ignored;
  if (std::filesystem::is_socket(path, ignored)) std::filesystem::remove(path, ignored);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw UsageError(std::string("sim: socket: ") + std::strerror(errno));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd, 16) != 0) {
    const std::string reason = std::strerror(errno);
    close(fd);
    throw UsageError("sim: cannot listen on " + path.string() + ": " + reason);
  }
  return fd;
}

void run_sim(const SimArgs& args) {
  if (!args.pin.empty() && (args.pin.size() < 4 || args.pin.size() > 8 ||
                            args.pin.find_first_not_of("0123456789") != std::string::npos)) {
    throw UsageError("sim: --pin must be 4 to 8 digits");
  }
  // Signals arrive through a signalfd; blocked before the bank's thread starts so that
  // it inherits the mask and never takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a control client that hangs up mid-reply
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) throw UsageError(std::string("sim: signalfd: ") + std::strerror(errno));

  std::vector<sim::SimConfig> configs;
  for (int i = 0; i < args.modems; ++i) configs.push_back(modem_config(args, i));
  auto started = SimBank::start(args.dir, std::move(configs));
  if (!started) {
    close(signal_fd);
    throw UsageError("sim: " + started.error().message);
  }
  std::unique_ptr<SimBank> bank = std::move(started).value();
  const std::filesystem::path control_path = bank->port_path(0).parent_path() / "control";
  int listen_fd;
  try {
    listen_fd = listen_control(control_path);
  } catch (...) {
    close(signal_fd);
    throw;
  }

  for (size_t i = 0; i < bank->size(); ++i) {
    std::cout << "modem" << i << " " << bank->port_path(i).string() << " -> "
              << bank->device_path(i) << "\n";
  }
  std::cout << "control " << control_path.string() << std::endl;

  std::vector<ControlClient> clients;
  bool running = true;
  while (running) {
    std::vector<pollfd> fds{{signal_fd, POLLIN, 0}, {listen_fd, POLLIN, 0}};
    for (const auto& client : clients) {
      fds.push_back({client.fd, static_cast<short>(client.out.empty() ? POLLIN : POLLOUT), 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) running = false;
    if (fds[1].revents & POLLIN) {
      int fd;
      while ((fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        clients.push_back(ControlClient{fd, {}, {}, false});
      }
    }
    for (size_t k = 2; k < fds.size(); ++k) {
      ControlClient& client = clients[k - 2];
      bool alive = true;
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) alive = serve(*bank, client);
      if (alive) alive = flush(client);
      if (!alive) {
        close(client.fd);
        client.fd = -1;
      }
    }
    std::erase_if(clients, [](const ControlClient& c) { return c.fd < 0; });
  }
  for (const auto& client : clients) close(client.fd);
  close(listen_fd);
  std::error_code ignored;
  std::filesystem::remove(control_path, ignored);
  close(signal_fd);
  bank->stop();
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto* sim = app.add_subcommand("sim", "Run simulated modems on pseudo-terminals in DIR");
  static SimArgs args;
  sim->add_option("--modems", args.modems, "Number of modems")
      ->check(CLI::Range(1, kMaxModems))
      ->capture_default_str();
  sim->add_option("--dir", args.dir, "Directory for the modemN symlinks and the control socket")
      ->required();
  sim->add_option("--latency", args.latency_ms, "Milliseconds between AT+CMGS and +CMGS")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
  sim->add_option("--boot", args.boot_ms, "Milliseconds a modem is silent after a reset")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
  sim->add_option("--pin", args.pin, "SIM PIN (4-8 digits); the SIMs start locked");
  sim->callback([] { run_sim(args); });
}

}  // namespace smsgate::cli

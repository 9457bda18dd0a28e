// The doctor's judgments: what was found → ok, warning or failed, with the fix. Pure.
#include "daemon/doctor.h"

#include <sys/timex.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>

#include "daemon/local_api.h"
#include "http/api.h"

namespace smsgate::daemon {
namespace {

constexpr uint64_t kMinFreeBytes = 100'000'000;  // a few days of a busy gateway's log
constexpr int kMinFreePercent = 5;
// rssi 6 is -101 dBm (TS 27.007 clause 8.5): below it sends start to fail and retry.
constexpr int kWeakRssi = 6;

Finding make(std::string check, std::string subject, Verdict verdict, std::string detail,
             std::string fix = {}) {
  return Finding{std::move(check), std::move(subject), verdict, std::move(detail), std::move(fix)};
}

std::string holder_list(const std::vector<Holder>& holders) {
  std::string text;
  for (const Holder& holder : holders) {
    if (!text.empty()) text += ", ";
    text += holder.name + " (pid " + std::to_string(holder.pid) + ")";
  }
  return text;
}

Finding judge_sim(const std::string& port, const std::string& state, bool pin_configured) {
  if (state == "READY") return make("sim", port, Verdict::kOk, "ready");
  if (state == "SIM PIN") {
    if (pin_configured)
      return make("sim", port, Verdict::kOk,
                  "locked with a PIN, which smsgated enters from this port's [[modem]] pin");
    return make("sim", port, Verdict::kFailed, "the SIM asks for its PIN",
                "add a [[modem]] table with port = \"" + port +
                    "\" and pin = \"<the SIM's PIN>\", or take the PIN off in a phone");
  }
  if (state == "SIM PUK")
    return make("sim", port, Verdict::kFailed,
                "the SIM is blocked (wrong PIN entered too often) and asks for its PUK",
                "unblock it with its PUK in a phone, then set the right [[modem]] pin");
  return make("sim", port, Verdict::kFailed, "the SIM is not ready: " + state,
              "check that a SIM is inserted the right way and is not locked to another "
              "network; then unplug and replug the modem");
}

Finding judge_network(const std::string& port, const modem::Health& health) {
  using modem::RegistrationStatus;
  std::string status(modem::registration_status_name(health.registration));
  if (health.registered()) {
    std::string where = health.operator_name.empty() ? "" : " on " + health.operator_name;
    return make("network", port, Verdict::kOk, "registered (" + status + ")" + where);
  }
  if (health.registration == RegistrationStatus::kDenied)
    return make("network", port, Verdict::kFailed, "the network refused the SIM",
                "ask the operator whether the SIM is active, has credit and may send SMS; "
                "try it in a phone");
  return make("network", port, Verdict::kFailed, "not registered on a network (" + status + ")",
              "check the SIM's coverage here (and roaming, for a foreign SIM); move the modem "
              "or its antenna nearer a window");
}

Finding judge_signal(const std::string& port, const modem::Health& health) {
  if (!health.rssi)
    return make("signal", port, Verdict::kFailed, "no signal measured (AT+CSQ says 99)",
                "connect or move the antenna, or put the modem where a phone has signal "
                "(a USB extension cable helps)");
  std::string level =
      std::to_string(*health.rssi) + " of 31 (" + std::to_string(*health.dbm) + " dBm)";
  if (*health.rssi < kWeakRssi)
    return make("signal", port, Verdict::kWarning, "weak: " + level,
                "move the modem or its antenna where a phone has better signal");
  return make("signal", port, Verdict::kOk, level);
}

Finding judge_storage(const std::string& port, const modem::Health& health) {
  if (!health.message_storage || health.message_storage->total <= 0)
    return make("storage", port, Verdict::kWarning,
                "the modem did not say how full its SMS storage is (AT+CPMS?)");
  const modem::StorageUsage& usage = *health.message_storage;
  std::string counts = std::to_string(usage.used) + " of " + std::to_string(usage.total) +
                       " message slots used" +
                       (usage.storage.empty() ? "" : " (" + usage.storage + ")");
  if (health.storage_full())
    return make("storage", port, Verdict::kWarning,
                "full: " + counts + "; the network holds back new texts until there is room",
                "start smsgated: it reads the stored texts into its inbox and deletes them "
                "from the modem; if it stays full, delete them with a phone");
  return make("storage", port, Verdict::kOk, counts);
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kWarning:
      return "warning";
    case Verdict::kFailed:
      return "failed";
  }
  return "failed";
}

bool nothing_failed(const std::vector<Finding>& findings) {
  return std::none_of(findings.begin(), findings.end(),
                      [](const Finding& f) { return f.verdict == Verdict::kFailed; });
}

bool may_access(const FileAccess& file, const Account& account, int rwx) {
  if (account.uid == 0) return true;
  const auto wanted = static_cast<mode_t>(rwx & 7);
  if (file.owner == account.uid) return ((file.mode >> 6) & wanted) == wanted;
  if (std::find(account.groups.begin(), account.groups.end(), file.group) != account.groups.end())
    return ((file.mode >> 3) & wanted) == wanted;
  return (file.mode & wanted) == wanted;
}

std::string human_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < std::size(kUnits)) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 || value >= 10 ? "%.0f %s" : "%.1f %s", value,
                kUnits[unit]);
  return text;
}

Finding judge_disk(const std::string& directory, uint64_t free_bytes, uint64_t total_bytes) {
  const uint64_t floor = std::max(kMinFreeBytes, total_bytes / 100 * kMinFreePercent);
  std::string detail = human_bytes(free_bytes) + " free of " + human_bytes(total_bytes);
  const std::string fix =
      "make room on this disk (old logs, `journalctl --vacuum-size=100M`), or move "
      "[storage] path to a bigger one";
  if (free_bytes == 0)
    return make("disk", directory, Verdict::kFailed,
                "the disk is full: new messages are refused (503) until there is room", fix);
  if (free_bytes < floor)
    return make("disk", directory, Verdict::kWarning,
                detail + ": nearly full (under " + human_bytes(floor) + ")", fix);
  return make("disk", directory, Verdict::kOk, detail);
}

std::optional<Finding> judge_holders(const std::string& port, const std::vector<Holder>& holders,
                                     const std::optional<GatewayModems>& gateway) {
  std::vector<Holder> others;
  std::optional<Holder> gateway_holder;
  for (const Holder& holder : holders) {
    if (holder.kind == Holder::Kind::kOther) others.push_back(holder);
    if (holder.kind == Holder::Kind::kGateway) gateway_holder = holder;
  }
  if (!others.empty()) {
    bool modem_manager = std::any_of(others.begin(), others.end(),
                                     [](const Holder& h) { return h.name == "ModemManager"; });
    std::string fix =
        modem_manager
            ? "run `systemctl disable --now ModemManager`, or install smsgate's udev rules, "
              "which tell it to keep off the modems (ID_MM_DEVICE_IGNORE)"
            : "stop it (kill " + std::to_string(others.front().pid) +
                  "), or keep smsgated off this port: a [[modem]] table with port = \"" + port +
                  "\" and enabled = false";
    // Two programs on one port garble each other's commands, smsgated or not.
    return make("port", port, Verdict::kFailed, "held by " + holder_list(others), fix);
  }
  if (!gateway_holder) return std::nullopt;
  std::string in_use = "in use by smsgated (pid " + std::to_string(gateway_holder->pid) + ")";
  if (!gateway)
    return make("port", port, Verdict::kWarning,
                in_use + ", whose API did not answer, so its modems' state is unknown",
                "see the api check below");
  if (gateway->total == 0)
    return make("port", port, Verdict::kWarning, in_use + ", which has found no modem yet",
                "wait a few seconds and run doctor again; else see `journalctl -u smsgated`");
  std::string counts =
      std::to_string(gateway->ready) + " of " + std::to_string(gateway->total) + " modems";
  if (gateway->ready < gateway->total)
    return make("port", port, Verdict::kWarning, in_use + ", which reports " + counts + " ready",
                "see which one and why on the admin page's modem list or in "
                "`journalctl -u smsgated`");
  return make("port", port, Verdict::kOk, in_use + ", which reports " + counts + " ready");
}

std::vector<Finding> judge_modem(const modem::ProbeReport& report, bool pin_configured) {
  const std::string& port = report.port;
  std::vector<Finding> findings;
  std::string who = report.identity.manufacturer + " " + report.identity.model;
  if (!report.identity.imei.empty()) who += ", IMEI " + report.identity.imei;
  findings.push_back(make("modem", port, Verdict::kOk, "answers AT: " + who));
  findings.push_back(judge_sim(port, report.sim_state, pin_configured));
  if (report.sim_state != "READY") return findings;
  findings.push_back(judge_network(port, report.health));
  findings.push_back(judge_signal(port, report.health));
  findings.push_back(judge_storage(port, report.health));
  return findings;
}

Finding judge_clock(int state, int status) {
  if (state < 0)
    return make("clock", "system clock", Verdict::kWarning,
                "the kernel's clock state cannot be read (adjtimex)");
  if (state == TIME_ERROR || (status & STA_UNSYNC) != 0)
    return make("clock", "system clock", Verdict::kWarning,
                "not synchronised with a time server (the kernel says so)",
                "enable systemd-timesyncd (`timedatectl set-ntp true`) or chrony; queued "
                "messages' due times and quiet hours are judged by this clock");
  return make("clock", "system clock", Verdict::kOk, "synchronised with a time server");
}

std::optional<GatewayModems> parse_health_modems(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("modems") || !json["modems"].is_object())
    return std::nullopt;
  const auto& modems = json["modems"];
  if (!modems.contains("ready") || !modems["ready"].is_number_integer() ||
      !modems.contains("total") || !modems["total"].is_number_integer())
    return std::nullopt;
  return GatewayModems{modems["ready"].get<int>(), modems["total"].get<int>()};
}

std::string health_url(const config::HttpConfig& http) {
  return local_base_url(http.listen, !http.tls_certificate.empty()) + "/api/v1/health";
}

Finding judge_api(const ApiProbe& probe, std::optional<int> daemon_pid) {
  std::string unverified = probe.tls_unverified ? " (certificate not verified)" : "";
  if (probe.http_status == 0) {
    if (!daemon_pid)
      return make("api", probe.url, Verdict::kWarning,
                  "smsgated is not running: nothing answers (" + probe.error + ")",
                  "systemctl start smsgated");
    return make("api", probe.url, Verdict::kFailed,
                "smsgated runs (pid " + std::to_string(*daemon_pid) +
                    ") but its API does not answer (" + probe.error + ")",
                "see `journalctl -u smsgated`; `systemctl restart smsgated`");
  }
  auto json = nlohmann::json::parse(probe.body, nullptr, /*allow_exceptions=*/false);
  auto modems = parse_health_modems(probe.body);
  if (!modems || !json.contains("store"))
    return make("api", probe.url, Verdict::kFailed,
                "answers " + std::to_string(probe.http_status) + ", but not as smsgated does",
                "another program listens on [http] listen; stop it or change the address");
  std::string counts =
      std::to_string(modems->ready) + " of " + std::to_string(modems->total) + " modems ready";
  if (probe.http_status == 200)
    return make("api", probe.url, Verdict::kOk, "healthy: " + counts + unverified);
  std::string store = json["store"].is_string() ? json["store"].get<std::string>() : "?";
  return make("api", probe.url, Verdict::kFailed,
              "unhealthy (" + std::to_string(probe.http_status) + "): store " + store + ", " +
                  counts + unverified,
              store != "ok" ? "see the database and disk checks above"
                            : "see the port and modem checks above, and the admin page");
}

Finding judge_tls(const config::HttpConfig& http) {
  const bool tls = !http.tls_certificate.empty();
  if (tls) return make("tls", http.listen, Verdict::kOk, "the API is served over HTTPS");
  if (!http::plaintext_warning(http.listen, tls))
    return make("tls", http.listen, Verdict::kOk,
                "plain HTTP, on this machine only (loopback): nothing crosses the network");
  return make("tls", http.listen, Verdict::kWarning,
              "plain HTTP beyond this machine: API keys, the admin password and message texts "
              "cross the LAN in clear",
              "set [http] tls_certificate and tls_key, or listen on 127.0.0.1");
}

}  // namespace smsgate::daemon

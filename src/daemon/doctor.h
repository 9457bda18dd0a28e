// Doctor: what `smsgated doctor` checks on an installed gateway, each finding in plain
// words with the fix. It looks and changes nothing a running gateway depends on: the
// database takes the daemon's own write probe, a free port is asked what `smsgated
// probe` asks, and a port the running smsgated holds is left alone, its modems' state
// asked of that daemon's GET /api/v1/health instead.
//
// The judgments (judge_*) are pure functions of what was found, so each rule is tested
// with made-up facts; run_doctor() gathers the facts (files, /proc, the ports, the
// kernel's clock state, HTTP) in doctor_system.cpp and hands them to the judgments.
//
// Thread safety: free functions, no shared state; run_doctor() blocks for as long as
// the modems and the API take to answer (bounded by DoctorOptions).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "modem/probe.h"

namespace smsgate::daemon {

enum class Verdict { kOk, kWarning, kFailed };
std::string_view verdict_name(Verdict verdict);  // "ok", "warning", "failed"

struct Finding {
  std::string check;    // "config", "database", "port", "modem", "sim", "network", ...
  std::string subject;  // what was looked at: the file, the port, the URL
  Verdict verdict = Verdict::kOk;
  std::string detail;  // what was found, in plain words
  std::string fix;     // what to do about it; empty when nothing needs doing
};

// True when no finding failed; warnings are allowed (they are printed, and `doctor`
// still exits 0).
bool nothing_failed(const std::vector<Finding>& findings);

struct DoctorOptions {
  std::string config_path = "/etc/smsgate/smsgate.toml";
  std::chrono::milliseconds modem_timeout{5000};  // for a modem to answer AT
  std::chrono::milliseconds http_timeout{3000};   // for GET /api/v1/health
  // Whose access to the ports and the database is checked; empty: the service's (see
  // Account below).
  std::string user;
};

// Every check, in order: the config (nothing else when it does not load), the
// database, each port and its modem, the clock, the API, TLS.
std::vector<Finding> run_doctor(const DoctorOptions& options);

// ---- The judgments ------------------------------------------------------------------

// Who the service runs as, for the permission checks: the `smsgate` user when the
// doctor runs as root and that user exists (the unit's User=), else whoever runs it.
struct Account {
  std::string name;
  uid_t uid = 0;
  std::vector<gid_t> groups;  // primary and supplementary
};

// The owner, group and mode bits of a file, as stat(2) gives them.
struct FileAccess {
  uid_t owner = 0;
  gid_t group = 0;
  mode_t mode = 0;
};

// Whether `account` may use the file as `rwx` asks (4 read, 2 write, 1 execute or
// search, as chmod spells them) by its mode bits: the owner's bits for the owner, the
// group's for a member, the others' otherwise; root may. ACLs are not looked at.
bool may_access(const FileAccess& file, const Account& account, int rwx);

// Free space where the database lives: failed when nothing can be written, a warning
// under 100 MB or 5 % of the disk, whichever is larger.
Finding judge_disk(const std::string& directory, uint64_t free_bytes, uint64_t total_bytes);

// "41 GB", "730 MB", "12 kB": decimal units, as df -H shows them.
std::string human_bytes(uint64_t bytes);

// A process that has a port open.
struct Holder {
  enum class Kind {
    kOther,
    kGateway,    // `smsgated run`: the port is in use as it should be
    kSimulator,  // `smsgated sim`: the modem's own end of the line, not a competitor
  };
  int pid = 0;
  std::string name;  // /proc/PID/comm
  Kind kind = Kind::kOther;
};

// What the running gateway says about its modems (GET /api/v1/health).
struct GatewayModems {
  int ready = 0;
  int total = 0;
};

// A port that exists, by who else has it open: nullopt when nobody does (free: the
// modem checks come next); else a finding naming the holder and what to do.
// `gateway`: the running daemon's modem counts, nullopt when its API did not answer.
std::optional<Finding> judge_holders(const std::string& port, const std::vector<Holder>& holders,
                                     const std::optional<GatewayModems>& gateway);

// What `smsgated probe` learned from a free port: one finding each for the SIM, the
// network registration, the signal and the SMS storage (the last three only once the
// SIM is ready, since a locked SIM hides them). `pin_configured`: its [[modem]] has a pin.
std::vector<Finding> judge_modem(const modem::ProbeReport& report, bool pin_configured);

// The kernel's clock discipline (adjtimex(2)): `state` its return value, `status` the
// STA_* bits.
Finding judge_clock(int state, int status);

// The API's health answer: `http_status` 0 when nothing answered (`error` says why);
// `daemon_running` whether a `smsgated run` for this configuration was found.
struct ApiProbe {
  std::string url;
  int http_status = 0;
  std::string error;
  std::string body;
  bool tls_unverified = false;  // https without checking the certificate
};
Finding judge_api(const ApiProbe& probe, std::optional<int> daemon_pid);

// The modem counts in a health answer's body, nullopt when it is not one.
std::optional<GatewayModems> parse_health_modems(std::string_view body);

// http://127.0.0.1:8080/api/v1/health for [http] listen = "0.0.0.0:8080": the wildcard
// addresses asked on loopback, https when TLS is configured.
std::string health_url(const config::HttpConfig& http);

// Plain HTTP beyond loopback: a warning (API keys and the admin password in clear).
Finding judge_tls(const config::HttpConfig& http);

}  // namespace smsgate::daemon

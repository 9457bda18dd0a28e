// The doctor's eyes: what the files, /proc, the ports, the kernel and the API say,
// handed to the judgments in doctor.cpp.
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "at/channel.h"
#include "daemon/daemon.h"
#include "daemon/doctor.h"
#include "daemon/local_api.h"
#include "modem/discovery.h"
#include "store/files.h"

namespace smsgate::daemon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultConfig = "/etc/smsgate/smsgate.toml";
constexpr const char* kServiceUser = "smsgate";

Finding make(std::string check, std::string subject, Verdict verdict, std::string detail,
             std::string fix = {}) {
  return Finding{std::move(check), std::move(subject), verdict, std::move(detail), std::move(fix)};
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// ---- Who the service runs as --------------------------------------------------------

struct ServiceAccount {
  Account account;
  bool is_current = false;  // the doctor's own user: access(2) answers for it
};

Account account_of(const passwd& entry) {
  Account account{entry.pw_name, entry.pw_uid, {}};
  int count = 32;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  while (getgrouplist(entry.pw_name, entry.pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count));
  }
  groups.resize(static_cast<size_t>(count));
  account.groups = std::move(groups);
  return account;
}

// `name` when given; else `smsgate` when run as root and that user exists (the unit's
// User=); else whoever runs the doctor.
Result<ServiceAccount> service_account(const std::string& name) {
  const uid_t self = geteuid();
  if (!name.empty()) {
    const passwd* entry = getpwnam(name.c_str());
    if (!entry) return make_error("no user " + name);
    return ServiceAccount{account_of(*entry), entry->pw_uid == self};
  }
  if (self == 0) {
    if (const passwd* entry = getpwnam(kServiceUser))
      return ServiceAccount{account_of(*entry), false};
  }
  if (const passwd* entry = getpwuid(self)) return ServiceAccount{account_of(*entry), true};
  return ServiceAccount{Account{"uid " + std::to_string(self), self, {getegid()}}, true};
}

// Whether the service account may read and write `path` (and, for a directory, make
// files in it).
bool service_may_use(const ServiceAccount& service, const std::string& path, bool directory) {
  if (service.is_current) return access(path.c_str(), R_OK | W_OK | (directory ? X_OK : 0)) == 0;
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return false;
  return may_access(FileAccess{info.st_uid, info.st_gid, info.st_mode}, service.account,
                    directory ? 7 : 6);
}

std::string owner_text(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return "";
  const passwd* user = getpwuid(info.st_uid);
  const group* grp = getgrgid(info.st_gid);
  return std::string(user ? user->pw_name : std::to_string(info.st_uid)) + ":" +
         (grp ? grp->gr_name : std::to_string(info.st_gid)) + " " + octal_mode(info.st_mode);
}

// The name of the file's group ("dialout"), for the usermod that lets the service in.
std::string group_of(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return "dialout";
  const group* grp = getgrgid(info.st_gid);
  return grp ? grp->gr_name : std::to_string(info.st_gid);
}

// ---- Processes ----------------------------------------------------------------------

struct Process {
  int pid = 0;
  std::string comm;
  std::vector<std::string> argv;
  fs::path cwd;
};

std::string read_small_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Process> list_processes() {
  std::vector<Process> processes;
  std::error_code error;
  const int self = getpid();
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    Process process;
    process.pid = std::stoi(name);
    if (process.pid == self) continue;
    process.comm = read_small_file(entry.path() / "comm");
    if (!process.comm.empty() && process.comm.back() == '\n') process.comm.pop_back();
    std::string cmdline = read_small_file(entry.path() / "cmdline");
    for (size_t start = 0; start < cmdline.size();) {
      size_t end = cmdline.find('\0', start);
      if (end == std::string::npos) end = cmdline.size();
      process.argv.push_back(cmdline.substr(start, end - start));
      start = end + 1;
    }
    process.cwd = fs::read_symlink(entry.path() / "cwd", error);
    processes.push_back(std::move(process));
  }
  return processes;
}

bool is_smsgated(const Process& process, std::string_view subcommand) {
  if (process.argv.size() < 2 || process.argv[1] != subcommand) return false;
  return process.comm == "smsgated" || fs::path(process.argv[0]).filename() == "smsgated";
}

Holder::Kind kind_of(const Process& process) {
  if (is_smsgated(process, "run")) return Holder::Kind::kGateway;
  if (is_smsgated(process, "sim")) return Holder::Kind::kSimulator;
  return Holder::Kind::kOther;
}

// The `smsgated run` serving `config_path`, by its --config (or the default).
std::optional<int> gateway_for(const std::vector<Process>& processes,
                               const std::string& config_path) {
  std::error_code error;
  const fs::path ours = fs::weakly_canonical(fs::absolute(config_path, error), error);
  for (const Process& process : processes) {
    if (!is_smsgated(process, "run")) continue;
    std::string theirs = kDefaultConfig;
    bool demo = false;
    for (size_t i = 2; i < process.argv.size(); ++i) {
      const std::string& arg = process.argv[i];
      if (arg == "--demo") demo = true;
      if (arg == "--config" && i + 1 < process.argv.size()) theirs = process.argv[i + 1];
      if (arg.rfind("--config=", 0) == 0) theirs = arg.substr(9);
    }
    if (demo) continue;
    fs::path path = fs::path(theirs).is_absolute() ? fs::path(theirs) : process.cwd / theirs;
    if (fs::weakly_canonical(path, error) == ours) return process.pid;
  }
  return std::nullopt;
}

// Which of `processes` have each of `devices` open (by device number: a symlink such as
// /dev/smsgate/x and the /dev/ttyUSB2 it names are one device). Only the processes
// whose /proc/PID/fd this user may read are seen.
std::map<dev_t, std::vector<Holder>> device_holders(const std::vector<Process>& processes,
                                                    const std::set<dev_t>& devices) {
  std::map<dev_t, std::vector<Holder>> holders;
  if (devices.empty()) return holders;
  for (const Process& process : processes) {
    const std::string fd_dir = "/proc/" + std::to_string(process.pid) + "/fd";
    DIR* dir = opendir(fd_dir.c_str());
    if (!dir) continue;
    std::set<dev_t> seen;
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      struct stat info {};
      if (stat((fd_dir + "/" + entry->d_name).c_str(), &info) != 0) continue;
      if (!S_ISCHR(info.st_mode) || devices.count(info.st_rdev) == 0) continue;
      if (!seen.insert(info.st_rdev).second) continue;
      holders[info.st_rdev].push_back(Holder{process.pid, process.comm, kind_of(process)});
    }
    closedir(dir);
  }
  return holders;
}

// ---- The database -------------------------------------------------------------------

// The directory itself, or the nearest one above it that exists.
fs::path existing_ancestor(fs::path path) {
  std::error_code error;
  while (!path.empty() && !fs::exists(path, error)) {
    if (path == path.parent_path()) break;
    path = path.parent_path();
  }
  return path;
}

void check_disk(const std::string& directory, std::vector<Finding>& findings) {
  struct statvfs disk {};
  if (statvfs(directory.c_str(), &disk) != 0) {
    findings.push_back(make("disk", directory, Verdict::kWarning,
                            "free space cannot be read: " + std::string(std::strerror(errno))));
    return;
  }
  // f_bavail: what an unprivileged writer such as the service may still use.
  findings.push_back(judge_disk(directory, uint64_t{disk.f_bavail} * disk.f_frsize,
                                uint64_t{disk.f_blocks} * disk.f_frsize));
}

// Group or others may read or write one of the database's files.
void check_privacy(const std::string& path, const std::string& directory,
                   std::vector<Finding>& findings) {
  std::vector<std::string> open_files;
  std::vector<std::string> files = {path};
  for (const std::string& companion : store::companion_files(path)) files.push_back(companion);
  for (const std::string& file : files) {
    struct stat info {};
    if (stat(file.c_str(), &info) == 0 && (info.st_mode & 077) != 0)
      open_files.push_back(file + " (" + octal_mode(info.st_mode) + ")");
  }
  struct stat dir_info {};
  const bool dir_open = stat(directory.c_str(), &dir_info) == 0 && (dir_info.st_mode & 077) != 0;
  if (open_files.empty() && !dir_open) {
    findings.push_back(make("files", directory, Verdict::kOk,
                            "the database and its directory are private to their owner"));
    return;
  }
  if (!open_files.empty()) {
    std::string list;
    for (const std::string& file : open_files) list += (list.empty() ? "" : ", ") + file;
    findings.push_back(
        make("files", path, Verdict::kWarning,
             "others may read the database, which holds every text and secret: " + list,
             "chmod 600 " + path + "* (smsgated also does this when it starts)"));
  }
  if (dir_open)
    findings.push_back(
        make("files", directory, Verdict::kWarning,
             "the database's directory is open to others (" + octal_mode(dir_info.st_mode) + ")",
             "chmod 700 " + directory +
                 " (for a systemd StateDirectory=, StateDirectoryMode=0700 keeps it so)"));
}

void check_database(const config::Config& config, const ServiceAccount& service,
                    std::vector<Finding>& findings) {
  const std::string& path = config.storage.path;
  std::string directory = fs::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  const std::string& user = service.account.name;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    fs::path ancestor = existing_ancestor(directory);
    if (!fs::is_directory(ancestor, error)) {
      findings.push_back(
          make("database", path, Verdict::kFailed,
               directory + " cannot be made: " + ancestor.string() + " is not a directory",
               "set [storage] path to a file in a directory, e.g. "
               "/var/lib/smsgate/smsgate.db"));
      return;
    }
    if (!service_may_use(service, ancestor.string(), true)) {
      findings.push_back(make(
          "database", path, Verdict::kFailed,
          directory + " does not exist and " + user + " may not make it in " + ancestor.string(),
          "mkdir -p " + directory + " && chown " + user + " " + directory + " && chmod 700 " +
              directory));
      return;
    }
    findings.push_back(make("database", path, Verdict::kWarning,
                            directory + " does not exist yet; smsgated makes it (0700) and the "
                                        "database when it first starts",
                            "systemctl start smsgated"));
    check_disk(ancestor.string(), findings);
    return;
  }
  if (!fs::exists(path, error)) {
    if (!service_may_use(service, directory, true)) {
      findings.push_back(make("database", path, Verdict::kFailed,
                              "not created yet, and " + user + " may not create it in " +
                                  directory + " (" + owner_text(directory) + ")",
                              "chown " + user + " " + directory + " && chmod 700 " + directory));
    } else {
      findings.push_back(make("database", path, Verdict::kWarning,
                              "not created yet; smsgated creates it when it first starts",
                              "systemctl start smsgated"));
    }
    check_disk(directory, findings);
    return;
  }
  // Looked at before opening: opening takes others' access off (store/files.h).
  std::vector<Finding> privacy;
  check_privacy(path, directory, privacy);
  auto add_privacy = [&] { findings.insert(findings.end(), privacy.begin(), privacy.end()); };
  if (!service_may_use(service, path, false) || !service_may_use(service, directory, true)) {
    findings.push_back(make("database", path, Verdict::kFailed,
                            user + " may not read and write it and make files beside it (" +
                                owner_text(path) + ", directory " + owner_text(directory) + ")",
                            "chown -R " + user + " " + directory + " && chmod 700 " + directory +
                                " && chmod 600 " + path + "*"));
    add_privacy();
    check_disk(directory, findings);
    return;
  }
  // The daemon's own way in (migrations and all), then the write GET /api/v1/health makes.
  auto store = open_store(path);
  if (!store) {
    findings.push_back(make("database", path, Verdict::kFailed,
                            "does not open: " + store.error().message,
                            "see the disk check below; a damaged file: restore a backup"));
  } else if (Status writable = (*store)->check_writable(); !writable) {
    findings.push_back(make("database", path, Verdict::kFailed,
                            "opens but takes no writes: " + writable.error().message,
                            "see the disk check below"));
  } else {
    findings.push_back(make("database", path, Verdict::kOk, "opens and takes writes"));
  }
  add_privacy();
  check_disk(directory, findings);
}

// ---- Ports and modems ---------------------------------------------------------------

const config::ModemConfig* modem_entry(const config::Config& config, const std::string& port) {
  for (const config::ModemConfig& modem : config.modem) {
    if (modem.port == port) return &modem;
  }
  return nullptr;
}

std::vector<Finding> probe_port(const std::string& port, const config::Config& config,
                                std::chrono::milliseconds timeout) {
  auto transport = at::open_transport(port, config.modems.serial());
  if (!transport)
    return {make("modem", port, Verdict::kFailed, "cannot be opened: " + transport.error().message,
                 "check the cable and `ls -l " + port + "`; replug the modem")};
  at::AtChannel channel(std::move(*transport), drivers::all_unsolicited());
  auto report = modem::probe(channel, timeout);
  if (!report)
    return {make("modem", port, Verdict::kWarning, "no modem answers AT here",
                 "a modem's other interfaces (data, GPS, diagnostics) stay silent, which is "
                 "fine when another of its ports answers; else replug it or power it")};
  const config::ModemConfig* entry = modem_entry(config, port);
  return judge_modem(*report, entry && entry->pin);
}

void check_ports(const config::Config& config, const ServiceAccount& service,
                 const std::vector<Process>& processes, const std::optional<GatewayModems>& gateway,
                 std::chrono::milliseconds timeout, std::vector<Finding>& findings) {
  std::vector<std::string> patterns = config.modems.ports;
  for (const config::ModemConfig& modem : config.modem) {
    if (!modem.enabled) continue;
    patterns.push_back(modem.port);
    std::error_code error;
    if (!fs::exists(modem.port, error))
      findings.push_back(make("port", modem.port, Verdict::kFailed, "does not exist",
                              "plug the modem in; see `ls -l " + modem.port + "`"));
  }
  std::vector<std::string> ports = modem::expand_port_patterns(patterns);
  std::erase_if(ports, [&](const std::string& port) {
    const config::ModemConfig* entry = modem_entry(config, port);
    return entry && !entry->enabled;
  });
  if (ports.empty()) {
    std::string list;
    for (const std::string& pattern : config.modems.ports)
      list += (list.empty() ? "" : " ") + pattern;
    findings.push_back(make("port", list.empty() ? "[modems] ports" : list, Verdict::kFailed,
                            "no port matches",
                            "plug a modem in; /dev/smsgate/ names come from smsgate's udev "
                            "rules; or list its port in [modems] ports (e.g. \"/dev/ttyUSB*\")"));
    return;
  }

  std::map<std::string, dev_t> devices;
  for (const std::string& port : ports) {
    struct stat info {};
    if (stat(port.c_str(), &info) == 0) devices[port] = info.st_rdev;
  }
  std::set<dev_t> wanted;
  for (const auto& [port, device] : devices) wanted.insert(device);
  auto holders = device_holders(processes, wanted);
  const std::string seen_by =
      geteuid() == 0 ? ""
                     : " (only this user's processes could be looked at; run as root to see all)";

  std::vector<std::pair<std::string, std::future<std::vector<Finding>>>> probes;
  bool gateway_holds_one = false;
  for (const std::string& port : ports) {
    if (!service_may_use(service, port, false)) {
      findings.push_back(
          make("port", port, Verdict::kFailed,
               service.account.name + " may not read and write it (" + owner_text(port) + ")",
               "usermod -aG " + group_of(port) + " " + service.account.name +
                   " (and restart smsgated), or install smsgate's udev rules (group dialout)"));
      continue;
    }
    const std::vector<Holder>& held_by = holders[devices[port]];
    if (auto held = judge_holders(port, held_by, gateway)) {
      gateway_holds_one =
          gateway_holds_one || std::any_of(held_by.begin(), held_by.end(), [](const Holder& h) {
            return h.kind == Holder::Kind::kGateway;
          });
      findings.push_back(*held);
      continue;
    }
    findings.push_back(make("port", port, Verdict::kOk,
                            service.account.name +
                                " may read and write it; no other process "
                                "has it open" +
                                seen_by));
    // Each port on its own thread, as discovery does: a silent one costs one timeout.
    probes.emplace_back(port, std::async(std::launch::async, [port, &config, timeout] {
                          return probe_port(port, config, timeout);
                        }));
  }
  bool any_answered = false;
  for (auto& [port, probe] : probes) {
    for (Finding& finding : probe.get()) {
      if (finding.check == "modem" && finding.verdict == Verdict::kOk) any_answered = true;
      findings.push_back(std::move(finding));
    }
  }
  if (!probes.empty() && !any_answered && !gateway_holds_one)
    findings.push_back(make("modem", "all ports", Verdict::kFailed,
                            "no modem answers on any configured port",
                            "check that the modem is powered and plugged in (some need a "
                            "powered USB hub), and that [modems] ports names its AT port"));
}

// ---- The clock and the API ----------------------------------------------------------

Finding check_clock() {
  timex state{};  // modes 0: read only
  const int result = adjtimex(&state);
  return judge_clock(result, state.status);
}

ApiProbe get_health(const config::HttpConfig& http, std::chrono::milliseconds timeout) {
  ApiProbe probe;
  probe.url = health_url(http);
  LocalAnswer answer = get_local(probe.url, timeout);
  probe.http_status = answer.http_status;
  probe.body = std::move(answer.body);
  probe.error = std::move(answer.error);
  // An appliance's certificate is usually its own, self-signed, so only whether it
  // answers is asked here; the finding says the certificate was not verified.
  probe.tls_unverified = !http.tls_certificate.empty();
  return probe;
}

}  // namespace

std::vector<Finding> run_doctor(const DoctorOptions& options) {
  std::vector<Finding> findings;
  auto config = config::load_config(options.config_path);
  if (!config) {
    findings.push_back(make("config", options.config_path, Verdict::kFailed, config.error().message,
                            "correct the line named; `smsgated check-config` checks again"));
    return findings;
  }
  if (Status startable = check_startable(*config); !startable) {
    findings.push_back(make("config", options.config_path, Verdict::kFailed,
                            startable.error().message,
                            "correct it; `smsgated check-config` checks again"));
  } else {
    findings.push_back(
        make("config", options.config_path, Verdict::kOk, "loads; smsgated would start with it"));
  }

  auto account = service_account(options.user);
  if (!account) {
    findings.push_back(make("user", options.user, Verdict::kFailed, account.error().message,
                            "name an existing user with --user"));
    return findings;
  }
  const ServiceAccount& service = *account;
  const std::vector<Process> processes = list_processes();
  const std::optional<int> daemon_pid = gateway_for(processes, options.config_path);
  const ApiProbe api = get_health(config->http, options.http_timeout);
  std::optional<GatewayModems> gateway;
  if (api.http_status != 0) gateway = parse_health_modems(api.body);

  check_database(*config, service, findings);
  check_ports(*config, service, processes, gateway, options.modem_timeout, findings);
  findings.push_back(check_clock());
  findings.push_back(judge_api(api, daemon_pid));
  findings.push_back(judge_tls(config->http));
  return findings;
}

}  // namespace smsgate::daemon

#include "drivers/sim/sim_bank.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <optional>
#include <system_error>

#include "common/clock.h"

namespace smsgate::sim {
namespace {

// What the modem says while nobody reads the port piles up here; past this, like a
// UART FIFO overflowing, the rest is lost.
constexpr size_t kMaxUnwritten = 1 << 20;

std::string errno_text(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// The host's wall clock in UTC, for the time stamps of delivered messages.
pdu::Timestamp utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return pdu::Timestamp{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                        tm.tm_min,         tm.tm_sec,     0};
}

bool set_flags(int fd, int status_flags) {
  const int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | status_flags) == 0 &&
         fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

}  // namespace

Result<std::unique_ptr<SimBank>> SimBank::start(std::filesystem::path dir,
                                                std::vector<SimConfig> modems) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return make_error("cannot create " + dir.string() + ": " + error.message());
  std::unique_ptr<SimBank> bank(new SimBank());
  bank->dir_ = std::filesystem::absolute(dir, error);
  if (error) bank->dir_ = dir;

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) return make_error(errno_text("pipe2"));
  bank->wake_read_ = pipe_fds[0];
  bank->wake_write_ = pipe_fds[1];

  {
    MutexLock lock(bank->mutex_);
    for (size_t i = 0; i < modems.size(); ++i) {
      if (!modems[i].network_time) modems[i].network_time = utc_now;
      auto port = std::make_unique<Port>(std::move(modems[i]));
      port->link = bank->dir_ / ("modem" + std::to_string(i));
      if (std::filesystem::exists(std::filesystem::symlink_status(port->link)) &&
          !std::filesystem::is_symlink(std::filesystem::symlink_status(port->link))) {
        return make_error(port->link.string() + " exists and is not a symlink");
      }
      if (auto opened = bank->open_pty(*port); !opened) return opened.error();
      bank->ports_.push_back(std::move(port));
    }
  }
  bank->thread_ = std::thread([raw = bank.get()] { raw->run(); });
  return bank;
}

SimBank::~SimBank() {
  stop();
  if (wake_read_ >= 0) close(wake_read_);
  if (wake_write_ >= 0) close(wake_write_);
}

void SimBank::stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake();
  if (thread_.joinable()) thread_.join();
  MutexLock lock(mutex_);
  for (auto& port : ports_) close_pty(*port);
}

std::filesystem::path SimBank::port_path(size_t index) const {
  MutexLock lock(mutex_);
  return ports_.at(index)->link;
}

std::string SimBank::device_path(size_t index) const {
  MutexLock lock(mutex_);
  return ports_.at(index)->device;
}

bool SimBank::plugged(size_t index) const {
  MutexLock lock(mutex_);
  return ports_.at(index)->master >= 0;
}

void SimBank::with_modem(size_t index,
                         const std::function<void(SimModem&, MonotonicClock::time_point)>& fn) {
  {
    MutexLock lock(mutex_);
    fn(ports_.at(index)->modem, MonotonicClock::now());
  }
  wake();
}

Status SimBank::unplug(size_t index) {
  {
    MutexLock lock(mutex_);
    if (index >= ports_.size()) return make_error("no modem " + std::to_string(index));
    Port& port = *ports_[index];
    if (port.master < 0) return make_error("modem " + std::to_string(index) + " is unplugged");
    close_pty(port);
  }
  wake();
  return ok_status();
}

Status SimBank::replug(size_t index) {
  {
    MutexLock lock(mutex_);
    if (index >= ports_.size()) return make_error("no modem " + std::to_string(index));
    if (stopping_) return make_error("the bank is stopping");
    Port& port = *ports_[index];
    if (port.master >= 0) return make_error("modem " + std::to_string(index) + " is plugged in");
    port.modem.power_cycle(MonotonicClock::now());
    port.modem.take_output();
    if (auto opened = open_pty(port); !opened) return opened;
  }
  wake();
  return ok_status();
}

Status SimBank::open_pty(Port& port) {
  int master = -1;
  int slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
    return make_error(errno_text("openpty"));
  }
  auto fail = [&](std::string message) -> Status {
    close(master);
    close(slave);
    return make_error(std::move(message));
  };
  char name[PATH_MAX];
  if (ttyname_r(slave, name, sizeof name) != 0) return fail(errno_text("ttyname_r"));
  // Raw: the line discipline neither echoes (the modem does) nor turns CR into LF.
  termios attributes{};
  if (tcgetattr(slave, &attributes) != 0) return fail(errno_text("tcgetattr"));
  cfmakeraw(&attributes);
  cfsetspeed(&attributes, B115200);
  if (tcsetattr(slave, TCSANOW, &attributes) != 0) return fail(errno_text("tcsetattr"));
  if (!set_flags(master, O_NONBLOCK) || !set_flags(slave, 0)) return fail(errno_text("fcntl"));

  // Symlink under a temporary name, then rename over the old one: a client never
  // sees the name missing or pointing nowhere while we re-create it.
  std::error_code error;
  const std::filesystem::path temporary = port.link.string() + ".new";
  std::filesystem::remove(temporary, error);
  std::filesystem::create_symlink(name, temporary, error);
  if (!error) std::filesystem::rename(temporary, port.link, error);
  if (error) return fail("cannot link " + port.link.string() + ": " + error.message());

  port.master = master;
  port.slave_keepalive = slave;
  port.device = name;
  port.unwritten.clear();
  return ok_status();
}

void SimBank::close_pty(Port& port) {
  if (port.master < 0) return;
  std::error_code error;
  std::filesystem::remove(port.link, error);
  close(port.master);
  close(port.slave_keepalive);
  port.master = -1;
  port.slave_keepalive = -1;
  port.device.clear();
  port.unwritten.clear();
}

void SimBank::wake() {
  const char byte = 1;
  // A full pipe already guarantees a wake-up.
  [[maybe_unused]] auto written = write(wake_write_, &byte, 1);
}

void SimBank::pump(Port& port, MonotonicClock::time_point now) {
  port.modem.tick(now);
  std::string output = port.modem.take_output();
  if (port.master < 0) return;  // unplugged: said to nobody
  if (port.unwritten.size() + output.size() <= kMaxUnwritten) port.unwritten += output;
  while (!port.unwritten.empty()) {
    const ssize_t written = write(port.master, port.unwritten.data(), port.unwritten.size());
    if (written <= 0) break;  // EAGAIN: POLLOUT tells when there is room again
    port.unwritten.erase(0, static_cast<size_t>(written));
  }
}

void SimBank::run() {
  std::vector<pollfd> fds;
  std::vector<size_t> owners;  // fds[k] belongs to ports_[owners[k]], k >= 1
  while (true) {
    int timeout_ms = -1;
    {
      MutexLock lock(mutex_);
      if (stopping_) return;
      fds.assign(1, pollfd{wake_read_, POLLIN, 0});
      owners.assign(1, 0);
      const auto now = MonotonicClock::now();
      std::optional<MonotonicClock::time_point> next;
      for (size_t i = 0; i < ports_.size(); ++i) {
        Port& port = *ports_[i];
        if (auto deadline = port.modem.next_deadline(); deadline && (!next || *deadline < *next)) {
          next = deadline;
        }
        if (port.master < 0) continue;
        const short events = port.unwritten.empty() ? POLLIN : POLLIN | POLLOUT;
        fds.push_back(pollfd{port.master, events, 0});
        owners.push_back(i);
      }
      if (next) {
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
        timeout_ms = static_cast<int>(std::clamp<long long>(wait, 0, INT_MAX));
      }
    }
    if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) return;

    MutexLock lock(mutex_);
    if (stopping_) return;
    char drain[64];
    while (read(wake_read_, drain, sizeof drain) > 0) {
    }
    const auto now = MonotonicClock::now();
    for (size_t k = 1; k < fds.size(); ++k) {
      Port& port = *ports_[owners[k]];
      // Unplugged (and maybe replugged) while we polled: this fd is not its own any more.
      if (port.master != fds[k].fd || !(fds[k].revents & POLLIN)) continue;
      char buffer[4096];
      ssize_t got;
      while ((got = read(port.master, buffer, sizeof buffer)) > 0) {
        port.modem.receive(std::string_view(buffer, static_cast<size_t>(got)), now);
      }
    }
    for (auto& port : ports_) pump(*port, now);
  }
}

}  // namespace smsgate::sim

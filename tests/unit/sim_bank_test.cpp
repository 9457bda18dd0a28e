// SimBank on real pseudo-terminals: a client opens the symlinked port as it would a
// USB modem, talks AT, survives close/reopen, and sees unplug and replug.
#include "drivers/sim/sim_bank.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace {

using namespace std::chrono_literals;
using smsgate::MonotonicClock;
using smsgate::sim::SimBank;
using smsgate::sim::SimConfig;
using smsgate::sim::SimModem;

// A fresh directory under the system's temporary one, removed afterwards.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sim_bank_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

// The client side, as the gateway opens a serial port: raw, no controlling tty.
struct Client {
  explicit Client(const std::filesystem::path& port) {
    fd = open(port.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(fd >= 0);
    termios attributes{};
    REQUIRE(tcgetattr(fd, &attributes) == 0);
    cfmakeraw(&attributes);
    REQUIRE(tcsetattr(fd, TCSANOW, &attributes) == 0);
  }
  ~Client() {
    if (fd >= 0) close(fd);
  }
  void write_all(std::string_view bytes) const {
    REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `expected` has been seen or `timeout` passed; returns all it read.
  std::string read_until(std::string_view expected, MonotonicClock::duration timeout = 2s) const {
    std::string got;
    const auto deadline = MonotonicClock::now() + timeout;
    while (got.find(expected) == std::string::npos && MonotonicClock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      char buffer[256];
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n > 0) got.append(buffer, static_cast<size_t>(n));
      if (n <= 0 && errno != EAGAIN) break;
    }
    return got;
  }
  int fd = -1;
};

std::unique_ptr<SimBank> start_bank(const std::filesystem::path& dir, size_t modems,
                                    SimConfig config = {}) {
  config.boot_time = 50ms;
  auto bank = SimBank::start(dir, std::vector<SimConfig>(modems, config));
  REQUIRE_MESSAGE(bank, (bank ? "" : bank.error().message));
  return std::move(bank).value();
}

}  // namespace

TEST_CASE("sim bank: AT over the symlinked pty") {
  TempDir dir;
  auto bank = start_bank(dir.path, 1);
  CHECK(bank->port_path(0) == std::filesystem::absolute(dir.path / "modem0"));
  CHECK(std::filesystem::read_symlink(bank->port_path(0)).string() == bank->device_path(0));
  Client client(bank->port_path(0));
  client.write_all("AT\r");
  CHECK(client.read_until("OK\r\n") == "AT\r\r\nOK\r\n");
}

TEST_CASE("sim bank: closing and reopening the port keeps the modem") {
  TempDir dir;
  auto bank = start_bank(dir.path, 1);
  {
    Client client(bank->port_path(0));
    client.write_all("ATE0\r");
    CHECK(client.read_until("OK\r\n") == "ATE0\r\r\nOK\r\n");
  }
  Client again(bank->port_path(0));
  again.write_all("AT+CSQ\r");
  CHECK(again.read_until("OK\r\n") == "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
}

TEST_CASE("sim bank: controls reach the client at once") {
  TempDir dir;
  auto bank = start_bank(dir.path, 1);
  Client client(bank->port_path(0));
  bank->with_modem(0, [](SimModem& modem, MonotonicClock::time_point now) {
    REQUIRE(modem.deliver({.from = "+4917012345", .text = "hello"}, now));
  });
  CHECK(client.read_until("\r\n+CMTI: \"SM\",1\r\n") == "\r\n+CMTI: \"SM\",1\r\n");
}

TEST_CASE("sim bank: latency is honoured by the I/O thread") {
  TempDir dir;
  SimConfig config;
  config.cmgs_latency = 150ms;
  auto bank = start_bank(dir.path, 1, config);
  Client client(bank->port_path(0));
  client.write_all("ATE0\r");
  client.read_until("OK\r\n");
  // "hi" to +4917012345: 00 (SMSC), SUBMIT, MR 0, DA, PID, DCS, UDL 2, "hi" packed.
  client.write_all("AT+CMGS=14\r");
  CHECK(client.read_until("> ") == "\r\n> ");
  const auto sent_at = MonotonicClock::now();
  client.write_all("0001000A919471103254000002E834\x1A");
  CHECK(client.read_until("OK\r\n") == "\r\n+CMGS: 0\r\n\r\nOK\r\n");
  CHECK(MonotonicClock::now() - sent_at >= 150ms);
  bank->with_modem(0, [](SimModem& modem, MonotonicClock::time_point) {
    REQUIRE(modem.sent().size() == 1);
    CHECK(modem.sent()[0].text == "hi");
  });
}

TEST_CASE("sim bank: unplug hangs up the client, replug boots a new pty") {
  TempDir dir;
  auto bank = start_bank(dir.path, 1);
  Client client(bank->port_path(0));
  client.write_all("AT\r");
  client.read_until("OK\r\n");

  REQUIRE(bank->unplug(0));
  CHECK(!bank->plugged(0));
  CHECK(!std::filesystem::exists(std::filesystem::symlink_status(bank->port_path(0))));
  pollfd p{client.fd, POLLIN, 0};
  REQUIRE(poll(&p, 1, 1000) == 1);
  CHECK((p.revents & (POLLHUP | POLLERR)) != 0);
  char byte;
  const ssize_t n = read(client.fd, &byte, 1);
  CHECK((n == 0 || (n < 0 && errno == EIO)));
  CHECK(!bank->unplug(0));

  REQUIRE(bank->replug(0));
  CHECK(bank->plugged(0));
  Client again(bank->port_path(0));
  // The modem boots: silent, then its boot lines, then it answers (echo on again).
  CHECK(again.read_until("+CPIN: READY\r\n").find("RDY") != std::string::npos);
  again.write_all("AT\r");
  CHECK(again.read_until("OK\r\n").ends_with("AT\r\r\nOK\r\n"));
}

TEST_CASE("sim bank: two modems are independent") {
  TempDir dir;
  auto bank = start_bank(dir.path, 2);
  CHECK(bank->size() == 2);
  CHECK(bank->device_path(0) != bank->device_path(1));
  Client first(bank->port_path(0));
  Client second(bank->port_path(1));
  first.write_all("ATE0\r");
  CHECK(first.read_until("OK\r\n") == "ATE0\r\r\nOK\r\n");
  second.write_all("AT\r");
  CHECK(second.read_until("OK\r\n") == "AT\r\r\nOK\r\n");  // still echoing
  bank->with_modem(1, [](SimModem& modem, MonotonicClock::time_point) { modem.set_hung(true); });
  second.write_all("AT\r");
  CHECK(second.read_until("OK\r\n", 200ms) == "");
  first.write_all("AT\r");
  CHECK(first.read_until("OK\r\n") == "\r\nOK\r\n");
}

TEST_CASE("sim bank: stop removes the symlinks") {
  TempDir dir;
  auto bank = start_bank(dir.path, 2);
  const auto link = bank->port_path(1);
  CHECK(std::filesystem::is_symlink(link));
  bank->stop();
  CHECK(!std::filesystem::exists(std::filesystem::symlink_status(link)));
  bank->stop();  // idempotent
}

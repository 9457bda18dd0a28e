// AtChannel over one end of a socketpair, with a scripted modem on the other end: what
// the host writes, what comes back, timeouts, ESC on a lost prompt, URCs queued, a
// port that goes away, interrupt().
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "at/channel.h"
#include "common/clock.h"

namespace smsgate::at {
namespace {

using std::chrono::milliseconds;

// Waits for each expected string from the host, then answers with its reply. Records
// everything the host wrote.
class ScriptedModem {
 public:
  using Script = std::vector<std::pair<std::string, std::string>>;

  ScriptedModem(int fd, Script script) : fd_(fd) {
    thread_ = std::thread([this, script = std::move(script)] { run(script); });
  }
  ~ScriptedModem() {
    join();
    if (fd_ >= 0) ::close(fd_);
  }
  const std::string& received() const { return received_; }  // after join
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  void hang_up() {
    join();
    ::close(fd_);
    fd_ = -1;
  }

 private:
  void run(const Script& script) {
    size_t seen = 0;
    for (const auto& [expected, reply] : script) {
      while (received_.find(expected, seen) == std::string::npos) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 3000) <= 0) return;  // the test failed to send; give up
        char buffer[512];
        ssize_t n = ::read(fd_, buffer, sizeof buffer);
        if (n <= 0) return;
        received_.append(buffer, static_cast<size_t>(n));
      }
      seen = received_.find(expected, seen) + expected.size();
      if (!reply.empty()) (void)!::write(fd_, reply.data(), reply.size());
    }
  }

  int fd_;
  std::string received_;
  std::thread thread_;
};

struct Pair {
  AtChannel channel;
  int modem_fd;
};

Pair make_pair_of_ends() {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  return Pair{AtChannel(fd_transport(fds[0], "test-port")), fds[1]};
}

}  // namespace

TEST_CASE("at channel: a command gets its lines and final result; echo is dropped") {
  auto [channel, fd] = make_pair_of_ends();
  ScriptedModem modem(fd, {{"AT+CSQ\r", "AT+CSQ\r\r\n+CSQ: 21,99\r\n\r\nOK\r\n"}});
  Reply reply = channel.run("AT+CSQ", milliseconds(2000));
  CHECK(reply.ok());
  CHECK(reply.response.lines == std::vector<std::string>{"+CSQ: 21,99"});
  modem.join();
  CHECK(modem.received() == "AT+CSQ\r");
}

TEST_CASE("at channel: error results are answers, not failures") {
  auto [channel, fd] = make_pair_of_ends();
  ScriptedModem modem(fd, {{"AT+CPIN?\r", "\r\n+CME ERROR: 10\r\n"}});
  Reply reply = channel.run("AT+CPIN?", milliseconds(2000));
  CHECK(reply.answered());
  CHECK_FALSE(reply.ok());
  CHECK(reply.response.final.kind == FinalKind::kCmeError);
  CHECK(reply.response.final.code == 10);
}

TEST_CASE("at channel: silence is a timeout, and a late OK does not answer the next command") {
  auto [channel, fd] = make_pair_of_ends();
  ScriptedModem modem(fd, {{"AT+COPS?\r", ""}, {"AT\r", "\r\nOK\r\n\r\nOK\r\n"}});
  Reply first = channel.run("AT+COPS?", milliseconds(150));
  CHECK(first.status == Reply::Status::kTimedOut);
  CHECK(first.describe().find("timed out") == 0);
  Reply second = channel.run("AT", milliseconds(2000));
  CHECK(second.ok());
}

TEST_CASE("at channel: URCs before, inside and after a response are queued") {
  auto [channel, fd] = make_pair_of_ends();
  ScriptedModem modem(
      fd, {{"AT+CMGS=20\r", "\r\n+CMTI: \"SM\",3\r\n\r\n> "},
           {"\x1a", "\r\n+CDS: 6\r\n0006050B91\r\n\r\n+CMGS: 42\r\n\r\nOK\r\n^RSSI:12\r\n"}});
  Reply reply = channel.send_pdu("AT+CMGS=20", "0011000B", milliseconds(2000), milliseconds(2000));
  REQUIRE(reply.ok());
  CHECK(reply.response.lines == std::vector<std::string>{"+CMGS: 42"});
  modem.join();
  CHECK(modem.received() == "AT+CMGS=20\r0011000B\x1a");
  REQUIRE(channel.wait_for_urcs(milliseconds(500)));
  auto urcs = channel.take_urcs();
  REQUIRE(urcs.size() >= 2);
  CHECK(urcs[0].line == "+CMTI: \"SM\",3");
  CHECK(urcs[1].line == "+CDS: 6");
  CHECK(urcs[1].pdu == std::optional<std::string>("0006050B91"));
  if (urcs.size() < 3) {
    REQUIRE(channel.wait_for_urcs(milliseconds(500)));
    for (auto& urc : channel.take_urcs()) urcs.push_back(urc);
  }
  REQUIRE(urcs.size() == 3);
  CHECK(urcs[2].line == "^RSSI:12");
}

TEST_CASE("at channel: a hidden PDU reaches the modem but not the trace, even echoed") {
  // A one-time password's PDU ("Your code is 482916"), echoed by a modem with echo on.
  const std::string pdu = "0011000C914971021436870000A713D9775D0E1ABFC9E4329C0E9A97C3F3F0B90C";
  const std::string answer = "\r\n+CMGS: 42\r\n\r\nOK\r\n";
  for (PduTrace mode : {PduTrace::kHidden, PduTrace::kShown}) {
    CAPTURE(static_cast<int>(mode));
    auto [channel, fd] = make_pair_of_ends();
    std::string traced;
    channel.set_trace([&](std::string_view direction, std::string_view text) {
      traced += std::string(direction) + std::string(text) + "\n";
    });
    ScriptedModem modem(fd, {{"AT+CMGS=34\r", "AT+CMGS=34\r\r\n> "},
                             {"\x1a", pdu + "\x1a" + answer},
                             {"AT\r", "\r\nOK\r\n"}});
    Reply reply = channel.send_pdu("AT+CMGS=34", pdu, milliseconds(2000), milliseconds(2000), mode);
    REQUIRE(reply.ok());
    CHECK(reply.response.lines == std::vector<std::string>{"+CMGS: 42"});
    REQUIRE(channel.run("AT", milliseconds(2000)).ok());
    modem.join();
    CHECK(modem.received() == "AT+CMGS=34\r" + pdu + "\x1a" + "AT\r");
    CHECK(traced.find("AT+CMGS=34") != std::string::npos);
    if (mode == PduTrace::kHidden) {
      // No piece of the PDU (its user data holds the code), however the echo was chunked.
      for (size_t at = 0; at + 12 <= pdu.size(); ++at)
        CHECK(traced.find(pdu.substr(at, 12)) == std::string::npos);
      CHECK(traced.find("PDU hidden, 66 hex digits") != std::string::npos);
      CHECK(traced.find("+CMGS: 42") != std::string::npos);
    } else {
      CHECK(traced.find(pdu) != std::string::npos);
    }
    // What comes after it is traced again.
    size_t next_command = traced.find("<AT\r\n");
    REQUIRE(next_command != std::string::npos);
    CHECK(traced.find("OK", next_command) != std::string::npos);
  }
}

TEST_CASE("at channel: a SIM PIN reaches the modem but not the trace, even echoed") {
  auto [channel, fd] = make_pair_of_ends();
  std::string traced;
  channel.set_trace([&](std::string_view direction, std::string_view text) {
    traced += std::string(direction) + std::string(text) + "\n";
  });
  ScriptedModem modem(
      fd, {{"AT+CPIN=\"7391\"\r", "AT+CPIN=\"7391\"\r\r\nOK\r\n"}, {"AT\r", "\r\nOK\r\n"}});
  REQUIRE(channel.run("AT+CPIN=\"7391\"", milliseconds(2000)).ok());
  REQUIRE(channel.run("AT", milliseconds(2000)).ok());
  modem.join();
  CHECK(modem.received() == "AT+CPIN=\"7391\"\rAT\r");
  CHECK(traced.find("7391") == std::string::npos);
  CHECK(traced.find("<AT+CPIN=<hidden>") != std::string::npos);
  // What comes after it is traced again, the modem's answer included.
  size_t next_command = traced.find("<AT\r\n");
  REQUIRE(next_command != std::string::npos);
  CHECK(traced.find("OK", next_command) != std::string::npos);
}

TEST_CASE("at channel: a missing prompt is cancelled with ESC") {
  auto [channel, fd] = make_pair_of_ends();
  ScriptedModem modem(fd, {{"AT+CMGS=20\r", ""}, {"\x1b", ""}});
  Reply reply = channel.send_pdu("AT+CMGS=20", "00", milliseconds(150), milliseconds(5000));
  CHECK(reply.status == Reply::Status::kTimedOut);
  CHECK(reply.detail.find("no prompt") == 0);
  modem.join();
  CHECK(modem.received() == "AT+CMGS=20\r\x1b");
}

TEST_CASE("at channel: a refusal before the prompt is the answer") {
  auto [channel, fd] = make_pair_of_ends();
  ScriptedModem modem(fd, {{"AT+CMGS=20\r", "\r\n+CMS ERROR: 302\r\n"}});
  Reply reply = channel.send_pdu("AT+CMGS=20", "00", milliseconds(2000), milliseconds(2000));
  CHECK(reply.answered());
  CHECK(reply.response.final.code == 302);
  modem.join();
  CHECK(modem.received() == "AT+CMGS=20\r");
}

TEST_CASE("at channel: a port that hangs up is reported as gone") {
  auto [channel, fd] = make_pair_of_ends();
  ScriptedModem modem(fd, {});
  modem.hang_up();
  Reply reply = channel.run("AT", milliseconds(2000));
  CHECK(reply.status == Reply::Status::kPortGone);
  CHECK_FALSE(channel.wait_for_urcs(milliseconds(100)));
}

TEST_CASE("at channel: interrupt() ends an idle wait at once") {
  auto [channel, fd] = make_pair_of_ends();
  ScriptedModem modem(fd, {});
  Transport& transport = channel.transport();
  std::thread other([&transport] { transport.interrupt(); });
  other.join();
  auto start = MonotonicClock::now();
  REQUIRE(channel.wait_for_urcs(milliseconds(60000)));
  // Far below the 60 s asked for: the wait ended because of the interrupt.
  CHECK(MonotonicClock::now() - start < std::chrono::seconds(30));
  CHECK_FALSE(channel.has_urcs());
}

}  // namespace smsgate::at

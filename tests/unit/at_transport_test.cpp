// open_transport: ptys open as raw file descriptors, anything else that is not a serial
// port is refused with a message naming the path; fd transports see a hang-up.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "at/transport.h"

namespace smsgate::at {

using std::chrono::milliseconds;

TEST_CASE("at transport: a missing port is an error naming it") {
  auto opened = open_transport("/dev/smsgate-no-such-port");
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find("/dev/smsgate-no-such-port") == 0);
  CHECK(opened.error().message.find("No such file") != std::string::npos);
}

TEST_CASE("at transport: a regular file is not a port") {
  std::string path = (std::filesystem::temp_directory_path() / "smsgate-not-a-port").string();
  std::FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  std::fclose(f);
  auto opened = open_transport(path);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message == path + ": not a character device");
  std::filesystem::remove(path);
}

TEST_CASE("at transport: a character device that is no serial port is refused") {
  auto opened = open_transport("/dev/null");
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find("/dev/null: ") == 0);
}

TEST_CASE("at transport: a pty opens raw, carries bytes both ways, and reports its hang-up") {
  int master = -1;
  int slave = -1;
  char name[128];
  REQUIRE(::openpty(&master, &slave, name, nullptr, nullptr) == 0);
  ::close(slave);
  auto opened = open_transport(name);
  REQUIRE(opened.ok());
  Transport& port = **opened;
  CHECK(port.name() == name);

  REQUIRE(port.write("AT\r", milliseconds(1000)));
  char buffer[16];
  ssize_t n = ::read(master, buffer, sizeof buffer);
  // Raw mode: the CR arrives as CR, not translated to LF.
  CHECK(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0) == "AT\r");

  REQUIRE(::write(master, "\r\nOK\r\n", 6) == 6);
  std::string got;
  for (int i = 0; i < 50 && got.size() < 6; ++i) {
    auto bytes = port.read(milliseconds(100));
    REQUIRE(bytes.ok());
    got += *bytes;
  }
  CHECK(got == "\r\nOK\r\n");

  auto nothing = port.read(milliseconds(20));
  REQUIRE(nothing.ok());
  CHECK(nothing->empty());

  ::close(master);
  auto gone = port.read(milliseconds(1000));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().message.find(name) == 0);
}

}  // namespace smsgate::at

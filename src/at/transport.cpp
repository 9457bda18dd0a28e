#include "at/transport.h"

#include <fcntl.h>
#include <libserialport.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/clock.h"

namespace smsgate::at {
namespace {

using std::chrono::milliseconds;

std::string errno_text(const std::string& name, int error) {
  return name + ": " + std::strerror(error);
}

int poll_timeout(milliseconds timeout) {
  return static_cast<int>(std::max<milliseconds::rep>(0, timeout.count()));
}

// Reads and writes a file descriptor with poll(2) deadlines. Serial ports opened
// through libserialport end up here too, so that a hang-up (an unplugged USB modem,
// the other end of a pty closing) is seen the same way everywhere: POLLHUP, EIO or
// end of file.
class FdTransport : public Transport {
 public:
  FdTransport(int fd, std::string name)
      : fd_(fd), wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), name_(std::move(name)) {}
  ~FdTransport() override {
    if (fd_ >= 0) ::close(fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Result<std::string> read(milliseconds timeout) override {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int ready = ::poll(p, 2, poll_timeout(timeout));
    if (ready < 0) {
      if (errno == EINTR) return std::string();
      return make_error(errno_text(name_, errno));
    }
    if (ready == 0) return std::string();
    if (p[1].revents & POLLIN) {
      uint64_t count = 0;
      (void)!::read(wake_fd_, &count, sizeof count);
      if ((p[0].revents & POLLIN) == 0) return std::string();
    }
    if (p[0].revents == 0) return std::string();
    if ((p[0].revents & POLLIN) == 0) {
      return make_error(name_ + ": the port hung up (unplugged or closed)");
    }
    char buffer[4096];
    ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n > 0) return std::string(buffer, static_cast<size_t>(n));
    if (n == 0) return make_error(name_ + ": the port hung up (unplugged or closed)");
    if (errno == EAGAIN || errno == EINTR) return std::string();
    return make_error(errno_text(name_, errno));
  }

  Status write(std::string_view bytes, milliseconds timeout) override {
    auto deadline = MonotonicClock::now() + timeout;
    while (!bytes.empty()) {
      ssize_t n = write_some(bytes);
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return make_error(errno_text(name_, errno));
      auto left = std::chrono::duration_cast<milliseconds>(deadline - MonotonicClock::now());
      if (left.count() <= 0) return make_error(name_ + ": the port takes no more bytes");
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, poll_timeout(left)) > 0 && (p.revents & (POLLHUP | POLLERR))) {
        return make_error(name_ + ": the port hung up (unplugged or closed)");
      }
    }
    return ok_status();
  }

  // send() with MSG_NOSIGNAL where the fd is a socket (tests), so that a closed peer is
  // an error here rather than a SIGPIPE for the whole process.
  ssize_t write_some(std::string_view bytes) {
    if (!not_a_socket_) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n >= 0 || errno != ENOTSOCK) return n;
      not_a_socket_ = true;
    }
    return ::write(fd_, bytes.data(), bytes.size());
  }

  void interrupt() override {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }

  void discard_input() override {
    // tcflush fails on sockets; read what is there instead.
    char buffer[4096];
    while (::read(fd_, buffer, sizeof buffer) > 0) {
    }
    ::tcflush(fd_, TCIFLUSH);
  }

  const std::string& name() const override { return name_; }

 protected:
  int fd_;
  int wake_fd_;  // eventfd written by interrupt()
  bool not_a_socket_ = false;
  std::string name_;
};

// A tty configured by libserialport (baud, 8N1, flow control), read and written through
// its file descriptor.
class SerialTransport : public FdTransport {
 public:
  SerialTransport(sp_port* port, int fd, std::string name)
      : FdTransport(fd, std::move(name)), port_(port) {}
  ~SerialTransport() override {
    fd_ = -1;  // sp_close closes it
    sp_close(port_);
    sp_free_port(port_);
  }

 private:
  sp_port* port_;
};

// Unix 98 pty slaves (/dev/pts/N) have majors 136..143 (Linux
// Documentation/admin-guide/devices.txt).
bool is_pty(const struct stat& st) {
  unsigned major_number = major(st.st_rdev);
  return S_ISCHR(st.st_mode) && major_number >= 136 && major_number <= 143;
}

Result<std::unique_ptr<Transport>> open_pty(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return make_error(errno_text(path, errno));
  termios tio{};
  if (::tcgetattr(fd, &tio) == 0) {
    ::cfmakeraw(&tio);
    ::tcsetattr(fd, TCSANOW, &tio);
  }
  return std::unique_ptr<Transport>(std::make_unique<FdTransport>(fd, path));
}

std::string sp_error_text(const std::string& path) {
  char* message = sp_last_error_message();
  std::string text = path + ": " + (message ? message : "serial port error");
  sp_free_error_message(message);
  return text;
}

sp_flowcontrol sp_flow(FlowControl flow) {
  switch (flow) {
    case FlowControl::kRtsCts:
      return SP_FLOWCONTROL_RTSCTS;
    case FlowControl::kXonXoff:
      return SP_FLOWCONTROL_XONXOFF;
    case FlowControl::kNone:
      break;
  }
  return SP_FLOWCONTROL_NONE;
}

Result<std::unique_ptr<Transport>> open_serial(const std::string& path,
                                               const SerialSettings& settings) {
  // libserialport looks the device up in sysfs by its real name, not a udev symlink.
  std::error_code ignored;
  std::string device = std::filesystem::canonical(path, ignored).string();
  if (device.empty()) device = path;
  sp_port* port = nullptr;
  if (sp_get_port_by_name(device.c_str(), &port) != SP_OK) return make_error(sp_error_text(path));
  auto fail = [&]() -> Result<std::unique_ptr<Transport>> {
    std::string text = sp_error_text(path);
    sp_close(port);
    sp_free_port(port);
    return make_error(text);
  };
  if (sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
    std::string text = sp_error_text(path);
    sp_free_port(port);
    return make_error(text);
  }
  if (sp_set_baudrate(port, settings.baud) != SP_OK || sp_set_bits(port, 8) != SP_OK ||
      sp_set_parity(port, SP_PARITY_NONE) != SP_OK || sp_set_stopbits(port, 1) != SP_OK ||
      sp_set_flowcontrol(port, sp_flow(settings.flow_control)) != SP_OK) {
    return fail();
  }
  int fd = -1;
  if (sp_get_port_handle(port, &fd) != SP_OK) return fail();
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<Transport>(std::make_unique<SerialTransport>(port, fd, path));
}

}  // namespace

std::unique_ptr<Transport> fd_transport(int fd, std::string name) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return std::make_unique<FdTransport>(fd, std::move(name));
}

Result<std::unique_ptr<Transport>> open_transport(const std::string& path,
                                                  const SerialSettings& settings) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return make_error(errno_text(path, errno));
  if (!S_ISCHR(st.st_mode)) return make_error(path + ": not a character device");
  if (is_pty(st)) return open_pty(path);
  return open_serial(path, settings);
}

}  // namespace smsgate::at

#include "http/socket_deadlines.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

namespace smsgate::http {

SocketDeadlines::SocketDeadlines() : thread_([this] { run(); }) {}

SocketDeadlines::~SocketDeadlines() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void SocketDeadlines::set(int socket, MonotonicClock::time_point deadline, Shut how) {
  if (socket < 0) return;
  {
    MutexLock lock(mutex_);
    deadlines_[socket] = Deadline{deadline, how};
  }
  changed_.notify_all();
}

void SocketDeadlines::clear(int socket) {
  MutexLock lock(mutex_);
  deadlines_.erase(socket);
}

void SocketDeadlines::run() {
  MutexLock lock(mutex_);
  while (!stopping_) {
    auto now = MonotonicClock::now();
    auto next = MonotonicClock::time_point::max();
    for (auto entry = deadlines_.begin(); entry != deadlines_.end();) {
      if (entry->second.at <= now) {
        // Under the lock: clear() comes before the socket is closed, so this is never
        // a descriptor that was closed and reused meanwhile.
        ::shutdown(entry->first, entry->second.how == Shut::kBoth ? SHUT_RDWR : SHUT_RD);
        entry = deadlines_.erase(entry);
      } else {
        next = std::min(next, entry->second.at);
        ++entry;
      }
    }
    if (next == MonotonicClock::time_point::max()) {
      changed_.wait(lock.native());
    } else {
      changed_.wait_until(lock.native(), next);
    }
  }
}

namespace {

bool same_address(const sockaddr_storage& address, int family, const void* ip, int port) {
  if (address.ss_family != family) return false;
  if (family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    return ntohs(v4.sin_port) == port && std::memcmp(&v4.sin_addr, ip, sizeof v4.sin_addr) == 0;
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
  return ntohs(v6.sin6_port) == port && std::memcmp(&v6.sin6_addr, ip, sizeof v6.sin6_addr) == 0;
}

int local_port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return -1;
}

}  // namespace

int find_connection_socket(std::string_view remote_address, int remote_port, int local_port) {
  std::string text(remote_address);
  in6_addr ip{};
  int family = AF_INET;
  if (inet_pton(AF_INET, text.c_str(), &ip) != 1) {
    family = AF_INET6;
    if (inet_pton(AF_INET6, text.c_str(), &ip) != 1) return -1;
  }
  DIR* descriptors = opendir("/proc/self/fd");
  if (descriptors == nullptr) return -1;
  int found = -1;
  while (const dirent* entry = readdir(descriptors)) {
    int fd = -1;
    const char* name = entry->d_name;
    auto [end, error] = std::from_chars(name, name + std::strlen(name), fd);
    if (error != std::errc() || *end != '\0' || fd == dirfd(descriptors)) continue;
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;
    if (!same_address(peer, family, &ip, remote_port)) continue;
    sockaddr_storage local{};
    length = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;
    if (local_port_of(local) != local_port) continue;
    found = fd;
    break;
  }
  closedir(descriptors);
  return found;
}

}  // namespace smsgate::http

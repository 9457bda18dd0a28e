#include "http/client_connections.h"

#include <algorithm>

namespace smsgate::http {

ClientConnections::ClientConnections(int max_per_client)
    : max_per_client_(std::max(1, max_per_client)) {}

bool ClientConnections::admit(std::string_view client) {
  MutexLock lock(mutex_);
  auto entry = open_.try_emplace(std::string(client), 0).first;
  if (entry->second >= max_per_client_) return false;
  ++entry->second;
  return true;
}

void ClientConnections::release(std::string_view client) {
  MutexLock lock(mutex_);
  auto found = open_.find(std::string(client));
  if (found == open_.end()) return;
  if (--found->second <= 0) open_.erase(found);
}

int ClientConnections::open(std::string_view client) {
  MutexLock lock(mutex_);
  auto found = open_.find(std::string(client));
  return found == open_.end() ? 0 : found->second;
}

}  // namespace smsgate::http

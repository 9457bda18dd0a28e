// How many connections each client address has open, with a cap, so that one address
// (a program gone wrong, a scanner, a flood) cannot take every HTTP thread while the
// others wait. An address's count is dropped when its last connection closes, so the
// table is never larger than the connections open.
//
// Thread safety: all methods may be called from any thread at the same time.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "common/thread_annotations.h"

namespace smsgate::http {

class ClientConnections {
 public:
  explicit ClientConnections(int max_per_client);

  // Counts a new connection from `client`; false, and not counted, when `client`
  // already has max_per_client open.
  bool admit(std::string_view client);
  // An admitted connection from `client` closed.
  void release(std::string_view client);
  int open(std::string_view client);

 private:
  const int max_per_client_;
  Mutex mutex_;
  std::unordered_map<std::string, int> open_ GUARDED_BY(mutex_);
};

}  // namespace smsgate::http

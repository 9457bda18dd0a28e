// The daemon's own API asked from this machine: by the watchdog (does it answer?) and
// by `smsgated doctor` (what does its health say?).
//
// Thread safety: free functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace smsgate::daemon {

// "http://127.0.0.1:8080" for listen "0.0.0.0:8080": the wildcard addresses are asked on
// loopback; https when TLS is on; `port` instead of the listen address's (port 0 there).
std::string local_base_url(const std::string& listen, bool tls,
                           std::optional<int> port = std::nullopt);

struct LocalAnswer {
  int http_status = 0;  // 0: no answer, `error` says why
  std::string body;     // the first 64 KiB
  std::string error;
};

// GET `url` within `timeout`. No proxy (one set for the service must not carry a request
// to ourselves), and the certificate is not verified (an appliance's is usually its own).
LocalAnswer get_local(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace smsgate::daemon

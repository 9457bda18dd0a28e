// Routing by number prefix: "+49151" to the modem named "vodafone".
//
// Thread safety: a Router is immutable and safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smsgate::policy {

struct Route {
  std::string prefix;  // E.164 prefix: "+49", "+49151"
  std::string modem;   // a modem's name
  friend bool operator==(const Route&, const Route&) = default;
};

class Router {
 public:
  explicit Router(std::vector<Route> routes);
  // The modem of the longest prefix of `e164`, or nullopt: any modem will do. The
  // dispatcher falls back to other modems when this one is down.
  std::optional<std::string> modem_for(std::string_view e164) const;

 private:
  std::vector<Route> routes_;  // longest prefix first
};
}  // namespace smsgate::policy

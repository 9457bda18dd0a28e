#include "policy/routes.h"

#include <algorithm>

namespace smsgate::policy {

Router::Router(std::vector<Route> routes) : routes_(std::move(routes)) {
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    return a.prefix.size() > b.prefix.size();
  });
}

std::optional<std::string> Router::modem_for(std::string_view e164) const {
  for (const Route& route : routes_) {
    if (e164.starts_with(route.prefix)) return route.modem;
  }
  return std::nullopt;
}
}  // namespace smsgate::policy

#include "auth/scopes.h"

#include "common/strings.h"

namespace smsgate::auth {

std::optional<Scope> scope_named(std::string_view name) {
  for (Scope scope : kAllScopes) {
    if (scope_name(scope) == name) return scope;
  }
  return std::nullopt;
}

std::vector<Scope> Scopes::list() const {
  std::vector<Scope> held;
  for (Scope scope : kAllScopes) {
    if (has(scope)) held.push_back(scope);
  }
  return held;
}

std::vector<std::string> scope_names(Scopes scopes) {
  std::vector<std::string> names;
  for (Scope scope : scopes.list()) names.emplace_back(scope_name(scope));
  return names;
}

std::string join_scopes(Scopes scopes) {
  std::string joined;
  for (Scope scope : scopes.list()) {
    if (!joined.empty()) joined += ',';
    joined += scope_name(scope);
  }
  return joined;
}

Result<Scopes> parse_scopes(const std::vector<std::string>& names) {
  Scopes scopes;
  for (const std::string& name : names) {
    auto scope = scope_named(name);
    if (!scope) {
      return make_error("scopes: unknown scope \"" + name +
                        "\" (known: " + join_scopes(Scopes::all()) + ")");
    }
    scopes = scopes.with(*scope);
  }
  return scopes;
}

Scopes scopes_from_stored(std::string_view joined) {
  Scopes scopes;
  for (const std::string& name : split_nonempty(joined, ',')) {
    if (auto scope = scope_named(trim(name))) scopes = scopes.with(*scope);
  }
  return scopes;
}

}  // namespace smsgate::auth

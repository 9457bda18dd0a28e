#include "auth/audit.h"

namespace smsgate::auth {

Actor Actor::command_line() { return Actor{std::string(kCommandLine), ""}; }

store::AuditEntry audit_entry(const Actor& actor, std::string_view action, std::string target,
                              std::string detail, int64_t at) {
  store::AuditEntry entry;
  entry.at = at;
  entry.actor = actor.name;
  entry.action = std::string(action);
  entry.target = std::move(target);
  entry.client = actor.client;
  entry.detail = std::move(detail);
  return entry;
}

}  // namespace smsgate::auth

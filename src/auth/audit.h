// The audit log's words (store/people.h AuditEntry): who acted, and the names of the
// actions, spelt here once. Actions that change people or sessions are written by
// the store in the transaction of the change (auth/users.h, auth/admin_sessions.h);
// the others by the HTTP layer right after the change succeeds.
//
// Never put a secret in a target or a detail: no key, password, token or webhook
// secret.
//
// Thread safety: pure values and functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/people.h"

namespace smsgate::auth {

// Who did it and from where.
struct Actor {
  std::string name;    // a user's name, an API key's name, or kCommandLine
  std::string client;  // the client's address; empty from the command line

  static Actor command_line();
};

inline constexpr std::string_view kCommandLine = "command line";

namespace action {
inline constexpr std::string_view kKeyCreate = "key.create";
inline constexpr std::string_view kKeyRevoke = "key.revoke";
inline constexpr std::string_view kUserAdd = "user.add";
inline constexpr std::string_view kUserRemove = "user.remove";
inline constexpr std::string_view kUserPassword = "user.password";
inline constexpr std::string_view kWebhookCreate = "webhook.create";
inline constexpr std::string_view kWebhookDelete = "webhook.delete";
inline constexpr std::string_view kWebhookRetry = "webhook.retry";
inline constexpr std::string_view kOptoutAdd = "optout.add";
inline constexpr std::string_view kOptoutRemove = "optout.remove";
inline constexpr std::string_view kNumberErase = "number.erase";
inline constexpr std::string_view kModemEnable = "modem.enable";
inline constexpr std::string_view kModemDisable = "modem.disable";
inline constexpr std::string_view kModemReset = "modem.reset";
// A USSD code asked of the network through a modem (it may cost money, or change the
// subscription through a menu).
inline constexpr std::string_view kModemUssd = "modem.ussd";
inline constexpr std::string_view kTemplateAdd = "template.add";
inline constexpr std::string_view kTemplatePut = "template.put";
inline constexpr std::string_view kTemplateRemove = "template.remove";
inline constexpr std::string_view kRuleAdd = "rule.add";
inline constexpr std::string_view kRulePut = "rule.put";
inline constexpr std::string_view kRuleRemove = "rule.remove";
// SMS to email rules (/api/v1/forwards).
inline constexpr std::string_view kForwardAdd = "forward.add";
inline constexpr std::string_view kForwardRemove = "forward.remove";
inline constexpr std::string_view kAppointmentAdd = "appointment.add";
inline constexpr std::string_view kAppointmentChange = "appointment.change";
inline constexpr std::string_view kAppointmentCancel = "appointment.cancel";
inline constexpr std::string_view kContactAdd = "contact.add";
inline constexpr std::string_view kContactPut = "contact.put";
inline constexpr std::string_view kContactRemove = "contact.remove";
// A CSV file of contacts taken in (the detail counts the rows).
inline constexpr std::string_view kContactImport = "contact.import";
inline constexpr std::string_view kGroupAdd = "group.add";
inline constexpr std::string_view kGroupRemove = "group.remove";
inline constexpr std::string_view kAdminPasswordReset = "admin_password.reset";
inline constexpr std::string_view kSignIn = "session.sign_in";
// Refused sign-ins from one address, tallied in one row per minute (count).
inline constexpr std::string_view kSignInRefused = "session.sign_in_refused";
}  // namespace action

// One row: `actor` did `action` to `target` at `at`.
store::AuditEntry audit_entry(const Actor& actor, std::string_view action, std::string target,
                              std::string detail, int64_t at);

}  // namespace smsgate::auth

// API key scopes (DESIGN.md, "Keys carry scopes"): what an API key may do, chosen
// when it is made and fixed for its life. A route of the API needs one scope
// (http/api.h says which); a key without it is answered 403 forbidden.
//
//   send       submit, preview and cancel messages;      POST /messages, /batch, /preview;
//              read the templates, contacts and groups   DELETE /messages/{id}; GET /templates,
//                                                        /contacts..., /groups
//   read       messages and their status                 GET /messages, /messages/{id}
//   inbound    what the modems received                  GET /inbound
//   otp        send and check one-time passwords         POST /otp, /otp/verify
//   webhooks   subscriptions and their deliveries        /webhooks...
//   optouts    the opt-out list                          /optouts...
//   modems     the modems: list, reset, enable, disable  /modems...
//   metrics    Prometheus scraping                       GET /metrics
//   templates  add, change and remove message templates  POST, PUT, DELETE /templates...
//   rules      add, change and remove auto-reply rules   POST, PUT, DELETE /rules...
//              (reading them needs read)                 GET /rules
//   appointments  appointments and their reminders       /appointments...
//   contacts   add, change, remove and import contacts   POST, PUT, DELETE /contacts...,
//              and groups                                /groups...
//
// A new key gets kDefaultScopes unless told otherwise: what a program that sends
// messages and follows them needs, and nothing that reads patients' replies, mints
// one-time passwords or changes how the gateway behaves.
//
// Thread safety: pure values and functions.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::auth {

enum class Scope : uint8_t {
  kSend,
  kRead,
  kInbound,
  kOtp,
  kWebhooks,
  kOptouts,
  kModems,
  kMetrics,
  kTemplates,
  kRules,
  kAppointments,
  kContacts
};

// Every scope, in the order lists show them.
inline constexpr std::array<Scope, 12> kAllScopes = {
    Scope::kSend,      Scope::kRead,    Scope::kInbound,      Scope::kOtp,
    Scope::kWebhooks,  Scope::kOptouts, Scope::kModems,       Scope::kMetrics,
    Scope::kTemplates, Scope::kRules,   Scope::kAppointments, Scope::kContacts};

// "send", "read", ...: the names of the CLI, the API and the database.
constexpr std::string_view scope_name(Scope scope) {
  switch (scope) {
    case Scope::kSend:
      return "send";
    case Scope::kRead:
      return "read";
    case Scope::kInbound:
      return "inbound";
    case Scope::kOtp:
      return "otp";
    case Scope::kWebhooks:
      return "webhooks";
    case Scope::kOptouts:
      return "optouts";
    case Scope::kModems:
      return "modems";
    case Scope::kMetrics:
      return "metrics";
    case Scope::kTemplates:
      return "templates";
    case Scope::kRules:
      return "rules";
    case Scope::kAppointments:
      return "appointments";
    case Scope::kContacts:
      return "contacts";
  }
  return "";
}

// The scope called `name` (exactly, lower case); none for anything else.
std::optional<Scope> scope_named(std::string_view name);

// A set of scopes.
class Scopes {
 public:
  constexpr Scopes() = default;
  constexpr Scopes(std::initializer_list<Scope> scopes) {
    for (Scope scope : scopes) bits_ |= bit(scope);
  }
  static constexpr Scopes all() {
    Scopes every;
    for (Scope scope : kAllScopes) every.bits_ |= bit(scope);
    return every;
  }

  constexpr bool has(Scope scope) const { return (bits_ & bit(scope)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr Scopes with(Scope scope) const { return Scopes(bits_ | bit(scope)); }
  constexpr Scopes without(Scope scope) const { return Scopes(bits_ & ~bit(scope)); }
  // The scopes held, in kAllScopes order.
  std::vector<Scope> list() const;
  friend constexpr bool operator==(Scopes, Scopes) = default;

 private:
  constexpr explicit Scopes(uint16_t bits) : bits_(bits) {}
  static constexpr uint16_t bit(Scope scope) {
    return static_cast<uint16_t>(1u << static_cast<unsigned>(scope));
  }
  uint16_t bits_ = 0;
};

inline constexpr Scopes kDefaultScopes = {Scope::kSend, Scope::kRead};

// The names of `scopes`, in kAllScopes order: {"send", "read"}.
std::vector<std::string> scope_names(Scopes scopes);
// "send,read": the form the database keeps.
std::string join_scopes(Scopes scopes);
// The scopes named, each once or more; an unknown name is an error starting with
// "scopes: " and naming it and the known ones. An empty list is an empty set.
Result<Scopes> parse_scopes(const std::vector<std::string>& names);
// The stored form back ("send,read"). A name this version does not know (written by a
// newer one) grants nothing here: a key never gets more than it was given.
Scopes scopes_from_stored(std::string_view joined);

}  // namespace smsgate::auth

// The REST API v1 (DESIGN.md, "HTTP API v1"): routes, authentication, and one file per
// resource (api_<resource>.cpp) that parses, validates, calls the store or a service,
// and writes JSON. Business rules live in src/policy/, src/dispatch/ (new messages
// through dispatch/intake), src/store/ and src/auth/.
//
// Every route but GET /api/v1/health and the admin page's own (api_admin.cpp, which
// take a session cookie only) needs `Authorization: Bearer <api key>`, or, without
// that header, the console's session cookie: the console uses the same API as every
// program. A missing, malformed, unknown or revoked key is the same 401, so nothing
// is learnt from it. A route also names the scope it needs (auth/scopes.h) where it
// is added; a live key without it, or a person whose role does not allow it
// (auth/roles.h), is 403 forbidden, naming the scope. The router's table keeps each
// route's access (router.h Access), so tests can hold every route to it.
//
// Cross-site requests: the session cookie is SameSite=Strict, so another site's page
// never sends it; and a POST, PUT or PATCH that comes with the cookie must be
// application/json (or text/csv, for a CSV import), which a cross-site form cannot send.
//
// Thread safety: handlers run on many server threads at once; everything they touch
// (store, dispatcher, pool, keys, OTP, metrics) is thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/admin_sessions.h"
#include "auth/api_keys.h"
#include "auth/audit.h"
#include "auth/otp.h"
#include "auth/roles.h"
#include "common/clock.h"
#include "common/thread_annotations.h"
#include "config/config.h"
#include "dispatch/alarms.h"
#include "dispatch/autoreply.h"
#include "dispatch/dispatcher.h"
#include "dispatch/intake.h"
#include "http/metrics.h"
#include "http/server.h"
#include "modem/pool.h"
#include "store/store.h"

namespace smsgate::webhook {
class Deliverer;
}
namespace smsgate::dispatch {
class AppointmentBook;
}
namespace smsgate::email {
class Outbox;
class MailBack;
}  // namespace smsgate::email

namespace smsgate::http {

// The event streams open at once (GET /api/v1/events), each holding a server thread,
// against their cap ([http] max_event_streams).
struct StreamSlots {
  int max = 8;
  std::atomic<int> open{0};
};

// The configuration as GET /api/v1/settings shows it: set at start and again on each
// reload, read by the handlers' threads.
class SettingsSource {
 public:
  void set(const config::Config& config) {
    MutexLock lock(mutex_);
    config_ = config;
  }
  config::Config get() const {
    MutexLock lock(mutex_);
    return config_;
  }

 private:
  mutable Mutex mutex_;
  config::Config config_ GUARDED_BY(mutex_);
};

struct ApiContext {
  store::Store& store;
  dispatch::Dispatcher& dispatcher;
  modem::ModemPool& pool;
  auth::ApiKeys& keys;
  auth::Otp& otp;
  const Clock& clock;
  dispatch::Intake& intake;                 // every new message goes in through it
  webhook::Deliverer* deliverer = nullptr;  // woken when a webhook is added
  ApiMetrics& metrics;
  auth::AdminSessions& admin_sessions;
  // Shown by GET /api/v1/health while they hold (plaintext_warning, ...).
  std::vector<std::string> warnings = {};
  StreamSlots event_streams = {};
  // What GET /api/v1/settings shows; none: the route answers 404.
  const SettingsSource* settings = nullptr;
  // Balance checks on request (POST /api/v1/modems/{id}/balance); none: 404.
  dispatch::AlarmWatch* alarms = nullptr;
  // Its counters on /metrics; none: not shown.
  const dispatch::AutoReplier* auto_replier = nullptr;
  // /api/v1/appointments (the daemon always sets it).
  dispatch::AppointmentBook* appointments = nullptr;
  // Mail out (api_mail.cpp): the outbox's sender, none while [email] smarthost is not
  // set (forwarding rules are then refused); the mail made from the log, whose
  // [[forward]] tables are listed beside the API's own rules.
  email::Outbox* mail_outbox = nullptr;
  email::MailBack* mail_back = nullptr;
};

// A warning while the API is served without TLS beyond loopback (`listen` as in
// [http] listen); none over TLS or on 127.0.0.0/8, ::1 (api_system.cpp).
std::optional<std::string> plaintext_warning(std::string_view listen, bool tls);

// All routes of the API, /metrics and the OpenAPI document.
Router api_router(ApiContext& context);

// The OpenAPI 3.1 document describing the routes above (api_openapi.cpp).
const std::string& openapi_document();

// Who is calling a route: a program with an API key, or a person signed in to the
// console (the session cookie).
struct Caller {
  enum class Kind : uint8_t { kApiKey, kPerson };
  Kind kind = Kind::kApiKey;
  std::string name;                         // the key's name, or the person's
  std::optional<int64_t> key_id;            // kApiKey
  auth::Scopes scopes;                      // kApiKey: the key's own
  auth::Role role = auth::Role::kOperator;  // kPerson

  // Whether this caller may call a route of `method` that needs `scope`.
  bool may(auth::Scope scope, std::string_view method) const;
};

// The person signed in with the request's session cookie, if it holds an open session
// (api_admin.cpp); none otherwise.
std::optional<Caller> session_caller(ApiContext& context, const Request& request);

// Per resource (api_<resource>.cpp); each adds its routes, wrapped in authentication.
using Authenticated = std::function<Response(const Request&, const Caller&)>;
// A route any live key may call, whatever its scopes (the OpenAPI document).
inline constexpr std::optional<auth::Scope> kAnyScope = std::nullopt;
// `handler` behind the caller check: with an Authorization header, 401 without a live
// key; without one, 401 without an open console session (and 415 for a POST, PUT or
// PATCH that is neither application/json nor text/csv). 403 when `scope` is given and the caller
// may not use it.
Handler with_caller(ApiContext& context, std::optional<auth::Scope> scope, Authenticated handler);
// A route's handler: given the context, and where it needs to know who calls (what
// else they may see), the caller too.
using ContextHandler = Response (*)(ApiContext&, const Request&);
using CallerHandler = Response (*)(ApiContext&, const Request&, const Caller&);
// What the route tables name: scopes (auth/scopes.h) and audit actions (auth/audit.h).
using auth::Scope;
namespace action = auth::action;
// One route for keys with `scope`, as a resource lists it (api_<resource>.cpp). A
// route that changes something an admin answers for (webhooks, opt-outs, erasure,
// modems) names its `audit_action` (auth/audit.h): once it succeeded (2xx) an audit
// row as done by the caller, naming what it was done to: the path's parameters, else
// the answer's "number", "id" or "name".
struct ApiRoute {
  std::string_view method;
  std::string_view pattern;
  std::optional<auth::Scope> scope;
  std::variant<ContextHandler, CallerHandler> handler;
  std::string_view audit_action = {};  // empty: not audited
};
// Adds `routes` in their order, each behind with_caller and with its access, so the
// router's table says what each needs.
void add_routes(Router& router, ApiContext& context, std::span<const ApiRoute> routes);
void add_message_routes(Router& router, ApiContext& context);
void add_otp_routes(Router& router, ApiContext& context);
void add_inbound_routes(Router& router, ApiContext& context);
void add_modem_routes(Router& router, ApiContext& context);
void add_optout_routes(Router& router, ApiContext& context);
void add_number_routes(Router& router, ApiContext& context);
void add_webhook_routes(Router& router, ApiContext& context);
void add_mail_routes(Router& router, ApiContext& context);
void add_system_routes(Router& router, ApiContext& context);
void add_event_routes(Router& router, ApiContext& context);
void add_stats_routes(Router& router, ApiContext& context);
void add_conversation_routes(Router& router, ApiContext& context);
void add_settings_routes(Router& router, ApiContext& context);
void add_template_routes(Router& router, ApiContext& context);
void add_alarm_routes(Router& router, ApiContext& context);
// /api/v1/rules (api_rules.cpp): the auto-reply rules.
void add_rule_routes(Router& router, ApiContext& context);
void add_appointment_routes(Router& router, ApiContext& context);
void add_contact_routes(Router& router, ApiContext& context);
// The admin page's sign-in and API keys (a session cookie, not an API key).
void add_admin_routes(Router& router, ApiContext& context);
// A route of the console's own, given the session that called it.
using SessionHandler = Response (*)(ApiContext&, const Request&, const auth::OpenSession&);
// `handler` behind the console's session: 401 without an open one, 403 for a person
// who is not an admin when `admin_only`, 415 for a POST or PUT that is not
// application/json (api_admin.cpp).
Handler with_session(ApiContext& context, bool admin_only, SessionHandler handler);
// A route of the console's own as its file lists it: for an admin's session alone, or
// for anyone's. Its access in the router's table and its check (with_session) both
// follow `who`, so the two cannot disagree.
struct SessionRoute {
  enum class Who : uint8_t { kAdmin, kAnyPerson };
  std::string_view method;
  std::string_view pattern;
  Who who;
  SessionHandler handler;
};
void add_session_routes(Router& router, ApiContext& context, std::span<const SessionRoute> routes);
// The open session of the request's cookie, if any.
std::optional<auth::OpenSession> open_session(ApiContext& context, const Request& request);
// People (api_users.cpp) and the audit log (api_audit.cpp): admins' sessions only,
// but a person may change their own password.
void add_user_routes(Router& router, ApiContext& context);
void add_audit_routes(Router& router, ApiContext& context);
// Writes the audit row of a change made through the API, right after it was made, as
// done by `actor` from the request's address. A row the store cannot write is logged;
// the change stands.
void audit(ApiContext& context, const Request& request, std::string_view actor,
           std::string_view action, std::string target, std::string detail = {});

// The server's check before it reads a body (server.h Authorizer), from the access the
// router's table gives the route: the route's own key, scope or session check
// (with_caller, with_session) on the request's headers alone, so that a client
// that may not call the route is answered at once (api_authorization.cpp).
Authorizer api_authorizer(ApiContext& context);

// Helpers shared by the resource files.
// Whether the request's body is declared application/json; 415 in words when not.
bool is_json(const Request& request);
// Whether it is declared text/csv (a contacts import).
bool is_csv(const Request& request);
Response needs_json();
Response json_response(int status, const nlohmann::json& body);
// An Error as the status of its code: its code and field when it has them, else the
// field from its "field: reason" prefix and a code for that field (a 4xx).
Response error_from(const Error& error);
// A failure of the daemon's own (the store, ...): logged, and a 500 to the client; a
// disk that cannot take writes (kStorageUnavailable) is 503 storage_unavailable with
// Retry-After, the detail only in the log.
Response server_error(const Error& error);
// The {id} path parameter as a positive integer; none when it is not one.
std::optional<int64_t> id_param(const Request& request, size_t index = 0);
Response not_found(std::string_view what, std::string_view id);
// A DELETE's answer once the store was asked to remove `what` `id`: 204 when it did,
// 404 when there was none, the store's failure as server_error.
Response removal_response(const Result<bool>& removed, std::string_view what, std::string_view id);
// A query parameter, or none.
std::optional<std::string_view> query_param(const Request& request, std::string_view name);
// limit (1..1000, 50 by default) and cursor of a list request.
struct PageParams {
  int limit = 50;
  std::string cursor;
};
Result<PageParams> page_params(const Request& request);
// {"items": [...], "next_cursor"?} for a page of the store's, each item through `to_json`.
template <class T, class ToJson>
Response page_response(const store::Page<T>& page, ToJson to_json) {
  nlohmann::json items = nlohmann::json::array();
  for (const T& item : page.items) items.push_back(to_json(item));
  nlohmann::json body = {{"items", std::move(items)}};
  if (page.next_cursor) body["next_cursor"] = *page.next_cursor;
  return json_response(200, body);
}
// {"items": [...]} for the whole of a list (the store's, ...), each item through
// `to_json`; the list's failure as server_error.
template <class T, class ToJson>
Response list_response(const Result<std::vector<T>>& listed, ToJson to_json) {
  if (!listed) return server_error(listed.error());
  nlohmann::json items = nlohmann::json::array();
  for (const T& item : *listed) items.push_back(to_json(item));
  return json_response(200, {{"items", std::move(items)}});
}
// A positive id written in decimal; none for anything else.
std::optional<int64_t> parse_id(std::string_view text);

}  // namespace smsgate::http

#include "http/api.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <random>
#include <variant>

#include "common/clock.h"
#include "common/throttle.h"
#include "http/json_input.h"

namespace smsgate::http {

namespace {

// What a field's errors are called when the error did not say (store and compose
// errors are "field: reason").
ErrorCode code_for_field(std::string_view field) {
  if (field.empty()) return ErrorCode::kInvalidRequest;
  if (field == "to" || field.ends_with(".to") || field == "from") return ErrorCode::kInvalidNumber;
  if (field == "text" || field.ends_with(".text")) return ErrorCode::kInvalidText;
  if (field == "cursor") return ErrorCode::kInvalidCursor;
  return ErrorCode::kInvalidField;
}

std::optional<std::string_view> bearer_token(const Request& request) {
  auto header = request.header("authorization");
  if (!header) return std::nullopt;
  constexpr std::string_view kScheme = "Bearer ";
  if (header->size() <= kScheme.size()) return std::nullopt;
  // The scheme is case-insensitive (RFC 9110 11.1).
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>((*header)[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i])))
      return std::nullopt;
  }
  return header->substr(kScheme.size());
}

// 403 for a live caller without the route's scope: the scope by name in the message
// and in the body for programs ("scope"); for a key also in the challenge (RFC 6750
// 3.1).
Response missing_scope(const Caller& caller, auth::Scope scope) {
  std::string name(auth::scope_name(scope));
  std::string message =
      caller.kind == Caller::Kind::kApiKey
          ? "the API key \"" + caller.name + "\" does not have the scope \"" + name +
                "\" this route needs; make a key with it (smsgated apikey create --scope " + name +
                ")"
          : "the role " + std::string(auth::role_name(caller.role)) + " of " + caller.name +
                " may not do this (it needs the scope \"" + name + "\"); ask an admin";
  nlohmann::json error = {{"code", error_code_name(ErrorCode::kForbidden)},
                          {"message", std::move(message)},
                          {"scope", name}};
  Response response{http_status(ErrorCode::kForbidden),
                    "application/json",
                    nlohmann::json{{"error", error}}.dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace),
                    {}};
  if (caller.kind == Caller::Kind::kApiKey)
    response.headers.emplace_back("WWW-Authenticate",
                                  "Bearer error=\"insufficient_scope\", scope=\"" + name + "\"");
  return response;
}

bool carries_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

Response json_response(int status, const nlohmann::json& body) {
  // Texts from phones may hold anything; replace invalid UTF-8 rather than throw.
  return Response{status,
                  "application/json",
                  body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  {}};
}

namespace {

// The disk is full or failing: the request may be tried again once it is not. The
// client gets a fixed message; SQLite's words and the paths go to the log, at most
// every few seconds (each refused request would add a line to a full disk's log).
Response storage_unavailable(const Error& error) {
  static Throttle log_throttle(std::chrono::seconds(10));
  if (log_throttle.allow())
    spdlog::warn("api: refused, the database cannot be written: {}", error.message);
  Response response = error_response(
      ErrorCode::kStorageUnavailable,
      "the database cannot be written now (its disk is full or failing); nothing was "
      "changed, try again later");
  response.headers.emplace_back("Retry-After", "30");
  return response;
}

}  // namespace

Response server_error(const Error& error) {
  if (error.code == ErrorCode::kStorageUnavailable) return storage_unavailable(error);
  // The client gets an id to quote; the database's words and paths stay in the log.
  thread_local std::mt19937_64 random{std::random_device{}()};
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(random()));
  spdlog::error("api: error {}: {}", id, error.message);
  return error_response(ErrorCode::kInternal,
                        std::string("internal error; the log has its details under ") + id);
}

Response error_from(const Error& error) {
  if (http_status(error.code) >= 500) return server_error(error);
  std::string field = error.field;
  std::string message = error.message;
  if (field.empty()) {
    // "to: \"+49 x\" is not a phone number" -> field "to"
    size_t colon = message.find(": ");
    if (colon != std::string::npos && colon < 40 && message.find_first_of(" \"", 0) >= colon) {
      field = message.substr(0, colon);
    }
  }
  ErrorCode code = error.code == ErrorCode::kNone ? code_for_field(field) : error.code;
  return error_response(code, message, field);
}

std::optional<int64_t> parse_id(std::string_view text) {
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

std::optional<int64_t> id_param(const Request& request, size_t index) {
  if (index >= request.params.size()) return std::nullopt;
  return parse_id(request.params[index]);
}

Response not_found(std::string_view what, std::string_view id) {
  return error_response(ErrorCode::kNotFound, "no " + std::string(what) + " " + std::string(id));
}

Response removal_response(const Result<bool>& removed, std::string_view what, std::string_view id) {
  if (!removed) return server_error(removed.error());
  if (!*removed) return not_found(what, id);
  return Response{204, "application/json", "", {}};
}

std::optional<std::string_view> query_param(const Request& request, std::string_view name) {
  auto found = request.query.find(name);
  if (found == request.query.end()) return std::nullopt;
  return std::string_view(found->second);
}

Result<PageParams> page_params(const Request& request) {
  auto limit = query_integer(query_param(request, "limit"), "limit", 1, store::kMaxPageSize);
  if (!limit) return limit.error();
  return PageParams{static_cast<int>(limit->value_or(50)),
                    std::string(query_param(request, "cursor").value_or(""))};
}

bool Caller::may(auth::Scope scope, std::string_view method) const {
  if (kind == Kind::kApiKey) return scopes.has(scope);
  return auth::role_may(role, scope, method);
}

bool is_json(const Request& request) {
  auto type = request.header("content-type");
  return type && type->starts_with("application/json");
}

bool is_csv(const Request& request) {
  auto type = request.header("content-type");
  return type && type->starts_with("text/csv");
}

Response needs_json() {
  return error_response(ErrorCode::kUnsupportedMediaType, "the body must be application/json");
}

Handler with_caller(ApiContext& context, std::optional<auth::Scope> scope, Authenticated handler) {
  return [&context, scope, handler = std::move(handler)](const Request& request) {
    std::optional<Caller> caller;
    if (request.header("authorization")) {
      auto token = bearer_token(request);
      std::optional<auth::ApiKeyInfo> key;
      if (token) key = context.keys.authenticate(*token, context.clock.now());
      if (key) caller = Caller{Caller::Kind::kApiKey, key->name, key->id, key->scopes};
    } else {
      caller = session_caller(context, request);
      // A cross-site form can send neither type (it needs a CORS preflight for them).
      if (caller && carries_body(request.method) && !is_json(request) && !is_csv(request))
        return needs_json();
    }
    if (!caller) {
      Response response = error_response(
          ErrorCode::kUnauthorized,
          "a valid API key is required: Authorization: Bearer <key> (or sign in to the console)");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
    if (scope && !caller->may(*scope, request.method)) return missing_scope(*caller, *scope);
    return handler(request, *caller);
  };
}

namespace {

// What an audited route's change was done to (ApiRoute::audit_action).
std::string audit_target(const Request& request, const Response& response) {
  std::string target;
  for (const std::string& param : request.params) target += (target.empty() ? "" : "/") + param;
  if (!target.empty()) return target;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) return target;
  for (const char* name : {"number", "id", "name"}) {
    auto found = body.find(name);
    if (found == body.end()) continue;
    return found->is_string() ? found->get<std::string>() : found->dump();
  }
  return target;
}

// The route's handler as with_caller calls it.
Authenticated with_context(ApiContext& context,
                           std::variant<ContextHandler, CallerHandler> handler) {
  if (const ContextHandler* plain = std::get_if<ContextHandler>(&handler))
    return [&context, plain = *plain](const Request& request, const Caller&) {
      return plain(context, request);
    };
  return [&context, handler = std::get<CallerHandler>(handler)](const Request& request,
                                                                const Caller& caller) {
    return handler(context, request, caller);
  };
}

// `handler`, and once it succeeded the audit row of `action`.
Authenticated audited(ApiContext& context, std::string_view action, Authenticated handler) {
  return [&context, action, handler = std::move(handler)](const Request& request,
                                                          const Caller& caller) {
    Response response = handler(request, caller);
    if (response.status >= 200 && response.status < 300)
      audit(context, request, caller.name, action, audit_target(request, response));
    return response;
  };
}

}  // namespace

void add_routes(Router& router, ApiContext& context, std::span<const ApiRoute> routes) {
  for (const ApiRoute& route : routes) {
    Authenticated handler = with_context(context, route.handler);
    if (!route.audit_action.empty())
      handler = audited(context, route.audit_action, std::move(handler));
    router.add(std::string(route.method), std::string(route.pattern), Access::api_key(route.scope),
               with_caller(context, route.scope, std::move(handler)));
  }
}

void audit(ApiContext& context, const Request& request, std::string_view actor,
           std::string_view action, std::string target, std::string detail) {
  int64_t now = context.clock.now();
  store::AuditEntry entry =
      auth::audit_entry(auth::Actor{std::string(actor), request.remote_address}, action,
                        std::move(target), std::move(detail), now);
  if (Status written = context.store.append_audit(entry); !written.ok())
    spdlog::warn("api: {} by {} was made but not written to the audit log: {}", entry.action,
                 entry.actor, written.error().message);
}

Router api_router(ApiContext& context) {
  Router router;
  add_message_routes(router, context);
  add_otp_routes(router, context);
  add_inbound_routes(router, context);
  add_modem_routes(router, context);
  add_optout_routes(router, context);
  add_number_routes(router, context);
  add_webhook_routes(router, context);
  add_system_routes(router, context);
  add_event_routes(router, context);
  add_stats_routes(router, context);
  add_conversation_routes(router, context);
  add_settings_routes(router, context);
  add_template_routes(router, context);
  add_alarm_routes(router, context);
  add_rule_routes(router, context);
  add_mail_routes(router, context);
  add_appointment_routes(router, context);
  add_contact_routes(router, context);
  add_admin_routes(router, context);
  add_user_routes(router, context);
  add_audit_routes(router, context);
  return router;
}

}  // namespace smsgate::http

// The console's own routes: signing in by name and password (a session cookie), and
// managing API keys, which only an admin's session may do. API keys do not open these
// routes, so a leaked key cannot mint more keys or revoke the others. Key changes are
// written to the audit log right after they are made (auth/audit.h).
//
// Cross-site requests: the cookie is SameSite=Strict, so another site's page never
// sends it; and a POST must be application/json, which a cross-site form cannot send.
#include <algorithm>
#include <string>

#include "auth/admin_sessions.h"
#include "auth/users.h"
#include "http/api.h"
#include "http/json_input.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

constexpr std::string_view kSessionCookie = "smsgate_session";

std::optional<std::string_view> session_token(const Request& request) {
  auto header = request.header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(kSessionCookie) && pair.size() > kSessionCookie.size() &&
        pair[kSessionCookie.size()] == '=')
      return pair.substr(kSessionCookie.size() + 1);
  }
  return std::nullopt;
}

Response signed_out() {
  return error_response(ErrorCode::kUnauthorized, "sign in to the admin page first");
}

Response session_state(ApiContext&, const Request&, const auth::OpenSession& session) {
  return json_response(
      200, {{"authenticated", true},
            {"user", {{"name", session.user.name}, {"role", auth::role_name(session.user.role)}}}});
}

// 429 with Retry-After (whole seconds, rounded up) for a sign-in whose password was
// not checked: too many wrong ones from this address, or every check slot taken.
Response try_again_later(const auth::SignInResult& refused) {
  int64_t seconds = std::max<int64_t>(1, (refused.retry_after_ms + 999) / 1000);
  std::string message = refused.outcome == auth::SignInResult::Outcome::kBusy
                            ? "other sign-ins are being checked; try again in a second"
                            : "too many wrong passwords from this address; try again in " +
                                  std::to_string(seconds) + " seconds";
  Response response = error_response(ErrorCode::kRateLimited, message);
  response.headers.emplace_back("Retry-After", std::to_string(seconds));
  return response;
}

Response sign_in(ApiContext& context, const Request& request) {
  if (!is_json(request)) return needs_json();
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto name = fields.string("name", auth::kMaxUserNameLength * 4);
  if (!name) return error_from(name.error());
  auto password = fields.required_string("password", auth::kMaxPasswordBytes);
  if (!password) return error_from(password.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  auto signed_in = context.admin_sessions.sign_in(name->value_or(""), *password,
                                                  request.remote_address, context.clock.now());
  if (!signed_in) return server_error(signed_in.error());
  using Outcome = auth::SignInResult::Outcome;
  switch (signed_in->outcome) {
    case Outcome::kWrongPassword:
      return error_response(ErrorCode::kWrongPassword, name->has_value()
                                                           ? "wrong name or password"
                                                           : "that is not the admin password");
    case Outcome::kTooManyFailures:
    case Outcome::kBusy:
      return try_again_later(*signed_in);
    case Outcome::kSignedIn:
      break;
  }
  Response response{204, "application/json", "", {}};
  // Secure only over TLS: a browser drops a Secure cookie that came over plain HTTP.
  response.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + signed_in->token +
                                                  "; Path=/; HttpOnly; SameSite=Strict" +
                                                  (request.over_tls ? "; Secure" : ""));
  return response;
}

Response sign_out(ApiContext& context, const Request& request) {
  // A sign-out the store could not write still clears the browser's cookie.
  if (auto token = session_token(request)) (void)context.admin_sessions.sign_out(*token);
  Response response{204, "application/json", "", {}};
  response.headers.emplace_back(
      "Set-Cookie",
      std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return response;
}

nlohmann::json key_json(const auth::ApiKeyInfo& key) {
  nlohmann::json body = {{"id", key.id},
                         {"name", key.name},
                         {"scopes", auth::scope_names(key.scopes)},
                         {"created_at", store::iso8601_utc(key.created_at)}};
  if (key.last_used_at) body["last_used_at"] = store::iso8601_utc(*key.last_used_at);
  if (key.revoked_at) body["revoked_at"] = store::iso8601_utc(*key.revoked_at);
  return body;
}

Response list_keys(ApiContext& context, const Request&, const auth::OpenSession&) {
  auto keys = context.keys.list();
  if (!keys) return server_error(keys.error());
  nlohmann::json items = nlohmann::json::array();
  // Newest first, as every other list of the API.
  for (auto key = keys->rbegin(); key != keys->rend(); ++key) items.push_back(key_json(*key));
  return json_response(200, {{"items", std::move(items)}});
}

// "scopes": ["send", "read"]; the same default as `smsgated apikey create` when absent.
Result<auth::Scopes> requested_scopes(Fields& fields) {
  auto listed = fields.array("scopes", auth::kAllScopes.size() * 2);
  if (!listed) return listed.error();
  if (!*listed) return auth::kDefaultScopes;
  std::vector<std::string> names;
  for (const nlohmann::json& name : **listed) {
    if (!name.is_string()) return invalid("scopes", "must be an array of scope names");
    names.push_back(name.get<std::string>());
  }
  auto scopes = auth::parse_scopes(names);
  if (!scopes) return Error{scopes.error().message, ErrorCode::kInvalidField, "scopes"};
  return *scopes;
}

Response create_key(ApiContext& context, const Request& request, const auth::OpenSession& session) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto name = fields.required_string("name", 1024);
  if (!name) return error_from(name.error());
  auto scopes = requested_scopes(fields);
  if (!scopes) return error_from(scopes.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  auto created = context.keys.create(*name, *scopes, context.clock.now());
  if (!created) {
    if (created.error().code == ErrorCode::kStorage) return server_error(created.error());
    if (created.error().message.starts_with("scopes:"))
      return error_from(Error{created.error().message, ErrorCode::kInvalidField, "scopes"});
    return error_from(Error{created.error().message, ErrorCode::kInvalidName, "name"});
  }
  audit(context, request, session.user.name, auth::action::kKeyCreate,
        "key " + std::to_string(created->info.id),
        created->info.name + ", scopes " + auth::join_scopes(created->info.scopes));
  nlohmann::json answer = key_json(created->info);
  answer["key"] = created->key;
  return json_response(201, answer);
}

Response revoke_key(ApiContext& context, const Request& request, const auth::OpenSession& session) {
  auto id = id_param(request);
  if (!id) return not_found("API key", request.params[0]);
  auto revoked = context.keys.revoke(*id, context.clock.now());
  if (!revoked) return server_error(revoked.error());
  if (!*revoked) return not_found("live API key", request.params[0]);
  audit(context, request, session.user.name, auth::action::kKeyRevoke,
        "key " + std::to_string(*id));
  return Response{204, "application/json", "", {}};
}

}  // namespace

std::optional<auth::OpenSession> open_session(ApiContext& context, const Request& request) {
  auto token = session_token(request);
  if (!token) return std::nullopt;
  return context.admin_sessions.check(*token, context.clock.now());
}

std::optional<Caller> session_caller(ApiContext& context, const Request& request) {
  auto session = open_session(context, request);
  if (!session) return std::nullopt;
  return Caller{Caller::Kind::kPerson, session->user.name, std::nullopt, auth::Scopes{},
                session->user.role};
}

Handler with_session(ApiContext& context, bool admin_only, SessionHandler handler) {
  return [&context, admin_only, handler](const Request& request) {
    auto session = open_session(context, request);
    if (!session) return signed_out();
    if (admin_only && session->user.role != auth::Role::kAdmin)
      return error_response(ErrorCode::kForbidden, "only an admin may do this; ask an admin");
    if ((request.method == "POST" || request.method == "PUT") && !is_json(request))
      return needs_json();
    return handler(context, request, *session);
  };
}

void add_session_routes(Router& router, ApiContext& context, std::span<const SessionRoute> routes) {
  for (const SessionRoute& route : routes) {
    const bool admin_only = route.who == SessionRoute::Who::kAdmin;
    router.add(std::string(route.method), std::string(route.pattern),
               admin_only ? Access::admin_session() : Access::session(),
               with_session(context, admin_only, route.handler));
  }
}

void add_admin_routes(Router& router, ApiContext& context) {
  auto plain = [&context](ContextHandler handler) {
    return [&context, handler](const Request& request) { return handler(context, request); };
  };
  using enum SessionRoute::Who;
  static constexpr SessionRoute kRoutes[] = {
      {"GET", "/api/v1/admin/session", kAnyPerson, session_state},
      {"GET", "/api/v1/keys", kAdmin, list_keys},
      {"POST", "/api/v1/keys", kAdmin, create_key},
      {"DELETE", "/api/v1/keys/{id}", kAdmin, revoke_key},
  };
  add_session_routes(router, context, kRoutes);
  // Signing in and out need no session.
  router.add("POST", "/api/v1/admin/session", Access::anyone(), plain(sign_in));
  router.add("DELETE", "/api/v1/admin/session", Access::anyone(), plain(sign_out));
}

}  // namespace smsgate::http

// /api/v1/users: the console's people (auth/users.h). Admins list, add and remove
// them and set anyone's password; everyone may change their own, confirming the
// current one (checked as a sign-in is: the same limit per address). No answer holds
// a hash. Each change writes its audit row in its own transaction (store/people.h).
#include "auth/users.h"
#include "http/api.h"
#include "http/json_input.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

nlohmann::json user_json(const auth::User& user) {
  return {{"name", user.name},
          {"role", auth::role_name(user.role)},
          {"created_at", store::iso8601_utc(user.created_at)},
          {"password_changed_at", store::iso8601_utc(user.password_changed_at)}};
}

auth::Actor actor_of(const Request& request, const auth::OpenSession& session) {
  return auth::Actor{session.user.name, request.remote_address};
}

// An error of auth::Users as the answer: bad input and conflicts as themselves, the
// store's failures as 5xx.
Response users_error(const Error& error) {
  if (error.code == ErrorCode::kNone || error.code == ErrorCode::kStorage ||
      error.code == ErrorCode::kStorageUnavailable)
    return server_error(error);
  return error_from(error);
}

Response list_users(ApiContext& context, const Request&, const auth::OpenSession&) {
  return list_response(auth::Users(context.store).list(), user_json);
}

Response add_user(ApiContext& context, const Request& request, const auth::OpenSession& session) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto name = fields.required_string("name", auth::kMaxUserNameLength * 4);
  if (!name) return error_from(name.error());
  auto role_text = fields.required_string("role", 32);
  if (!role_text) return error_from(role_text.error());
  auto password = fields.required_string("password", auth::kMaxPasswordBytes);
  if (!password) return error_from(password.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  auto role = auth::role_named(*role_text);
  if (!role) return error_from(invalid("role", "must be admin or operator"));
  auto added = auth::Users(context.store)
                   .add(*name, *role, *password, context.clock.now(), actor_of(request, session));
  if (!added) return users_error(added.error());
  return json_response(201, user_json(*added));
}

Response set_password(ApiContext& context, const Request& request,
                      const auth::OpenSession& session) {
  const std::string& name = request.params[0];
  auth::Users users(context.store);
  auto target = users.find(name);
  if (!target) return server_error(target.error());
  bool own = *target && (*target)->id == session.user.id;
  bool admin = session.user.role == auth::Role::kAdmin;
  // Someone else's password is an admin's business; whether that person exists is too.
  if (!own && !admin)
    return error_response(ErrorCode::kForbidden,
                          "only an admin may set another person's password; ask an admin");
  if (!*target) return not_found("user", name);

  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto password = fields.required_string("password", auth::kMaxPasswordBytes);
  if (!password) return error_from(password.error());
  auto current = fields.string("current_password", auth::kMaxPasswordBytes);
  if (!current) return error_from(current.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  if (Status checked = auth::check_new_password(*password); !checked.ok())
    return error_from(checked.error());

  if (own) {
    // A session left open on a shared screen must not be enough to take the account.
    if (!*current) return error_from(missing("current_password"));
    auto confirmed = context.admin_sessions.confirm_password(
        session.user.name, **current, request.remote_address, context.clock.now());
    if (!confirmed) return server_error(confirmed.error());
    using Outcome = auth::SignInResult::Outcome;
    if (confirmed->outcome == Outcome::kTooManyFailures || confirmed->outcome == Outcome::kBusy) {
      int64_t seconds = std::max<int64_t>(1, (confirmed->retry_after_ms + 999) / 1000);
      Response response = error_response(
          ErrorCode::kRateLimited,
          "too many wrong passwords from this address, or others being checked; try again in " +
              std::to_string(seconds) + " seconds");
      response.headers.emplace_back("Retry-After", std::to_string(seconds));
      return response;
    }
    if (confirmed->outcome != Outcome::kSignedIn)
      return error_from(invalid("current_password", "is not your current password"));
  }
  auto changed =
      users.set_password(name, *password, context.clock.now(), actor_of(request, session),
                         own ? std::optional<std::string>(session.token_hash) : std::nullopt);
  if (!changed) return users_error(changed.error());
  if (!*changed) return not_found("user", name);  // removed meanwhile
  return Response{204, "application/json", "", {}};
}

Response remove_user(ApiContext& context, const Request& request,
                     const auth::OpenSession& session) {
  const std::string& name = request.params[0];
  auto removed =
      auth::Users(context.store).remove(name, context.clock.now(), actor_of(request, session));
  if (!removed) return users_error(removed.error());
  if (!*removed) return not_found("user", name);
  return Response{204, "application/json", "", {}};
}

}  // namespace

void add_user_routes(Router& router, ApiContext& context) {
  using enum SessionRoute::Who;
  static constexpr SessionRoute kRoutes[] = {
      {"GET", "/api/v1/users", kAdmin, list_users},
      {"POST", "/api/v1/users", kAdmin, add_user},
      {"PUT", "/api/v1/users/{name}/password", kAnyPerson, set_password},
      {"DELETE", "/api/v1/users/{name}", kAdmin, remove_user},
  };
  add_session_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

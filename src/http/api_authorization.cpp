// The check the server makes before it reads a request's body (api.h api_authorizer).
// It runs the very wrappers the routes are added with, around a handler that only
// says "let in", so that the rules are written once: whatever with_caller or
// with_session would refuse, the server refuses before the body.
#include "http/api.h"

namespace smsgate::http {

namespace {

// Not a status any route answers: what the inner handler returns when let in.
constexpr int kLetIn = 0;

Response let_in(ApiContext&, const Request&, const auth::OpenSession&) {
  return Response{kLetIn, "", "", {}};
}

}  // namespace

Authorizer api_authorizer(ApiContext& context) {
  return [&context](const Request& request, const Access& access) -> std::optional<Response> {
    Response checked;
    switch (access.kind) {
      case Access::Kind::kPublic:
        return std::nullopt;
      case Access::Kind::kApiKey:
        checked = with_caller(context, access.scope, [](const Request&, const Caller&) {
          return Response{kLetIn, "", "", {}};
        })(request);
        break;
      case Access::Kind::kAdminSession:
        checked = with_session(context, true, &let_in)(request);
        break;
      case Access::Kind::kSession:
        checked = with_session(context, false, &let_in)(request);
        break;
    }
    if (checked.status == kLetIn) return std::nullopt;
    return checked;
  };
}

}  // namespace smsgate::http

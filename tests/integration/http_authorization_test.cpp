// Who may call what, for every route the daemon serves. The cases are generated from
// the router's own table (Daemon::http_routes: method, pattern, access), so a route
// added later is held to the access it was registered with, without a line here.
// Over real HTTP against the running daemon, per route:
//   API key with a scope:  no key, a revoked key, a revoked key beside the admin
//                          session's cookie: 401; a key with every scope but the
//                          route's: 403 naming it; a key with only the route's scope,
//                          the admin session: neither 401 nor 403; an operator's
//                          session: as the operator's role allows (auth/roles.h),
//                          else 403 naming the scope.
//   any API key:           no key, a revoked key: 401; a key with any one scope, the
//                          admin and the operator session: neither.
//   admin session:         no key, a revoked key, a key with every scope: 401; an
//                          operator's session: 403; the admin's session: neither.
//   any session:           no key, a key with every scope: 401; the admin's and the
//                          operator's session: neither (a {name} is the operator's).
//   public:                neither, with nothing, a revoked key or either session.
// "Neither" is enough for a route that lets the caller in: the bodies are empty and
// the ids made up, so 400 or 404 are fine; the point is that it was not refused.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "auth/admin_password.h"
#include "auth/roles.h"
#include "auth/users.h"
#include "integration/api_harness.h"

namespace smsgate::testing {
namespace {

using auth::Scope;
using auth::Scopes;
using http::Access;

constexpr const char* kOperator = "olga";
constexpr const char* kOperatorPassword = "olga's password";

// `pattern` with its {parameters} filled in: a phone number where one is meant, 1 for
// anything else (an id that may or may not exist).
std::string concrete_path(const std::string& pattern) {
  std::string path;
  size_t at = 0;
  while (at < pattern.size()) {
    size_t open = pattern.find('{', at);
    if (open == std::string::npos) {
      path += pattern.substr(at);
      break;
    }
    size_t close = pattern.find('}', open);
    REQUIRE(close != std::string::npos);
    path += pattern.substr(at, open - at);
    std::string name = pattern.substr(open + 1, close - open - 1);
    // A person's own password is the one route of a session any person may call.
    if (name == "name")
      path += pattern.ends_with("/password") ? kOperator : "nobody";
    else
      path += name == "number" ? "%2B4917012345678" : "1";
    at = close + 1;
  }
  return path;
}

bool refused(const HttpAnswer& answer) { return answer.status == 401 || answer.status == 403; }

// The keys the matrix calls with, made through the daemon's own ApiKeys.
struct Callers {
  std::map<Scope, std::string> only;     // the scope alone
  std::map<Scope, std::string> all_but;  // every scope but it
  std::string every_scope;
  std::string revoked;  // had every scope
};

Callers make_callers(ApiDaemon& gateway) {
  auth::ApiKeys& keys = gateway.daemon().api_keys();
  int64_t now = gateway.clock().now();
  auto make = [&](const std::string& name, Scopes scopes) {
    auto created = keys.create(name, scopes, now);
    REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
    return *created;
  };
  Callers callers;
  for (Scope scope : auth::kAllScopes) {
    std::string name(auth::scope_name(scope));
    callers.only[scope] = make("only " + name, Scopes{scope}).key;
    callers.all_but[scope] = make("all but " + name, Scopes::all().without(scope)).key;
  }
  callers.every_scope = make("every scope", Scopes::all()).key;
  auto revoked = make("revoked", Scopes::all());
  REQUIRE(keys.revoke(revoked.info.id, now).ok());
  callers.revoked = revoked.key;
  return callers;
}

TEST_CASE("authorization: every route answers each kind of caller as its access says") {
  ApiDaemon gateway(1);
  Callers callers = make_callers(gateway);
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  std::string cookie = session_cookie(gateway.url(), *password);
  auth::Users users(gateway.daemon().store());
  REQUIRE(users
              .add(kOperator, auth::Role::kOperator, kOperatorPassword, gateway.clock().now(),
                   auth::Actor::command_line())
              .ok());
  std::string operator_cookie = session_cookie(gateway.url(), kOperatorPassword, kOperator);

  HttpClient client(gateway.url());
  auto call = [&](const http::Router::Route& route, const std::string& key,
                  std::vector<std::string> headers = {}) {
    client.set_key(key);
    return client.request(route.method, concrete_path(route.pattern), "", headers);
  };
  auto expect_unauthorized = [](const HttpAnswer& answer, const char* who) {
    CHECK_MESSAGE(answer.status == 401, who << ": " << answer.status << " " << answer.body);
  };
  auto expect_let_in = [](const HttpAnswer& answer, const char* who) {
    CHECK_MESSAGE(!refused(answer), who << ": " << answer.status << " " << answer.body);
  };

  const std::vector<http::Router::Route>& routes = gateway.daemon().http_routes().routes();
  std::set<Scope> scopes_seen;
  std::set<Access::Kind> kinds_seen;
  for (const http::Router::Route& route : routes) {
    CAPTURE(route.method);
    CAPTURE(route.pattern);
    CAPTURE(route.access.describe());
    kinds_seen.insert(route.access.kind);
    switch (route.access.kind) {
      case Access::Kind::kApiKey: {
        HttpAnswer none = call(route, "");
        expect_unauthorized(none, "no key");
        CHECK(none.error_code() == "unauthorized");
        CHECK(none.headers["www-authenticate"] == "Bearer");
        expect_unauthorized(call(route, callers.revoked), "a revoked key");
        // A key that is sent is the credential, even beside an open session.
        expect_unauthorized(call(route, callers.revoked, {cookie}), "a revoked key and a session");
        // The console uses the API like any program; an admin's role allows every scope.
        expect_let_in(call(route, "", {cookie}), "the admin session");
        if (!route.access.scope) {
          expect_let_in(call(route, "", {operator_cookie}), "an operator's session");
          for (Scope scope : auth::kAllScopes) {
            CAPTURE(auth::scope_name(scope));
            expect_let_in(call(route, callers.only.at(scope)), "a key with one scope");
          }
          break;
        }
        Scope scope = *route.access.scope;
        std::string name(auth::scope_name(scope));
        scopes_seen.insert(scope);
        HttpAnswer without = call(route, callers.all_but.at(scope));
        CHECK_MESSAGE(without.status == 403,
                      "every scope but " << name << ": " << without.status << " " << without.body);
        CHECK(without.error_code() == "forbidden");
        CHECK(without.json()["error"]["scope"] == name);
        CHECK(without.json()["error"]["message"].get<std::string>().find("\"" + name + "\"") !=
              std::string::npos);
        CHECK(without.headers["www-authenticate"] ==
              "Bearer error=\"insufficient_scope\", scope=\"" + name + "\"");
        expect_let_in(call(route, callers.only.at(scope)), "a key with only the route's scope");
        HttpAnswer as_operator = call(route, "", {operator_cookie});
        if (auth::role_may(auth::Role::kOperator, scope, route.method)) {
          expect_let_in(as_operator, "an operator's session");
        } else {
          CHECK_MESSAGE(as_operator.status == 403,
                        "an operator's session: " << as_operator.status << " " << as_operator.body);
          CHECK(as_operator.json()["error"]["scope"] == name);
        }
        break;
      }
      case Access::Kind::kAdminSession:
        expect_unauthorized(call(route, ""), "no key");
        expect_unauthorized(call(route, callers.revoked), "a revoked key");
        expect_unauthorized(call(route, callers.every_scope), "a key with every scope");
        expect_let_in(call(route, "", {cookie}), "the admin session");
        {
          HttpAnswer as_operator = call(route, "", {operator_cookie});
          CHECK_MESSAGE(as_operator.status == 403,
                        "an operator's session: " << as_operator.status << " " << as_operator.body);
          CHECK(as_operator.error_code() == "forbidden");
        }
        break;
      case Access::Kind::kSession:
        expect_unauthorized(call(route, ""), "no key");
        expect_unauthorized(call(route, callers.every_scope), "a key with every scope");
        expect_let_in(call(route, "", {cookie}), "the admin session");
        expect_let_in(call(route, "", {operator_cookie}), "an operator's session");
        break;
      case Access::Kind::kPublic: {
        expect_let_in(call(route, ""), "no key");
        expect_let_in(call(route, callers.revoked), "a revoked key");
        expect_let_in(call(route, "", {cookie}), "the admin session");
        expect_let_in(call(route, "", {operator_cookie}), "an operator's session");
        // Signing out is public too, and ends the session: take a new one.
        client.set_key("");
        if (client.request("GET", "/api/v1/admin/session", "", {cookie}).status == 401) {
          cookie = session_cookie(gateway.url(), *password);
        }
        if (client.request("GET", "/api/v1/admin/session", "", {operator_cookie}).status == 401) {
          operator_cookie = session_cookie(gateway.url(), kOperatorPassword, kOperator);
        }
        break;
      }
    }
  }
  // The table holds every kind of route and every scope is some route's, so none of
  // the branches above went untried.
  CHECK(kinds_seen.size() == 4);
  for (Scope scope : auth::kAllScopes) {
    CAPTURE(auth::scope_name(scope));
    CHECK(scopes_seen.contains(scope));
  }
}

TEST_CASE("authorization: a key without the scope changes nothing") {
  ApiDaemon gateway(1);
  Callers callers = make_callers(gateway);
  HttpClient reader(gateway.url(), callers.all_but.at(Scope::kSend));
  auto refused_send =
      reader.post("/api/v1/messages", {{"to", "+4917012345678"}, {"text", "not from this key"}});
  CHECK(refused_send.status == 403);
  CHECK(refused_send.json()["error"]["scope"] == "send");
  auto listed = reader.get("/api/v1/messages");
  REQUIRE(listed.status == 200);
  CHECK(listed.json()["items"].empty());

  HttpClient sender(gateway.url(), callers.all_but.at(Scope::kOptouts));
  CHECK(sender.post("/api/v1/optouts", {{"number", "+4917012345678"}}).status == 403);
  HttpClient optouts(gateway.url(), callers.only.at(Scope::kOptouts));
  auto opted_out = optouts.get("/api/v1/optouts");
  REQUIRE(opted_out.status == 200);
  CHECK(opted_out.json()["items"].empty());
}

TEST_CASE("authorization: Prometheus scrapes /metrics with a metrics-only key") {
  ApiDaemon gateway(1);
  auto created = gateway.daemon().api_keys().create("prometheus", Scopes{Scope::kMetrics},
                                                    gateway.clock().now());
  REQUIRE(created.ok());
  HttpClient prometheus(gateway.url(), created->key);
  auto scraped = prometheus.get("/metrics");
  REQUIRE(scraped.status == 200);
  CHECK(scraped.headers["content-type"].starts_with("text/plain"));
  CHECK(scraped.body.find("smsgate_") != std::string::npos);
  // The same key reads nothing else.
  CHECK(prometheus.get("/api/v1/messages").status == 403);
  CHECK(prometheus.get("/api/v1/inbound").status == 403);
}

}  // namespace
}  // namespace smsgate::testing

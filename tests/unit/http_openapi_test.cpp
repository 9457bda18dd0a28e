// The OpenAPI document (src/http/openapi.json, served at GET /api/v1/openapi.json)
// against the routes the server really registers: the same set of method + path, an
// operationId and responses for each, and the bearer key on all but health and the admin
// page's routes (a session cookie; signing in needs nothing). What the
// answers look like is checked over HTTP by tests/http/openapi_conformance_test.py.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "auth/api_keys.h"
#include "auth/otp.h"
#include "common/clock.h"
#include "dispatch/dispatcher.h"
#include "http/api.h"
#include "http/metrics.h"
#include "modem/pool.h"
#include "store_test_support.h"

namespace smsgate::http {
namespace {

using Operation = std::pair<std::string, std::string>;  // {"GET", "/api/v1/messages"}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// The routes api_router() registers, built as the daemon builds them (daemon.cpp) on
// a temporary database; nothing is started, since only the routing table is read (the
// handlers are never called: what they refer to is gone).
std::vector<Router::Route> registered_table() {
  store::testing::TempDir dir;
  auto store = store::testing::open_store(dir);
  SystemClock clock;
  auto dispatcher = dispatch::Dispatcher::create(*store, clock, dispatch::DispatcherOptions{});
  REQUIRE_MESSAGE(dispatcher.ok(), (dispatcher.ok() ? "" : dispatcher.error().message));
  modem::ModemPool pool(modem::PoolConfig{}, **dispatcher);
  auth::ApiKeys keys(*store);
  dispatch::Intake intake(*store, dispatch::ComposeDefaults{}, {});
  auth::Otp otp(*store, intake, "");
  ApiMetrics metrics;
  auth::AdminSessions sessions(*store);
  ApiContext context{*store, **dispatcher, pool,    keys,    otp,
                     clock,  intake,       nullptr, metrics, sessions};
  return api_router(context).routes();
}

std::set<Operation> registered_routes() {
  std::set<Operation> routes;
  for (const Router::Route& route : registered_table()) {
    bool added = routes.emplace(route.method, route.pattern).second;
    CHECK_MESSAGE(added, "registered twice: " << route.method << " " << route.pattern);
  }
  return routes;
}

nlohmann::json parsed_document() {
  nlohmann::json document = nlohmann::json::parse(openapi_document(), nullptr, false);
  REQUIRE_MESSAGE(!document.is_discarded(), "src/http/openapi.json is not valid JSON");
  REQUIRE(document.is_object());
  return document;
}

std::set<Operation> documented_operations(const nlohmann::json& document) {
  static const std::set<std::string> kMethods = {"get",   "put",     "post", "delete",
                                                 "patch", "options", "head", "trace"};
  std::set<Operation> operations;
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      if (kMethods.contains(method)) operations.emplace(upper(method), path);
    }
  }
  return operations;
}

TEST_CASE("openapi: the document is OpenAPI 3.1.0 JSON with paths and components") {
  nlohmann::json document = parsed_document();
  CHECK(document.value("openapi", "") == "3.1.0");
  REQUIRE(document.contains("info"));
  CHECK(document["info"].contains("title"));
  CHECK(document["info"].contains("version"));
  REQUIRE(document.contains("paths"));
  REQUIRE(document["paths"].is_object());
  REQUIRE(document.contains("components"));
  CHECK(document["components"].contains("schemas"));
  // Bearer keys everywhere unless an operation says otherwise (health does).
  REQUIRE(document.contains("security"));
  CHECK(document["security"] == nlohmann::json::parse(R"([{"bearerAuth": []}])"));
  const nlohmann::json& scheme = document["components"]["securitySchemes"]["bearerAuth"];
  CHECK(scheme.value("type", "") == "http");
  CHECK(scheme.value("scheme", "") == "bearer");
}

TEST_CASE("openapi: the document describes exactly the routes the server registers") {
  std::set<Operation> routes = registered_routes();
  std::set<Operation> documented = documented_operations(parsed_document());
  REQUIRE(!routes.empty());
  for (const Operation& route : routes) {
    CHECK_MESSAGE(documented.contains(route), "registered but not in src/http/openapi.json: "
                                                  << route.first << " " << route.second);
  }
  for (const Operation& operation : documented) {
    CHECK_MESSAGE(routes.contains(operation), "in src/http/openapi.json but not registered: "
                                                  << operation.first << " " << operation.second);
  }
}

TEST_CASE("openapi: every operation has an id, responses and security (health none)") {
  nlohmann::json document = parsed_document();
  std::set<std::string> ids;
  for (const Operation& documented : documented_operations(document)) {
    const std::string& method = documented.first;
    const std::string& path = documented.second;
    std::string lower = method;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const nlohmann::json& operation = document["paths"][path][lower];
    CAPTURE(method);
    CAPTURE(path);
    REQUIRE(operation.contains("operationId"));
    CHECK(ids.insert(operation["operationId"].get<std::string>()).second);
    REQUIRE(operation.contains("responses"));
    CHECK(!operation["responses"].empty());
    bool open = operation.contains("security") && operation["security"].empty();
    // Signing in and out of the admin page need no key either (they make the session).
    bool needs_nothing =
        path == "/api/v1/health" || (path == "/api/v1/admin/session" && method != "GET");
    bool admin = path.starts_with("/api/v1/admin/") || path.starts_with("/api/v1/keys") ||
                 path.starts_with("/api/v1/users") || path.starts_with("/api/v1/audit") ||
                 path == "/api/v1/settings";
    if (needs_nothing) {
      CHECK_MESSAGE(open, "needs no key: security must be []");
    } else {
      CHECK_MESSAGE(!open, "every other route needs the API key or the admin session");
      const char* scheme = admin ? "adminSession" : "bearerAuth";
      bool declared = !operation.contains("security")
                          ? !admin
                          : operation["security"].dump().find(scheme) != std::string::npos;
      CHECK_MESSAGE(declared, "security should be " << scheme);
      // Authenticated routes answer 401 without a key or session.
      CHECK(operation["responses"].contains("401"));
    }
    // Every {param} of the path is declared.
    for (size_t open_brace = path.find('{'); open_brace != std::string::npos;
         open_brace = path.find('{', open_brace + 1)) {
      std::string name = path.substr(open_brace + 1, path.find('}', open_brace) - open_brace - 1);
      bool declared = false;
      for (const nlohmann::json& parameter :
           operation.value("parameters", nlohmann::json::array())) {
        nlohmann::json resolved = parameter;
        if (parameter.contains("$ref")) {
          std::string ref = parameter["$ref"];
          resolved = document.at(nlohmann::json::json_pointer(ref.substr(1)));
        }
        declared =
            declared || (resolved.value("in", "") == "path" && resolved.value("name", "") == name);
      }
      CHECK_MESSAGE(declared, "path parameter {" << name << "} is not declared");
    }
  }
}

TEST_CASE("openapi: each operation's security says what the router's table says") {
  nlohmann::json document = parsed_document();
  for (const Router::Route& route : registered_table()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    CAPTURE(route.method);
    CAPTURE(route.pattern);
    CAPTURE(route.access.describe());
    const nlohmann::json& operation = document["paths"][route.pattern][method];
    REQUIRE(operation.is_object());
    nlohmann::json security = operation.value("security", document["security"]);
    nlohmann::json expected;
    switch (route.access.kind) {
      case Access::Kind::kPublic:
        expected = nlohmann::json::array();
        break;
      case Access::Kind::kAdminSession:
      case Access::Kind::kSession:
        expected = nlohmann::json::parse(R"([{"adminSession": []}])");
        break;
      case Access::Kind::kApiKey:
        expected = nlohmann::json::parse(R"([{"bearerAuth": []}])");
        if (route.access.scope)
          expected[0]["bearerAuth"].push_back(std::string(auth::scope_name(*route.access.scope)));
        break;
    }
    CHECK(security == expected);
    // A scope can be missing, or the person is not an admin: then the answer is 403,
    // documented. (Any person may call a route of kSession; whether it refuses some,
    // as another person's password, is the route's own.)
    if (route.access.kind != Access::Kind::kSession) {
      bool may_refuse = (route.access.kind == Access::Kind::kApiKey && route.access.scope) ||
                        route.access.kind == Access::Kind::kAdminSession;
      CHECK(operation["responses"].contains("403") == may_refuse);
    }
  }
}

TEST_CASE("openapi: every $ref points into the document") {
  nlohmann::json document = parsed_document();
  nlohmann::json flat = document.flatten();
  for (const auto& item : flat.items()) {
    const std::string& pointer = item.key();
    if (!pointer.ends_with("/$ref")) continue;
    std::string ref = item.value().get<std::string>();
    CAPTURE(pointer);
    CAPTURE(ref);
    REQUIRE(ref.starts_with("#/"));
    CHECK(document.contains(nlohmann::json::json_pointer(ref.substr(1))));
  }
}

}  // namespace
}  // namespace smsgate::http

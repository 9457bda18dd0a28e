// The router and the query-string decoding, without a server.
#include <doctest/doctest.h>

#include "http/router.h"
#include "http/server.h"

namespace smsgate::http {
namespace {

Router sample_router() {
  Router router;
  auto named = [](std::string name) {
    return [name](const Request&) { return Response{200, "text/plain", name, {}}; };
  };
  using auth::Scope;
  router.add("GET", "/api/v1/messages", Access::api_key(Scope::kRead), named("list"));
  router.add("POST", "/api/v1/messages", Access::api_key(Scope::kSend), named("submit"));
  router.add("POST", "/api/v1/messages/batch", Access::api_key(Scope::kSend), named("batch"));
  router.add("GET", "/api/v1/messages/{id}", Access::api_key(Scope::kRead), named("get"));
  router.add("DELETE", "/api/v1/messages/{id}", Access::api_key(Scope::kSend), named("cancel"));
  router.add("POST", "/api/v1/modems/{id}/reset", Access::api_key(Scope::kModems), named("reset"));
  router.add("GET", "/api/v1/health", Access::anyone(), named("health"));
  router.add("GET", "/api/v1/keys", Access::admin_session(), named("keys"));
  router.add("GET", "/api/v1/openapi.json", Access::api_key(std::nullopt), named("openapi"));
  return router;
}

std::string call(const Router::Match& match) {
  REQUIRE(match.handler);
  return (*match.handler)(Request{}).body;
}

TEST_CASE("router: a method and path find their route and parameters") {
  Router router = sample_router();
  CHECK(call(router.match("GET", "/api/v1/messages")) == "list");
  CHECK(call(router.match("POST", "/api/v1/messages")) == "submit");
  CHECK(call(router.match("POST", "/api/v1/messages/batch")) == "batch");
  auto get = router.match("GET", "/api/v1/messages/42");
  CHECK(call(get) == "get");
  CHECK(get.params == std::vector<std::string>{"42"});
  CHECK(get.pattern == "/api/v1/messages/{id}");
  auto reset = router.match("POST", "/api/v1/modems/356938035643809/reset");
  CHECK(call(reset) == "reset");
  CHECK(reset.params == std::vector<std::string>{"356938035643809"});
  // A trailing or doubled slash is the same path.
  CHECK(call(router.match("GET", "/api/v1/messages/")) == "list");
  CHECK(call(router.match("GET", "//api/v1//messages")) == "list");
}

TEST_CASE(
    "router: an unknown path has no route; a known path with another method says which it has") {
  Router router = sample_router();
  auto none = router.match("GET", "/api/v1/nothing");
  CHECK(!none.handler);
  CHECK(none.allowed.empty());
  CHECK(!router.match("GET", "/").handler);
  CHECK(!router.match("GET", "/api/v1/messages/1/2").handler);
  CHECK(!router.match("GET", "/api/v1/modems//reset").handler);
  auto put = router.match("PUT", "/api/v1/messages");
  CHECK(!put.handler);
  CHECK(put.allowed == std::vector<std::string>{"GET", "POST"});
  auto get_batch = router.match("GET", "/api/v1/messages/batch");
  CHECK(call(get_batch) == "get");  // {id} takes "batch"; the handler finds no such id
  CHECK(router.match("PATCH", "/api/v1/messages/7").allowed ==
        std::vector<std::string>{"GET", "DELETE"});
}

TEST_CASE("router: the table and a match say who may call each route") {
  Router router = sample_router();
  std::vector<std::string> table;
  for (const Router::Route& route : router.routes())
    table.push_back(route.method + " " + route.pattern + ": " + route.access.describe());
  CHECK(table == std::vector<std::string>{
                     "GET /api/v1/messages: API key with scope read",
                     "POST /api/v1/messages: API key with scope send",
                     "POST /api/v1/messages/batch: API key with scope send",
                     "GET /api/v1/messages/{id}: API key with scope read",
                     "DELETE /api/v1/messages/{id}: API key with scope send",
                     "POST /api/v1/modems/{id}/reset: API key with scope modems",
                     "GET /api/v1/health: public",
                     "GET /api/v1/keys: admin session",
                     "GET /api/v1/openapi.json: any API key",
                 });
  CHECK(router.match("DELETE", "/api/v1/messages/9").access == Access::api_key(auth::Scope::kSend));
  CHECK(router.match("GET", "/api/v1/messages/9").access == Access::api_key(auth::Scope::kRead));
  CHECK(router.match("GET", "/api/v1/health").access == Access::anyone());
  CHECK(router.match("GET", "/api/v1/keys").access == Access::admin_session());
  CHECK_FALSE(router.match("GET", "/api/v1/health").access == Access::admin_session());
}

TEST_CASE("router: query strings are decoded") {
  auto query =
      parse_query("to=%2B4917012345678&since=2026-11-23T10%3A00%3A00Z&empty=&flag&a=1&a=2");
  CHECK(query["to"] == "+4917012345678");
  CHECK(query["since"] == "2026-11-23T10:00:00Z");
  CHECK(query["empty"] == "");
  CHECK(query.contains("flag"));
  CHECK(query["a"] == "2");
  CHECK(url_decode("a+b%20c") == "a b c");
  CHECK(url_decode("100%") == "100%");    // a lone % stays
  CHECK(url_decode("%zz%4") == "%zz%4");  // so do malformed escapes
  CHECK(url_decode("%00x").size() == 2);  // a NUL is a byte like any other
  CHECK(parse_query("").empty());
  CHECK(parse_query("&&&").empty());
}

TEST_CASE("router: error bodies have the contract's shape") {
  auto response = error_response(ErrorCode::kInvalidNumber, "to: not a number", "to");
  CHECK(response.status == 400);
  CHECK(response.content_type == "application/json");
  CHECK(response.body ==
        R"({"error":{"code":"invalid_number","field":"to","message":"to: not a number"}})");
  auto not_found = error_response(ErrorCode::kNotFound, "no such endpoint");
  CHECK(not_found.status == 404);
  CHECK(not_found.body == R"({"error":{"code":"not_found","message":"no such endpoint"}})");
}

TEST_CASE("router: every error code has a name and a status") {
  CHECK(http_status(ErrorCode::kRecipientOptedOut) == 409);
  CHECK(http_status(ErrorCode::kStorage) == 500);
  CHECK(http_status(ErrorCode::kRateLimited) == 429);
  CHECK(http_status(ErrorCode::kUnauthorized) == 401);
  CHECK(http_status(ErrorCode::kForbidden) == 403);
  CHECK(error_code_name(ErrorCode::kForbidden) == "forbidden");
  for (int i = static_cast<int>(ErrorCode::kInvalidRequest);
       i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    auto code = static_cast<ErrorCode>(i);
    CAPTURE(i);
    CHECK_FALSE(error_code_name(code).empty());
    CHECK(http_status(code) >= 400);
    CHECK(http_status(code) < 600);
  }
}

TEST_CASE("server: listen addresses are checked before CivetWeb sees them") {
  CHECK(*listening_ports_option("127.0.0.1:8080", false) == "127.0.0.1:8080");
  CHECK(*listening_ports_option("0.0.0.0:8443", true) == "0.0.0.0:8443s");
  CHECK(!listening_ports_option("8080", false));
  CHECK(!listening_ports_option("127.0.0.1:", false));
  CHECK(!listening_ports_option("127.0.0.1:http", false));
  CHECK(!listening_ports_option("127.0.0.1:70000", false));
  CHECK(listening_ports_option("127.0.0.1:99999999999", false).error().message.find("bad port") !=
        std::string::npos);
}

}  // namespace
}  // namespace smsgate::http

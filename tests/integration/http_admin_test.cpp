// The admin page's own API over real HTTP: signing in with the admin password, the
// session cookie, and creating, listing and revoking API keys with it; and the page's
// files served from the binary.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "auth/admin_password.h"
#include "http/web.h"
#include "integration/api_harness.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

// "smsgate_session=TOKEN; Path=/; ..." -> "smsgate_session=TOKEN"
std::string cookie_of(const HttpAnswer& answer) {
  auto found = answer.headers.find("set-cookie");
  REQUIRE(found != answer.headers.end());
  return found->second.substr(0, found->second.find(';'));
}

TEST_CASE("admin: sign in with the admin password, then create, list and revoke API keys") {
  ApiDaemon gateway(1);
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());

  // Signed out, every admin route is 401; an API key does not open them.
  CHECK(browser.get("/api/v1/admin/session").status == 401);
  CHECK(browser.get("/api/v1/keys").status == 401);
  CHECK(gateway.client().get("/api/v1/keys").status == 401);
  CHECK(gateway.client().post("/api/v1/keys", {{"name", "minted"}}).status == 401);

  auto wrong = browser.post("/api/v1/admin/session", {{"password", "not-it"}});
  CHECK(wrong.status == 401);
  CHECK(wrong.error_code() == "wrong_password");
  CHECK(wrong.headers.count("set-cookie") == 0);
  CHECK(browser.post("/api/v1/admin/session", {{"password", *password}, {"remember", true}})
            .error_code() == "unknown_field");
  CHECK(browser
            .request("POST", "/api/v1/admin/session", json{{"password", *password}}.dump(),
                     {"Content-Type: text/plain"})
            .status == 415);

  auto signed_in = browser.post("/api/v1/admin/session", {{"password", *password}});
  REQUIRE(signed_in.status == 204);
  CHECK(signed_in.headers["set-cookie"].find("HttpOnly") != std::string::npos);
  CHECK(signed_in.headers["set-cookie"].find("SameSite=Strict") != std::string::npos);
  CHECK(signed_in.headers["set-cookie"].find("Secure") == std::string::npos);  // plain HTTP
  std::string cookie = "Cookie: " + cookie_of(signed_in);
  auto as_admin = [&](const std::string& method, const std::string& path, const json& body = {}) {
    return browser.request(method, path, body.is_null() ? "" : body.dump(), {cookie});
  };
  CHECK(as_admin("GET", "/api/v1/admin/session").json()["authenticated"] == true);
  CHECK(browser.request("GET", "/api/v1/keys", "", {"Cookie: smsgate_session=forged"}).status ==
        401);

  auto created = as_admin("POST", "/api/v1/keys", {{"name", "shop"}});
  REQUIRE_MESSAGE(created.status == 201, created.body);
  std::string key = created.json()["key"].get<std::string>();
  int64_t id = created.json()["id"].get<int64_t>();
  CHECK(key.starts_with("sgk_"));
  CHECK(created.json()["name"] == "shop");
  HttpClient shop(gateway.url(), key);
  CHECK(shop.get("/api/v1/messages").status == 200);

  json listed = as_admin("GET", "/api/v1/keys").json()["items"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["name"] == "shop");  // newest first
  CHECK(listed[1]["name"] == "tests");
  CHECK(listed[0].contains("last_used_at"));  // the request just made with it
  CHECK(!listed[1].contains("last_used_at"));
  CHECK(!listed[0].contains("revoked_at"));
  CHECK(listed.dump().find(key) == std::string::npos);  // shown once, at creation only

  auto unnamed = as_admin("POST", "/api/v1/keys", {{"name", ""}});
  CHECK(unnamed.status == 400);
  CHECK(unnamed.error_code() == "invalid_name");
  CHECK(unnamed.error_field() == "name");
  CHECK(
      browser
          .request("POST", "/api/v1/keys", R"({"name":"x"})", {cookie, "Content-Type: text/plain"})
          .status == 415);

  CHECK(as_admin("DELETE", "/api/v1/keys/" + std::to_string(id)).status == 204);
  CHECK(shop.get("/api/v1/messages").status == 401);  // at once, not after the cache's recheck
  CHECK(as_admin("DELETE", "/api/v1/keys/" + std::to_string(id)).status == 404);
  CHECK(as_admin("DELETE", "/api/v1/keys/999999").status == 404);
  CHECK(as_admin("GET", "/api/v1/keys").json()["items"][0].contains("revoked_at"));
  CHECK(as_admin("GET", "/api/v1/keys").json()["items"].size() == 2);

  auto out = as_admin("DELETE", "/api/v1/admin/session");
  CHECK(out.status == 204);
  CHECK(out.headers["set-cookie"].find("Max-Age=0") != std::string::npos);
  CHECK(as_admin("GET", "/api/v1/keys").status == 401);
  CHECK(gateway.client().get("/api/v1/messages").status == 200);  // API keys unaffected
}

TEST_CASE("admin: the console's session calls the API as programs do, and only as JSON") {
  ApiDaemon gateway(1);
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());
  auto signed_in = browser.post("/api/v1/admin/session", {{"password", *password}});
  REQUIRE(signed_in.status == 204);
  std::string cookie = "Cookie: " + cookie_of(signed_in);

  // Sent with the session, listed with it, and the same message a key reads.
  json text = {{"to", "+4917012345678"}, {"text", "sent from the console"}};
  auto sent = browser.request("POST", "/api/v1/messages", text.dump(), {cookie});
  REQUIRE_MESSAGE(sent.status == 202, sent.body);
  int64_t id = sent.json()["id"].get<int64_t>();
  auto listed = browser.request("GET", "/api/v1/messages", "", {cookie});
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json()["items"].size() == 1);
  CHECK(listed.json()["items"][0]["id"] == id);
  CHECK(gateway.client().get("/api/v1/messages/" + std::to_string(id)).json()["text"] ==
        "sent from the console");

  // A body that is not JSON is refused before anything is stored: a cross-site form
  // could send text/plain or a form encoding with the cookie, never application/json.
  for (const char* type :
       {"Content-Type: text/plain", "Content-Type: application/x-www-form-urlencoded"}) {
    CAPTURE(type);
    auto refused = browser.request("POST", "/api/v1/messages", text.dump(), {cookie, type});
    CHECK(refused.status == 415);
    CHECK(refused.error_code() == "unsupported_media_type");
  }
  // A program's key needs no such care (existing clients send what they send).
  auto by_key = gateway.client().request("POST", "/api/v1/messages", text.dump(),
                                         {"Content-Type: text/plain"});
  CHECK(by_key.status == 202);
  CHECK(gateway.client().get("/api/v1/messages").json()["items"].size() == 2);

  // Signed out, the cookie opens nothing.
  browser.request("DELETE", "/api/v1/admin/session", "", {cookie});
  auto after = browser.request("GET", "/api/v1/messages", "", {cookie});
  CHECK(after.status == 401);
  CHECK(after.error_code() == "unauthorized");
}

TEST_CASE("admin: a session ends after 12 idle hours; a replaced password no longer signs in") {
  ApiDaemon gateway(1);
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());
  auto signed_in = browser.post("/api/v1/admin/session", {{"password", *password}});
  REQUIRE(signed_in.status == 204);
  std::string cookie = "Cookie: " + cookie_of(signed_in);
  auto session_status = [&] {
    return browser.request("GET", "/api/v1/admin/session", "", {cookie}).status;
  };

  gateway.clock().advance(11LL * 3600 * 1000);
  CHECK(session_status() == 200);  // a request keeps it open for 12 hours more
  gateway.clock().advance(11LL * 3600 * 1000);
  CHECK(session_status() == 200);
  gateway.clock().advance(12LL * 3600 * 1000 + 1000);
  CHECK(session_status() == 401);
  // The old password no longer signs in once a new one is made.
  REQUIRE(auth::reset_admin_password(gateway.daemon().store()).ok());
  CHECK(browser.post("/api/v1/admin/session", {{"password", *password}}).status == 401);
}

TEST_CASE("admin: a session ends seven days after sign-in, however busy") {
  ApiDaemon gateway(1);
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());
  auto signed_in = browser.post("/api/v1/admin/session", {{"password", *password}});
  REQUIRE(signed_in.status == 204);
  std::string cookie = "Cookie: " + cookie_of(signed_in);
  auto session_status = [&] {
    return browser.request("GET", "/api/v1/admin/session", "", {cookie}).status;
  };
  const int64_t hour = 3600 * 1000;
  for (int64_t elapsed = 11 * hour; elapsed < 7 * 24 * hour; elapsed += 11 * hour) {
    gateway.clock().advance(11 * hour);
    REQUIRE(session_status() == 200);  // never idle for long
  }
  gateway.clock().advance(11 * hour);  // past seven days since sign-in
  CHECK(session_status() == 401);
  CHECK(browser.post("/api/v1/admin/session", {{"password", *password}}).status == 204);
}

TEST_CASE("admin: `smsgated admin-password reset` signs every admin page out") {
  std::string database;
  ApiDaemon gateway(1, [&](config::Config& config) { database = config.storage.path; });
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());
  std::vector<std::string> cookies;
  for (int i = 0; i < 2; ++i) {
    auto signed_in = browser.post("/api/v1/admin/session", {{"password", *password}});
    REQUIRE(signed_in.status == 204);
    cookies.push_back("Cookie: " + cookie_of(signed_in));
    CHECK(browser.request("GET", "/api/v1/keys", "", {cookies.back()}).status == 200);
  }

  // The command line, next to the running daemon, on the same database.
  std::string command = std::string(SMSGATE_BINARY) + " admin-password reset --db " + database;
  FILE* output = ::popen(command.c_str(), "r");
  REQUIRE(output != nullptr);
  std::string printed;
  char buffer[256];
  while (size_t got = std::fread(buffer, 1, sizeof buffer, output)) printed.append(buffer, got);
  REQUIRE(::pclose(output) == 0);
  while (!printed.empty() && printed.back() == '\n') printed.pop_back();
  std::string replaced = printed.substr(printed.rfind('\n') + 1);

  for (const std::string& cookie : cookies) {
    CHECK(browser.request("GET", "/api/v1/keys", "", {cookie}).status == 401);
    CHECK(browser.request("GET", "/api/v1/admin/session", "", {cookie}).status == 401);
  }
  CHECK(browser.post("/api/v1/admin/session", {{"password", *password}}).status == 401);
  auto again = browser.post("/api/v1/admin/session", {{"password", replaced}});
  REQUIRE(again.status == 204);
  CHECK(browser.request("GET", "/api/v1/keys", "", {"Cookie: " + cookie_of(again)}).status == 200);
}

TEST_CASE("admin: wrong passwords from one address are answered 429, for longer each time") {
  ApiDaemon gateway(1);
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());
  auto guess = [&](const std::string& tried) {
    return browser.post("/api/v1/admin/session", {{"password", tried}});
  };
  for (int i = 0; i < 5; ++i)
    CHECK(guess("guess-" + std::to_string(i)).error_code() == "wrong_password");
  auto refused = guess(*password);  // not even the right one is checked now
  CHECK(refused.status == 429);
  CHECK(refused.error_code() == "rate_limited");
  CHECK(refused.headers["retry-after"] == "60");
  CHECK(refused.headers.count("set-cookie") == 0);

  gateway.clock().advance(60 * 1000);
  for (int i = 0; i < 5; ++i) CHECK(guess("again-" + std::to_string(i)).status == 401);
  refused = guess(*password);
  CHECK(refused.status == 429);
  CHECK(refused.headers["retry-after"] == "120");  // twice as long the second time

  gateway.clock().advance(120 * 1000);
  CHECK(guess(*password).status == 204);  // and the right password forgives the address
  for (int i = 0; i < 4; ++i) CHECK(guess("later-" + std::to_string(i)).status == 401);
  CHECK(guess(*password).status == 204);
}

TEST_CASE("admin: the page's files are served from the binary, with a strict policy") {
  ApiDaemon gateway(1);
  HttpClient browser(gateway.url());
  REQUIRE(!http::web_assets().empty());
  for (const http::WebAsset& asset : http::web_assets()) {
    auto answer = browser.get("/" + std::string(asset.name));
    CHECK(answer.status == 200);
    CHECK(answer.body == asset.content);
    CHECK(answer.headers["content-security-policy"].find("default-src 'self'") !=
          std::string::npos);
    CHECK(answer.headers["x-content-type-options"] == "nosniff");
  }
  auto page = browser.get("/");
  CHECK(page.status == 200);
  CHECK(page.headers["content-type"] == "text/html; charset=utf-8");
  CHECK(page.body.find("<script type=\"module\"") != std::string::npos);
  CHECK(browser.get("/README.md").status == 404);
  CHECK(browser.get("/no-such-file.js").status == 404);
}

}  // namespace
}  // namespace smsgate::testing

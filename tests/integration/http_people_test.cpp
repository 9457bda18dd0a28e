// People, roles, durable sessions and the audit log over real HTTP: admins add,
// list and remove people and set passwords; an operator signs in with their name and
// uses the same API as a program, as far as the role allows; sessions outlive a
// restart of the daemon and end when their password changes; every admin action is in
// the audit log, which only an admin's session reads.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/admin_password.h"
#include "integration/api_harness.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

// A browser: its own cookie, signed in as `name` (the admin when empty).
class Browser {
 public:
  explicit Browser(const std::string& url) : client_(std::make_unique<HttpClient>(url)) {}

  HttpAnswer sign_in(const std::string& name, const std::string& password) {
    json body = {{"password", password}};
    if (!name.empty()) body["name"] = name;
    HttpAnswer answer = client_->post("/api/v1/admin/session", body);
    auto found = answer.headers.find("set-cookie");
    if (answer.status == 204 && found != answer.headers.end())
      cookie_ = "Cookie: " + found->second.substr(0, found->second.find(';'));
    return answer;
  }
  HttpAnswer call(const std::string& method, const std::string& path, const json& body = {}) {
    std::vector<std::string> headers;
    if (!cookie_.empty()) headers.push_back(cookie_);
    return client_->request(method, path, body.is_null() ? "" : body.dump(), headers);
  }
  void point_at(const std::string& url) { client_ = std::make_unique<HttpClient>(url); }
  const std::string& cookie() const { return cookie_; }

 private:
  std::unique_ptr<HttpClient> client_;
  std::string cookie_;
};

std::string admin_password(ApiDaemon& gateway) {
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  return *password;
}

std::vector<std::string> audit_actions(Browser& admin, const std::string& query = "") {
  HttpAnswer page = admin.call("GET", "/api/v1/audit" + query);
  REQUIRE_MESSAGE(page.status == 200, page.body);
  std::vector<std::string> actions;
  json items = page.json()["items"];
  for (const json& item : items)
    actions.push_back(item["action"].get<std::string>() + " " + item["target"].get<std::string>());
  return actions;
}

TEST_CASE(
    "people: an admin adds an operator, who signs in by name and may do what the role allows") {
  ApiDaemon gateway(1);
  std::string password = admin_password(gateway);
  Browser admin(gateway.url());
  REQUIRE(admin.sign_in("", password).status == 204);  // no name: the admin, as before
  HttpAnswer state = admin.call("GET", "/api/v1/admin/session");
  REQUIRE(state.status == 200);
  CHECK(state.json() ==
        json{{"authenticated", true}, {"user", {{"name", "admin"}, {"role", "admin"}}}});

  HttpAnswer weak = admin.call("POST", "/api/v1/users",
                               {{"name", "Olga"}, {"role", "operator"}, {"password", "short"}});
  CHECK(weak.status == 400);
  CHECK(weak.error_code() == "invalid_field");
  CHECK(weak.json()["error"]["field"] == "password");
  CHECK(admin
            .call("POST", "/api/v1/users",
                  {{"name", "Olga"}, {"role", "boss"}, {"password", "olga's password"}})
            .json()["error"]["field"] == "role");
  CHECK(admin
            .call("POST", "/api/v1/users",
                  {{"name", "a/b"}, {"role", "operator"}, {"password", "olga's password"}})
            .error_code() == "invalid_name");
  HttpAnswer added =
      admin.call("POST", "/api/v1/users",
                 {{"name", "Olga"}, {"role", "operator"}, {"password", "olga's password"}});
  REQUIRE_MESSAGE(added.status == 201, added.body);
  CHECK(added.json()["name"] == "Olga");
  CHECK(added.json()["role"] == "operator");
  HttpAnswer taken =
      admin.call("POST", "/api/v1/users",
                 {{"name", "OLGA"}, {"role", "admin"}, {"password", "another password"}});
  CHECK(taken.status == 409);
  CHECK(taken.error_code() == "name_taken");

  HttpAnswer listed = admin.call("GET", "/api/v1/users");
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json()["items"].size() == 2);
  json users = listed.json()["items"];
  for (const json& user : users) {
    CHECK(user.size() == 4);  // name, role, created_at, password_changed_at: never a hash
    CHECK(listed.body.find("argon2") == std::string::npos);
  }

  Browser olga(gateway.url());
  CHECK(olga.sign_in("olga", "admin's password?").status == 401);
  REQUIRE(olga.sign_in("olga", "olga's password").status == 204);
  CHECK(olga.call("GET", "/api/v1/admin/session").json()["user"] ==
        json{{"name", "Olga"}, {"role", "operator"}});
  // The day's work, through the same API as any program.
  HttpAnswer sent =
      olga.call("POST", "/api/v1/messages", {{"to", "+4917012345678"}, {"text", "Hallo"}});
  CHECK_MESSAGE(sent.status == 202, sent.body);
  CHECK(olga.call("GET", "/api/v1/messages").status == 200);
  CHECK(olga.call("GET", "/api/v1/inbound").status == 200);
  CHECK(olga.call("GET", "/api/v1/modems").status == 200);
  // Not an admin's business.
  for (const auto& route :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/api/v1/users"},
                                                        {"GET", "/api/v1/keys"},
                                                        {"GET", "/api/v1/audit"},
                                                        {"GET", "/api/v1/webhooks"},
                                                        {"GET", "/api/v1/optouts"},
                                                        {"DELETE", "/api/v1/users/admin"},
                                                        {"PUT", "/api/v1/users/admin/password"}}) {
    const std::string& method = route.first;
    CAPTURE(method);
    CAPTURE(route.second);
    HttpAnswer refused = olga.call(method, route.second,
                                   method == "PUT" ? json{{"password", "taken over!!"}} : json());
    CHECK(refused.status == 403);
    CHECK(refused.error_code() == "forbidden");
  }
  HttpAnswer reset = olga.call("POST", "/api/v1/modems/x/reset", json::object());
  CHECK(reset.status == 403);
  // Still the admin's password.
  Browser again(gateway.url());
  CHECK(again.sign_in("admin", password).status == 204);
}

TEST_CASE("people: a password change ends the person's other sessions; removal ends all") {
  ApiDaemon gateway(1);
  std::string password = admin_password(gateway);
  Browser admin(gateway.url());
  REQUIRE(admin.sign_in("", password).status == 204);
  REQUIRE(admin
              .call("POST", "/api/v1/users",
                    {{"name", "olga"}, {"role", "operator"}, {"password", "olga's password"}})
              .status == 201);
  Browser desk(gateway.url());
  Browser phone(gateway.url());
  REQUIRE(desk.sign_in("olga", "olga's password").status == 204);
  REQUIRE(phone.sign_in("olga", "olga's password").status == 204);

  // Her own: only with the current password, and the session that changed it stays.
  HttpAnswer without =
      desk.call("PUT", "/api/v1/users/olga/password", {{"password", "olga's new password"}});
  CHECK(without.status == 400);
  CHECK(without.json()["error"]["field"] == "current_password");
  HttpAnswer wrong =
      desk.call("PUT", "/api/v1/users/olga/password",
                {{"password", "olga's new password"}, {"current_password", "guess"}});
  CHECK(wrong.status == 400);
  CHECK(wrong.json()["error"]["field"] == "current_password");
  HttpAnswer changed =
      desk.call("PUT", "/api/v1/users/olga/password",
                {{"password", "olga's new password"}, {"current_password", "olga's password"}});
  REQUIRE_MESSAGE(changed.status == 204, changed.body);
  CHECK(desk.call("GET", "/api/v1/admin/session").status == 200);
  CHECK(phone.call("GET", "/api/v1/admin/session").status == 401);
  CHECK(phone.call("GET", "/api/v1/messages").status == 401);
  Browser later(gateway.url());
  CHECK(later.sign_in("olga", "olga's password").status == 401);
  CHECK(later.sign_in("olga", "olga's new password").status == 204);

  // An admin sets it without the old one: every one of her sessions ends.
  CHECK(admin.call("PUT", "/api/v1/users/olga/password", {{"password", "short"}})
            .json()["error"]["field"] == "password");
  CHECK(admin.call("PUT", "/api/v1/users/nobody/password", {{"password", "a long password"}})
            .status == 404);
  REQUIRE(
      admin.call("PUT", "/api/v1/users/Olga/password", {{"password", "set by the admin"}}).status ==
      204);
  CHECK(desk.call("GET", "/api/v1/admin/session").status == 401);
  CHECK(later.call("GET", "/api/v1/admin/session").status == 401);
  CHECK(admin.call("GET", "/api/v1/admin/session").status == 200);

  // The last admin stays; olga goes, and her session with her.
  REQUIRE(desk.sign_in("olga", "set by the admin").status == 204);
  HttpAnswer last = admin.call("DELETE", "/api/v1/users/admin");
  CHECK(last.status == 409);
  CHECK(last.error_code() == "last_admin");
  CHECK(last.json()["error"]["message"].get<std::string>().find("last admin") != std::string::npos);
  CHECK(admin.call("DELETE", "/api/v1/users/olga").status == 204);
  CHECK(admin.call("DELETE", "/api/v1/users/olga").status == 404);
  CHECK(desk.call("GET", "/api/v1/messages").status == 401);
}

TEST_CASE("people: a session outlives a restart of the daemon") {
  ApiDaemon gateway(1);
  std::string password = admin_password(gateway);
  Browser admin(gateway.url());
  REQUIRE(admin.sign_in("", password).status == 204);
  REQUIRE(admin.call("GET", "/api/v1/keys").status == 200);
  Browser signed_out(gateway.url());
  REQUIRE(signed_out.sign_in("", password).status == 204);
  REQUIRE(signed_out.call("DELETE", "/api/v1/admin/session").status == 204);

  gateway.restart();
  admin.point_at(gateway.url());
  HttpAnswer state = admin.call("GET", "/api/v1/admin/session");
  CHECK_MESSAGE(state.status == 200, state.body);
  CHECK(state.json()["user"]["name"] == "admin");
  CHECK(admin.call("GET", "/api/v1/keys").status == 200);
  // Signed out before the restart stays signed out.
  signed_out.point_at(gateway.url());
  CHECK(signed_out.call("GET", "/api/v1/admin/session").status == 401);
}

TEST_CASE("audit: admin actions are logged without secrets; only an admin's session reads them") {
  ApiDaemon gateway(1);
  std::string password = admin_password(gateway);
  Browser admin(gateway.url());
  REQUIRE(admin.sign_in("", password).status == 204);

  HttpAnswer key = admin.call("POST", "/api/v1/keys", {{"name", "shop"}});
  REQUIRE(key.status == 201);
  std::string secret_key = key.json()["key"];
  int64_t key_id = key.json()["id"];
  REQUIRE(admin.call("DELETE", "/api/v1/keys/" + std::to_string(key_id)).status == 204);
  REQUIRE(admin
              .call("POST", "/api/v1/users",
                    {{"name", "olga"}, {"role", "operator"}, {"password", "olga's password"}})
              .status == 201);
  REQUIRE(admin.call("PUT", "/api/v1/users/olga/password", {{"password", "olga's new password"}})
              .status == 204);
  REQUIRE(admin.call("DELETE", "/api/v1/users/olga").status == 204);
  Browser guesser(gateway.url());
  for (int i = 0; i < 3; ++i)
    CHECK(guesser.sign_in("admin", "guess " + std::to_string(i)).status == 401);

  std::vector<std::string> actions = audit_actions(admin);
  std::string key_target = "key " + std::to_string(key_id);
  CHECK(actions == std::vector<std::string>{"session.sign_in_refused admin", "user.remove olga",
                                            "user.password olga", "user.add olga",
                                            "key.revoke " + key_target, "key.create " + key_target,
                                            "session.sign_in admin", "admin_password.reset admin"});
  HttpAnswer page = admin.call("GET", "/api/v1/audit");
  json logged_items = page.json()["items"];
  const json& newest = logged_items[0];
  CHECK(newest["count"] == 3);
  CHECK(newest["client"] == "127.0.0.1");
  const json& removal = logged_items[1];
  CHECK(removal["actor"] == "admin");
  CHECK(removal["client"] == "127.0.0.1");
  for (const std::string& secret :
       {secret_key, password, std::string("olga's password"), std::string("olga's new password")})
    CHECK(page.body.find(secret) == std::string::npos);

  // Paged newest first, filtered by action and actor.
  HttpAnswer first = admin.call("GET", "/api/v1/audit?limit=3");
  REQUIRE(first.json()["items"].size() == 3);
  REQUIRE(first.json().contains("next_cursor"));
  HttpAnswer second = admin.call(
      "GET", "/api/v1/audit?limit=3&cursor=" + first.json()["next_cursor"].get<std::string>());
  REQUIRE(second.json()["items"].size() == 3);
  CHECK(second.json()["items"][0]["action"] == "user.add");
  CHECK(audit_actions(admin, "?action=key.create") ==
        std::vector<std::string>{"key.create " + key_target});
  CHECK(audit_actions(admin, "?actor=command%20line") ==
        std::vector<std::string>{"admin_password.reset admin"});
  CHECK(admin.call("GET", "/api/v1/audit?cursor=zzz").error_code() == "invalid_cursor");

  // What programs change with their keys is there too, under the key's name.
  HttpClient program = gateway.client();
  HttpAnswer hook = program.post("/api/v1/webhooks", {{"url", "http://127.0.0.1:9/hook"},
                                                      {"secret", "a secret of some length"}});
  REQUIRE(hook.status == 201);
  std::string hook_id = std::to_string(hook.json()["id"].get<int64_t>());
  REQUIRE(program.del("/api/v1/webhooks/" + hook_id).status == 200);
  REQUIRE(program.post("/api/v1/optouts", {{"number", "+4917012345678"}}).status == 201);
  REQUIRE(program.del("/api/v1/optouts/%2B4917012345678").status == 200);
  REQUIRE(program.del("/api/v1/numbers/%2B4917012345679").status == 200);
  std::string modem = gateway.daemon().pool().modems().front();
  REQUIRE(program.post("/api/v1/modems/" + modem + "/disable", json::object()).status == 200);
  REQUIRE(program.post("/api/v1/modems/" + modem + "/enable", json::object()).status == 200);
  CHECK(program.post("/api/v1/modems/nonesuch/disable", json::object()).status == 404);
  CHECK(audit_actions(admin, "?actor=tests&limit=7") ==
        std::vector<std::string>{"modem.enable " + modem, "modem.disable " + modem,
                                 "number.erase +4917012345679", "optout.remove +4917012345678",
                                 "optout.add +4917012345678", "webhook.delete " + hook_id,
                                 "webhook.create " + hook_id});
  HttpAnswer logged = admin.call("GET", "/api/v1/audit?actor=tests");
  CHECK(logged.body.find("a secret of some length") == std::string::npos);
  CHECK(logged.json()["items"][0]["client"] == "127.0.0.1");

  // Never through an API key, whatever its scopes.
  CHECK(gateway.client().get("/api/v1/audit").status == 401);
  CHECK(gateway.client().get("/api/v1/users").status == 401);
}

}  // namespace
}  // namespace smsgate::testing

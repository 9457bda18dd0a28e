// /api/v1/templates over real HTTP against the daemon with simulated modems: templates
// added, replaced and removed; sends and previews that name one get its text filled
// in, dates and times in the template's language and the gateway's time zone; a
// missing variable, an unknown template or a broken one is refused and nothing is sent.
#include <doctest/doctest.h>

#include <string>

#include "integration/api_harness.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kPatient = "+6281234567890";

// Dates and times are written in Jakarta's time.
struct JakartaGateway : ApiTest {
  JakartaGateway()
      : ApiTest([](config::Config& config) { config.sending.timezone = "Asia/Jakarta"; }) {}
};

json add(HttpClient& client, const json& body) {
  auto added = client.post("/api/v1/templates", body);
  REQUIRE_MESSAGE(added.status == 201, added.body);
  return added.json();
}

// The text the gateway stored for a send by template.
std::string sent_text(HttpClient& client, const json& send) {
  int64_t id = submit_accepted(client, send);
  return client.get("/api/v1/messages/" + std::to_string(id)).json()["text"].get<std::string>();
}

}  // namespace

TEST_CASE_FIXTURE(
    JakartaGateway,
    "templates: every kind of placeholder in three languages, as the patient gets it") {
  const std::string text =
      "{name}: {weekday} {date} {time}, {{room}} {room}; follow-up {next:weekday} {next:date}";
  json english = add(client, {{"name", "visit-en"}, {"text", text}, {"category", "reminder"}});
  CHECK(english["variables"] == json::array({"name", "at", "room", "next"}));
  CHECK(english["category"] == "reminder");
  CHECK(english["language"].is_null());
  add(client, {{"name", "visit-de"}, {"text", text}, {"language", "de"}});
  add(client, {{"name", "visit-id"}, {"text", text}, {"language", "id"}});

  // 03:15 UTC is 10:15 in Jakarta; the follow-up's 17:30 UTC is already the next day there.
  const json variables = {{"name", "Anna"},
                          {"at", "2026-12-07T03:15:00Z"},
                          {"room", 3},
                          {"next", "2026-12-13T17:30:00Z"}};
  auto send = [&](const char* name) {
    return sent_text(client, {{"to", kPatient}, {"template", name}, {"variables", variables}});
  };
  CHECK(
      send("visit-en") ==
      "Anna: Monday December 7, 2026 10:15\u202fAM, {room} 3; follow-up Monday December 14, 2026");
  CHECK(send("visit-de") ==
        "Anna: Montag 7. Dezember 2026 10:15, {room} 3; follow-up Montag 14. Dezember 2026");
  CHECK(send("visit-id") ==
        "Anna: Senin 7 Desember 2026 10.15, {room} 3; follow-up Senin 14 Desember 2026");

  // The template's category unless the send gives one.
  auto listed = client.get("/api/v1/messages").json()["items"];
  REQUIRE(listed.size() == 3);
  CHECK(listed[2]["category"] == "reminder");
  CHECK(listed[1]["category"] == "transactional");
  auto feedback = client.post("/api/v1/messages", {{"to", kPatient},
                                                   {"template", "visit-en"},
                                                   {"variables", variables},
                                                   {"category", "feedback"}});
  REQUIRE(feedback.status == 202);
  CHECK(client.get("/api/v1/messages/" + std::to_string(feedback.json()["id"].get<int64_t>()))
            .json()["category"] == "feedback");

  // A batch renders each item with its own variables.
  const json two = {
      {"messages",
       json::array({{{"to", kPatient}, {"template", "short"}, {"variables", {{"name", "Anna"}}}},
                    {{"to", "+6281234567891"},
                     {"template", "short"},
                     {"variables", {{"name", "Budi"}}}}})}};
  auto batch = client.post("/api/v1/messages/batch", two);
  CHECK(batch.status == 400);  // no template "short" yet
  CHECK(batch.error_field() == "messages[0].template");
  add(client, {{"name", "short"}, {"text", "Halo {name}"}});
  batch = client.post("/api/v1/messages/batch", two);
  REQUIRE_MESSAGE(batch.status == 202, batch.body);
  auto first = batch.json()["items"][0]["id"].get<int64_t>();
  auto second = batch.json()["items"][1]["id"].get<int64_t>();
  CHECK(client.get("/api/v1/messages/" + std::to_string(first)).json()["text"] == "Halo Anna");
  CHECK(client.get("/api/v1/messages/" + std::to_string(second)).json()["text"] == "Halo Budi");
  REQUIRE(gateway.wait_status(client, second, "sent"));
}

TEST_CASE_FIXTURE(JakartaGateway,
                  "templates: the preview renders, so its parts are the real ones") {
  add(client, {{"name", "long"}, {"text", "{body} {date}"}});
  const std::string body(150, 'x');
  auto preview = client.post(
      "/api/v1/messages/preview",
      {{"template", "long"}, {"variables", {{"body", body}, {"at", "2026-12-07T03:15:00Z"}}}});
  REQUIRE_MESSAGE(preview.status == 200, preview.body);
  CHECK(preview.json()["text"] == body + " December 7, 2026");
  CHECK(preview.json()["parts"] == 2);
  auto missing = client.post("/api/v1/messages/preview", {{"template", "long"}});
  CHECK(missing.status == 400);
  CHECK(missing.error_code() == "missing_field");
  CHECK(missing.error_field() == "variables.body");
  CHECK(client.post("/api/v1/messages/preview", {{"text", "plain"}}).json().count("text") == 0);
}

TEST_CASE_FIXTURE(JakartaGateway,
                  "templates: what is wrong is refused with its field, and nothing is sent") {
  add(client, {{"name", "greeting"}, {"text", "Dear {name}, see you {date}"}});
  const std::vector<Refusal> sends = {
      {{{"to", kPatient},
        {"template", "greeting"},
        {"variables", {{"at", "2026-12-07T03:15:00Z"}}}},
       400,
       "missing_field",
       "variables.name"},
      {{{"to", kPatient}, {"template", "greeting"}, {"variables", {{"name", "Anna"}}}},
       400,
       "missing_field",
       "variables.at"},
      {{{"to", kPatient},
        {"template", "greeting"},
        {"variables", {{"name", "Anna"}, {"at", "next Monday"}}}},
       400,
       "invalid_field",
       "variables.at"},
      {{{"to", kPatient}, {"template", "nope"}, {"variables", {{"name", "Anna"}}}},
       400,
       "invalid_field",
       "template"},
      {{{"to", kPatient}, {"template", "greeting"}, {"text", "both"}},
       400,
       "invalid_field",
       "template"},
      {{{"to", kPatient}, {"text", "plain"}, {"variables", {{"name", "Anna"}}}},
       400,
       "invalid_field",
       "variables"},
      {{{"to", kPatient}, {"template", "greeting"}, {"variables", {{"name", json::object()}}}},
       400,
       "invalid_field",
       "variables.name"},
      {{{"to", kPatient}, {"template", "greeting"}, {"variables", {{"first name", "Anna"}}}},
       400,
       "invalid_field",
       "variables.first name"},
      {{{"to", kPatient}}, 400, "missing_field", "text"},
  };
  check_refusals(client, "/api/v1/messages", sends);
  CHECK(client.get("/api/v1/messages").json()["items"].empty());

  const std::vector<Refusal> templates = {
      {{{"name", "broken"}, {"text", "Dear {name"}}, 400, "invalid_field", "text"},
      {{{"name", "broken"}, {"text", "Dear {first name}"}}, 400, "invalid_field", "text"},
      {{{"name", "broken"}, {"text", "On {at:month}"}}, 400, "invalid_field", "text"},
      {{{"name", "broken"}, {"text", ""}}, 400, "invalid_text", "text"},
      {{{"name", "Broken Name"}, {"text", "x"}}, 400, "invalid_field", "name"},
      {{{"name", "broken"}, {"text", "x"}, {"language", "klingonish"}},
       400,
       "invalid_field",
       "language"},
      {{{"name", "broken"}, {"text", "x"}, {"category", "otp"}}, 400, "invalid_field", "category"},
      {{{"name", "broken"}, {"text", "x"}, {"colour", "red"}}, 400, "unknown_field", "colour"},
      {{{"name", "greeting"}, {"text", "again"}}, 409, "name_taken", "name"},
  };
  check_refusals(client, "/api/v1/templates", templates);
  auto kept = client.get("/api/v1/templates").json()["items"];
  REQUIRE(kept.size() == 1);
  CHECK(kept[0]["text"] == "Dear {name}, see you {date}");
}

TEST_CASE_FIXTURE(JakartaGateway,
                  "templates: replaced and removed; reading needs send, changing needs templates") {
  json added = add(client, {{"name", "greeting"}, {"text", "Hi {name}"}});
  auto replaced = client.request("PUT", "/api/v1/templates/greeting",
                                 json{{"text", "Hello {name}"}, {"language", "en"}}.dump());
  REQUIRE_MESSAGE(replaced.status == 200, replaced.body);
  CHECK(replaced.json()["created_at"] == added["created_at"]);
  CHECK(replaced.json()["language"] == "en");
  CHECK(client.get("/api/v1/templates/greeting").json()["text"] == "Hello {name}");
  auto created =
      client.request("PUT", "/api/v1/templates/farewell", json{{"text", "Bye {name}"}}.dump());
  CHECK(created.status == 201);
  CHECK(sent_text(client, {{"to", kPatient},
                           {"template", "greeting"},
                           {"variables", {{"name", "Anna"}}}}) == "Hello Anna");

  std::string sender =
      gateway.daemon().api_keys().create("shop", {auth::Scope::kSend}, gateway.clock().now())->key;
  HttpClient shop(gateway.url(), sender);
  CHECK(shop.get("/api/v1/templates").json()["items"].size() == 2);
  CHECK(shop.get("/api/v1/templates/farewell").status == 200);
  auto refused = shop.post("/api/v1/templates", {{"name", "mine"}, {"text", "x"}});
  CHECK(refused.status == 403);
  CHECK(refused.json()["error"]["scope"] == "templates");
  CHECK(shop.del("/api/v1/templates/greeting").status == 403);

  CHECK(client.del("/api/v1/templates/greeting").status == 204);
  CHECK(client.del("/api/v1/templates/greeting").status == 404);
  CHECK(client.get("/api/v1/templates/greeting").status == 404);
  auto gone =
      client.post("/api/v1/messages",
                  {{"to", kPatient}, {"template", "greeting"}, {"variables", {{"name", "Anna"}}}});
  CHECK(gone.status == 400);
  CHECK(gone.error_field() == "template");

  // Each change is in the audit log.
  const std::vector<std::string> actions = audited_actions(gateway);
  for (const char* done : {"template.add greeting", "template.put greeting",
                           "template.put farewell", "template.remove greeting"}) {
    CAPTURE(done);
    CHECK(std::find(actions.begin(), actions.end(), done) != actions.end());
  }
}

}  // namespace smsgate::testing

// /api/v1/contacts and /api/v1/groups over real HTTP against the daemon with simulated
// modems: contacts added, found, paged, replaced and removed; groups made, counted and
// removed; a CSV file imported with its refused rows reported exactly, and exported so
// that importing it again changes nothing; a send to a group reaching each member with
// their own name, skipping who opted out; refusals that send nothing; erasure taking
// the contact with the number.
#include <doctest/doctest.h>

#include <string>

#include "auth/admin_password.h"
#include "integration/api_harness.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kAnna = "+4917012345601";
constexpr const char* kBudi = "+4917012345602";
constexpr const char* kCara = "+4917012345603";

json add_contact(HttpClient& client, const json& body) {
  auto added = client.post("/api/v1/contacts", body);
  REQUIRE_MESSAGE(added.status == 201, added.body);
  return added.json();
}

HttpAnswer put(HttpClient& client, const std::string& path, const json& body) {
  return client.request("PUT", path, body.dump());
}

HttpAnswer import_csv(HttpClient& client, const std::string& csv) {
  return client.request("POST", "/api/v1/contacts/import", csv, {"Content-Type: text/csv"});
}

std::string contact_path(const json& contact) {
  return "/api/v1/contacts/" + std::to_string(contact["id"].get<int64_t>());
}

std::string text_of(HttpClient& client, int64_t id) {
  return client.get("/api/v1/messages/" + std::to_string(id)).json()["text"].get<std::string>();
}

size_t message_count(HttpClient& client) {
  return client.get("/api/v1/messages").json()["items"].size();
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE_FIXTURE(ApiTest, "contacts: added, found, paged and filtered, replaced and removed") {
  json anna = add_contact(client, {{"number", "+49 170 1234 5601"},
                                   {"name", "Anna Schmidt"},
                                   {"language", "de"},
                                   {"fields", {{"room", "3"}, {"doctor", "Dr. Weber"}}},
                                   {"groups", {"monday", "diabetes", "monday"}}});
  CHECK(anna["number"] == kAnna);
  CHECK(anna["name"] == "Anna Schmidt");
  CHECK(anna["language"] == "de");
  CHECK(anna["fields"] == json{{"doctor", "Dr. Weber"}, {"room", "3"}});
  CHECK(anna["groups"] == json::array({"diabetes", "monday"}));
  json budi = add_contact(client, {{"number", kBudi}, {"name", "Budi"}, {"groups", {"monday"}}});
  CHECK(budi["language"].is_null());
  CHECK(budi["fields"] == json::object());
  json cara = add_contact(client, {{"number", kCara}, {"name", "Cara Weber"}});

  auto found = client.get(contact_path(anna));
  REQUIRE(found.status == 200);
  CHECK(found.json() == anna);

  // Newest first, two at a time.
  auto first = client.get("/api/v1/contacts?limit=2").json();
  REQUIRE(first["items"].size() == 2);
  CHECK(first["items"][0]["name"] == "Cara Weber");
  CHECK(first["items"][1]["name"] == "Budi");
  auto rest =
      client.get("/api/v1/contacts?limit=2&cursor=" + first["next_cursor"].get<std::string>())
          .json();
  REQUIRE(rest["items"].size() == 1);
  CHECK(rest["items"][0]["name"] == "Anna Schmidt");
  CHECK(rest.count("next_cursor") == 0);
  CHECK(client.get("/api/v1/contacts?cursor=banana").error_code() == "invalid_cursor");

  auto names = [&](const std::string& query) {
    std::vector<std::string> listed;
    const json items = client.get("/api/v1/contacts?" + query).json()["items"];
    for (const json& item : items) listed.push_back(item["name"].get<std::string>());
    return listed;
  };
  CHECK(names("group=monday") == std::vector<std::string>{"Budi", "Anna Schmidt"});
  CHECK(names("group=nobody").empty());
  CHECK(names("q=weber") == std::vector<std::string>{"Cara Weber"});
  CHECK(names("q=12345602") == std::vector<std::string>{"Budi"});
  CHECK(names("q=0170%201234%205601") == std::vector<std::string>{"Anna Schmidt"});
  CHECK(names("q=%25").empty());  // % is a character, not a wildcard
  CHECK(names("group=monday&q=anna") == std::vector<std::string>{"Anna Schmidt"});

  // PUT replaces the whole contact; created_at stays.
  auto replaced = put(client, contact_path(budi),
                      {{"number", kBudi},
                       {"name", "Budi Santoso"},
                       {"language", "id"},
                       {"fields", {{"room", "4"}}},
                       {"groups", {"tuesday"}}});
  REQUIRE_MESSAGE(replaced.status == 200, replaced.body);
  CHECK(replaced.json()["name"] == "Budi Santoso");
  CHECK(replaced.json()["groups"] == json::array({"tuesday"}));
  CHECK(replaced.json()["created_at"] == budi["created_at"]);
  CHECK(names("group=monday") == std::vector<std::string>{"Anna Schmidt"});

  auto taken = put(client, contact_path(budi), {{"number", kAnna}, {"name", "Budi"}});
  CHECK(taken.status == 409);
  CHECK(taken.error_code() == "number_taken");
  CHECK(taken.error_field() == "number");
  CHECK(put(client, "/api/v1/contacts/999", {{"number", kAnna}, {"name", "X"}}).status == 404);
  CHECK(client.get("/api/v1/contacts/999").status == 404);
  CHECK(client.get("/api/v1/contacts/abc").status == 404);

  CHECK(client.del(contact_path(cara)).status == 204);
  CHECK(client.del(contact_path(cara)).status == 404);
  CHECK(client.get(contact_path(cara)).status == 404);
  CHECK(names("") == std::vector<std::string>{"Budi Santoso", "Anna Schmidt"});
}

TEST_CASE_FIXTURE(ApiTest,
                  "contacts: what is wrong is refused with its field, and nothing changes") {
  add_contact(client, {{"number", kAnna}, {"name", "Anna"}});
  const std::vector<Refusal> cases = {
      {{{"number", "+49 170 banana"}, {"name", "X"}}, 400, "invalid_number", "number"},
      {{{"name", "X"}}, 400, "missing_field", "number"},
      {{{"number", kBudi}}, 400, "missing_field", "name"},
      {{{"number", kBudi}, {"name", ""}}, 400, "invalid_field", "name"},
      {{{"number", kBudi}, {"name", "X"}, {"language", "klingonish"}},
       400,
       "invalid_field",
       "language"},
      {{{"number", kBudi}, {"name", "X"}, {"fields", {{"first name", "X"}}}},
       400,
       "invalid_field",
       "fields.first name"},
      {{{"number", kBudi}, {"name", "X"}, {"fields", {{"name", "X"}}}},
       400,
       "invalid_field",
       "fields.name"},
      {{{"number", kBudi}, {"name", "X"}, {"fields", {{"room", 3}}}},
       400,
       "invalid_field",
       "fields.room"},
      {{{"number", kBudi}, {"name", "X"}, {"fields", {{"room", std::string(1001, 'x')}}}},
       400,
       "invalid_field",
       "fields.room"},
      {{{"number", kBudi}, {"name", "X"}, {"groups", {"Monday Patients"}}},
       400,
       "invalid_field",
       "groups[0]"},
      {{{"number", kBudi}, {"name", "X"}, {"colour", "red"}}, 400, "unknown_field", "colour"},
      {{{"number", "+49 170 1234 5601"}, {"name", "Anna again"}}, 409, "number_taken", "number"},
  };
  check_refusals(client, "/api/v1/contacts", cases);
  auto kept = client.get("/api/v1/contacts").json()["items"];
  REQUIRE(kept.size() == 1);
  CHECK(kept[0]["name"] == "Anna");
  CHECK(client.get("/api/v1/groups").json()["items"].empty());
}

TEST_CASE_FIXTURE(ApiTest, "groups: made when named, counted, removed without their members") {
  auto made = client.post("/api/v1/groups",
                          {{"name", "monday-patients"}, {"description", "Seen on Mondays"}});
  REQUIRE_MESSAGE(made.status == 201, made.body);
  CHECK(made.json()["members"] == 0);
  CHECK(client.post("/api/v1/groups", {{"name", "monday-patients"}}).error_code() == "name_taken");
  CHECK(client.post("/api/v1/groups", {{"name", "Monday"}}).error_field() == "name");
  json anna =
      add_contact(client, {{"number", kAnna}, {"name", "Anna"}, {"groups", {"monday-patients"}}});
  add_contact(client,
              {{"number", kBudi}, {"name", "Budi"}, {"groups", {"monday-patients", "new"}}});

  auto groups = client.get("/api/v1/groups").json()["items"];
  REQUIRE(groups.size() == 2);
  CHECK(groups[0]["name"] == "monday-patients");
  CHECK(groups[0]["members"] == 2);
  CHECK(groups[0]["description"] == "Seen on Mondays");
  CHECK(groups[1]["name"] == "new");
  CHECK(groups[1]["members"] == 1);
  CHECK(groups[1]["description"].is_null());

  CHECK(client.del("/api/v1/groups/monday-patients").status == 204);
  CHECK(client.del("/api/v1/groups/monday-patients").status == 404);
  CHECK(client.get(contact_path(anna)).json()["groups"] == json::array());
  CHECK(client.get("/api/v1/contacts").json()["items"].size() == 2);
  groups = client.get("/api/v1/groups").json()["items"];
  REQUIRE(groups.size() == 1);
  CHECK(groups[0]["name"] == "new");
}

TEST_CASE_FIXTURE(
    ApiTest, "contacts: reading needs send, changing needs contacts; operators may; all audited") {
  json anna = add_contact(client, {{"number", kAnna}, {"name", "Anna"}, {"groups", {"monday"}}});
  std::string sender =
      gateway.daemon().api_keys().create("shop", {auth::Scope::kSend}, gateway.clock().now())->key;
  HttpClient shop(gateway.url(), sender);
  CHECK(shop.get("/api/v1/contacts").json()["items"].size() == 1);
  CHECK(shop.get(contact_path(anna)).status == 200);
  CHECK(shop.get("/api/v1/groups").status == 200);
  CHECK(shop.get("/api/v1/contacts/export").status == 200);
  auto refused = shop.post("/api/v1/contacts", {{"number", kBudi}, {"name", "Budi"}});
  CHECK(refused.status == 403);
  CHECK(refused.json()["error"]["scope"] == "contacts");
  CHECK(shop.del(contact_path(anna)).status == 403);
  CHECK(shop.post("/api/v1/groups", {{"name", "x"}}).status == 403);
  CHECK(import_csv(shop, "number,name\n" + std::string(kBudi) + ",Budi\n").status == 403);
  std::string reader =
      gateway.daemon().api_keys().create("crm", {auth::Scope::kRead}, gateway.clock().now())->key;
  CHECK(HttpClient(gateway.url(), reader).get("/api/v1/contacts").status == 403);

  // A front-desk operator keeps the book from the console.
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());
  std::string admin = session_cookie(gateway.url(), *password);
  auto olga = browser.request(
      "POST", "/api/v1/users",
      json{{"name", "Olga"}, {"role", "operator"}, {"password", "olga's password"}}.dump(),
      {admin});
  REQUIRE_MESSAGE(olga.status == 201, olga.body);
  std::string desk = session_cookie(gateway.url(), "olga's password", "Olga");
  auto by_desk = browser.request("POST", "/api/v1/contacts",
                                 json{{"number", kBudi}, {"name", "Budi"}}.dump(), {desk});
  CHECK_MESSAGE(by_desk.status == 201, by_desk.body);
  auto csv_by_desk = browser.request("POST", "/api/v1/contacts/import",
                                     "number,name\n" + std::string(kCara) + ",Cara\n",
                                     {desk, "Content-Type: text/csv"});
  CHECK_MESSAGE(csv_by_desk.status == 200, csv_by_desk.body);
  auto form = browser.request("POST", "/api/v1/contacts", "number=1",
                              {desk, "Content-Type: application/x-www-form-urlencoded"});
  CHECK(form.status == 415);

  REQUIRE(put(client, contact_path(anna), {{"number", kAnna}, {"name", "Anna S"}}).status == 200);
  REQUIRE(client.post("/api/v1/groups", {{"name", "tuesday"}}).status == 201);
  REQUIRE(client.del("/api/v1/groups/tuesday").status == 204);
  REQUIRE(client.del(contact_path(anna)).status == 204);
  auto actions = audited_actions(gateway);
  std::string id = std::to_string(anna["id"].get<int64_t>());
  for (const std::string& done : std::vector<std::string>{
           "contact.add " + std::string(kAnna), "contact.add " + std::string(kBudi),
           "contact.import ", "contact.put " + id, "group.add tuesday", "group.remove tuesday",
           "contact.remove " + id}) {
    CAPTURE(done);
    CHECK(contains(actions, done));
  }
}

TEST_CASE_FIXTURE(
    ApiTest,
    "contacts: a CSV import reports each refused row exactly; the export imports unchanged") {
  add_contact(client, {{"number", kCara},
                       {"name", "Cara"},
                       {"language", "en"},
                       {"fields", {{"doctor", "Dr. Weber"}}},
                       {"groups", {"old"}}});
  const std::string csv =
      "\xEF\xBB\xBFnumber,name,language,groups,room\r\n"                            // row 1
      "+49 170 1234 5601,Anna Schmidt,de,monday;diabetes,3\r\n"                     // 2
      "+49 170 banana,Bad Number,,,\r\n"                                            // 3
      "+4917012345601,Anna Twice,,,\r\n"                                            // 4
      ",No Number,,,\r\n"                                                           // 5
      "+4917012345602,\"Santoso, Budi\",id,monday,\"Room 4,\r\nsecond floor\"\r\n"  // 6
      "+4917012345604,Dee,klingonish,,\r\n"                                         // 7
      "+4917012345605,Eve,,,\"" +
      std::string(1001, 'x') +
      "\"\r\n"                                             // 8
      "+4917012345606,Fay,,\r\n"                           // 9
      "+4917012345607,Gus,,Bad Group,\r\n"                 // 10
      "+4917012345603,Cara Weber,,monday ; tuesday,\r\n";  // 11: updates Cara
  auto imported = import_csv(client, csv);
  REQUIRE_MESSAGE(imported.status == 200, imported.body);
  const json expected = {
      {"taken", 3},
      {"updated", 1},
      {"refused",
       {{{"row", 3},
         {"reason", "number: '+49 170 banana' is not a phone number: letters are not accepted"}},
        {{"row", 4}, {"reason", "number: +4917012345601 is in row 2 already"}},
        {{"row", 5}, {"reason", "number: missing"}},
        {{"row", 7}, {"reason", "language: \"klingonish\" is no language tag ICU knows"}},
        {{"row", 8}, {"reason", "room: is longer than 1000 bytes"}},
        {{"row", 9}, {"reason", "it has 4 cells, the header has 5"}},
        {{"row", 10},
         {"reason",
          "groups: \"Bad Group\" must be 1 to 64 lower-case letters, digits, - and _, starting "
          "with a letter or digit"}}}}};
  CHECK(imported.json() == expected);

  auto listed = client.get("/api/v1/contacts?group=monday").json()["items"];
  REQUIRE(listed.size() == 3);
  // Cara's doctor field stays (the file has no such column), her language is cleared.
  CHECK(listed[0]["number"] == kBudi);
  CHECK(listed[0]["name"] == "Santoso, Budi");
  CHECK(listed[0]["fields"] == json{{"room", "Room 4,\r\nsecond floor"}});
  CHECK(listed[1]["number"] == kAnna);
  CHECK(listed[1]["groups"] == json::array({"diabetes", "monday"}));
  CHECK(listed[2]["number"] == kCara);
  CHECK(listed[2]["name"] == "Cara Weber");
  CHECK(listed[2]["language"].is_null());
  CHECK(listed[2]["groups"] == json::array({"monday", "tuesday"}));
  CHECK(listed[2]["fields"] == json{{"doctor", "Dr. Weber"}});

  auto exported = client.get("/api/v1/contacts/export");
  REQUIRE(exported.status == 200);
  CHECK(exported.headers["content-type"].starts_with("text/csv"));
  const std::string expected_csv =
      "number,name,language,groups,doctor,room\r\n"
      "+4917012345603,Cara Weber,,monday;tuesday,Dr. Weber,\r\n"
      "+4917012345601,Anna Schmidt,de,diabetes;monday,,3\r\n"
      "+4917012345602,\"Santoso, Budi\",id,monday,,\"Room 4,\r\nsecond floor\"\r\n";
  CHECK(exported.body == expected_csv);
  auto again = import_csv(client, exported.body);
  REQUIRE(again.status == 200);
  CHECK(again.json() == json{{"taken", 3}, {"updated", 3}, {"refused", json::array()}});
  CHECK(client.get("/api/v1/contacts/export").body == expected_csv);

  // Faults of the whole file change nothing.
  auto no_number = import_csv(client, "name,room\nAnna,3\n");
  CHECK(no_number.status == 400);
  CHECK(no_number.error_code() == "missing_field");
  auto bad_column = import_csv(client, "number,name,first name\n+4917012345609,X,Y\n");
  CHECK(bad_column.status == 400);
  CHECK(bad_column.error_field() == "csv");
  auto unclosed = import_csv(client, "number,name\n+4917012345609,\"X\n");
  CHECK(unclosed.status == 400);
  CHECK(unclosed.json()["error"]["message"] == "csv: line 2: a quoted cell is never closed");
  auto as_json = client.post("/api/v1/contacts/import", {{"number", kAnna}});
  CHECK(as_json.status == 415);
  auto too_large = import_csv(client, "number,name\n" + std::string(2 << 20, 'x'));
  CHECK(too_large.status == 413);
  CHECK(client.get("/api/v1/contacts/export").body == expected_csv);
}

TEST_CASE("groups: a send reaches each member with their own name; who opted out is skipped") {
  ApiDaemon gateway(2);
  HttpClient client = gateway.client();
  REQUIRE(client
              .post("/api/v1/templates", {{"name", "visit"},
                                          {"language", "de"},
                                          {"text", "Hallo {name}, Raum {room} in der {clinic}."}})
              .status == 201);
  add_contact(client, {{"number", kAnna},
                       {"name", "Anna"},
                       {"fields", {{"room", "3"}}},
                       {"groups", {"monday-patients"}}});
  add_contact(client, {{"number", kBudi}, {"name", "Budi"}, {"groups", {"monday-patients"}}});
  add_contact(client, {{"number", kCara},
                       {"name", "Cara"},
                       {"fields", {{"room", "5"}}},
                       {"groups", {"monday-patients"}}});
  REQUIRE(client.post("/api/v1/optouts", {{"number", kCara}}).status == 201);

  // Budi has no room: the whole send is refused, naming the variable and his number.
  auto missing = client.post("/api/v1/messages", {{"group", "monday-patients"},
                                                  {"template", "visit"},
                                                  {"variables", {{"clinic", "Praxis Nord"}}}});
  CHECK(missing.status == 400);
  CHECK(missing.error_code() == "missing_field");
  CHECK(missing.error_field() == "variables.room");
  CHECK(missing.json()["error"]["message"].get<std::string>().find(kBudi) != std::string::npos);
  CHECK(message_count(client) == 0);

  // The request's variables are defaults; a member's own fields win.
  auto sent = client.post("/api/v1/messages",
                          {{"group", "monday-patients"},
                           {"template", "visit"},
                           {"variables", {{"clinic", "Praxis Nord"}, {"room", "Empfang"}}}});
  REQUIRE_MESSAGE(sent.status == 202, sent.body);
  const json answer = sent.json();
  CHECK(answer["group"] == "monday-patients");
  CHECK(answer["skipped_opted_out"] == 1);
  REQUIRE(answer["messages"].size() == 2);
  CHECK(answer["messages"][0]["to"] == kAnna);
  CHECK(answer["messages"][1]["to"] == kBudi);
  int64_t to_anna = answer["messages"][0]["id"].get<int64_t>();
  int64_t to_budi = answer["messages"][1]["id"].get<int64_t>();
  CHECK(text_of(client, to_anna) == "Hallo Anna, Raum 3 in der Praxis Nord.");
  CHECK(text_of(client, to_budi) == "Hallo Budi, Raum Empfang in der Praxis Nord.");
  CHECK(message_count(client) == 2);
  REQUIRE(gateway.wait_status(client, to_budi, "sent"));

  // A plain text goes to every member as it is.
  auto plain =
      client.post("/api/v1/messages", {{"group", "monday-patients"}, {"text", "Closed today."}});
  REQUIRE_MESSAGE(plain.status == 202, plain.body);
  CHECK(plain.json()["messages"].size() == 2);
  CHECK(text_of(client, plain.json()["messages"][1]["id"].get<int64_t>()) == "Closed today.");

  // A single send to a contact's number takes the contact's variables too.
  int64_t single = submit_accepted(
      client,
      {{"to", "+49 170 1234 5601"}, {"template", "visit"}, {"variables", {{"clinic", "Praxis"}}}});
  CHECK(text_of(client, single) == "Hallo Anna, Raum 3 in der Praxis.");

  size_t before = message_count(client);
  REQUIRE(client.post("/api/v1/groups", {{"name", "empty"}}).status == 201);
  const std::vector<Refusal> refusals = {
      {{{"group", "nobody"}, {"text", "x"}}, 404, "not_found", "group"},
      {{{"group", "empty"}, {"text", "x"}}, 400, "invalid_field", "group"},
      {{{"group", "monday-patients"}, {"to", kAnna}, {"text", "x"}}, 400, "invalid_field", "to"},
      {{{"group", "monday-patients"}}, 400, "missing_field", "text"},
      {{{"group", "monday-patients"}, {"template", "nope"}}, 400, "invalid_field", "template"},
  };
  check_refusals(client, "/api/v1/messages", refusals);
  CHECK(message_count(client) == before);
}

TEST_CASE_FIXTURE(ApiTest, "contacts: erasing a number removes its contact and its memberships") {
  json anna = add_contact(client, {{"number", kAnna}, {"name", "Anna"}, {"groups", {"monday"}}});
  add_contact(client, {{"number", kBudi}, {"name", "Budi"}, {"groups", {"monday"}}});
  auto erased = client.del("/api/v1/numbers/%2B4917012345601");
  REQUIRE_MESSAGE(erased.status == 200, erased.body);
  CHECK(erased.json()["deleted"]["contacts"] == 1);
  CHECK(client.get(contact_path(anna)).status == 404);
  auto groups = client.get("/api/v1/groups").json()["items"];
  REQUIRE(groups.size() == 1);
  CHECK(groups[0]["members"] == 1);
  CHECK(client.get("/api/v1/contacts/export").body.find(kAnna) == std::string::npos);
  auto again = client.del("/api/v1/numbers/%2B4917012345601");
  REQUIRE(again.status == 200);
  CHECK(again.json()["deleted"]["contacts"] == 0);
}

}  // namespace smsgate::testing

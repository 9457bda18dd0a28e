// /api/v1/appointments over real HTTP against the daemon with simulated modems: an
// appointment booked with a confirmation and two reminders (their texts in the
// template's language, their times), moved (reminders sent again for the new time, a
// "moved" text), cancelled (what waited cancelled, a cancellation text), reminders
// pulled out of quiet hours or skipped when their time has passed, a patient's "YA"
// confirming and "TIDAK" declining (the webhook and the event stream say so), a
// reminder's "CANCEL" declining without opting the patient out, a reload that adds a
// yes word, and what is refused.
#include <doctest/doctest.h>

#include <string>

#include "auth/admin_password.h"
#include "integration/api_harness.h"
#include "integration/sse_client.h"
#include "integration/webhook_receiver.h"
#include "store/event_json.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kPatient = "+6281234567890";
constexpr const char* kOtherPatient = "+6281298765432";

// Monday 8 March 2027, 10:15 in Jakarta (UTC+7 all year); quiet hours 21:00-08:00 there.
constexpr const char* kAt = "2027-03-08T03:15:00Z";

void clinic_config(config::Config& config) {
  config.sending.timezone = "Asia/Jakarta";
  config.sending.quiet_hours = policy::QuietWindow{21 * 60, 8 * 60};
  config.appointments.confirmation_text =
      "Janji temu Anda {weekday} {date} pukul {time} sudah dicatat. Balas YA atau TIDAK.";
  config.appointments.moved_text = "Janji temu Anda pindah ke {weekday} {date} pukul {time}.";
  config.appointments.cancelled_text = "Janji temu Anda {date} pukul {time} dibatalkan.";
}

struct ClinicGateway : ApiTest {
  ClinicGateway() : ApiTest(clinic_config) {}
};

void add_reminder_template(HttpClient& client) {
  auto added = client.post("/api/v1/templates",
                           {{"name", "pengingat"},
                            {"text", "Halo {name}, janji temu Anda {weekday} {date} pukul {time}."},
                            {"language", "id"}});
  REQUIRE_MESSAGE(added.status == 201, added.body);
}

json book(HttpClient& client, const json& body, int status = 201) {
  auto booked = client.post("/api/v1/appointments", body);
  REQUIRE_MESSAGE(booked.status == status, booked.body);
  return booked.json();
}

json message(HttpClient& client, int64_t id) {
  auto answer = client.get("/api/v1/messages/" + std::to_string(id));
  REQUIRE(answer.status == 200);
  return answer.json();
}

// The appointment's messages of `role`, in order.
std::vector<json> with_role(const json& appointment, const std::string& role) {
  std::vector<json> found;
  for (const json& item : appointment["messages"])
    if (item["role"] == role) found.push_back(item);
  return found;
}

std::vector<json> received_events(WebhookReceiver& receiver, const std::string& event) {
  std::vector<json> events;
  for (const auto& request : receiver.requests())
    if (request.header("x-smsgate-event") == event) events.push_back(json::parse(request.body));
  return events;
}

bool opted_out(HttpClient& client, const std::string& number) {
  const json listed = client.get("/api/v1/optouts").json();
  for (const json& item : listed["items"])
    if (item["number"] == number) return true;
  return false;
}

std::string state_of(HttpClient& client, const std::string& external_id) {
  return client.get("/api/v1/appointments/" + external_id).json()["state"].get<std::string>();
}

}  // namespace

TEST_CASE_FIXTURE(
    ClinicGateway,
    "appointments: booked with a confirmation and two reminders, in the template's language") {
  add_reminder_template(client);

  json booked = book(client, {{"external_id", "visit-1001"},
                              {"to", kPatient},
                              {"at", kAt},
                              {"template", "pengingat"},
                              {"variables", {{"name", "Budi"}}},
                              {"reminders", {"-24h", "-1h"}},
                              {"confirm", true}});
  CHECK(booked["external_id"] == "visit-1001");
  CHECK(booked["to"] == kPatient);
  CHECK(booked["at"] == "2027-03-08T03:15:00.000Z");
  CHECK(booked["state"] == "scheduled");
  CHECK(booked["language"] == "id");
  CHECK(booked["reminders"] == json::array({"-24h", "-1h"}));
  CHECK(booked["skipped"] == json::array());
  REQUIRE(booked["messages"].size() == 3);

  json confirmation = with_role(booked, "confirmation").at(0);
  CHECK(gateway.wait_status(client, confirmation["id"].get<int64_t>(), "sent"));
  json confirmation_message = message(client, confirmation["id"].get<int64_t>());
  CHECK(confirmation_message["text"] ==
        "Janji temu Anda Senin 8 Maret 2027 pukul 10.15 sudah dicatat. Balas YA atau TIDAK.");
  CHECK(confirmation_message["category"] == "transactional");
  CHECK(confirmation_message["external_id"] == "visit-1001");
  const size_t on_the_network =
      gateway.sims().with(0, [](sim::SimModem& modem, auto) { return modem.sent().size(); });
  CHECK(on_the_network == 1);

  std::vector<json> reminders = with_role(booked, "reminder");
  REQUIRE(reminders.size() == 2);
  CHECK(reminders[0]["offset"] == "-24h");
  CHECK(reminders[0]["status"] == "scheduled");
  CHECK(reminders[0]["send_at"] == "2027-03-07T03:15:00.000Z");
  CHECK(reminders[1]["offset"] == "-1h");
  CHECK(reminders[1]["send_at"] == "2027-03-08T02:15:00.000Z");
  for (const json& reminder : reminders) {
    json stored = message(client, reminder["id"].get<int64_t>());
    CHECK(stored["text"] == "Halo Budi, janji temu Anda Senin 8 Maret 2027 pukul 10.15.");
    CHECK(stored["category"] == "reminder");
    CHECK(stored["status"] == "scheduled");
    // Stale at the appointment: never sent after it.
    CHECK(stored["expires_at"] == "2027-03-08T03:15:00.000Z");
  }

  // Read back, and listed with its filters.
  json read = client.get("/api/v1/appointments/visit-1001").json();
  CHECK(read["messages"].size() == 3);
  CHECK(read["template"] == "pengingat");
  CHECK(read["variables"] == json{{"name", "Budi"}});
  json listed =
      client.get("/api/v1/appointments?state=scheduled&from=2027-03-08T00:00:00Z").json()["items"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["external_id"] == "visit-1001");
  CHECK(client.get("/api/v1/appointments?until=2027-03-08T00:00:00Z").json()["items"].empty());
  CHECK(client.get("/api/v1/appointments?state=confirmed").json()["items"].empty());
}

TEST_CASE_FIXTURE(ClinicGateway,
                  "appointments: quiet hours pull a reminder earlier, and a past one is skipped") {
  // 07:30 in Jakarta: its -1h reminder (06:30) would fall in quiet hours, so it goes
  // at 20:59 the evening before (13:59 UTC); the -2d one (07:30) likewise.
  json early = book(client, {{"external_id", "early-7"},
                             {"to", kPatient},
                             {"at", "2027-03-09T00:30:00Z"},
                             {"text", "Besok {time}: puasa dari jam 22.00."},
                             {"language", "id"},
                             {"reminders", {"-2d", "-1h"}}});
  std::vector<json> reminders = with_role(early, "reminder");
  REQUIRE(reminders.size() == 2);
  CHECK(early["skipped"] == json::array());
  CHECK(reminders[0]["send_at"] == "2027-03-06T13:59:00.000Z");  // 07:30 two days before
  CHECK(reminders[1]["send_at"] == "2027-03-08T13:59:00.000Z");
  CHECK(message(client, reminders[1]["id"].get<int64_t>())["text"] ==
        "Besok 07.30: puasa dari jam 22.00.");
}

TEST_CASE("appointments: a reminder whose time has passed is skipped, and the answer says why") {
  ApiDaemon gateway(1);  // UTC, no quiet hours
  HttpClient client = gateway.client();
  const int64_t in_two_hours = gateway.clock().now() + 2 * 3600 * 1000;
  json booked = book(client, {{"external_id", "soon-1"},
                              {"to", kPatient},
                              {"at", store::iso8601_utc(in_two_hours)},
                              {"text", "See you at {time}"},
                              {"reminders", {"-24h", "-1h"}}});
  REQUIRE(booked["skipped"].size() == 1);
  CHECK(booked["skipped"][0]["offset"] == "-24h");
  CHECK(booked["skipped"][0]["reason"] == "its time has passed");
  CHECK(booked["skipped"][0]["due_at"] == store::iso8601_utc(in_two_hours - 24 * 3600 * 1000));
  std::vector<json> reminders = with_role(booked, "reminder");
  REQUIRE(reminders.size() == 1);
  CHECK(reminders[0]["offset"] == "-1h");
  CHECK(reminders[0]["send_at"] == store::iso8601_utc(in_two_hours - 3600 * 1000));
}

TEST_CASE_FIXTURE(
    ClinicGateway,
    "appointments: moved, the waiting reminders go again for the new time; then cancelled") {
  add_reminder_template(client);
  json booked = book(client, {{"external_id", "visit-2002"},
                              {"to", kPatient},
                              {"at", kAt},
                              {"template", "pengingat"},
                              {"variables", {{"name", "Sari"}}},
                              {"reminders", {"-24h", "-1h"}}});
  std::vector<json> first = with_role(booked, "reminder");
  REQUIRE(first.size() == 2);

  // Two days later, at 14:00 in Jakarta.
  auto moved = client.patch("/api/v1/appointments/visit-2002",
                            {{"at", "2027-03-10T07:00:00Z"}, {"notify", true}});
  REQUIRE_MESSAGE(moved.status == 200, moved.body);
  json after = moved.json();
  CHECK(after["at"] == "2027-03-10T07:00:00.000Z");
  CHECK(after["state"] == "scheduled");
  for (const json& old : first)
    CHECK(message(client, old["id"].get<int64_t>())["status"] == "cancelled");
  std::vector<json> again = with_role(after, "reminder");
  REQUIRE(again.size() == 4);
  CHECK(again[2]["status"] == "scheduled");
  CHECK(again[2]["send_at"] == "2027-03-09T07:00:00.000Z");
  CHECK(again[3]["send_at"] == "2027-03-10T06:00:00.000Z");
  CHECK(message(client, again[3]["id"].get<int64_t>())["text"] ==
        "Halo Sari, janji temu Anda Rabu 10 Maret 2027 pukul 14.00.");
  json notice = with_role(after, "moved").at(0);
  CHECK(gateway.wait_status(client, notice["id"].get<int64_t>(), "sent"));
  CHECK(message(client, notice["id"].get<int64_t>())["text"] ==
        "Janji temu Anda pindah ke Rabu 10 Maret 2027 pukul 14.00.");

  auto cancelled = client.del("/api/v1/appointments/visit-2002?notify=true");
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  json gone = cancelled.json();
  CHECK(gone["state"] == "cancelled");
  for (const json& reminder : with_role(gone, "reminder")) CHECK(reminder["status"] == "cancelled");
  json cancellation = with_role(gone, "cancelled").at(0);
  CHECK(gateway.wait_status(client, cancellation["id"].get<int64_t>(), "sent"));
  CHECK(message(client, cancellation["id"].get<int64_t>())["text"] ==
        "Janji temu Anda 10 Maret 2027 pukul 14.00 dibatalkan.");
  // Cancelled once is cancelled: nothing more is sent, and it cannot be moved.
  auto twice = client.del("/api/v1/appointments/visit-2002?notify=true");
  CHECK(twice.status == 200);
  CHECK(with_role(twice.json(), "cancelled").size() == 1);
  auto move_cancelled =
      client.patch("/api/v1/appointments/visit-2002", {{"at", "2027-03-11T07:00:00Z"}});
  CHECK(move_cancelled.status == 409);
  CHECK(state_of(client, "visit-2002") == "cancelled");
}

TEST_CASE(
    "appointments: a patient's YA confirms and TIDAK declines; webhooks and the stream say so") {
  WebhookReceiver receiver;
  ApiDaemon gateway(1, clinic_config);
  HttpClient client = gateway.client();
  auto hook = client.post("/api/v1/webhooks",
                          {{"url", receiver.url()},
                           {"events", {"appointment.confirmed", "appointment.declined"}},
                           {"secret", "s3cret-s3cret-s3cret"}});
  REQUIRE_MESSAGE(hook.status == 201, hook.body);
  SseClient stream(gateway.daemon().http_port(), "/api/v1/events?events=appointment.confirmed",
                   "Authorization: Bearer " + gateway.key() + "\r\n");
  REQUIRE(stream.status() == 200);

  json first = book(client, {{"external_id", "visit-3003"},
                             {"to", kPatient},
                             {"at", kAt},
                             {"text", "Pengingat: {date} pukul {time}"},
                             {"language", "id"},
                             {"confirm", true}});
  json second = book(client, {{"external_id", "visit-3004"},
                              {"to", kOtherPatient},
                              {"at", kAt},
                              {"text", "Pengingat: {date} pukul {time}"},
                              {"language", "id"},
                              {"confirm", true}});
  for (const json& booked : {first, second})
    REQUIRE(gateway.wait_status(
        client, with_role(booked, "confirmation").at(0)["id"].get<int64_t>(), "sent"));

  // A reply that means neither changes nothing.
  gateway.deliver(kPatient, "Jam berapa?");
  REQUIRE(wait_until([&] { return client.get("/api/v1/inbound").json()["items"].size() == 1; }));
  CHECK(state_of(client, "visit-3003") == "scheduled");

  gateway.deliver(kPatient, "Ya");
  REQUIRE(wait_until([&] { return state_of(client, "visit-3003") == "confirmed"; }));
  gateway.deliver(kOtherPatient, " tidak ");
  REQUIRE(wait_until([&] { return state_of(client, "visit-3004") == "declined"; }));
  CHECK(state_of(client, "visit-3003") == "confirmed");

  REQUIRE(wait_until([&] {
    return received_events(receiver, "appointment.confirmed").size() == 1 &&
           received_events(receiver, "appointment.declined").size() == 1;
  }));
  json confirmed = received_events(receiver, "appointment.confirmed")[0];
  CHECK(confirmed["event"] == "appointment.confirmed");
  CHECK(confirmed["data"]["external_id"] == "visit-3003");
  CHECK(confirmed["data"]["to"] == kPatient);
  CHECK(confirmed["data"]["state"] == "confirmed");
  CHECK(confirmed["data"]["at"] == "2027-03-08T03:15:00.000Z");
  CHECK(confirmed["data"]["in_reply_to"] == with_role(first, "confirmation").at(0)["id"]);
  json declined = received_events(receiver, "appointment.declined")[0];
  CHECK(declined["data"]["external_id"] == "visit-3004");
  CHECK(declined["data"]["state"] == "declined");

  auto streamed = stream.next_named("appointment.confirmed");
  REQUIRE(streamed);
  CHECK(streamed->body()["data"]["external_id"] == "visit-3003");

  // A confirmed appointment that is cancelled hears no more yes.
  REQUIRE(client.del("/api/v1/appointments/visit-3003").status == 200);
  gateway.deliver(kPatient, "YA");
  REQUIRE(wait_until([&] { return client.get("/api/v1/inbound").json()["items"].size() == 4; }));
  CHECK(state_of(client, "visit-3003") == "cancelled");
}

TEST_CASE("appointments: CANCEL to a reminder declines it and opts nobody out; STOP still does") {
  // The shipped words: CANCEL is an [optout] keyword and an English no word.
  ApiDaemon gateway(1);
  HttpClient client = gateway.client();
  const std::string at = store::iso8601_utc(gateway.clock().now() + 48 * 3600 * 1000);
  json booked = book(client, {{"external_id", "visit-7007"},
                              {"to", kPatient},
                              {"at", at},
                              {"text", "See you {weekday} at {time}"},
                              {"confirm", true}});
  REQUIRE(gateway.wait_status(client, with_role(booked, "confirmation").at(0)["id"].get<int64_t>(),
                              "sent"));

  gateway.deliver(kPatient, "Cancel");
  REQUIRE(wait_until([&] { return state_of(client, "visit-7007") == "declined"; }));
  CHECK_FALSE(opted_out(client, kPatient));
  // Still reachable: the clinic may offer another time, and no opt-out confirmation went.
  const int64_t offer =
      submit_accepted(client, {{"to", kPatient}, {"text", "Shall we say Friday at 9:00?"}});
  REQUIRE(gateway.wait_status(client, offer, "sent"));
  const std::vector<std::string> texts = gateway.texts_sent_to(kPatient);  // parts, as sent
  CHECK(texts.back() == "Shall we say Friday at 9:00?");
  for (const std::string& text : texts) CHECK(text.find("no more messages") == std::string::npos);

  // CANCEL that answers no appointment is an opt-out, confirmed as ever.
  gateway.deliver(kOtherPatient, "CANCEL");
  REQUIRE(wait_until([&] { return opted_out(client, kOtherPatient); }));
  REQUIRE(wait_until([&] { return gateway.texts_sent_to(kOtherPatient).size() == 1; }));
  CHECK(gateway.texts_sent_to(kOtherPatient)[0].find("no more messages") != std::string::npos);

  // STOP always opts out, in reply to an appointment too; the appointment stays as it was.
  gateway.deliver(kPatient, "STOP");
  REQUIRE(wait_until([&] { return opted_out(client, kPatient); }));
  CHECK(state_of(client, "visit-7007") == "declined");
}

TEST_CASE_FIXTURE(
    ClinicGateway,
    "appointments: a reload adds a yes word and a new help text, and the console shows them") {
  json booked = book(client, {{"external_id", "visit-5005"},
                              {"to", kPatient},
                              {"at", kAt},
                              {"text", "Pengingat: {date} pukul {time}"},
                              {"language", "id"},
                              {"confirm", true}});
  REQUIRE(gateway.wait_status(client, with_role(booked, "confirmation").at(0)["id"].get<int64_t>(),
                              "sent"));

  // Not a yes word yet.
  gateway.deliver(kPatient, "Siap");
  REQUIRE(wait_until([&] { return client.get("/api/v1/inbound").json()["items"].size() == 1; }));
  CHECK(state_of(client, "visit-5005") == "scheduled");

  config::Config changed = gateway.config();
  changed.appointments.reply_words.yes["id"].push_back("SIAP");
  changed.autoreply.help_text = "Klinik Sehat, Jl. Melati 5: telepon 021-555-0101.";
  REQUIRE(gateway.daemon().reload(changed).ok());

  gateway.deliver(kPatient, "SIAP");
  REQUIRE(wait_until([&] { return state_of(client, "visit-5005") == "confirmed"; }));
  gateway.deliver(kPatient, "HELP");
  std::vector<std::string> texts;
  REQUIRE(wait_until([&] {
    texts = gateway.texts_sent_to(kPatient);
    return texts.size() >= 2;
  }));
  REQUIRE(texts.size() == 2);  // the confirmation, then the answer to HELP
  CHECK(texts[1] == "Klinik Sehat, Jl. Melati 5: telepon 021-555-0101.");

  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  auto settings =
      HttpClient(gateway.url())
          .request("GET", "/api/v1/settings", "", {session_cookie(gateway.url(), *password)});
  REQUIRE_MESSAGE(settings.status == 200, settings.body);
  CHECK(settings.json()["appointments"]["yes_words"]["id"] == json{"YA", "IYA", "OK", "1", "SIAP"});
  CHECK(settings.json()["autoreply"]["help_text"] ==
        "Klinik Sehat, Jl. Melati 5: telepon 021-555-0101.");
}

TEST_CASE_FIXTURE(ApiTest,
                  "appointments: erasing the patient's number takes their appointments with it") {
  const std::string at = store::iso8601_utc(gateway.clock().now() + 48 * 3600 * 1000);
  book(client, {{"external_id", "erase-1"},
                {"to", kPatient},
                {"at", at},
                {"text", "See you at {time}"},
                {"reminders", {"-24h"}}});
  book(client, {{"external_id", "keep-1"},
                {"to", kOtherPatient},
                {"at", at},
                {"text", "See you at {time}"},
                {"reminders", {"-24h"}}});
  auto erased = client.del("/api/v1/numbers/%2B6281234567890");
  REQUIRE_MESSAGE(erased.status == 200, erased.body);
  CHECK(erased.json()["deleted"]["appointments"] == 1);
  CHECK(erased.json()["deleted"]["messages"] == 1);
  CHECK(client.get("/api/v1/appointments/erase-1").status == 404);
  json kept = client.get("/api/v1/appointments").json()["items"];
  REQUIRE(kept.size() == 1);
  CHECK(kept[0]["external_id"] == "keep-1");
}

TEST_CASE_FIXTURE(ApiTest, "appointments: refusals in words, and a repeated request is a replay") {
  const json body = {{"external_id", "visit-9"},
                     {"to", kPatient},
                     {"at", kAt},
                     {"text", "See you {weekday} at {time}"},
                     {"reminders", {"-24h", "-1h"}}};

  json bad_offset = body;
  bad_offset["reminders"] = {"-24h", "24h"};
  auto refused = client.post("/api/v1/appointments", bad_offset);
  CHECK(refused.status == 400);
  CHECK(refused.json()["error"]["code"] == "invalid_field");
  CHECK(refused.json()["error"]["field"] == "reminders[1]");
  CHECK(refused.json()["error"]["message"] ==
        "reminders[1]: \"24h\" is not before the appointment; write it with a minus, as \"-24h\"");
  bad_offset["reminders"] = {"tomorrow"};
  CHECK(client.post("/api/v1/appointments", bad_offset).json()["error"]["field"] == "reminders[0]");
  json no_time = body;
  no_time["at"] = "2027-03-08 10:15";
  CHECK(client.post("/api/v1/appointments", no_time).json()["error"]["field"] == "at");
  CHECK(client.get("/api/v1/appointments").json()["items"].empty());
  CHECK(client.get("/api/v1/messages").json()["items"].empty());

  json booked = book(client, body);
  json replayed = book(client, body, 200);
  CHECK(replayed["messages"] == booked["messages"]);
  json other = body;
  other["at"] = "2027-03-09T03:15:00Z";
  auto duplicate = client.post("/api/v1/appointments", other);
  CHECK(duplicate.status == 409);
  CHECK(duplicate.json()["error"]["code"] == "name_taken");
  CHECK(duplicate.json()["error"]["field"] == "external_id");
  CHECK(duplicate.json()["error"]["message"] ==
        "external_id: there is already an appointment \"visit-9\", made with another request; "
        "change it with PATCH");
  CHECK(client.get("/api/v1/messages").json()["items"].size() == 2);

  for (auto answer : {client.get("/api/v1/appointments/visit-404"),
                      client.patch("/api/v1/appointments/visit-404", {{"notify", true}}),
                      client.del("/api/v1/appointments/visit-404")}) {
    CHECK(answer.status == 404);
    CHECK(answer.json()["error"]["message"] == "no appointment visit-404");
  }

  auto key = gateway.daemon().api_keys().create(
      "shop", auth::Scopes{auth::Scope::kSend, auth::Scope::kRead}, gateway.clock().now());
  REQUIRE(key.ok());
  HttpClient shop(gateway.url(), key->key);
  auto forbidden = shop.post("/api/v1/appointments", body);
  CHECK(forbidden.status == 403);
  CHECK(forbidden.json()["error"]["scope"] == "appointments");
  CHECK(shop.get("/api/v1/appointments/visit-9").status == 403);
}

}  // namespace smsgate::testing

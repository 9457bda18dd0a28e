// Auto-replies over real HTTP against the daemon with simulated modems: rules added,
// changed and removed at /api/v1/rules; a keyword rule and a regex rule answer with
// their exact texts; HELP, STOP and START are answered from [autoreply]; a text while
// closed gets the out-of-hours answer once; an alphanumeric sender gets nothing; a bad
// regex is refused; and two robots answering each other stop at the cap.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "integration/api_harness.h"
#include "policy/message_template.h"
#include "store/event_json.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kPatient = "+4917012345678";
constexpr const char* kOther = "+4917087654321";
constexpr const char* kRobot = "+4917055501234";

void clinic_config(config::Config& config) { config.autoreply.sender_name = "Klinik Sehat"; }

struct Clinic : ApiTest {
  Clinic() : ApiTest(clinic_config) {}
};

json add_rule(HttpClient& client, const json& body) {
  auto added = client.post("/api/v1/rules", body);
  REQUIRE_MESSAGE(added.status == 201, added.body);
  return added.json();
}

// Waits until `to` got `count` texts; all it got.
std::vector<std::string> wait_sent(ApiDaemon& gateway, const std::string& to, size_t count) {
  std::vector<std::string> texts;
  CHECK(wait_until([&] {
    texts = gateway.texts_sent_to(to);
    return texts.size() >= count;
  }));
  return texts;
}

// The value of a line of /metrics ("name{labels} value"); -1 when absent.
int64_t metric(HttpClient& client, const std::string& series) {
  const std::string page = client.get("/metrics").body;
  const size_t at = page.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(page.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE_FIXTURE(Clinic,
                  "rules: added, listed, changed, removed; bad ones refused and nothing stored") {
  json hours = add_rule(client, {{"name", "Opening hours"},
                                 {"match", {{"keyword", "HOURS"}}},
                                 {"reply", {{"text", "We are open 08:00-17:00."}}}});
  CHECK(hours["id"].get<int64_t>() > 0);
  CHECK(hours["match"] == json{{"keyword", "HOURS"}});
  CHECK(hours["enabled"] == true);
  CHECK(hours["priority"] == 100);
  const std::string path = "/api/v1/rules/" + std::to_string(hours["id"].get<int64_t>());
  CHECK(client.get(path).json() == hours);

  auto changed = client.request("PUT", path,
                                json{{"name", "Opening hours"},
                                     {"match", {{"regex", "^(jam|hours)\\b"}}},
                                     {"reply", {{"text", "Open 08:00-17:00."}}},
                                     {"enabled", false},
                                     {"priority", 5}}
                                    .dump());
  REQUIRE_MESSAGE(changed.status == 200, changed.body);
  CHECK(changed.json()["match"] == json{{"regex", "^(jam|hours)\\b"}});
  CHECK(changed.json()["enabled"] == false);
  CHECK(changed.json()["created_at"] == hours["created_at"]);

  auto refused = [&](const json& body, const std::string& field, const std::string& message) {
    auto answer = client.post("/api/v1/rules", body);
    CHECK_MESSAGE(answer.status == 400, answer.body);
    CHECK(answer.json()["error"]["field"] == field);
    CHECK(answer.json()["error"]["message"] == message);
  };
  refused({{"name", "Broken"}, {"match", {{"regex", "(jam|hours"}}}, {"reply", {{"text", "x"}}}},
          "match.regex", "match.regex: does not compile: mismatched paren (at character 11)");
  refused(
      {{"name", "Both"}, {"match", {{"regex", "a"}, {"keyword", "b"}}}, {"reply", {{"text", "x"}}}},
      "match", "match: give either keyword or regex");
  refused({{"name", "No template"},
           {"match", {{"keyword", "X"}}},
           {"reply", {{"template", "nothing-here"}}}},
          "reply.template", "reply.template: no template called \"nothing-here\"");
  refused({{"name", "Empty"}, {"match", {{"keyword", "X"}}}, {"reply", {{"text", ""}}}},
          "reply.text", "reply.text: is empty");
  auto bad = client.post(
      "/api/v1/rules",
      {{"name", "Broken"}, {"match", {{"regex", "(jam|hours"}}}, {"reply", {{"text", "x"}}}});
  CHECK(bad.json()["error"]["code"] == "invalid_field");
  CHECK(client.get("/api/v1/rules").json()["items"].size() == 1);

  CHECK(client.del(path).status == 204);
  CHECK(client.del(path).status == 404);
  CHECK(client.get(path).status == 404);
  CHECK(client.get("/api/v1/rules").json()["items"].empty());
}

TEST_CASE_FIXTURE(Clinic, "rules: a keyword rule and a regex rule answer with their exact texts") {
  auto made = client.post(
      "/api/v1/templates",
      {{"name", "echo"}, {"text", "{clinic}: {name}, we got \"{text}\" from {number}."}});
  REQUIRE_MESSAGE(made.status == 201, made.body);
  // The sender's contact gives the reply its {name}.
  auto budi = client.post("/api/v1/contacts", {{"number", kOther}, {"name", "Budi"}});
  REQUIRE_MESSAGE(budi.status == 201, budi.body);
  add_rule(client, {{"name", "Hours"},
                    {"match", {{"keyword", "HOURS"}}},
                    {"reply", {{"text", "We are open Mon-Fri 08:00-17:00."}}}});
  add_rule(client, {{"name", "Off"},
                    {"match", {{"regex", "."}}},
                    {"reply", {{"text", "never sent"}}},
                    {"enabled", false},
                    {"priority", 1}});
  json regex =
      add_rule(client, {{"name", "Jam"},
                        {"match", {{"regex", "^jam\\b"}}},
                        {"reply", {{"template", "echo"}, {"variables", {{"clinic", "Klinik"}}}}}});

  gateway.deliver(kPatient, "Hóurs?");
  CHECK(wait_sent(gateway, kPatient, 1) ==
        std::vector<std::string>{"We are open Mon-Fri 08:00-17:00."});
  gateway.deliver(kOther, "JAM berapa buka?");
  CHECK(wait_sent(gateway, kOther, 1) ==
        std::vector<std::string>{"Klinik: Budi, we got \"JAM berapa buka?\" from +4917087654321."});

  // The inbound text shows the reply it got, and the rule that gave it.
  json inbound = client.get("/api/v1/inbound?from=%2B4917087654321").json()["items"][0];
  json detail =
      client.get("/api/v1/inbound/" + std::to_string(inbound["id"].get<int64_t>())).json();
  CHECK(detail["text"] == "JAM berapa buka?");
  REQUIRE(detail["auto_replies"].size() == 1);
  CHECK(detail["auto_replies"][0]["kind"] == "rule");
  CHECK(detail["auto_replies"][0]["rule_id"] == regex["id"]);
  const int64_t reply_id = detail["auto_replies"][0]["message_id"].get<int64_t>();
  json reply = client.get("/api/v1/messages/" + std::to_string(reply_id)).json();
  CHECK(reply["to"] == kOther);
  CHECK(reply["text"] == "Klinik: Budi, we got \"JAM berapa buka?\" from +4917087654321.");
  CHECK(client.get("/api/v1/inbound/999999").status == 404);

  // A text no rule matches gets nothing (the shop is never closed by default); the
  // disabled rule that would match everything stays silent.
  gateway.deliver(kPatient, "Thank you");
  gateway.deliver(kPatient, "hours");
  CHECK(wait_sent(gateway, kPatient, 2).size() == 2);
  CHECK(gateway.texts_sent_to(kPatient) ==
        std::vector<std::string>{"We are open Mon-Fri 08:00-17:00.",
                                 "We are open Mon-Fri 08:00-17:00."});
  CHECK(metric(client, "smsgate_auto_replies_total{outcome=\"sent\"}") == 3);
}

TEST_CASE_FIXTURE(Clinic,
                  "rules: HELP is answered, STOP confirmed though opted out, START confirmed") {
  gateway.deliver(kPatient, "help");
  CHECK(wait_sent(gateway, kPatient, 1).back() ==
        "Messages from Klinik Sehat. Reply STOP to get no more, START to resume.");
  gateway.deliver(kPatient, "Stop!");
  CHECK(wait_sent(gateway, kPatient, 2).back() ==
        "You will get no more messages from Klinik Sehat. Reply START to resume.");
  // Opted out: a send is refused, and STOP again gets no second confirmation.
  auto refused = client.post("/api/v1/messages", {{"to", kPatient}, {"text", "Reminder"}});
  CHECK(refused.status == 409);
  gateway.deliver(kPatient, "STOP");
  gateway.deliver(kPatient, "START");
  CHECK(wait_sent(gateway, kPatient, 3).back() ==
        "You will get messages from Klinik Sehat again. Reply STOP to stop.");
  CHECK(gateway.texts_sent_to(kPatient).size() == 3);
  CHECK(client.post("/api/v1/messages", {{"to", kPatient}, {"text", "Reminder"}}).status == 202);
}

TEST_CASE("rules: a text while closed gets the out-of-hours answer once per closed period") {
  // Open one hour a day, two hours from now: closed now, whatever the time of the run.
  const int64_t now = SystemClock().now();
  const int hour = static_cast<int>(now / 3600000 % 24);
  const int opens_hour = (hour + 2) % 24;
  auto clock = [](int h) { return (h < 10 ? "0" : "") + std::to_string(h) + ":00"; };
  const std::string hours = clock(opens_hour) + "-" + clock(opens_hour + 1);
  ApiDaemon gateway(1, [&](config::Config& config) {
    clinic_config(config);
    for (auto& day : config.autoreply.hours) day = *policy::parse_day_hours(hours);
    config.autoreply.out_of_hours_text = "{sender_name} is closed; we answer from {opens}.";
  });
  HttpClient client = gateway.client();
  add_rule(client, {{"name", "Hours"},
                    {"match", {{"keyword", "HOURS"}}},
                    {"reply", {{"text", "Open daily " + hours + "."}}}});

  const int64_t next_opening = (now / 3600000 + 2) * 3600000;
  auto opens =
      policy::render_template("{o:weekday} {o:time}", {{"o", store::iso8601_utc(next_opening)}},
                              "en", policy::TimeZone::utc());
  REQUIRE(opens.ok());
  gateway.deliver(kPatient, "Is the doctor in tomorrow?");
  CHECK(wait_sent(gateway, kPatient, 1).back() ==
        "Klinik Sehat is closed; we answer from " + *opens + ".");
  // The same closed period: a rule still answers, the out-of-hours text does not again.
  gateway.deliver(kPatient, "Anyone there?");
  gateway.deliver(kPatient, "hours");
  CHECK(wait_sent(gateway, kPatient, 2).back() == "Open daily " + hours + ".");
  CHECK(gateway.texts_sent_to(kPatient).size() == 2);
}

TEST_CASE_FIXTURE(Clinic, "rules: no automatic reply to an alphanumeric sender or a short code") {
  add_rule(client,
           {{"name", "All"}, {"match", {{"regex", "."}}}, {"reply", {{"text", "Got it."}}}});
  gateway.deliver("DHL", "Your parcel arrives today");
  gateway.deliver("12345", "HELP");
  gateway.deliver(kPatient, "hello");
  // Texts are answered in the order they came: once the patient has the reply, the
  // two before were looked at.
  CHECK(wait_sent(gateway, kPatient, 1).back() == "Got it.");
  CHECK(gateway.texts_sent_to("DHL").empty());
  CHECK(gateway.texts_sent_to("12345").empty());
  CHECK(metric(client, "smsgate_auto_replies_total{outcome=\"unanswerable\"}") == 2);
}

TEST_CASE_FIXTURE(Clinic, "rules: two robots answering each other stop at five automatic replies") {
  // The other robot answers every text at once, numbering its answers (the same text
  // within the same second would be the same PDU, which the inbox takes once).
  gateway.sims().with(0, [](sim::SimModem& modem, auto) {
    modem.set_auto_replies(sim::SimModem::AutoReplies{
        [answered = 0](const std::string&) mutable {
          return std::optional<std::string>("AUTO: message " + std::to_string(++answered) +
                                            " received");
        },
        std::chrono::milliseconds(10)});
  });
  add_rule(client, {{"name", "Robots"},
                    {"match", {{"regex", "^auto:"}}},
                    {"reply", {{"text", "Thank you, we will be in touch."}}}});
  gateway.deliver(kRobot, "AUTO: hello");
  // Five replies, each answered; the answer to the fifth is the sixth match: held back.
  REQUIRE(wait_until(
      [&] { return metric(client, "smsgate_auto_replies_total{outcome=\"capped\"}") == 1; }));
  CHECK(gateway.texts_sent_to(kRobot) ==
        std::vector<std::string>(5, "Thank you, we will be in touch."));
  CHECK(client.get("/api/v1/inbound?from=%2B4917055501234").json()["items"].size() == 6);
  CHECK(metric(client, "smsgate_auto_replies_total{outcome=\"sent\"}") == 5);
  // The loop has stopped: a restart does not reset the count either.
  gateway.restart();
  HttpClient restarted = gateway.client();
  gateway.deliver(kRobot, "AUTO: hello again");
  REQUIRE(wait_until(
      [&] { return metric(restarted, "smsgate_auto_replies_total{outcome=\"capped\"}") == 1; }));
  CHECK(gateway.texts_sent_to(kRobot).size() == 5);
}

}  // namespace smsgate::testing

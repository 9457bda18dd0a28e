// The routes the admin console relies on, over real HTTP against the daemon with
// simulated modems on ptys: modems with their pacing, trouble and signal history,
// statistics, message filters, conversations, resending, a webhook's test event and
// the settings page.
#include <doctest/doctest.h>

#include <set>

#include "auth/admin_password.h"
#include "config/config.h"
#include "integration/api_harness.h"
#include "integration/webhook_receiver.h"
#include "webhook/events.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kCustomer = "+4917012345678";

// All pages of a list, following next_cursor.
std::vector<json> all_pages(HttpClient& client, const std::string& path, int limit) {
  std::vector<json> items;
  std::string cursor;
  const char* joiner = path.find('?') == std::string::npos ? "?" : "&";
  for (int pages = 0; pages < 1000; ++pages) {
    auto answer = client.get(path + joiner + "limit=" + std::to_string(limit) +
                             (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE_MESSAGE(answer.status == 200, answer.body);
    json body = answer.json();
    CHECK(body["items"].size() <= static_cast<size_t>(limit));
    for (const json& item : body["items"]) items.push_back(item);
    if (!body.contains("next_cursor")) return items;
    cursor = body["next_cursor"].get<std::string>();
  }
  FAIL("the list never ended");
  return items;
}

std::vector<int64_t> ids_of(const std::vector<json>& items) {
  std::vector<int64_t> ids;
  for (const json& item : items) ids.push_back(item["id"].get<int64_t>());
  return ids;
}

json modem_listed(HttpClient& client, const std::string& id) {
  const json items = client.get("/api/v1/modems").json()["items"];
  for (const json& modem : items)
    if (modem["id"] == id) return modem;
  return json();
}

TEST_CASE("console: modems show firmware, network, storage, pacing and their last trouble") {
  ApiDaemon gateway(1, [](config::Config& config) {
    config.modems.daily_limit = 500;
    config.sending.retry_backoff = std::chrono::seconds(1);
    config.modems.health_interval = std::chrono::seconds(1);
  });
  HttpClient client = gateway.client();
  json items = client.get("/api/v1/modems").json()["items"];
  REQUIRE(items.size() == 1);
  const std::string id = items[0]["id"];
  json modem = items[0];
  CHECK(modem["revision"] == "SIM-1.0.0");
  CHECK(modem["registration"] == "home");
  CHECK(modem["signal_rssi"] == 20);
  CHECK(modem["signal_dbm"] == -73);
  CHECK(modem["daily_limit"] == 500);
  CHECK(modem["rate_per_minute"].is_null());  // the harness runs them unpaced
  CHECK(modem["last_error"].is_null());
  CHECK_FALSE(modem.contains("signal_history"));  // only on the modem's own route
  // AT+CPMS? is read at the first health poll.
  REQUIRE(wait_until([&] { return modem_listed(client, id).contains("storage"); }));
  json storage = modem_listed(client, id)["storage"];
  CHECK(storage["total"].get<int>() > 0);
  CHECK(storage["used"].get<int>() >= 0);
  CHECK_FALSE(storage["memory"].get<std::string>().empty());

  // One send the modem refuses, then it goes through: counted, and the refusal shown.
  gateway.sims().with(0, [](sim::SimModem& m, auto) { m.fail_next_sends(1, 38); });
  int64_t sent = submit_accepted(client, {{"to", kCustomer}, {"text", "Your order is ready"}});
  REQUIRE(gateway.wait_status(client, sent, "sent"));
  REQUIRE(wait_until([&] { return modem_listed(client, id)["sent_today"] == 1; }));
  json after = modem_listed(client, id);
  REQUIRE(after["last_error"].is_object());
  CHECK(after["last_error"]["reason"].get<std::string>().find("+CMS ERROR: 38") !=
        std::string::npos);
  CHECK(after["last_error"]["at"].get<std::string>().ends_with("Z"));
}

TEST_CASE("console: a modem's own route carries its signal at each health poll") {
  ApiDaemon gateway(
      1, [](config::Config& config) { config.modems.health_interval = std::chrono::seconds(1); });
  HttpClient client = gateway.client();
  const std::string id = client.get("/api/v1/modems").json()["items"][0]["id"];
  gateway.sims().with(0, [](sim::SimModem& m, auto) { m.set_signal(25); });
  auto history = [&] { return client.get("/api/v1/modems/" + id).json()["signal_history"]; };
  REQUIRE(wait_until([&] {
    json samples = history();
    return !samples.empty() && samples.back()["dbm"] == -63;
  }));
  gateway.sims().with(0, [](sim::SimModem& m, auto) { m.set_signal(10); });
  REQUIRE(wait_until([&] { return history().back()["dbm"] == -93; }));
  json samples = history();
  REQUIRE(samples.size() >= 2);
  // The earlier reading is still there, before the later one.
  bool stronger_first = false;
  for (size_t i = 0; i + 1 < samples.size(); ++i)
    stronger_first = stronger_first || samples[i]["dbm"] == -63;
  CHECK(stronger_first);
  for (size_t i = 1; i < samples.size(); ++i)
    CHECK(samples[i - 1]["at"].get<std::string>() <= samples[i]["at"].get<std::string>());
  json one = client.get("/api/v1/modems/" + id).json();
  CHECK(one["id"] == id);
  CHECK(one["state"] == "ready");

  auto unknown = client.get("/api/v1/modems/000000000000000");
  CHECK(unknown.status == 404);
  CHECK(unknown.error_code() == "not_found");
}

TEST_CASE_FIXTURE(ApiTest,
                  "console: stats count the queue by status and the last 24 hours by hour") {
  gateway.sims().with(0, [](sim::SimModem& m, auto) {
    m.set_auto_status_reports(sim::SimModem::AutoStatusReports{0, std::chrono::milliseconds(0)});
  });
  int64_t delivered =
      submit_accepted(client, {{"to", kCustomer}, {"text", "Delivered"}, {"status_report", true}});
  REQUIRE(gateway.wait_status(client, delivered, "delivered"));
  int64_t sent = submit_accepted(client, {{"to", kCustomer}, {"text", "Sent only"}});
  REQUIRE(gateway.wait_status(client, sent, "sent"));
  int64_t later = submit_accepted(
      client, {{"to", kCustomer}, {"text", "Next year"}, {"send_at", "2099-01-01T09:00:00Z"}});
  int64_t cancelled = submit_accepted(
      client, {{"to", kCustomer}, {"text", "Never mind"}, {"send_at", "2099-01-01T09:00:00Z"}});
  REQUIRE(client.del("/api/v1/messages/" + std::to_string(cancelled)).status == 200);

  json stats = client.get("/api/v1/stats").json();
  CHECK(stats["queue"] == json{{"queued", 0},
                               {"scheduled", 1},
                               {"sending", 0},
                               {"sent", 1},
                               {"delivered", 1},
                               {"failed", 0},
                               {"expired", 0},
                               {"cancelled", 1}});
  json hours = stats["last_24h"]["hours"];
  REQUIRE(hours.size() == 24);
  // Everything happened in the hour now running (or the one before, at its turn).
  CHECK(hours[22]["sent"].get<int>() + hours[23]["sent"].get<int>() == 2);
  CHECK(hours[22]["delivered"].get<int>() + hours[23]["delivered"].get<int>() == 1);
  CHECK(stats["last_24h"]["sent"] == 2);
  CHECK(stats["last_24h"]["delivered"] == 1);
  for (size_t i = 0; i < 24; ++i) {
    const std::string start = hours[i]["start"];
    CHECK(start.ends_with(":00:00.000Z"));  // whole UTC hours
    if (i > 0) CHECK(hours[i - 1]["start"].get<std::string>() < start);
  }
  const std::string first_hour = hours[0]["start"];

  // A day later (the daemon's clock moved; the database keeps its times), nothing of
  // it is in the last 24 hours, and the queue is as it was.
  gateway.clock().advance(25LL * 3600 * 1000);
  json next_day = client.get("/api/v1/stats").json();
  CHECK(next_day["last_24h"]["sent"] == 0);
  CHECK(next_day["last_24h"]["delivered"] == 0);
  CHECK(next_day["last_24h"]["hours"][0]["start"].get<std::string>() > first_hour);
  CHECK(next_day["queue"]["scheduled"] == 1);
  (void)later;

  // A key without the read scope may not see them.
  auto no_read = gateway.daemon().api_keys().create("sender", auth::Scopes{auth::Scope::kSend},
                                                    gateway.clock().now());
  REQUIRE(no_read.ok());
  CHECK(HttpClient(gateway.url(), no_read->key).get("/api/v1/stats").status == 403);
}

TEST_CASE_FIXTURE(
    ApiTest, "console: messages filtered by category, until and a search, paged once over HTTP") {
  std::vector<int64_t> anna_reminders, everything;
  for (int i = 0; i < 12; ++i) {
    json body = {{"to", "+49170555000" + std::to_string(10 + i)},
                 {"send_at", "2099-01-01T09:00:00Z"}};
    if (i % 2 == 0) {
      body["text"] = "Anna, your appointment is on Monday";
      body["category"] = "reminder";
    } else {
      body["text"] = "Anna: your order shipped";
    }
    everything.push_back(submit_accepted(client, body));
    if (i % 2 == 0) anna_reminders.push_back(everything.back());
  }
  auto newest_first = [](std::vector<int64_t> ids) {
    return std::vector<int64_t>(ids.rbegin(), ids.rend());
  };
  CHECK(ids_of(all_pages(client, "/api/v1/messages?category=reminder&q=ANNA", 2)) ==
        newest_first(anna_reminders));
  CHECK(ids_of(all_pages(client, "/api/v1/messages?q=appointment+monday&status=scheduled", 1)) ==
        newest_first(anna_reminders));
  CHECK(ids_of(all_pages(client, "/api/v1/messages?q=0170%205550%200017", 5)) ==
        std::vector<int64_t>{everything[7]});
  CHECK(all_pages(client, "/api/v1/messages?q=invoice", 3).empty());
  // until is before: nothing was made before 2000, everything before 2100.
  CHECK(all_pages(client, "/api/v1/messages?until=2000-01-01T00:00:00Z", 3).empty());
  CHECK(all_pages(client,
                  "/api/v1/messages?until=2100-01-01T00:00:00%2B01:00&category=transactional", 4)
            .size() == 6);

  auto unknown = client.get("/api/v1/messages?category=spam");
  CHECK(unknown.status == 400);
  CHECK(unknown.error_code() == "invalid_field");
  CHECK(unknown.error_field() == "category");
  CHECK(client.get("/api/v1/messages?until=tomorrow").error_field() == "until");

  // A one-time password is not found by its code, while it waits or once sent.
  auto otp = client.post("/api/v1/otp", {{"to", kCustomer}, {"length", 6}});
  REQUIRE(otp.status == 202);
  const int64_t otp_id = otp.json()["id"];
  auto code_of_otp = [&] {
    // The code is only in the PDU the modem got; read it back from the simulator.
    std::string text;
    gateway.sims().with(0, [&](sim::SimModem& m, auto) {
      for (const auto& sent : m.sent()) text = sent.text;
    });
    return text;
  };
  REQUIRE(gateway.wait_status(client, otp_id, "sent"));
  std::string sent_text = code_of_otp();
  // The code is the run of six digits in it.
  std::string code, run;
  for (char c : sent_text + " ") {
    if (c >= '0' && c <= '9') {
      run += c;
    } else {
      if (run.size() == 6) code = run;
      run.clear();
    }
  }
  REQUIRE_MESSAGE(code.size() == 6, sent_text);
  CHECK(all_pages(client, "/api/v1/messages?q=" + code, 10).empty());
  CHECK(ids_of(all_pages(client, "/api/v1/messages?category=otp&q=code", 10)) ==
        std::vector<int64_t>{otp_id});
}

TEST_CASE_FIXTURE(ApiTest,
                  "console: conversations, one per number, threads both ways, marked read") {
  const std::string patient = kCustomer, stranger = "+4930901820";
  int64_t asked = submit_accepted(client, {{"to", patient},
                                           {"text", "How was your visit? Reply 1-10."},
                                           {"category", "feedback"},
                                           {"external_id", "visit-9"}});
  REQUIRE(gateway.wait_status(client, asked, "sent"));
  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = patient, .text = "nine"}, now).ok());
  });
  REQUIRE(wait_until([&] { return client.get("/api/v1/inbound").json()["items"].size() == 1; }));
  gateway.clock().advance(1000);
  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = patient, .text = "Thanks a lot"}, now).ok());
  });
  REQUIRE(wait_until([&] { return client.get("/api/v1/inbound").json()["items"].size() == 2; }));
  gateway.clock().advance(1000);
  int64_t answer = submit_accepted(client, {{"to", patient}, {"text", "Glad to hear it!"}});
  gateway.clock().advance(1000);
  gateway.sims().with(0, [&](sim::SimModem& modem, auto now) {
    REQUIRE(modem.deliver({.from = stranger, .text = "Who is this?"}, now).ok());
  });
  REQUIRE(wait_until([&] { return client.get("/api/v1/inbound").json()["items"].size() == 3; }));
  gateway.clock().advance(1000);
  auto otp = client.post("/api/v1/otp", {{"to", "+4917099988877"}, {"length", 6}});
  REQUIRE(otp.status == 202);

  // Newest activity first: the OTP (masked), the stranger, then the patient.
  json list = client.get("/api/v1/conversations").json()["items"];
  REQUIRE(list.size() == 3);
  CHECK(list[0]["number"] == "+4917099988877");
  CHECK(list[0]["last_direction"] == "out");
  CHECK(list[0]["last_text"].get<std::string>().find_first_of("0123456789") == std::string::npos);
  CHECK(list[0]["unread"] == 0);
  CHECK(list[1] == json{{"number", stranger},
                        {"last_at", list[1]["last_at"]},
                        {"last_text", "Who is this?"},
                        {"last_direction", "in"},
                        {"unread", 1}});
  CHECK(list[2]["number"] == patient);
  CHECK(list[2]["last_direction"] == "out");
  CHECK(list[2]["last_text"] == "Glad to hear it!");
  CHECK(list[2]["unread"] == 2);
  // Paged one at a time: the same three, once each.
  std::vector<std::string> numbers;
  for (const json& item : all_pages(client, "/api/v1/conversations", 1))
    numbers.push_back(item["number"]);
  CHECK(numbers == std::vector<std::string>{"+4917099988877", stranger, patient});
  // Searched by number or by the last text.
  json found = client.get("/api/v1/conversations?q=0309%200182").json()["items"];
  REQUIRE(found.size() == 1);
  CHECK(found[0]["number"] == stranger);
  found = client.get("/api/v1/conversations?q=glad").json()["items"];
  REQUIRE(found.size() == 1);
  CHECK(found[0]["number"] == patient);

  // The patient's thread, newest first, both ways, by any spelling of the number.
  for (const std::string& path : {std::string("%2B4917012345678"), std::string("4917012345678")}) {
    CAPTURE(path);
    json thread = client.get("/api/v1/conversations/" + path).json()["items"];
    REQUIRE(thread.size() == 4);
    CHECK(thread[0]["direction"] == "out");
    CHECK(thread[0]["id"] == answer);
    CHECK(thread[0]["text"] == "Glad to hear it!");
    CHECK(thread[1]["direction"] == "in");
    CHECK(thread[1]["text"] == "Thanks a lot");
    CHECK(thread[2]["direction"] == "in");
    CHECK(thread[2]["text"] == "nine");
    CHECK(thread[2]["rating"] == 9);
    CHECK(thread[2]["in_reply_to"]["id"] == asked);
    CHECK(thread[2]["in_reply_to"]["external_id"] == "visit-9");
    CHECK(thread[3]["direction"] == "out");
    CHECK(thread[3]["id"] == asked);
    CHECK(thread[3]["category"] == "feedback");
  }
  // Paged one at a time, it is the same thread.
  std::vector<std::string> texts;
  for (const json& item : all_pages(client, "/api/v1/conversations/%2B4917012345678", 1))
    texts.push_back(item["text"]);
  CHECK(texts == std::vector<std::string>{"Glad to hear it!", "Thanks a lot", "nine",
                                          "How was your visit? Reply 1-10."});

  CHECK(client.post("/api/v1/conversations/4917012345678/read", json::object()).status == 204);
  json after = client.get("/api/v1/conversations").json()["items"];
  CHECK(after[2]["unread"] == 0);
  CHECK(after[1]["unread"] == 1);  // the stranger's text is still unread

  auto bad = client.get("/api/v1/conversations/banana");
  CHECK(bad.status == 400);
  CHECK(bad.error_code() == "invalid_number");
  CHECK(client.post("/api/v1/conversations/banana/read", json::object()).error_code() ==
        "invalid_number");
  CHECK(client.get("/api/v1/conversations?cursor=x").error_code() == "invalid_cursor");
  CHECK(client.get("/api/v1/conversations/%2B4917012345678?cursor=c1:2").error_code() ==
        "invalid_cursor");
  CHECK(client.get("/api/v1/conversations/%2B4915199999999").json()["items"].empty());
}

TEST_CASE("console: a failed, expired or cancelled message is sent again as a new one") {
  ApiDaemon gateway(1, [](config::Config& config) { config.sending.max_attempts = 1; });
  HttpClient client = gateway.client();
  int64_t cancelled = submit_accepted(client, {{"to", kCustomer},
                                               {"text", "See you on Monday"},
                                               {"category", "reminder"},
                                               {"priority", 7},
                                               {"send_at", "2099-01-01T09:00:00Z"}});
  REQUIRE(client.del("/api/v1/messages/" + std::to_string(cancelled)).status == 200);
  auto again =
      client.post("/api/v1/messages/" + std::to_string(cancelled) + "/resend", json::object());
  REQUIRE_MESSAGE(again.status == 201, again.body);
  json resent = again.json();
  CHECK(resent["resent_from"] == cancelled);
  CHECK(resent["id"] != cancelled);
  CHECK(resent["to"] == kCustomer);
  CHECK(resent["text"] == "See you on Monday");
  CHECK(resent["category"] == "reminder");
  CHECK(resent["priority"] == 7);
  CHECK(resent.contains("history"));  // as GET /messages/{id} shows it
  REQUIRE(gateway.wait_status(client, resent["id"], "sent"));
  CHECK(client.get("/api/v1/messages/" + resent["id"].dump()).json()["resent_from"] == cancelled);

  // Refused by the network once: failed (one attempt allowed), then sent again.
  gateway.sims().with(0, [](sim::SimModem& m, auto) { m.fail_next_sends(1, 21); });
  int64_t failed = submit_accepted(client, {{"to", kCustomer}, {"text", "Your order shipped"}});
  REQUIRE(gateway.wait_status(client, failed, "failed"));
  auto retry = client.post("/api/v1/messages/" + std::to_string(failed) + "/resend", json::object(),
                           {"Idempotency-Key: resend-once"});
  REQUIRE(retry.status == 201);
  auto twice = client.post("/api/v1/messages/" + std::to_string(failed) + "/resend", json::object(),
                           {"Idempotency-Key: resend-once"});
  CHECK(twice.status == 200);
  CHECK(twice.json()["id"] == retry.json()["id"]);

  // Not for what went out, nor for one-time passwords.
  auto sent = client.post("/api/v1/messages/" + resent["id"].dump() + "/resend", json::object());
  CHECK(sent.status == 409);
  CHECK(sent.error_code() == "not_resendable");
  CHECK(sent.body.find("is sent") != std::string::npos);
  auto otp = client.post("/api/v1/otp", {{"to", kCustomer}});
  REQUIRE(otp.status == 202);
  auto code =
      client.post("/api/v1/messages/" + otp.json()["id"].dump() + "/resend", json::object());
  CHECK(code.status == 409);
  CHECK(code.body.find("request a new code") != std::string::npos);
  CHECK(client.post("/api/v1/messages/999999/resend", json::object()).status == 404);

  // Opt-outs apply as to any new message.
  REQUIRE(client.post("/api/v1/optouts", {{"number", kCustomer}}).status == 201);
  auto opted_out =
      client.post("/api/v1/messages/" + std::to_string(cancelled) + "/resend", json::object());
  CHECK(opted_out.status == 409);
  CHECK(opted_out.error_code() == "recipient_opted_out");
}

TEST_CASE("console: a webhook's test event reaches that webhook alone, signed, and is listed") {
  WebhookReceiver receiver;
  ApiDaemon gateway(1);
  HttpClient client = gateway.client();
  auto made = client.post("/api/v1/webhooks", {{"url", receiver.url("/one")},
                                               {"events", {"message.sent"}},
                                               {"secret", "test-event-secret-1"}});
  REQUIRE(made.status == 201);
  auto other = client.post(
      "/api/v1/webhooks",
      {{"url", receiver.url("/two")}, {"events", {"*"}}, {"secret", "test-event-secret-2"}});
  REQUIRE(other.status == 201);
  const int64_t id = made.json()["id"];
  auto queued = client.post("/api/v1/webhooks/" + std::to_string(id) + "/test", json::object());
  REQUIRE_MESSAGE(queued.status == 202, queued.body);
  const std::string delivery = queued.json()["delivery_id"];
  CHECK(delivery == webhook::delivery_id(queued.json()["id"].get<int64_t>()));
  CHECK(queued.json()["event"] == "webhook.test");

  REQUIRE(wait_until([&] { return receiver.count() >= 1; }));
  auto request = receiver.requests().at(0);
  CHECK(request.path == "/one");
  CHECK(request.header("x-smsgate-event") == "webhook.test");
  CHECK(request.header("x-smsgate-delivery") == delivery);
  CHECK(request.header("x-smsgate-signature") ==
        webhook::sign_body("test-event-secret-1", request.body));
  json body = json::parse(request.body);
  CHECK(body["event"] == "webhook.test");
  CHECK(body["data"] == json{{"webhook_id", id}});
  CHECK(body["at"].get<std::string>().ends_with("Z"));
  REQUIRE(wait_until([&] {
    json items =
        client.get("/api/v1/webhooks/" + std::to_string(id) + "/deliveries").json()["items"];
    return items.size() == 1 && items[0]["state"] == "delivered";
  }));
  // The "*" subscription got nothing: a test event is not an event one subscribes to.
  CHECK(client.get("/api/v1/webhooks/" + other.json()["id"].dump() + "/deliveries")
            .json()["items"]
            .empty());
  CHECK(receiver.count() == 1);
  auto subscribe =
      client.post("/api/v1/webhooks", {{"url", receiver.url()}, {"events", {"webhook.test"}}});
  CHECK(subscribe.status == 400);
  CHECK(client.post("/api/v1/webhooks/999999/test", json::object()).status == 404);
}

TEST_CASE("console: settings show an admin what runs and where to change it, never a secret") {
  ApiDaemon gateway(1, [](config::Config& config) {
    config.file = "/etc/smsgate/smsgate.toml";
    config.sending.default_region = "DE";
    config.sending.quiet_hours = policy::QuietWindow{22 * 60, 7 * 60};
    config.retention.inbound_days = 30;
    config::ModemConfig front_desk;
    front_desk.port = "/dev/smsgate/front-desk";  // not plugged in: its settings still show
    front_desk.name = "front desk";
    front_desk.pin = "8642";
    front_desk.rate_per_minute = 6;
    front_desk.daily_limit = 400;
    config.modem.push_back(front_desk);
  });
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());
  CHECK(browser.get("/api/v1/settings").status == 401);
  CHECK(gateway.client().get("/api/v1/settings").status == 401);  // a key is not a session
  auto answer =
      browser.request("GET", "/api/v1/settings", "", {session_cookie(gateway.url(), *password)});
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  json settings = answer.json();
  CHECK(settings["config_file"] == "/etc/smsgate/smsgate.toml");
  CHECK(settings["how_to_change"].get<std::string>().find("/etc/smsgate/smsgate.toml") !=
        std::string::npos);
  CHECK(settings["time_zone"] == "UTC");
  CHECK(settings["default_region"] == "DE");
  CHECK(settings["quiet_hours"]["window"] == "22:00-07:00");
  CHECK(settings["quiet_hours"]["categories"]["marketing"] == true);
  CHECK(settings["quiet_hours"]["categories"]["otp"] == false);
  CHECK(settings["retention"] == json{{"messages_days", 90}, {"inbound_days", 30}});
  CHECK(settings["http"] == json{{"listen", "127.0.0.1:0"}, {"tls", false}});
  REQUIRE(settings["modems"].size() == 1);
  CHECK(settings["modems"][0] == json{{"port", "/dev/smsgate/front-desk"},
                                      {"name", "front desk"},
                                      {"rate_per_minute", 6},
                                      {"daily_limit", 400},
                                      {"enabled", true},
                                      {"pin_set", true}});
  CHECK_FALSE(settings["version"].get<std::string>().empty());
  CHECK(answer.body.find("8642") == std::string::npos);
}

TEST_CASE("console: settings show the shipped file's auto-replies, appointments, OTP and email") {
  auto shipped = config::load_config(SMSGATE_EXAMPLE_CONFIG);
  REQUIRE_MESSAGE(shipped.ok(), shipped.error().message);
  ApiDaemon gateway(1, [&](config::Config& config) {
    config.autoreply = shipped->autoreply;
    config.appointments = shipped->appointments;
    config.otp = shipped->otp;
    config.email = shipped->email;
    config.sending.default_reply_window = shipped->sending.default_reply_window;
    config.optout = shipped->optout;
  });
  json settings = get_as_admin(gateway, "/api/v1/settings");
  CHECK(settings["autoreply"] ==
        json{{"enabled", true},
             {"sender_name", "us"},
             {"language", "en"},
             {"help_keywords", {"HELP"}},
             {"help_text",
              "Messages from {sender_name}. Reply STOP to get no more, START to resume."},
             {"optout_text",
              "You will get no more messages from {sender_name}. Reply START to resume."},
             {"optin_text", "You will get messages from {sender_name} again. Reply STOP to stop."},
             {"opening_hours",
              {{"mon", "closed"},
               {"tue", "closed"},
               {"wed", "closed"},
               {"thu", "closed"},
               {"fri", "closed"},
               {"sat", "closed"},
               {"sun", "closed"}}},
             {"out_of_hours_text", "{sender_name}: we are closed now and answer from {opens}."}});
  const json& appointments = settings["appointments"];
  CHECK(appointments["default_reminders"] == json{"-24h"});
  CHECK(appointments["reply_window_hours"] == 48);
  CHECK(appointments["confirmation_text"] ==
        "Your appointment on {date} at {time} is booked. Reply YES to confirm or NO to cancel.");
  CHECK(appointments["moved_text"] ==
        "Your appointment has moved to {date} at {time}. Reply YES to confirm or NO to cancel.");
  CHECK(appointments["cancelled_text"] == "Your appointment on {date} at {time} is cancelled.");
  CHECK(appointments["yes_words"] == json{{"de", {"JA", "OK"}},
                                          {"en", {"YES", "Y", "OK", "1"}},
                                          {"es", {"SI", "SÍ"}},
                                          {"fr", {"OUI"}},
                                          {"id", {"YA", "IYA", "OK", "1"}}});
  CHECK(appointments["no_words"]["en"] == json{"NO", "N", "CANCEL"});
  CHECK(appointments["no_words"]["id"] == json{"TIDAK", "BATAL"});
  CHECK(settings["optout_keywords"] == json{"STOP", "UNSUBSCRIBE", "CANCEL"});
  CHECK(settings["optin_keywords"] == json{"START"});
  CHECK(settings["otp"] == json{{"max_sends_per_number", 5}, {"send_window_minutes", 60}});
  CHECK(settings["email"] == json{{"listen", nullptr},
                                  {"domain", nullptr},
                                  {"smarthost", false},
                                  {"reports", {"delivered", "failed", "replies"}},
                                  {"reports_to", nullptr}});
}

TEST_CASE("console: settings show auto-replies, appointments, OTP and email as configured") {
  ApiDaemon gateway(1, [](config::Config& config) {
    config.autoreply.enabled = false;
    config.autoreply.sender_name = "Klinik Sehat";
    config.autoreply.language = "id";
    config.autoreply.help_keywords = {"BANTUAN", "INFO"};
    config.autoreply.help_text = "Pesan dari {sender_name}. Balas STOP untuk berhenti.";
    config.autoreply.optout_text = "";
    config.autoreply.hours[0] = *policy::parse_day_hours("08:00-12:00, 14:00-18:00");
    config.autoreply.hours[5] = *policy::parse_day_hours("09:00-12:00");
    config.autoreply.out_of_hours_text = "Kami tutup; buka lagi {opens}.";
    config.appointments.default_reminders = {"-2d", "-90m"};
    config.appointments.confirmation_text = "Janji temu {date} pukul {time}. Balas YA atau TIDAK.";
    config.appointments.reply_words.yes = {{"id", {"YA", "SIAP"}}};
    config.appointments.reply_words.no = {{"id", {"TIDAK"}}};
    config.sending.default_reply_window = std::chrono::hours(12);
    config.optout.optin_keywords = {"START", "MULAI"};
    config.otp.max_sends_per_number = 0;
    config.otp.send_window = std::chrono::minutes(15);
    // Port 0: whatever listens for mail here takes a free port.
    config.email.listen = "127.0.0.1:0";
    config.email.domain = "sms.klinik.example";
    config.email.report_delivered = false;
    config.email.reports_to = "desk@klinik.example";
  });
  json settings = get_as_admin(gateway, "/api/v1/settings");
  const json& autoreply = settings["autoreply"];
  CHECK(autoreply["enabled"] == false);
  CHECK(autoreply["sender_name"] == "Klinik Sehat");
  CHECK(autoreply["language"] == "id");
  CHECK(autoreply["help_keywords"] == json{"BANTUAN", "INFO"});
  CHECK(autoreply["help_text"] == "Pesan dari {sender_name}. Balas STOP untuk berhenti.");
  CHECK(autoreply["optout_text"] == "");
  CHECK(autoreply["opening_hours"]["mon"] == "08:00-12:00, 14:00-18:00");
  CHECK(autoreply["opening_hours"]["sat"] == "09:00-12:00");
  CHECK(autoreply["opening_hours"]["sun"] == "closed");
  CHECK(autoreply["out_of_hours_text"] == "Kami tutup; buka lagi {opens}.");
  const json& appointments = settings["appointments"];
  CHECK(appointments["default_reminders"] == json{"-2d", "-90m"});
  CHECK(appointments["reply_window_hours"] == 12);
  CHECK(appointments["confirmation_text"] ==
        "Janji temu {date} pukul {time}. Balas YA atau TIDAK.");
  CHECK(appointments["yes_words"] == json{{"id", {"YA", "SIAP"}}});
  CHECK(appointments["no_words"] == json{{"id", {"TIDAK"}}});
  CHECK(settings["optin_keywords"] == json{"START", "MULAI"});
  CHECK(settings["otp"] == json{{"max_sends_per_number", nullptr}, {"send_window_minutes", 15}});
  CHECK(settings["email"] == json{{"listen", "127.0.0.1:0"},
                                  {"domain", "sms.klinik.example"},
                                  {"smarthost", false},
                                  {"reports", {"failed", "replies"}},
                                  {"reports_to", "desk@klinik.example"}});
}

}  // namespace
}  // namespace smsgate::testing

// POST /api/v1/modems/{id}/ussd over real HTTP against simulated modems on ptys: the
// network's answer in words (GSM-7, UCS-2, a Huawei stick's packed hex), a menu closed
// with AT+CUSD=2, refusals and silence as 502 and 504, bad input refused before the
// modem hears of it, and sends that go on while an answer is awaited.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "auth/audit.h"
#include "integration/api_harness.h"
#include "modem/worker.h"

namespace smsgate::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string ussd_path(const std::string& modem) { return "/api/v1/modems/" + modem + "/ussd"; }

void script(ApiDaemon& gateway, const std::string& code, sim::UssdScript reply) {
  gateway.sims().with(0, [&](sim::SimModem& modem, auto) { modem.set_ussd_reply(code, reply); });
}

std::vector<std::string> codes_heard(ApiDaemon& gateway) {
  return gateway.sims().with(0, [](sim::SimModem& modem, auto) { return modem.ussd_codes(); });
}

size_t sessions_closed(ApiDaemon& gateway) {
  return gateway.sims().with(
      0, [](sim::SimModem& modem, auto) { return modem.counters().ussd_cancels; });
}

bool session_open(ApiDaemon& gateway) {
  return gateway.sims().with(0,
                             [](sim::SimModem& modem, auto) { return modem.ussd_session_open(); });
}

}  // namespace

TEST_CASE_FIXTURE(ApiTest,
                  "ussd: a balance in GSM-7 comes back in words, and the request is audited") {
  const std::string id = gateway.daemon().pool().modems().at(0);
  script(gateway, "*123#", {.text = "Balance: 12.50 EUR, valid until 31.12.2026", .delay = 300ms});

  HttpAnswer answer = client.post(ussd_path(id), {{"code", "*123#"}});
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  CHECK(answer.json() == json{{"modem", id},
                              {"code", "*123#"},
                              {"reply", "Balance: 12.50 EUR, valid until 31.12.2026"},
                              {"further_action", false}});
  CHECK(codes_heard(gateway) == std::vector<std::string>{"*123#"});
  CHECK_FALSE(session_open(gateway));

  auto audited = gateway.daemon().store().list_audit(
      store::AuditFilter{.action = std::string(auth::action::kModemUssd)});
  REQUIRE(audited.ok());
  REQUIRE(audited->items.size() == 1);
  CHECK(audited->items[0].actor == "tests");
  CHECK(audited->items[0].target == id);
}

TEST_CASE_FIXTURE(ApiTest, "ussd: a balance in UCS-2 is decoded") {
  const std::string id = gateway.daemon().pool().modems().at(0);
  const std::string balance = "\xD0\x91\xD0\xB0\xD0\xBB\xD0\xB0\xD0\xBD\xD1\x81: 150 \xE2\x82\xBD";
  script(gateway, "*100#", {.text = balance, .encoding = sim::TextEncoding::kUcs2});

  HttpAnswer answer = client.post(ussd_path(id), {{"code", "*100#"}});
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  CHECK(answer.json()["reply"] == balance);
}

TEST_CASE("ussd: a Huawei stick gets the code and gives its answer as packed GSM-7 hex") {
  sim::SimConfig stick = sim::numbered_config(0);
  stick.manufacturer = "huawei";  // picks the Huawei driver, as an E3131 answers AT+CGMI
  stick.model = "E3131";
  stick.ussd_packed_hex = true;
  ApiDaemon gateway(std::vector<sim::SimConfig>{stick});
  HttpClient client = gateway.client();
  const std::string id = gateway.daemon().pool().modems().at(0);
  script(gateway, "*101*1#", {.text = "Your balance is 3.20 EUR @ 0.09/min"});

  HttpAnswer answer = client.post(ussd_path(id), {{"code", "*101*1#"}});
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  CHECK(answer.json()["reply"] == "Your balance is 3.20 EUR @ 0.09/min");
  // The stick decoded the packed code the driver wrote (seven characters: CR-padded).
  CHECK(codes_heard(gateway) == std::vector<std::string>{"*101*1#"});
}

TEST_CASE_FIXTURE(ApiTest, "ussd: a menu is answered with its text and the session closed") {
  const std::string id = gateway.daemon().pool().modems().at(0);
  // One choice a line, as networks write menus.
  script(gateway, "*111#", {.status = 1, .text = "Menu\n1 Balance\n2 Bundles\n3 Roaming"});

  HttpAnswer answer = client.post(ussd_path(id), {{"code", "*111#"}});
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  CHECK(answer.json()["reply"] == "Menu\n1 Balance\n2 Bundles\n3 Roaming");
  CHECK(answer.json()["further_action"] == true);
  // Closed before the answer was given: the modem holds no session.
  CHECK(sessions_closed(gateway) == 1);
  CHECK_FALSE(session_open(gateway));
  // And takes the next request.
  CHECK(client.post(ussd_path(id), {{"code", "*100#"}}).status == 200);
}

TEST_CASE_FIXTURE(ApiTest,
                  "ussd: the network's refusals are 502 ussd_failed, its timeout 504, in words") {
  const std::string id = gateway.daemon().pool().modems().at(0);

  script(gateway, "*200#", {.status = 2, .text = "Service temporarily unavailable"});
  HttpAnswer ended = client.post(ussd_path(id), {{"code", "*200#"}});
  CHECK(ended.status == 502);
  CHECK(ended.error_code() == "ussd_failed");
  std::string message = ended.json()["error"]["message"];
  CHECK(message.find("terminated by the network") != std::string::npos);
  CHECK(message.find("Service temporarily unavailable") != std::string::npos);

  // No script: the simulated network does not support the code (<m> 4).
  HttpAnswer unsupported = client.post(ussd_path(id), {{"code", "*404#"}});
  CHECK(unsupported.status == 502);
  CHECK(unsupported.error_code() == "ussd_failed");
  CHECK(unsupported.json()["error"]["message"].get<std::string>().find("not supported") !=
        std::string::npos);

  script(gateway, "*500#", {.status = 5});
  HttpAnswer network_timeout = client.post(ussd_path(id), {{"code", "*500#"}});
  CHECK(network_timeout.status == 504);
  CHECK(network_timeout.error_code() == "ussd_timeout");

  // Without the network the modem itself refuses AT+CUSD.
  gateway.sims().with(0, [](sim::SimModem& modem, auto now) { modem.set_registered(false, now); });
  HttpAnswer refused = client.post(ussd_path(id), {{"code", "*123#"}});
  CHECK(refused.status == 502);
  CHECK(refused.error_code() == "ussd_failed");
  CHECK(refused.json()["error"]["message"].get<std::string>().find("refused") != std::string::npos);
  // None of them left a session open.
  CHECK_FALSE(session_open(gateway));
}

TEST_CASE_FIXTURE(ApiTest, "ussd: a network that never answers is 504 and the session is closed") {
  const std::string id = gateway.daemon().pool().modems().at(0);
  script(gateway, "*300#", {.answered = false});

  HttpAnswer answer = client.post(ussd_path(id), {{"code", "*300#"}, {"timeout", 2}});
  CHECK(answer.status == 504);
  CHECK(answer.error_code() == "ussd_timeout");
  CHECK(answer.json()["error"]["message"].get<std::string>().find("in time") != std::string::npos);
  CHECK(wait_until([&] { return sessions_closed(gateway) == 1; }));
  CHECK_FALSE(session_open(gateway));
  // The modem is still ready and answers the next code.
  HttpAnswer next = client.post(ussd_path(id), {{"code", "*100#"}});
  CHECK_MESSAGE(next.status == 200, next.body);
}

TEST_CASE_FIXTURE(ApiTest,
                  "ussd: a bad code or body is 400 naming the field; an unknown modem is 404") {
  const std::string id = gateway.daemon().pool().modems().at(0);

  for (const json& code : {json(""), json("*123# "), json("*12a#"), json("*1\",0;+CFUN=0#"),
                           json(std::string(161, '1')), json(123), json("\xC3\xA4")}) {
    CAPTURE(code.dump());
    HttpAnswer answer = client.post(ussd_path(id), {{"code", code}});
    CHECK(answer.status == 400);
    CHECK(answer.error_field() == "code");
    CHECK(answer.error_code() == "invalid_field");
  }
  HttpAnswer missing = client.post(ussd_path(id), json::object());
  CHECK(missing.status == 400);
  CHECK(missing.error_field() == "code");
  HttpAnswer bad_timeout = client.post(ussd_path(id), {{"code", "*100#"}, {"timeout", 0}});
  CHECK(bad_timeout.status == 400);
  CHECK(bad_timeout.error_field() == "timeout");
  HttpAnswer unknown_field = client.post(ussd_path(id), {{"code", "*100#"}, {"text", "hi"}});
  CHECK(unknown_field.status == 400);
  CHECK(unknown_field.error_code() == "unknown_field");
  // The longest code passes.
  CHECK(client.post(ussd_path(id), {{"code", std::string(160, '1')}}).status == 502);

  HttpAnswer unknown = client.post(ussd_path("356938035643800"), {{"code", "*100#"}});
  CHECK(unknown.status == 404);
  CHECK(unknown.error_code() == "not_found");
  // Only the valid code reached the modem.
  CHECK(codes_heard(gateway) == std::vector<std::string>{std::string(160, '1')});
}

TEST_CASE_FIXTURE(
    ApiTest, "ussd: a send goes on while an answer is awaited, and a second request is refused") {
  const std::string id = gateway.daemon().pool().modems().at(0);
  script(gateway, "*123#", {.text = "Balance: 7.00 EUR", .delay = 3s});

  std::future<HttpAnswer> balance = std::async(std::launch::async, [&] {
    HttpClient own = gateway.client();
    return own.post(ussd_path(id), {{"code", "*123#"}});
  });
  REQUIRE(wait_until([&] { return session_open(gateway); }));

  HttpAnswer busy = client.post(ussd_path(id), {{"code", "*100#"}});
  CHECK(busy.status == 409);
  CHECK(busy.error_code() == "modem_busy");

  const int64_t message =
      submit_accepted(client, {{"to", "+4917012345678"}, {"text", "Your table is ready"}});
  CHECK(gateway.wait_status(client, message, "sent"));
  // Sent while the network had not answered yet.
  CHECK(balance.wait_for(0s) != std::future_status::ready);

  HttpAnswer answer = balance.get();
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  CHECK(answer.json()["reply"] == "Balance: 7.00 EUR");
  gateway.sims().with(0, [](sim::SimModem& modem, auto) {
    REQUIRE(modem.sent().size() == 1);
    CHECK(modem.sent()[0].text == "Your table is ready");
    // Every command line the gateway wrote was whole: none was refused as garbled.
    CHECK(modem.counters().errors == 0);
  });
}

TEST_CASE("ussd: a modem that is not ready refuses at once, in words") {
  struct Silent final : modem::Listener {
    void on_status(const modem::ModemStatus&) override {}
    void on_sent(const modem::SendOutcome&) override {}
    void on_received(const modem::Received&) override {}
  } listener;
  modem::WorkerConfig config;
  config.port = "/nonexistent/modem";
  modem::ModemWorker worker(config, listener);
  bool called = false;
  Status refused = worker.request_ussd({"*100#", MonotonicClock::now() + 5s},
                                       [&](Result<modem::UssdAnswer>) { called = true; });
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kModemNotReady);
  CHECK(refused.error().message.find("not ready") != std::string::npos);
  CHECK_FALSE(called);
}

}  // namespace smsgate::testing

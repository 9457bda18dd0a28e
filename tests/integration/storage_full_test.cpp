// A disk that fills and frees again, over real HTTP against the daemon: while the
// database cannot grow (SQLite's max_page_count on the writing connection, which fails
// writes exactly as a full disk does: SQLITE_FULL), every submission route answers
// 503 storage_unavailable and stores nothing, what was acknowledged before stays,
// health says 503 and why, and messages falling due meanwhile are not claimed (the
// dispatcher's refused writes counted on /metrics); once it may grow again,
// submissions succeed with no restart, health is 200, and what fell due is sent.
#include <doctest/doctest.h>

#include <ctime>
#include <string>
#include <vector>

#include "integration/api_harness.h"

namespace {

using namespace smsgate;
using namespace smsgate::testing;
using json = nlohmann::json;

constexpr const char* kCustomer = "+4917012345678";

// `hours` from the daemon's now, so that the modems leave these messages alone and
// only submissions write.
std::string hours_later(const Clock& clock, int hours) {
  std::time_t seconds = static_cast<std::time_t>(clock.now() / 1000 + 3600 * hours);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// A counter's value on the daemon's /metrics page; -1 when it is not there.
int64_t metric(HttpClient& client, const std::string& name) {
  auto page = client.get("/metrics");
  REQUIRE(page.status == 200);
  size_t at = page.body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(page.body.substr(at + name.size() + 2));
}

int64_t stored_messages(store::Store& store) {
  auto counts = store.count_by_status();
  REQUIRE(counts.ok());
  int64_t total = 0;
  for (const auto& [status, count] : *counts) total += count;
  return total;
}

void check_refused(const HttpAnswer& answer) {
  CHECK(answer.status == 503);
  CHECK(answer.error_code() == "storage_unavailable");
  CHECK(answer.headers.count("retry-after") == 1);
  // The client learns what happened, not SQLite's words or the database's path.
  CHECK(answer.body.find("smsgate.db") == std::string::npos);
  CHECK(answer.body.find("database or disk is full") == std::string::npos);
}

}  // namespace

TEST_CASE(
    "storage full: submissions are refused with 503 and store nothing; space back, they succeed") {
  ApiDaemon gateway(1);
  HttpClient client = gateway.client();
  HttpClient anonymous(gateway.url());
  store::Store& store = gateway.daemon().store();
  // The first three become due when the test moves the clock an hour on; the others
  // stay scheduled.
  const std::string soon = hours_later(gateway.clock(), 1);
  const std::string later = hours_later(gateway.clock(), 3);

  auto healthy = anonymous.get("/api/v1/health");
  REQUIRE(healthy.status == 200);
  CHECK(healthy.json()["store"] == "ok");

  std::vector<int64_t> accepted;
  auto submit = [&](int i, const std::string& send_at) {
    return client.post("/api/v1/messages",
                       {{"to", kCustomer},
                        {"text", "Reminder " + std::to_string(i) + ": your appointment is at 9:00"},
                        {"send_at", send_at}});
  };
  for (int i = 0; i < 3; ++i) {
    auto answer = submit(i, soon);
    REQUIRE(answer.status == 202);
    accepted.push_back(answer.json()["id"].get<int64_t>());
  }
  const std::vector<int64_t> due_soon = accepted;

  // The disk fills: submissions succeed while the pages it has hold them, then stop.
  REQUIRE(store.freeze_size(true).ok());
  HttpAnswer refused;
  for (int i = 3; i < 3000; ++i) {
    auto answer = submit(i, later);
    if (answer.status != 202) {
      refused = answer;
      break;
    }
    accepted.push_back(answer.json()["id"].get<int64_t>());
  }
  check_refused(refused);
  int64_t stored = stored_messages(store);
  CHECK(stored == static_cast<int64_t>(accepted.size()));

  // Every way in is refused the same way, and none stores anything.
  check_refused(submit(-1, later));
  check_refused(client.post("/api/v1/messages/batch",
                            {{"messages",
                              {{{"to", kCustomer}, {"text", "one"}, {"send_at", later}},
                               {{"to", kCustomer}, {"text", "two"}, {"send_at", later}}}}}));
  check_refused(client.post("/api/v1/otp", {{"to", kCustomer}}));
  CHECK(stored_messages(store) == stored);

  // Health says so, and says why; the modem is fine.
  auto sick = anonymous.get("/api/v1/health");
  CHECK(sick.status == 503);
  json body = sick.json();
  CHECK(body["status"] == "unavailable");
  CHECK(body["store"] == "unavailable: database or disk is full");
  CHECK(body["modems"]["ready"] == 1);
  CHECK(body["queue"]["due"] == 0);

  // What was acknowledged is all there, readable.
  for (int64_t id : accepted) {
    CAPTURE(id);
    CHECK(client.get("/api/v1/messages/" + std::to_string(id)).status == 200);
  }

  // The first three fall due: the dispatcher's writes are refused too, and it claims
  // nothing more until they work.
  CHECK(metric(client, "smsgate_dispatch_store_faults_total") == 0);
  gateway.clock().advance(3600'000 + 60'000);
  gateway.daemon().dispatcher().wake();
  REQUIRE(wait_until([&] { return metric(client, "smsgate_dispatch_store_faults_total") > 0; }));

  // Space returns: no restart, the next submission is taken and health is 200 again.
  REQUIRE(store.freeze_size(false).ok());
  auto well = anonymous.get("/api/v1/health");
  CHECK(well.status == 200);
  CHECK(well.json()["store"] == "ok");
  auto again = submit(3000, later);
  REQUIRE(again.status == 202);
  CHECK(client.post("/api/v1/otp", {{"to", kCustomer}}).status == 202);
  CHECK(stored_messages(store) == stored + 2);
  // The dispatcher settled what it could not record, and what fell due is sent.
  for (int64_t id : due_soon) CHECK(gateway.wait_status(client, id, "sent"));
  CHECK(metric(client, "smsgate_dispatch_store_recoveries_total") >= 1);
}

TEST_CASE("health: 503 while no modem is ready to send; the body counts the queue") {
  ApiDaemon gateway(1);
  HttpClient client = gateway.client();
  HttpClient anonymous(gateway.url());

  auto modems = client.get("/api/v1/modems");
  REQUIRE(modems.status == 200);
  std::string id = modems.json()["items"][0]["id"];

  // Staff stop the only modem: nothing can go out.
  REQUIRE(client.post("/api/v1/modems/" + id + "/disable", json::object()).status == 200);
  auto stopped = anonymous.get("/api/v1/health");
  CHECK(stopped.status == 503);
  CHECK(stopped.json()["store"] == "ok");
  CHECK(stopped.json()["modems"] == json{{"ready", 0}, {"total", 1}});

  // What waits, and for how long.
  auto submitted = client.post("/api/v1/messages", {{"to", kCustomer}, {"text", "waiting"}});
  REQUIRE(submitted.status == 202);
  gateway.clock().advance(90'000);
  json queue = anonymous.get("/api/v1/health").json()["queue"];
  CHECK(queue["due"] == 1);
  CHECK(queue["sending"] == 0);
  CHECK(queue["oldest_due_age_seconds"].get<int64_t>() >= 90);

  REQUIRE(client.post("/api/v1/modems/" + id + "/enable", json::object()).status == 200);
  auto sending = anonymous.get("/api/v1/health");
  CHECK(sending.status == 200);
  CHECK(sending.json()["modems"] == json{{"ready", 1}, {"total", 1}});
  // On loopback, in the clear is fine: no warning.
  CHECK(sending.json()["warnings"] == json::array());
}

TEST_CASE("health: a gateway with no modem yet is healthy") {
  ApiDaemon gateway(0);
  HttpClient anonymous(gateway.url());
  auto health = anonymous.get("/api/v1/health");
  CHECK(health.status == 200);
  CHECK(health.json()["modems"] == json{{"ready", 0}, {"total", 0}});
  CHECK(health.json()["queue"] ==
        json{{"due", 0}, {"sending", 0}, {"oldest_due_age_seconds", nullptr}});
}

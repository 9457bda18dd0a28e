// The daemon as local software meets it: daemon::Daemon started from a Config, with
// simulated modems on ptys, its API on an ephemeral loopback port, and an API key.
// Time is the system's plus an offset the test may move forward (OTP expiry) while
// the modems keep their real pace.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/admin_password.h"
#include "daemon/daemon.h"
#include "integration/http_client.h"
#include "integration/modem_harness.h"

namespace smsgate::testing {

class OffsetClock final : public Clock {
 public:
  int64_t now() const override { return system_.now() + offset_.load(); }
  void advance(int64_t ms) { offset_.fetch_add(ms); }

 private:
  SystemClock system_;
  std::atomic<int64_t> offset_{0};
};

class ApiDaemon {
 public:
  explicit ApiDaemon(size_t modems = 2, std::function<void(config::Config&)> adjust = {})
      : ApiDaemon(numbered(modems), std::move(adjust)) {}
  // Simulated modems as given (a maker and model that pick a driver, a small SIM).
  explicit ApiDaemon(std::vector<sim::SimConfig> modems,
                     std::function<void(config::Config&)> adjust = {})
      : sims_(modems) {
    const size_t count = modems.size();
    config_.storage.path = (db_dir_.path() / "smsgate.db").string();
    config_.modems.ports = {(sims_.dir.path() / "modem*").string()};
    config_.modems.rate_per_minute = 0;
    config_.sending.quiet_hours = std::nullopt;
    config_.sending.timezone = "UTC";
    config_.http.listen = "127.0.0.1:0";
    if (adjust) adjust(config_);
    auto started = daemon::Daemon::start(config_, &clock_);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    daemon_ = std::move(*started);
    auto key = daemon_->api_keys().create("tests", auth::Scopes::all(), clock_.now());
    REQUIRE(key.ok());
    key_ = key->key;
    REQUIRE(wait_until([&] { return ready_modems() == count; }));
  }
  ~ApiDaemon() { daemon_->stop(); }

  // Stops the daemon and starts a new one on the same database and modems (its port
  // changes: url() follows it).
  void restart() {
    daemon_->stop();
    daemon_.reset();
    auto started = daemon::Daemon::start(config_, &clock_);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    daemon_ = std::move(*started);
  }

  std::string url() const {
    return std::string(config_.http.tls_certificate.empty() ? "http" : "https") +
           "://127.0.0.1:" + std::to_string(daemon_->http_port());
  }
  const std::string& key() const { return key_; }
  const std::string& db_path() const { return config_.storage.path; }
  HttpClient client() const { return HttpClient(url(), key_); }
  daemon::Daemon& daemon() { return *daemon_; }
  // The configuration it was started with (a test changes a copy and reloads it).
  const config::Config& config() const { return config_; }
  SimModems& sims() { return sims_; }
  OffsetClock& clock() { return clock_; }

  size_t ready_modems() {
    size_t ready = 0;
    for (const std::string& id : daemon_->pool().modems()) {
      auto status = daemon_->pool().status(id);
      if (status && status->state == modem::State::kReady) ++ready;
    }
    return ready;
  }

  // A text from `from` comes in through the first simulated modem.
  void deliver(const std::string& from, const std::string& text) {
    sims_.with(0, [&](sim::SimModem& modem, auto now) {
      REQUIRE(modem.deliver({.from = from, .text = text}, now).ok());
    });
  }
  // The texts the first simulated modem sent to `to`, in order.
  std::vector<std::string> texts_sent_to(const std::string& to) {
    return sims_.with(0, [&](sim::SimModem& modem, auto) {
      std::vector<std::string> texts;
      for (const sim::SentMessage& sent : modem.sent())
        if (sent.to == to) texts.push_back(sent.text);
      return texts;
    });
  }

  // The message's status as the API shows it.
  std::string status_of(HttpClient& client, int64_t id) {
    auto answer = client.get("/api/v1/messages/" + std::to_string(id));
    REQUIRE(answer.status == 200);
    return answer.json()["status"].get<std::string>();
  }
  bool wait_status(HttpClient& client, int64_t id, const std::string& status) {
    return wait_until([&] { return status_of(client, id) == status; });
  }

 private:
  static std::vector<sim::SimConfig> numbered(size_t count) {
    std::vector<sim::SimConfig> configs;
    for (size_t i = 0; i < count; ++i) {
      sim::SimConfig config = sim::numbered_config(static_cast<int>(i));
      config.cmgs_latency = 20ms;
      configs.push_back(config);
    }
    return configs;
  }

  SimModems sims_;
  TempDir db_dir_;
  config::Config config_;
  OffsetClock clock_;
  std::unique_ptr<daemon::Daemon> daemon_;
  std::string key_;
};

// What most API tests start from, as TEST_CASE_FIXTURE(ApiTest, "..."): the daemon with
// one simulated modem as `gateway`, and `client` with its key. A file whose tests all
// want another configuration derives a fixture that passes its `adjust`.
class ApiTest {
 public:
  explicit ApiTest(std::function<void(config::Config&)> adjust = {})
      : gateway(1, std::move(adjust)) {}

 protected:
  ApiDaemon gateway;
  HttpClient client = gateway.client();
};

// POST /api/v1/messages that must be accepted (202); the new message's id.
inline int64_t submit_accepted(HttpClient& client, const nlohmann::json& body) {
  auto answer = client.post("/api/v1/messages", body);
  REQUIRE_MESSAGE(answer.status == 202, answer.body);
  return answer.json()["id"].get<int64_t>();
}

// Signs in to the console as `name` (the admin when empty) and gives the header a
// browser then sends: "Cookie: smsgate_session=TOKEN".
inline std::string session_cookie(const std::string& url, const std::string& password,
                                  const std::string& name = "") {
  HttpClient browser(url);
  nlohmann::json body = {{"password", password}};
  if (!name.empty()) body["name"] = name;
  auto signed_in = browser.post("/api/v1/admin/session", body);
  REQUIRE_MESSAGE(signed_in.status == 204, signed_in.body);
  const std::string& set_cookie = signed_in.headers["set-cookie"];
  return "Cookie: " + set_cookie.substr(0, set_cookie.find(';'));
}

// GET `path` as the console asks for it, with the admin's session (a new password each
// time); the answer must be 200.
inline nlohmann::json get_as_admin(ApiDaemon& gateway, const std::string& path) {
  auto password = auth::reset_admin_password(gateway.daemon().store());
  REQUIRE(password.ok());
  HttpClient browser(gateway.url());
  auto answer = browser.request("GET", path, "", {session_cookie(gateway.url(), *password)});
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  return answer.json();
}

// What the audit log says was done: "action target" per row.
inline std::vector<std::string> audited_actions(ApiDaemon& gateway) {
  std::vector<std::string> actions;
  const nlohmann::json items = get_as_admin(gateway, "/api/v1/audit")["items"];
  for (const nlohmann::json& item : items)
    actions.push_back(item["action"].get<std::string>() + " " + item["target"].get<std::string>());
  return actions;
}

// A body the API refuses, and how: the status, error code and field of its answer.
struct Refusal {
  nlohmann::json body;
  int status;
  const char* code;
  const char* field;
};

// POSTs each body to `path`; each is answered as its refusal says.
inline void check_refusals(HttpClient& client, const std::string& path,
                           const std::vector<Refusal>& refusals) {
  for (const Refusal& refusal : refusals) {
    CAPTURE(refusal.body.dump());
    auto answer = client.post(path, refusal.body);
    CHECK(answer.status == refusal.status);
    CHECK(answer.error_code() == refusal.code);
    CHECK(answer.error_field() == refusal.field);
  }
}

}  // namespace smsgate::testing

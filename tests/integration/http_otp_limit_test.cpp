// The per-number OTP send limit over real HTTP against the daemon with simulated
// modems ([otp] max_sends_per_number within send_window_minutes, 5 an hour by
// default): the send over the limit is 429 rate_limited with Retry-After and queues
// nothing, replays and other numbers are not held back, the window slides with the
// daemon's clock, and concurrent requests cannot pass it together.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "integration/api_harness.h"

namespace smsgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kCustomer = "+4917012345678";
constexpr const char* kNeighbour = "+4917012345679";

// Messages to `to` as GET /api/v1/messages lists them.
size_t messages_to(HttpClient& client, const std::string& to) {
  auto page = client.get("/api/v1/messages?limit=1000&to=%2B" + to.substr(1));
  REQUIRE(page.status == 200);
  return page.json()["items"].size();
}

size_t sent_by_modems(ApiDaemon& gateway) {
  return gateway.sims().with(0, [](sim::SimModem& modem, auto) { return modem.sent().size(); });
}

int64_t retry_after(const HttpAnswer& answer) {
  auto found = answer.headers.find("retry-after");
  REQUIRE_MESSAGE(found != answer.headers.end(), "no Retry-After: " << answer.body);
  return std::stoll(found->second);
}

}  // namespace

TEST_CASE_FIXTURE(ApiTest,
                  "api: the sixth OTP to a number within an hour is 429 with Retry-After") {
  auto send = [&](const std::string& to, std::vector<std::string> headers = {}) {
    return client.post("/api/v1/otp", {{"to", to}}, headers);
  };

  auto first = send(kCustomer, {"Idempotency-Key: login-1"});
  REQUIRE_MESSAGE(first.status == 202, first.body);
  for (int i = 1; i < 5; ++i) {
    auto answer = send(kCustomer);
    REQUIRE_MESSAGE(answer.status == 202, answer.body);
  }
  REQUIRE(wait_until([&] { return sent_by_modems(gateway) == 5; }));

  auto refused = send(kCustomer);
  CHECK(refused.status == 429);
  CHECK(refused.error_code() == "rate_limited");
  CHECK(refused.error_field() == "to");
  CHECK(refused.json()["error"]["message"].get<std::string>().find(kCustomer) != std::string::npos);
  const int64_t wait = retry_after(refused);
  CHECK(wait > 3500);  // the first code went less than 100 s ago
  CHECK(wait <= 3600);
  // Nothing was stored or queued for it.
  CHECK(messages_to(client, kCustomer) == 5);

  // A replay of an earlier send is no new code: answered as ever.
  auto replay = send(kCustomer, {"Idempotency-Key: login-1"});
  CHECK(replay.status == 200);
  CHECK(replay.json()["id"] == first.json()["id"]);
  // Another number has its own count.
  CHECK(send(kNeighbour).status == 202);
  REQUIRE(wait_until([&] { return sent_by_modems(gateway) == 6; }));

  // Half an hour on, the window still holds the five codes.
  gateway.clock().advance(30 * 60 * 1000);
  auto still = send(kCustomer);
  CHECK(still.status == 429);
  const int64_t rest = retry_after(still);
  CHECK(rest <= wait - 30 * 60);
  CHECK(rest > wait - 30 * 60 - 100);

  // Once the window has passed the first code, a code goes again, and is sent.
  gateway.clock().advance(rest * 1000);
  auto again = send(kCustomer);
  REQUIRE_MESSAGE(again.status == 202, again.body);
  CHECK(messages_to(client, kCustomer) == 6);
  CHECK(wait_until([&] { return sent_by_modems(gateway) == 7; }));
  // The 429s sent nothing.
  CHECK(messages_to(client, kCustomer) == 6);
  CHECK(sent_by_modems(gateway) == 7);
}

TEST_CASE("api: concurrent OTP requests to one number cannot pass the limit together") {
  ApiDaemon gateway(1, [](config::Config& config) {
    config.otp.max_sends_per_number = 3;
    config.otp.send_window = std::chrono::minutes(10);
  });
  constexpr int kRequests = 12;
  std::atomic<int> accepted{0};
  std::atomic<int> limited{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&] {
      HttpClient client = gateway.client();
      auto answer = client.post("/api/v1/otp", {{"to", kCustomer}});
      if (answer.status == 202) {
        accepted.fetch_add(1);
      } else if (answer.status == 429) {
        limited.fetch_add(1);
      } else {
        other.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(accepted.load() == 3);
  CHECK(limited.load() == kRequests - 3);
  CHECK(other.load() == 0);
  HttpClient client = gateway.client();
  CHECK(messages_to(client, kCustomer) == 3);

  // The configured window: ten minutes on, three more.
  gateway.clock().advance(10 * 60 * 1000 + 1000);
  for (int i = 0; i < 3; ++i) CHECK(client.post("/api/v1/otp", {{"to", kCustomer}}).status == 202);
  CHECK(client.post("/api/v1/otp", {{"to", kCustomer}}).status == 429);
}

}  // namespace smsgate::testing

namespace smsgate::testing {
namespace {

TEST_CASE_FIXTURE(
    ApiTest,
    "api: a spent OTP code is purged by the running daemon a day later; its message stays") {
  auto sent = client.post("/api/v1/otp", {{"to", kCustomer}});
  REQUIRE_MESSAGE(sent.status == 202, sent.body);
  int64_t id = sent.json()["id"].get<int64_t>();
  auto verdict = [&] {
    auto answer = client.post("/api/v1/otp/verify", {{"to", kCustomer}, {"code", "00000000"}});
    REQUIRE_MESSAGE(answer.status == 200, answer.body);
    return answer.json()["result"].get<std::string>();
  };

  gateway.clock().advance(3600LL * 1000);  // past the 5-minute TTL: kept, answered "expired"
  CHECK(verdict() == "expired");
  // A day after it expired, the dispatcher's hourly housekeeping deletes it.
  gateway.clock().advance(24LL * 3600 * 1000);
  CHECK(wait_until([&] { return verdict() == "no_code"; }));
  CHECK(client.get("/api/v1/messages/" + std::to_string(id)).status == 200);
}

}  // namespace
}  // namespace smsgate::testing

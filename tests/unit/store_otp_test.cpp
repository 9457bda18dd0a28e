// One-time password rows in the store: the per-number send limit (counted in the
// write that inserts, replays not counted, a refusal stores nothing) and the purge of
// spent codes. Time is passed in, so the window and the retention are walked through
// in milliseconds.
#include <doctest/doctest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dispatch/compose.h"
#include "store_test_support.h"

namespace smsgate::store {

using testing::open_store;
using testing::TempDir;

namespace {

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr const char* kNumber = "+491701234567";
constexpr const char* kOther = "+491709876543";

NewMessage otp_message(const std::string& to, int64_t now,
                       std::optional<std::string> idempotency_key = std::nullopt) {
  dispatch::OutgoingRequest request;
  request.to = to;
  request.text = "Your code is 123456";
  request.category = policy::Category::kOtp;
  request.ttl_ms = 5 * kMinute;
  request.idempotency_key = std::move(idempotency_key);
  auto message = dispatch::compose_message(request, now, 1);
  REQUIRE_MESSAGE(message.ok(), (message.ok() ? "" : message.error().message));
  return *message;
}

OtpSubmitResult send(Store& store, const std::string& to, int64_t now, OtpSendLimit limit = {},
                     std::optional<std::string> idempotency_key = std::nullopt,
                     int64_t ttl_ms = 5 * kMinute) {
  auto result = store.submit_otp(otp_message(to, now, std::move(idempotency_key)), "hash",
                                 now + ttl_ms, now, limit);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return *result;
}

// What otp_codes holds, by id: (recipient, created_at).
std::vector<std::pair<std::string, int64_t>> codes(const TempDir& dir) {
  auto connection = Connection::open(dir.db(), false);
  REQUIRE(connection.ok());
  auto q = connection->query("SELECT recipient, created_at FROM otp_codes ORDER BY id");
  REQUIRE(q.ok());
  std::vector<std::pair<std::string, int64_t>> rows;
  for (;;) {
    auto row = q->step();
    REQUIRE(row.ok());
    if (!*row) return rows;
    rows.emplace_back(q->text(0), q->int64(1));
  }
}

int64_t message_count(Store& store) {
  auto counts = store.count_by_status();
  REQUIRE(counts.ok());
  int64_t total = 0;
  for (const auto& [status, count] : *counts) total += count;
  return total;
}

}  // namespace

TEST_CASE("store otp: the per-number limit counts codes in a sliding window") {
  TempDir dir;
  auto store = open_store(dir);
  const OtpSendLimit limit{3, kHour};
  // Three codes at 0, 10 and 20 minutes fill the window.
  for (int64_t at : {kT0, kT0 + 10 * kMinute, kT0 + 20 * kMinute}) {
    auto sent = send(*store, kNumber, at, limit);
    CHECK_FALSE(sent.refused_until.has_value());
    CHECK(sent.message.id > 0);
  }
  // The fourth is refused until the first leaves the window, and stores nothing.
  auto refused = send(*store, kNumber, kT0 + 30 * kMinute, limit);
  REQUIRE(refused.refused_until.has_value());
  CHECK(*refused.refused_until == kT0 + kHour);
  CHECK(refused.message.id == 0);
  CHECK(codes(dir).size() == 3);
  CHECK(message_count(*store) == 3);

  // Another number has its own count.
  CHECK_FALSE(send(*store, kOther, kT0 + 30 * kMinute, limit).refused_until.has_value());

  // A millisecond before the window lets go of the first code: still refused.
  CHECK(send(*store, kNumber, kT0 + kHour - 1, limit).refused_until == kT0 + kHour);
  // Then one more goes; the next waits for the code of minute 10.
  CHECK_FALSE(send(*store, kNumber, kT0 + kHour, limit).refused_until.has_value());
  CHECK(send(*store, kNumber, kT0 + kHour + 1, limit).refused_until == kT0 + 70 * kMinute);

  // Without a limit (max_codes 0) nothing is counted.
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(send(*store, kNumber, kT0 + kHour + 2, OtpSendLimit{}).refused_until.has_value());

  // A lower limit after the fact: the oldest code that has to leave decides.
  TempDir other_dir;
  auto other = open_store(other_dir);
  for (int i = 0; i < 4; ++i) send(*other, kNumber, kT0 + i * kMinute);
  CHECK(send(*other, kNumber, kT0 + 5 * kMinute, OtpSendLimit{2, kHour}).refused_until ==
        kT0 + 2 * kMinute + kHour);
}

TEST_CASE("store otp: an idempotent replay is answered over the limit and not counted") {
  TempDir dir;
  auto store = open_store(dir);
  const OtpSendLimit limit{2, kHour};
  auto first = send(*store, kNumber, kT0, limit, "login-1");
  REQUIRE_FALSE(first.refused_until.has_value());
  // Replays do not add codes: the second real send still fits.
  for (int i = 0; i < 3; ++i) {
    auto replay = send(*store, kNumber, kT0 + 1 + i, limit, "login-1");
    CHECK_FALSE(replay.refused_until.has_value());
    CHECK(replay.message.existing);
    CHECK(replay.message.id == first.message.id);
  }
  CHECK_FALSE(send(*store, kNumber, kT0 + 10, limit, "login-2").refused_until.has_value());
  // Full now; a new key is refused (and its key stays free), the old one replays.
  CHECK(send(*store, kNumber, kT0 + 20, limit, "login-3").refused_until.has_value());
  auto replay = send(*store, kNumber, kT0 + 30, limit, "login-1");
  CHECK_FALSE(replay.refused_until.has_value());
  CHECK(replay.message.id == first.message.id);
  CHECK(codes(dir).size() == 2);
  CHECK(message_count(*store) == 2);
  // The refused key was not taken: after the window it sends a new code.
  auto later = send(*store, kNumber, kT0 + kHour + 1, limit, "login-3");
  CHECK_FALSE(later.refused_until.has_value());
  CHECK_FALSE(later.message.existing);
}

TEST_CASE("store otp: concurrent sends cannot both pass the limit") {
  TempDir dir;
  auto store = open_store(dir);
  const OtpSendLimit limit{5, kHour};
  constexpr int kThreads = 8;
  constexpr int kEach = 5;
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto result =
            store->submit_otp(otp_message(kNumber, kT0), "hash", kT0 + kHour, kT0 + t, limit);
        if (!result.ok()) continue;
        (result->refused_until ? refused : accepted).fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(accepted.load() == 5);
  CHECK(refused.load() == kThreads * kEach - 5);
  CHECK(codes(dir).size() == 5);
}

TEST_CASE("store otp: spent codes are purged after the retention, their messages stay") {
  TempDir dir;
  auto store = open_store(dir);
  constexpr int64_t kRetention = 24 * kHour;
  const int64_t now = kT0 + 48 * kHour;
  // Expired more than a day ago: goes.
  auto old = send(*store, kNumber, kT0, {}, std::nullopt, 5 * kMinute);
  // Used more than a day ago, expired less than a day ago (a long TTL): goes, by its use.
  send(*store, kOther, kT0 + 10 * kMinute, {}, std::nullopt, 25 * kHour);
  auto used =
      store->check_otp(kOther, 5, kT0 + 11 * kMinute, [](std::string_view) { return true; });
  REQUIRE(used.ok());
  CHECK(*used == OtpCheck::kValid);
  // Expired a little less than a day ago: stays.
  send(*store, "+491700000001", now - kRetention - 5 * kMinute + 1);
  // Live: stays.
  send(*store, "+491700000002", now - kMinute);
  // Expired exactly at the cutoff: goes.
  send(*store, "+491700000003", now - kRetention - 5 * kMinute);
  REQUIRE(codes(dir).size() == 5);

  auto purged = store->purge_otp_codes(now - kRetention);
  REQUIRE(purged.ok());
  CHECK(*purged == 3);
  auto left = codes(dir);
  REQUIRE(left.size() == 2);
  CHECK(left[0].first == "+491700000001");
  CHECK(left[1].first == "+491700000002");
  // The message log keeps every message, the purged codes' too.
  CHECK(message_count(*store) == 5);
  auto detail = store->get_message(old.message.id);
  REQUIRE(detail.ok());
  CHECK(detail->has_value());
  // Nothing more to purge.
  auto again = store->purge_otp_codes(now - kRetention);
  REQUIRE(again.ok());
  CHECK(*again == 0);
  // The live code still verifies.
  auto live = store->check_otp("+491700000002", 5, now, [](std::string_view) { return true; });
  REQUIRE(live.ok());
  CHECK(*live == OtpCheck::kValid);
}

}  // namespace smsgate::store

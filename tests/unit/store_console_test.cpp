// The store's reads behind the console: the hourly outcomes of the last day (with a
// manual clock: the times are given), the queue by status, and the message list's
// category, until and search filters with keyset paging across all of them.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
namespace policy = smsgate::policy;
using namespace smsgate::store::testing;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kMinute = 60 * 1000;
// A whole UTC hour in 2026 (1'789'999'200'000 = 2026-09-21T12:00:00Z).
constexpr int64_t kHourStart = 1'789'999'200'000;
static_assert(kHourStart % kHour == 0);

NewMessage message_to(std::string to, std::string text = "Your parcel is ready",
                      policy::Category category = policy::Category::kTransactional) {
  NewMessage m;
  m.to = std::move(to);
  m.text = std::move(text);
  m.category = category;
  m.parts.push_back(NewPart{"00" + std::string(40, 'A'), 20});
  return m;
}

int64_t submit_one(Store& store, NewMessage m, int64_t now) {
  auto result = store.submit({std::move(m)}, now);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return (*result)[0].id;
}

// Submitted at `at`, its one part sent at `sent_at` with TP-MR `reference` on modem-a.
int64_t sent_at(Store& store, const std::string& to, int64_t at, int64_t sent_at, int reference) {
  int64_t id = submit_one(store, message_to(to), at);
  auto claimed = store.claim(id, "modem-a", at);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  int64_t part = (*claimed)->parts[0].id;
  REQUIRE(store.mark_part_submitting(part, "modem-a", at).ok());
  REQUIRE(store.mark_part_sent(part, reference, sent_at).ok());
  return id;
}

std::vector<int64_t> all_pages(Store& store, MessageFilter filter) {
  std::vector<int64_t> ids;
  for (;;) {
    auto page = store.list_messages(filter);
    REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error().message));
    CHECK(static_cast<int>(page->items.size()) <= filter.limit);
    for (const Message& m : page->items) ids.push_back(m.id);
    if (!page->next_cursor) return ids;
    CHECK(static_cast<int>(page->items.size()) == filter.limit);
    filter.cursor = *page->next_cursor;
  }
}

}  // namespace

TEST_CASE("store: outcomes by hour count each change in the hour it happened") {
  TempDir dir;
  auto store = open_store(dir);
  // Hour 0: two sent, one of them delivered in hour 1; hour 2: one failed outright;
  // hour 3: sent then failed by its report in the same hour. Before the window: one.
  int64_t a = sent_at(*store, "+420601000001", kHourStart, kHourStart + 5 * kMinute, 1);
  sent_at(*store, "+420601000002", kHourStart, kHourStart + 59 * kMinute, 2);
  sent_at(*store, "+420601000003", kHourStart - 2 * kHour, kHourStart - kHour, 3);
  REQUIRE(store
              ->record_status_report(
                  {"modem-a", 1, "+420601000001", 0, std::nullopt, kHourStart + kHour + 1})
              .ok());
  int64_t failed = submit_one(*store, message_to("+420601000004"), kHourStart);
  REQUIRE(store->fail_message(failed, "no modem could send it", kHourStart + 2 * kHour).ok());
  sent_at(*store, "+420601000005", kHourStart, kHourStart + 3 * kHour, 5);
  REQUIRE(store
              ->record_status_report({"modem-a", 5, "+420601000005", 0x41, std::nullopt,
                                      kHourStart + 3 * kHour + 10 * kMinute})
              .ok());

  // Any time within the first hour names it.
  auto hours = store->outcomes_by_hour(kHourStart + 17 * kMinute, 5);
  REQUIRE(hours.ok());
  REQUIRE(hours->size() == 5);
  CHECK((*hours)[0] == HourOutcomes{kHourStart, 2, 0, 0});
  CHECK((*hours)[1] == HourOutcomes{kHourStart + kHour, 0, 1, 0});
  CHECK((*hours)[2] == HourOutcomes{kHourStart + 2 * kHour, 0, 0, 1});
  CHECK((*hours)[3] == HourOutcomes{kHourStart + 3 * kHour, 1, 0, 1});
  CHECK((*hours)[4] == HourOutcomes{kHourStart + 4 * kHour, 0, 0, 0});
  auto before = store->outcomes_by_hour(kHourStart - kHour, 1);
  REQUIRE(before.ok());
  CHECK((*before)[0].sent == 1);
  CHECK(store->outcomes_by_hour(kHourStart, 0)->empty());

  auto queue = store->count_by_status();
  REQUIRE(queue.ok());
  CHECK(queue->at(MessageStatus::kSent) == 2);
  CHECK(queue->at(MessageStatus::kDelivered) == 1);
  CHECK(queue->at(MessageStatus::kFailed) == 2);
  CHECK(queue->at(MessageStatus::kQueued) == 0);
  (void)a;
}

TEST_CASE("store: messages filtered by category, until and a search, paged exactly once") {
  TempDir dir;
  auto store = open_store(dir);
  std::vector<int64_t> reminders_about_anna, others;
  for (int i = 0; i < 40; ++i) {
    const int64_t at = kHourStart + i * kMinute;
    std::string to = "+4917012345" + std::to_string(100 + i);
    if (i % 3 == 0) {
      reminders_about_anna.push_back(submit_one(
          *store, message_to(to, "Anna, your appointment is tomorrow", policy::Category::kReminder),
          at));
    } else if (i % 3 == 1) {
      others.push_back(submit_one(
          *store, message_to(to, "ANNA: your order shipped", policy::Category::kTransactional),
          at));
    } else {
      others.push_back(submit_one(
          *store, message_to(to, "Appointment tomorrow", policy::Category::kReminder), at));
    }
  }
  // Newest first, so the expectation is reversed.
  auto newest_first = [](std::vector<int64_t> ids) {
    return std::vector<int64_t>(ids.rbegin(), ids.rend());
  };

  MessageFilter filter;
  filter.limit = 4;
  filter.category = policy::Category::kReminder;
  filter.query = "anna";
  CHECK(all_pages(*store, filter) == newest_first(reminders_about_anna));

  // until is exclusive: the first 10 minutes hold messages 0..9.
  filter.until = kHourStart + 10 * kMinute;
  filter.since = kHourStart + 3 * kMinute;
  CHECK(all_pages(*store, filter) == std::vector<int64_t>{reminders_about_anna[3],
                                                          reminders_about_anna[2],
                                                          reminders_about_anna[1]});

  // By the number's digits, as staff write it.
  MessageFilter by_number;
  by_number.query = "0170 12345 105";
  auto found = all_pages(*store, by_number);
  REQUIRE(found.size() == 1);

  // A search that matches nothing walks every row and says so on one page.
  MessageFilter nothing;
  nothing.query = "invoice";
  nothing.limit = 2;
  CHECK(all_pages(*store, nothing).empty());

  // With status and to as well: the index each one leads with still pages correctly.
  MessageFilter combined;
  combined.limit = 1;
  combined.status = MessageStatus::kQueued;
  combined.query = "appointment";
  combined.category = policy::Category::kReminder;
  combined.until = kHourStart + 7 * kMinute;
  CHECK(all_pages(*store, combined).size() == 5);  // 0, 2, 3, 5, 6
  combined.to = "+4917012345103";
  CHECK(all_pages(*store, combined) == std::vector<int64_t>{reminders_about_anna[1]});
}

TEST_CASE("store: a one-time password is never found by its code, pending or final") {
  TempDir dir;
  auto store = open_store(dir);
  NewMessage otp = message_to("+4917000000001", "Your code is 482913", policy::Category::kOtp);
  int64_t pending = submit_one(*store, otp, kHourStart);
  otp.text = "Your code is 482914";
  int64_t final = submit_one(*store, otp, kHourStart);
  REQUIRE(store->cancel_message(final, "test", kHourStart).ok());
  MessageFilter by_code;
  by_code.query = "482913";
  CHECK(all_pages(*store, by_code).empty());
  by_code.query = "482914";
  CHECK(all_pages(*store, by_code).empty());
  MessageFilter by_word;
  by_word.query = "code";
  CHECK(all_pages(*store, by_word) == std::vector<int64_t>{final, pending});
}

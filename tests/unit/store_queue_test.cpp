// The outbound queue: submitting (idempotency, validation), picking due work in order
// with a manual clock, pins, exclusive claims, group commit, the part lifecycle, crash
// recovery and every other transition.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
namespace policy = smsgate::policy;
using namespace smsgate::store::testing;

// A message with `parts` well-formed (if meaningless) PDUs: "00" (no SMSC) + TPDU.
NewMessage message_to(std::string to, int parts = 1) {
  NewMessage m;
  m.to = std::move(to);
  m.text = "Your code is 123456";
  for (int i = 0; i < parts; ++i) m.parts.push_back(NewPart{"00" + std::string(40, 'A'), 20});
  return m;
}

int64_t submit_one(Store& store, NewMessage m, int64_t now) {
  auto result = store.submit({std::move(m)}, now);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return (*result)[0].id;
}

std::vector<MessageStatus> history_of(Store& store, int64_t id) {
  auto detail = store.get_message(id);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  std::vector<MessageStatus> statuses;
  for (const auto& entry : (*detail)->history) statuses.push_back(entry.status);
  return statuses;
}

constexpr int64_t kT0 = 1'790'000'000'000;  // some time in 2026

}  // namespace

TEST_CASE("store: submit stores messages with their parts and history") {
  TempDir dir;
  auto store = open_store(dir);
  auto m = message_to("+420601234567", 3);
  m.category = policy::Category::kReminder;
  m.external_id = "appt-17";
  auto result = store->submit({m}, kT0);
  REQUIRE(result.ok());
  REQUIRE(result->size() == 1);
  CHECK((*result)[0].status == MessageStatus::kQueued);
  CHECK((*result)[0].parts == 3);
  CHECK_FALSE((*result)[0].existing);

  auto detail = store->get_message((*result)[0].id);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  const MessageDetail& d = **detail;
  CHECK(d.message.to == "+420601234567");
  CHECK(d.message.category == policy::Category::kReminder);
  CHECK(d.message.external_id == "appt-17");
  CHECK(d.message.created_at == kT0);
  REQUIRE(d.parts.size() == 3);
  CHECK(d.parts[2].number == 3);
  CHECK(d.parts[0].status == PartStatus::kQueued);
  REQUIRE(d.history.size() == 1);
  CHECK(d.history[0].reason == "submitted");

  auto missing = store->get_message(999);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("store: the same idempotency key returns the same message") {
  TempDir dir;
  auto store = open_store(dir);
  auto m = message_to("+420601234567");
  m.idempotency_key = "order-1001";
  auto first = store->submit({m}, kT0);
  REQUIRE(first.ok());
  m.text = "something else";
  auto second = store->submit({m}, kT0 + 1000);
  REQUIRE(second.ok());
  CHECK((*second)[0].existing);
  CHECK((*second)[0].id == (*first)[0].id);
  // Twice in one batch: one message.
  auto n = message_to("+420601234568");
  n.idempotency_key = "order-1002";
  auto batch = store->submit({n, n}, kT0);
  REQUIRE(batch.ok());
  CHECK((*batch)[1].existing);
  CHECK((*batch)[0].id == (*batch)[1].id);
  auto counts = store->count_by_status();
  REQUIRE(counts.ok());
  CHECK((*counts)[MessageStatus::kQueued] == 2);
}

TEST_CASE("store: a large batch is stored in order, each message with its own parts") {
  // More messages than one multi-row INSERT takes, with part counts that vary, so the
  // chunks of messages and of parts fall differently.
  TempDir dir;
  auto store = open_store(dir);
  auto known = message_to("+420601230000");
  known.idempotency_key = "batch#7";
  int64_t known_id = submit_one(*store, known, kT0);

  std::vector<NewMessage> batch;
  for (int i = 0; i < 75; ++i) {
    auto m = message_to("+4206012" + std::to_string(30001 + i), 1 + i % 4);
    m.text = "message " + std::to_string(i);
    if (i % 5 == 0) m.send_at = kT0 + 60'000;
    if (i == 7 || i == 40) m.idempotency_key = "batch#" + std::to_string(i);
    batch.push_back(std::move(m));
  }
  batch[41].idempotency_key = "batch#40";  // the same key twice: one message
  auto result = store->submit(batch, kT0);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  REQUIRE(result->size() == batch.size());

  CHECK((*result)[7].existing);
  CHECK((*result)[7].id == known_id);
  CHECK((*result)[41].existing);
  CHECK((*result)[41].id == (*result)[40].id);
  int64_t previous = known_id;
  for (size_t i = 0; i < batch.size(); ++i) {
    const SubmitResult& r = (*result)[i];
    if (i == 7 || i == 41) continue;
    CHECK_FALSE(r.existing);
    CHECK(r.id > previous);  // ids in submission order
    previous = r.id;
    CHECK(r.status == (i % 5 == 0 ? MessageStatus::kScheduled : MessageStatus::kQueued));
    auto detail = store->get_message(r.id);
    REQUIRE(detail.ok());
    REQUIRE(detail->has_value());
    const MessageDetail& d = **detail;
    CHECK(d.message.text == batch[i].text);
    CHECK(d.message.to == batch[i].to);
    CHECK(d.message.part_count == static_cast<int>(batch[i].parts.size()));
    REQUIRE(d.parts.size() == batch[i].parts.size());
    for (size_t n = 0; n < d.parts.size(); ++n) CHECK(d.parts[n].number == static_cast<int>(n + 1));
    REQUIRE(d.history.size() == 1);
    CHECK(d.history[0].status == r.status);
    CHECK(d.history[0].reason == "submitted");
  }
  auto counts = store->count_by_status();
  REQUIRE(counts.ok());
  CHECK((*counts)[MessageStatus::kQueued] + (*counts)[MessageStatus::kScheduled] == 1 + 73);
}

TEST_CASE("store: bad submissions are refused and change nothing") {
  TempDir dir;
  auto store = open_store(dir);
  auto good = message_to("+420601234567");
  auto check_refused = [&](NewMessage bad, const char* expected) {
    auto result = store->submit({good, bad}, kT0);
    REQUIRE_FALSE(result.ok());
    CHECK_MESSAGE(result.error().message.find(expected) != std::string::npos,
                  result.error().message);
  };
  auto m = good;
  m.to = "0601234567";
  check_refused(m, "E.164");
  m = good;
  m.category = static_cast<policy::Category>(99);  // no such category
  check_refused(m, "category");
  m = good;
  m.priority = 5000;
  check_refused(m, "priority");
  m = good;
  m.parts.clear();
  check_refused(m, "parts");
  m = good;
  m.parts[0].pdu_hex = "00ZZ";
  check_refused(m, "hex");
  m = good;
  m.parts[0].tpdu_length = 19;  // the PDU holds 20
  check_refused(m, "does not match");
  m = good;
  m.encoding = "ascii";
  check_refused(m, "encoding");
  CHECK(store->submit({}, kT0).ok() == false);

  auto counts = store->count_by_status();
  REQUIRE(counts.ok());
  for (auto [status, count] : *counts) CHECK(count == 0);
  CHECK(store->transactions() == 0);
}

TEST_CASE("store: next due message by priority, then send_at, then age") {
  TempDir dir;
  auto store = open_store(dir);
  int64_t now = kT0;
  auto low_old = submit_one(*store, message_to("+420601000001"), now);
  auto low_new = submit_one(*store, message_to("+420601000002"), now + 10);
  auto otp = message_to("+420601000003");
  otp.priority = 100;
  otp.category = policy::Category::kOtp;
  auto otp_id = submit_one(*store, otp, now + 20);
  auto later = message_to("+420601000004");
  later.priority = 200;  // the highest, but not due yet
  later.send_at = now + 60'000;
  auto later_id = submit_one(*store, later, now + 20);
  auto early = message_to("+420601000005");
  early.send_at = now - 5'000;  // asked for earlier than the others
  auto early_id = submit_one(*store, early, now + 30);

  now += 1000;
  std::vector<int64_t> order;
  for (;;) {
    auto next = store->next_due_message(now, "modem-a");
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    order.push_back((*next)->id);
    auto claimed = store->claim((*next)->id, "modem-a", now);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->has_value());
  }
  CHECK(order == std::vector<int64_t>{otp_id, early_id, low_old, low_new});

  // The scheduled one becomes due when its time comes, and goes first.
  now += 60'000;
  auto next = store->next_due_message(now, "modem-a");
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  CHECK((*next)->id == later_id);
  CHECK((*next)->status == MessageStatus::kScheduled);
}

TEST_CASE("store: pins and exclusions") {
  TempDir dir;
  auto store = open_store(dir);
  auto pinned = message_to("+420601000001");
  pinned.modem = "modem-b";
  pinned.priority = 10;
  auto pinned_id = submit_one(*store, pinned, kT0);
  auto free_id = submit_one(*store, message_to("+420601000002"), kT0);

  auto for_a = store->next_due_message(kT0, "modem-a");
  REQUIRE(for_a.ok());
  REQUIRE(for_a->has_value());
  CHECK((*for_a)->id == free_id);
  auto for_b = store->next_due_message(kT0, "modem-b");
  REQUIRE(for_b.ok());
  REQUIRE(for_b->has_value());
  CHECK((*for_b)->id == pinned_id);

  // A pinned message cannot be claimed by another modem.
  auto wrong = store->claim(pinned_id, "modem-a", kT0);
  REQUIRE(wrong.ok());
  CHECK_FALSE(wrong->has_value());

  Exclusions exclusions;
  exclusions.message_ids = {pinned_id};
  auto excluded = store->next_due_message(kT0, "modem-b", exclusions);
  REQUIRE(excluded.ok());
  REQUIRE(excluded->has_value());
  CHECK((*excluded)->id == free_id);
  exclusions.message_ids = {pinned_id, free_id};
  auto none = store->next_due_message(kT0, "modem-b", exclusions);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("store: a claim is exclusive") {
  TempDir dir;
  auto store = open_store(dir);
  auto id = submit_one(*store, message_to("+420601000001", 2), kT0);
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto claimed = store->claim(id, "modem-" + std::to_string(i), kT0);
      if (claimed.ok() && claimed->has_value()) {
        winners.fetch_add(1);
        CHECK((*claimed)->parts.size() == 2);
        CHECK((*claimed)->message.status == MessageStatus::kSending);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(winners.load() == 1);
  auto next = store->next_due_message(kT0, "modem-0");
  REQUIRE(next.ok());
  CHECK_FALSE(next->has_value());
  CHECK_FALSE(store->claim(12345, "modem-0", kT0).ok());  // no such message
}

TEST_CASE("store: group commit puts concurrent submissions in fewer transactions") {
  TempDir dir;
  auto store = open_store(dir);
  constexpr int kThreads = 16;
  constexpr int kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto m = message_to("+4206010" + std::to_string(10000 + t * 100 + i));
        if (!store->submit({m}, kT0).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(store->write_operations() == kThreads * kEach);
  MESSAGE("transactions: " << store->transactions() << " for " << kThreads * kEach
                           << " submissions");
  CHECK(store->transactions() < store->write_operations());
  auto counts = store->count_by_status();
  REQUIRE(counts.ok());
  CHECK((*counts)[MessageStatus::kQueued] == kThreads * kEach);
}

TEST_CASE("store: parts move the message to sent; a failed part fails it") {
  TempDir dir;
  auto store = open_store(dir);
  auto id = submit_one(*store, message_to("+420601000001", 2), kT0);
  auto claimed = store->claim(id, "modem-a", kT0);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  const auto parts = (*claimed)->parts;

  // Only the claiming modem may submit, only queued parts.
  CHECK_FALSE(store->mark_part_submitting(parts[0].id, "modem-b", kT0).ok());
  REQUIRE(store->mark_part_submitting(parts[0].id, "modem-a", kT0).ok());
  CHECK_FALSE(store->mark_part_submitting(parts[0].id, "modem-a", kT0).ok());
  CHECK_FALSE(store->mark_part_sent(parts[1].id, 7, kT0).ok());  // not submitting
  CHECK_FALSE(store->mark_part_sent(parts[0].id, 256, kT0).ok());

  auto first = store->mark_part_sent(parts[0].id, 7, kT0 + 100);
  REQUIRE(first.ok());
  CHECK_FALSE(first->has_value());
  REQUIRE(store->mark_part_submitting(parts[1].id, "modem-a", kT0 + 100).ok());
  auto second = store->mark_part_sent(parts[1].id, 8, kT0 + 200);
  REQUIRE(second.ok());
  REQUIRE(second->has_value());
  CHECK((*second)->status == MessageStatus::kSent);
  auto detail = store->get_message(id);
  REQUIRE(detail.ok());
  CHECK((*detail)->message.sent_at == kT0 + 200);
  CHECK((*detail)->parts[1].tp_mr == 8);
  CHECK(history_of(*store, id) == std::vector<MessageStatus>{MessageStatus::kQueued,
                                                             MessageStatus::kSending,
                                                             MessageStatus::kSent});

  auto other = submit_one(*store, message_to("+420601000002"), kT0);
  auto c2 = store->claim(other, "modem-a", kT0);
  REQUIRE(c2.ok());
  auto part = (*c2)->parts[0].id;
  REQUIRE(store->mark_part_submitting(part, "modem-a", kT0).ok());
  auto failed = store->mark_part_failed(part, "+CMS ERROR: 28 (unidentified subscriber)", kT0);
  REQUIRE(failed.ok());
  CHECK(failed->status == MessageStatus::kFailed);
  auto d2 = store->get_message(other);
  REQUIRE(d2.ok());
  CHECK((*d2)->message.status == MessageStatus::kFailed);
  CHECK((*d2)->message.failure_reason->find("unidentified subscriber") != std::string::npos);
}

TEST_CASE("store: a message begun on one modem goes again whole from another") {
  TempDir dir;
  auto store = open_store(dir);
  auto id = submit_one(*store, message_to("+420601000003", 3), kT0);
  auto claimed = store->claim(id, "modem-a", kT0);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  const auto parts = (*claimed)->parts;
  REQUIRE(store->mark_part_submitting(parts[0].id, "modem-a", kT0).ok());
  REQUIRE(store->mark_part_sent(parts[0].id, 41, kT0 + 10).ok());
  REQUIRE(store->mark_part_submitting(parts[1].id, "modem-a", kT0 + 10).ok());
  // Part 2 refused for now: back to the queue, part 1 stays sent from modem-a.
  REQUIRE(store->release_message(id, kT0 + 20, "+CMS ERROR: 38", kT0 + 20).ok());
  auto again = store->claim(id, "modem-b", kT0 + 30);
  REQUIRE(again.ok());
  REQUIRE(again->has_value());
  CHECK((*again)->parts[0].modem == "modem-a");

  std::map<int64_t, std::string> new_pdus;
  for (const Part& part : parts) new_pdus[part.id] = "00" + std::string(40, 'B');
  // Only the claimant, only with a PDU for each part of the same length: else nothing changes.
  CHECK_FALSE(store->send_again_whole(id, "modem-a", new_pdus, kT0 + 30).ok());
  auto missing = new_pdus;
  missing.erase(parts[2].id);
  CHECK_FALSE(store->send_again_whole(id, "modem-b", missing, kT0 + 30).ok());
  auto longer = new_pdus;
  longer[parts[2].id] += "00";
  CHECK_FALSE(store->send_again_whole(id, "modem-b", longer, kT0 + 30).ok());
  auto unchanged = store->get_message(id);
  REQUIRE(unchanged.ok());
  CHECK((*unchanged)->parts[0].status == PartStatus::kSent);
  CHECK((*unchanged)->superseded.empty());

  auto whole = store->send_again_whole(id, "modem-b", new_pdus, kT0 + 30);
  REQUIRE_MESSAGE(whole.ok(), (whole.ok() ? "" : whole.error().message));
  CHECK(whole->message.status == MessageStatus::kSending);
  REQUIRE(whole->parts.size() == 3);
  for (const Part& part : whole->parts) {
    CHECK(part.status == PartStatus::kQueued);
    CHECK_FALSE(part.modem.has_value());
    CHECK_FALSE(part.sent_at.has_value());
    CHECK_FALSE(part.tp_mr.has_value());
    CHECK(part.pdu_hex == new_pdus[part.id]);
  }
  // Not sent until modem-b has sent every part.
  for (size_t i = 0; i < 3; ++i) {
    REQUIRE(store->mark_part_submitting(parts[i].id, "modem-b", kT0 + 40).ok());
    auto sent = store->mark_part_sent(parts[i].id, static_cast<int>(i), kT0 + 50);
    REQUIRE(sent.ok());
    CHECK(sent->has_value() == (i == 2));
  }
  // modem-a's part still counts among its sends; modem-b's three among its own.
  auto sends_a = store->part_send_times("modem-a", kT0);
  REQUIRE(sends_a.ok());
  CHECK(*sends_a == std::vector<int64_t>{kT0 + 10});
  auto sends_b = store->part_send_times("modem-b", kT0);
  REQUIRE(sends_b.ok());
  CHECK(*sends_b == std::vector<int64_t>{kT0 + 50, kT0 + 50, kT0 + 50});
  auto later = store->part_send_times("modem-b", kT0 + 51);
  REQUIRE(later.ok());
  CHECK(later->empty());
  auto detail = store->get_message(id);
  REQUIRE(detail.ok());
  bool told = false;
  for (const auto& entry : (*detail)->history) {
    told = told || entry.reason.starts_with("sent again whole from modem-b");
  }
  CHECK(told);
  // The detail shows what modem-a had sent, as it was then.
  REQUIRE((*detail)->superseded.size() == 1);
  const SupersededPart& superseded = (*detail)->superseded[0];
  CHECK(superseded.number == 1);
  CHECK(superseded.modem == "modem-a");
  CHECK(superseded.tp_mr == 41);
  CHECK(superseded.sent_at == kT0 + 10);
  CHECK(superseded.superseded_at == kT0 + 30);
}

TEST_CASE("store: after a failed write, what no modem holds goes back to the queue") {
  TempDir dir;
  auto store = open_store(dir);
  auto held = submit_one(*store, message_to("+420601000004", 2), kT0);
  auto orphan = submit_one(*store, message_to("+420601000005", 2), kT0);
  auto waiting = submit_one(*store, message_to("+420601000006"), kT0);
  for (int64_t id : {held, orphan}) {
    auto claimed = store->claim(id, "modem-a", kT0);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->has_value());
    const auto& parts = (*claimed)->parts;
    REQUIRE(store->mark_part_submitting(parts[0].id, "modem-a", kT0).ok());
    REQUIRE(store->mark_part_sent(parts[0].id, 1, kT0).ok());
    REQUIRE(store->mark_part_submitting(parts[1].id, "modem-a", kT0).ok());
  }
  auto counts = store->requeue_unheld({held}, kT0 + 10);
  REQUIRE(counts.ok());
  CHECK(counts->messages_requeued == 1);
  CHECK(counts->parts_requeued == 1);
  auto get = [&](int64_t id) {
    auto detail = store->get_message(id);
    REQUIRE(detail.ok());
    REQUIRE(detail->has_value());
    return **detail;
  };
  // The held message is untouched: its part in flight stays submitting.
  CHECK(get(held).message.status == MessageStatus::kSending);
  CHECK(get(held).parts[1].status == PartStatus::kSubmitting);
  // The other is queued again, keeping its place; its sent part stays sent.
  const auto requeued = get(orphan);
  CHECK(requeued.message.status == MessageStatus::kQueued);
  CHECK(requeued.message.due_at == kT0);
  CHECK(requeued.parts[0].status == PartStatus::kSent);
  CHECK(requeued.parts[1].status == PartStatus::kQueued);
  CHECK(requeued.history.back().reason == "requeued: the store could not record its progress");
  CHECK(get(waiting).message.status == MessageStatus::kQueued);
  CHECK(get(waiting).history.size() == 1);
}

TEST_CASE("store: after a crash, submitting parts come back queued and nothing is lost") {
  TempDir dir;
  int64_t id = 0, part = 0;
  {
    auto store = open_store(dir);
    id = submit_one(*store, message_to("+420601000001", 2), kT0);
    auto claimed = store->claim(id, "modem-a", kT0);
    REQUIRE(claimed.ok());
    part = (*claimed)->parts[0].id;
    REQUIRE(store->mark_part_submitting(part, "modem-a", kT0).ok());
    // The process dies here: the PDU may or may not have reached the network.
  }
  auto store = open_store(dir);
  auto recovered = store->recover_after_restart(kT0 + 5000);
  REQUIRE(recovered.ok());
  CHECK(recovered->messages_requeued == 1);
  CHECK(recovered->parts_requeued == 1);
  auto next = store->next_due_message(kT0 + 5000, "modem-b");
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  CHECK((*next)->id == id);
  auto claimed = store->claim(id, "modem-b", kT0 + 5000);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  CHECK((*claimed)->parts[0].status == PartStatus::kQueued);
  CHECK(store->mark_part_submitting(part, "modem-b", kT0 + 5000).ok());
  auto again = store->recover_after_restart(kT0 + 6000);
  REQUIRE(again.ok());
  CHECK(again->parts_requeued == 1);
}

TEST_CASE("store: release, reschedule, cancel, expire and fail") {
  TempDir dir;
  auto store = open_store(dir);
  int64_t now = kT0;
  auto id = submit_one(*store, message_to("+420601000001"), now);
  auto claimed = store->claim(id, "modem-a", now);
  REQUIRE(claimed.ok());
  REQUIRE(store->mark_part_submitting((*claimed)->parts[0].id, "modem-a", now).ok());

  // A temporary failure: back to the queue, not due before the retry time.
  auto released = store->release_message(id, now + 30'000, "modem hung", now);
  REQUIRE(released.ok());
  auto detail = store->get_message(id);
  REQUIRE(detail.ok());
  CHECK((*detail)->message.status == MessageStatus::kQueued);
  CHECK((*detail)->message.attempts == 1);
  CHECK((*detail)->parts[0].status == PartStatus::kQueued);
  auto early = store->next_due_message(now + 10'000, "modem-b");
  REQUIRE(early.ok());
  CHECK_FALSE(early->has_value());
  CHECK_FALSE(store->claim(id, "modem-b", now + 10'000)->has_value());
  auto due = store->next_due_message(now + 30'000, "modem-b");
  REQUIRE(due.ok());
  CHECK(due->has_value());

  // Quiet hours: held until the morning.
  auto held = store->reschedule(id, now + 3'600'000, "quiet hours", now + 30'000);
  REQUIRE(held.ok());
  CHECK(held->status == MessageStatus::kScheduled);
  auto none = store->next_due_message(now + 30'000, "modem-b");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  auto cancelled = store->cancel_message(id, "cancelled by client", now + 40'000);
  REQUIRE(cancelled.ok());
  CHECK(cancelled->status == MessageStatus::kCancelled);
  CHECK_FALSE(store->cancel_message(id, "again", now).ok());
  CHECK_FALSE(store->expire_message(id, now).ok());
  CHECK_FALSE(store->fail_message(id, "x", now).ok());
  CHECK_FALSE(store->release_message(id, now, "x", now).ok());
  CHECK_FALSE(store->cancel_message(424242, "x", now).ok());

  // Cancel refuses what is being sent.
  auto sending = submit_one(*store, message_to("+420601000002"), now);
  REQUIRE(store->claim(sending, "modem-a", now)->has_value());
  CHECK_FALSE(store->cancel_message(sending, "too late", now).ok());
  auto expired = store->expire_message(sending, now);
  REQUIRE(expired.ok());
  CHECK(expired->status == MessageStatus::kExpired);

  auto to_fail = submit_one(*store, message_to("+420601000003"), now);
  auto failed = store->fail_message(to_fail, "recipient opted out", now);
  REQUIRE(failed.ok());
  auto d = store->get_message(to_fail);
  REQUIRE(d.ok());
  CHECK((*d)->message.failure_reason == "recipient opted out");
  CHECK((*d)->history.back().reason == "recipient opted out");
}

TEST_CASE("store: list messages with filters and a keyset cursor") {
  TempDir dir;
  auto store = open_store(dir);
  std::vector<int64_t> ids;
  for (int i = 0; i < 7; ++i)
    ids.push_back(
        submit_one(*store, message_to(i % 2 ? "+420601000001" : "+420601000002"), kT0 + i));
  REQUIRE(store->cancel_message(ids[6], "x", kT0).ok());

  MessageFilter filter;
  filter.limit = 3;
  std::vector<int64_t> seen;
  for (;;) {
    auto page = store->list_messages(filter);
    REQUIRE(page.ok());
    for (const auto& m : page->items) seen.push_back(m.id);
    if (!page->next_cursor) break;
    filter.cursor = *page->next_cursor;
  }
  CHECK(seen == std::vector<int64_t>(ids.rbegin(), ids.rend()));

  MessageFilter by_number;
  by_number.to = "+420601000001";
  auto page = store->list_messages(by_number);
  REQUIRE(page.ok());
  CHECK(page->items.size() == 3);
  CHECK_FALSE(page->next_cursor);

  MessageFilter by_status;
  by_status.status = MessageStatus::kCancelled;
  page = store->list_messages(by_status);
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].id == ids[6]);

  MessageFilter since;
  since.since = kT0 + 5;
  since.to = "+420601000002";
  page = store->list_messages(since);
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].id == ids[6]);

  MessageFilter bad;
  bad.cursor = "zzz";
  CHECK_FALSE(store->list_messages(bad).ok());
  bad.cursor = "i5";  // another list's cursor
  CHECK_FALSE(store->list_messages(bad).ok());
  bad.cursor.clear();
  bad.limit = 0;
  CHECK_FALSE(store->list_messages(bad).ok());
}

// The engine's answers to a disk that cannot take more (store/engine.h): writes refused
// with kStorageUnavailable that change nothing, the store's write check, and a WAL
// that is emptied after a burst.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/engine.h"
#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate;
using namespace smsgate::store;
using namespace smsgate::store::testing;

constexpr int64_t kT0 = 1'790'000'000'000;

NewMessage message_to(std::string to) {
  NewMessage m;
  m.to = std::move(to);
  m.text = "Your appointment is tomorrow at 9:00. Reply YES to confirm.";
  m.parts.push_back(NewPart{"00" + std::string(300, 'A'), 150});
  return m;
}

int64_t stored_messages(Store& store) {
  auto counts = store.count_by_status();
  REQUIRE(counts.ok());
  int64_t total = 0;
  for (const auto& [status, count] : *counts) total += count;
  return total;
}

template <class Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace

TEST_CASE("store engine: a full database refuses writes as storage_unavailable, changing nothing") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->check_writable().ok());
  REQUIRE(store->freeze_size(true).ok());

  // Fill the pages it has: every accepted message is stored, the first refused one
  // and every later one are not.
  int accepted = 0;
  Error refusal;
  for (int i = 0; i < 10000; ++i) {
    auto submitted =
        store->submit({message_to("+4917012345" + std::to_string(100 + i % 900))}, kT0 + i);
    if (!submitted.ok()) {
      refusal = submitted.error();
      break;
    }
    ++accepted;
  }
  REQUIRE(refusal.code == ErrorCode::kStorageUnavailable);
  CHECK(refusal.message.find("full") != std::string::npos);
  CHECK(stored_messages(*store) == accepted);
  uint64_t faults = store->storage_faults();
  CHECK(faults >= 1);
  auto again = store->submit({message_to("+491701234567")}, kT0);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kStorageUnavailable);
  CHECK(store->storage_faults() > faults);
  CHECK(stored_messages(*store) == accepted);

  // The write check says so too, though it may still rewrite a row in place.
  Status writable = store->check_writable();
  REQUIRE_FALSE(writable.ok());
  CHECK(writable.error().code == ErrorCode::kStorageUnavailable);
  // Reads go on.
  CHECK(store->queue_state(kT0 + 20000).ok());

  // Space returns: the same store takes writes again, no reopening.
  REQUIRE(store->freeze_size(false).ok());
  CHECK(store->check_writable().ok());
  auto later = store->submit({message_to("+491701234567")}, kT0);
  REQUIRE(later.ok());
  CHECK(stored_messages(*store) == accepted + 1);
}

TEST_CASE("store engine: the write check is reused for a second unless a write failed since") {
  TempDir dir;
  auto store = open_store(dir);
  uint64_t before = store->write_operations();
  REQUIRE(store->check_writable().ok());
  CHECK(store->write_operations() == before + 1);
  REQUIRE(store->check_writable().ok());
  CHECK(store->write_operations() == before + 1);  // answered from the last check

  // A write that failed on the disk makes the next check look again at once.
  REQUIRE(store->freeze_size(true).ok());
  Status failed = ok_status();
  for (int i = 0; i < 10000 && failed.ok(); ++i) {
    auto submitted = store->submit({message_to("+491701234567")}, kT0 + i);
    if (!submitted.ok()) failed = submitted.error();
  }
  REQUIRE_FALSE(failed.ok());
  CHECK_FALSE(store->check_writable().ok());
}

TEST_CASE("store engine: queue state counts what is due, what is sending, and the oldest due") {
  TempDir dir;
  auto store = open_store(dir);
  auto empty = store->queue_state(kT0);
  REQUIRE(empty.ok());
  CHECK(*empty == QueueState{});

  NewMessage later = message_to("+491701234567");
  later.send_at = kT0 + 60'000;
  REQUIRE(store->submit({message_to("+491701234567")}, kT0).ok());
  REQUIRE(store->submit({message_to("+491701234568")}, kT0 + 5'000).ok());
  REQUIRE(store->submit({later}, kT0).ok());
  auto state = store->queue_state(kT0 + 10'000);
  REQUIRE(state.ok());
  CHECK(state->due == 2);
  CHECK(state->sending == 0);
  CHECK(state->oldest_due_at == kT0);

  auto claimed = store->claim(1, "modem-a", kT0 + 10'000);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  state = store->queue_state(kT0 + 61'000);
  REQUIRE(state.ok());
  CHECK(state->due == 2);  // the second, and the scheduled one now due
  CHECK(state->sending == 1);
  CHECK(state->oldest_due_at == kT0 + 5'000);
}

TEST_CASE("store engine: the WAL is emptied once a burst is over") {
  TempDir dir;
  auto engine = Engine::open(dir.db());
  REQUIRE(engine.ok());
  // About 2,000 pages (8 MiB) in one transaction: twice what SQLite checkpoints at.
  Status burst = (*engine)->write([](Connection& db) {
    return db.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
        "INSERT INTO settings (key, value) SELECT 'burst ' || i, zeroblob(3000) FROM n");
  });
  REQUIRE(burst.ok());
  std::string wal = dir.db() + "-wal";
  CHECK(wait_until([&] { return (*engine)->wal_truncations() == 1; }));
  CHECK(std::filesystem::file_size(wal) == 0);

  // What the burst wrote is all there, read from the database file.
  auto reader = (*engine)->read();
  REQUIRE(reader.ok());
  auto q = (*reader)->query("SELECT count(*) FROM settings WHERE key LIKE 'burst %'");
  REQUIRE(q.ok());
  REQUIRE(q->step().ok());
  CHECK(q->int64(0) == 2000);

  // Small writes leave the WAL alone: no checkpoint for each of them.
  for (int i = 0; i < 5; ++i) {
    REQUIRE((*engine)
                ->write([](Connection& db) {
                  return db.exec("UPDATE settings SET value = 'x' WHERE key = 'burst 1'");
                })
                .ok());
  }
  CHECK((*engine)->wal_truncations() == 1);
  CHECK(std::filesystem::file_size(wal) > 0);
}

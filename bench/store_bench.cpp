// The store's numbers. Goals: picking the next due message stays under 1 ms at the
// 99th percentile with 1,000,000 messages waiting; group commit lets many concurrent
// submissions share an fsync. Run in a Release build of its own (README.md,
// "Benchmarks"); the database goes to $SMSGATE_BENCH_DIR or the system's temp dir.
//
//   BM_NextDueMessage      1M waiting: 3 priorities, 10% pinned, 10% scheduled for later
//   BM_Submit/threads:N    one message per submit() from N threads (group commit)
//   BM_SubmitBatch/N       N messages per submit() (the API's batch endpoint)
//   BM_QueueByStatus       the console's queue counts (GET /stats) over 100,000 messages
//   BM_Conversations       the console's inbox page over 100,000 messages to 10,000 numbers
//   BM_SearchMessages      a q= that matches nothing: every one of 100,000 texts is read
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "store/store.h"

using namespace smsgate::store;

namespace {

constexpr int64_t kNow = 1'790'000'000'000;
constexpr int kQueued = 1'000'000;

std::filesystem::path bench_dir() {
  const char* env = std::getenv("SMSGATE_BENCH_DIR");
  std::filesystem::path base = env ? env : std::filesystem::temp_directory_path();
  std::string pattern = (base / "store_bench_XXXXXX").string();
  if (!mkdtemp(pattern.data())) return base;
  return pattern;
}

// A realistic one-part message: a 160-character GSM-7 reminder is a 153-octet TPDU
// here (the PDU hex is what the store keeps, so its size matters for the file size).
NewMessage reminder(int n) {
  NewMessage m;
  m.to = "+42060" + std::to_string(1000000 + n % 9000000);
  m.text = std::string(160, 'r');
  m.category = smsgate::policy::Category::kReminder;
  m.parts.push_back(NewPart{"00" + std::string(2 * 153, 'A'), 153});
  return m;
}

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  double seconds_to_fill = 0;
  ~Fixture() {
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

uint64_t size_of(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

// One database with a million waiting messages, built once for the run.
Fixture& million() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    f->dir = bench_dir();
    auto store = Store::open((f->dir / "bench.db").string());
    if (!store.ok()) {
      std::fprintf(stderr, "store_bench: %s\n", store.error().message.c_str());
      std::exit(1);
    }
    f->store = std::move(*store);
    auto start = smsgate::MonotonicClock::now();
    constexpr int kBatch = 10'000;
    for (int first = 0; first < kQueued; first += kBatch) {
      std::vector<NewMessage> batch;
      for (int n = first; n < first + kBatch; ++n) {
        NewMessage m = reminder(n);
        m.priority = n % 10 == 0 ? 100 : n % 3 == 0 ? 10 : 0;
        if (n % 10 == 1) m.modem = "imei-" + std::to_string(n % 4);
        if (n % 10 == 2) m.send_at = kNow + 3'600'000 + n;  // later today
        batch.push_back(std::move(m));
      }
      // Spread creation over time, as a day of traffic would.
      auto done = f->store->submit(std::move(batch), kNow - kQueued + first);
      if (!done.ok()) {
        std::fprintf(stderr, "store_bench: %s\n", done.error().message.c_str());
        std::exit(1);
      }
    }
    f->seconds_to_fill =
        std::chrono::duration<double>(smsgate::MonotonicClock::now() - start).count();
    return f;
  }();
  return *fixture;
}

// The console's database: 100,000 messages (a few months of a busy practice) to 10,000
// numbers, built once for the run.
Fixture& hundred_thousand() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    f->dir = bench_dir();
    auto store = Store::open((f->dir / "console.db").string());
    if (!store.ok()) {
      std::fprintf(stderr, "store_bench: %s\n", store.error().message.c_str());
      std::exit(1);
    }
    f->store = std::move(*store);
    auto start = smsgate::MonotonicClock::now();
    constexpr int kMessages = 100'000, kBatch = 10'000;
    for (int first = 0; first < kMessages; first += kBatch) {
      std::vector<NewMessage> batch;
      for (int n = first; n < first + kBatch; ++n) {
        NewMessage m = reminder(n);
        m.to = "+42060" + std::to_string(1000000 + n % 10'000);
        batch.push_back(std::move(m));
      }
      auto done = f->store->submit(std::move(batch), kNow - kMessages + first);
      if (!done.ok()) {
        std::fprintf(stderr, "store_bench: %s\n", done.error().message.c_str());
        std::exit(1);
      }
    }
    f->seconds_to_fill =
        std::chrono::duration<double>(smsgate::MonotonicClock::now() - start).count();
    return f;
  }();
  return *fixture;
}

void report_percentiles(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["max_us"] = micros.back();
}

void BM_NextDueMessage(benchmark::State& state) {
  Fixture& f = million();
  std::vector<double> micros;
  int i = 0;
  for (auto _ : state) {
    std::string modem = "imei-" + std::to_string(i++ % 4);
    auto start = smsgate::MonotonicClock::now();
    auto next = f.store->next_due_message(kNow, modem);
    auto end = smsgate::MonotonicClock::now();
    if (!next.ok() || !next->has_value()) {
      state.SkipWithError("nothing due");
      break;
    }
    benchmark::DoNotOptimize(next);
    micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  report_percentiles(state, micros);
  state.counters["fill_s"] = f.seconds_to_fill;
}
BENCHMARK(BM_NextDueMessage)->Iterations(20'000)->Unit(benchmark::kMicrosecond);

// Skipping excluded messages costs a step each.
void BM_NextDueMessageWithExclusions(benchmark::State& state) {
  Fixture& f = million();
  auto first = f.store->next_due_message(kNow, "imei-0");
  if (!first.ok() || !first->has_value()) {
    state.SkipWithError("nothing due");
    return;
  }
  Exclusions exclusions;
  // The head of the queue: ids of the top priority in order (every tenth id).
  for (int k = 0; k < state.range(0); ++k) exclusions.message_ids.push_back((*first)->id + 10 * k);
  std::vector<double> micros;
  for (auto _ : state) {
    auto start = smsgate::MonotonicClock::now();
    auto next = f.store->next_due_message(kNow, "imei-0", exclusions);
    auto end = smsgate::MonotonicClock::now();
    benchmark::DoNotOptimize(next);
    micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  report_percentiles(state, micros);
}
BENCHMARK(BM_NextDueMessageWithExclusions)
    ->Arg(10)
    ->Arg(100)
    ->Iterations(5'000)
    ->Unit(benchmark::kMicrosecond);

void BM_DatabaseSizePerMessage(benchmark::State& state) {
  Fixture& f = million();
  for (auto _ : state) benchmark::DoNotOptimize(f.store.get());
  auto db = f.dir / "bench.db";
  uint64_t bytes = size_of(db) + size_of(db.string() + "-wal");
  state.counters["bytes_per_message"] = static_cast<double>(bytes) / kQueued;
  state.counters["db_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_DatabaseSizePerMessage)->Iterations(1);

// Submissions on a fresh database per benchmark, so the million above is not involved.
Fixture& fresh() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    f->dir = bench_dir();
    auto store = Store::open((f->dir / "submit.db").string());
    if (!store.ok()) std::exit(1);
    f->store = std::move(*store);
    return f;
  }();
  return *fixture;
}

void BM_Submit(benchmark::State& state) {
  Fixture& f = fresh();
  uint64_t transactions_before = f.store->transactions();
  int n = static_cast<int>(state.thread_index()) * 1'000'000;
  for (auto _ : state) {
    auto done = f.store->submit({reminder(n++)}, kNow);
    if (!done.ok()) state.SkipWithError("submit failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // Counted over all threads: submissions per commit (1.0 means no grouping).
    state.counters["commits"] =
        benchmark::Counter(static_cast<double>(f.store->transactions() - transactions_before));
  }
}
BENCHMARK(BM_Submit)->Threads(1)->Threads(8)->Threads(32)->UseRealTime();

void BM_SubmitBatch(benchmark::State& state) {
  Fixture& f = fresh();
  int n = 0;
  for (auto _ : state) {
    std::vector<NewMessage> batch;
    for (int i = 0; i < state.range(0); ++i) batch.push_back(reminder(n++));
    auto done = f.store->submit(std::move(batch), kNow);
    if (!done.ok()) state.SkipWithError("submit failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SubmitBatch)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime();

}  // namespace

namespace {

template <class Read>
void time_console_read(benchmark::State& state, Read read) {
  Fixture& f = hundred_thousand();
  std::vector<double> micros;
  for (auto _ : state) {
    auto start = smsgate::MonotonicClock::now();
    if (!read(*f.store)) {
      state.SkipWithError("the read failed");
      break;
    }
    micros.push_back(
        std::chrono::duration<double, std::micro>(smsgate::MonotonicClock::now() - start).count());
  }
  report_percentiles(state, micros);
}

void BM_QueueByStatus(benchmark::State& state) {
  time_console_read(state, [](Store& store) { return store.count_by_status().ok(); });
}
BENCHMARK(BM_QueueByStatus)->Iterations(50)->Unit(benchmark::kMillisecond);

void BM_Conversations(benchmark::State& state) {
  time_console_read(state, [](Store& store) { return store.list_conversations({}).ok(); });
}
BENCHMARK(BM_Conversations)->Iterations(20)->Unit(benchmark::kMillisecond);

void BM_SearchMessages(benchmark::State& state) {
  time_console_read(state, [](Store& store) {
    MessageFilter filter;
    filter.query = "invoice";
    return store.list_messages(filter).ok();
  });
}
BENCHMARK(BM_SearchMessages)->Iterations(10)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

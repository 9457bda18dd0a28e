// The whole send path under load: simulated modems on real ptys, the store, the modem
// pool and the dispatcher, wired as tests/integration/gateway_harness.h wires them
// (and as the daemon does), with a deep queue of single-part messages. Goals (the
// issue): 16 modems with 1 s AT+CMGS latency and 5,000 parts keep the modems busy
// >= 98 % of the time while work is due, and the daemon's own gap between one
// "+CMGS:" and the next "AT+CMGS" on the same modem is small (median, p99).
//
// Everything is measured at the simulated modems (SimModem::send_timings), which is
// what the serial port saw, not what the daemon believes it did:
//   busy         per send, AT+CMGS command line in -> +CMGS answer out (prompt, PDU,
//                network latency)
//   gap          next command in - previous answer out, same modem: the daemon's time
//                (worker reading the answer, dispatcher, store commits, worker writing)
//   utilisation  sum(busy) / (modems x (last answer - first command)); and "while
//                due", where each modem's window ends at its own last answer, so the
//                last few sends finishing on some modems while others have nothing
//                left to take do not count against the daemon
//
// A plain main, not Google Benchmark: one run takes minutes of simulated network time
// and the interesting output is a distribution, not an iteration rate.
//
//   dispatch_bench [--modems 16] [--parts 5000] [--latency-ms 1000] [--batch 500]
//                  [--health-ms 10000] [--dir DIR]
//
// Full size takes (parts / modems) x latency: about 5.5 minutes. The database goes to
// --dir, else $SMSGATE_BENCH_DIR, else the system's temp dir: put it on the disk you
// care about, since every commit is an fsync (tmpfs hides that cost).
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "dispatch/compose.h"
#include "dispatch/dispatcher.h"
#include "drivers/sim/sim_bank.h"
#include "modem/pool.h"
#include "store/store.h"

using namespace smsgate;
using namespace std::chrono_literals;

namespace {

struct Options {
  int modems = 16;
  int parts = 5000;
  int latency_ms = 1000;
  int batch = 500;
  // The daemon's default ([modems] health_interval_seconds); the test harness uses
  // 300 ms, which would put a health poll between almost every two sends here.
  int health_ms = 10'000;
  std::string dir;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "dispatch_bench: %s\n", what.c_str());
  std::exit(1);
}

std::filesystem::path make_dir(const std::string& requested) {
  std::filesystem::path base = requested;
  if (base.empty()) {
    const char* env = std::getenv("SMSGATE_BENCH_DIR");
    base = env ? env : std::filesystem::temp_directory_path();
  }
  std::string pattern = (base / "dispatch_bench_XXXXXX").string();
  if (!mkdtemp(pattern.data())) die("cannot create a directory in " + base.string());
  return pattern;
}

double ms(MonotonicClock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Nearest rank (sorted input): the smallest value with at least q of the data at or
// below it.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// A 160-character GSM-7 reminder: one full part, the common case.
std::string reminder_text(int n) {
  std::string text =
      "Reminder: your appointment with Dr. Novak is on Tue 24 Nov at 09:30, room 12. "
      "Reply YES to confirm or NO to cancel. Questions? Call 555-0100. Ref ";
  text += std::to_string(100000 + n);
  text.resize(160, '.');
  return text;
}

template <class Done>
bool wait_until(Done done, std::chrono::seconds patience, std::chrono::milliseconds step = 50ms) {
  auto deadline = MonotonicClock::now() + patience;
  while (!done()) {
    if (MonotonicClock::now() > deadline) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

int64_t count(store::Store& store, store::MessageStatus status) {
  auto counts = store.count_by_status();
  if (!counts) die("count_by_status: " + counts.error().message);
  return (*counts)[status];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"smsgate dispatch benchmark: modem utilisation and the gap between sends"};
  app.add_option("--modems", options.modems, "simulated modems")->check(CLI::Range(1, 256));
  app.add_option("--parts", options.parts, "single-part messages queued")
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--latency-ms", options.latency_ms, "AT+CMGS network latency of each modem")
      ->check(CLI::Range(0, 600'000));
  app.add_option("--batch", options.batch, "messages per store.submit()")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--health-ms", options.health_ms, "worker health poll interval")
      ->check(CLI::Range(1, 3'600'000));
  app.add_option("--dir", options.dir, "where the database and the ptys go");
  CLI11_PARSE(app, argc, argv);
  // Warnings only: a state change per modem at start is noise in a table.
  spdlog::set_level(spdlog::level::warn);

  const auto dir = make_dir(options.dir);
  const size_t modems = static_cast<size_t>(options.modems);

  // --- The gateway, as gateway_harness.h builds it -----------------------------------
  std::vector<sim::SimConfig> configs;
  for (int i = 0; i < options.modems; ++i) {
    sim::SimConfig base;
    base.cmgs_latency = std::chrono::milliseconds(options.latency_ms);
    configs.push_back(sim::numbered_config(i, base));
  }
  auto bank_started = sim::SimBank::start(dir / "sims", std::move(configs));
  if (!bank_started) die(bank_started.error().message);
  std::unique_ptr<sim::SimBank> bank = std::move(*bank_started);

  auto opened = store::Store::open((dir / "smsgate.db").string());
  if (!opened) die(opened.error().message);
  std::unique_ptr<store::Store> store = std::move(*opened);

  SystemClock clock;
  dispatch::DispatcherOptions dispatcher_options;  // no rate limits by default
  dispatcher_options.quiet_hours = std::nullopt;   // the run must not depend on the hour
  auto created = dispatch::Dispatcher::create(*store, clock, dispatcher_options);
  if (!created) die(created.error().message);
  std::unique_ptr<dispatch::Dispatcher> dispatcher = std::move(*created);

  modem::PoolConfig pool_config;
  pool_config.patterns = {(dir / "sims" / "modem*").string()};
  pool_config.worker.health_interval = std::chrono::milliseconds(options.health_ms);
  auto pool = std::make_unique<modem::ModemPool>(pool_config, *dispatcher);
  dispatcher->attach(*pool);
  pool->start();
  if (Status started = dispatcher->start(); !started) die(started.error().message);

  // All modems ready before the queue fills, so the ramp-up measures dispatching and
  // not the modems' own probing and initialisation.
  bool ready = wait_until(
      [&] {
        auto ids = pool->modems();
        if (ids.size() != modems) return false;
        return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
          auto status = pool->status(id);
          return status && status->state == modem::State::kReady;
        });
      },
      60s);
  if (!ready) die("not every simulated modem became ready within 60 s");

  // --- The queue -----------------------------------------------------------------------
  const auto submit_started = MonotonicClock::now();
  for (int first = 0; first < options.parts; first += options.batch) {
    std::vector<store::NewMessage> batch;
    const int end = std::min(options.parts, first + options.batch);
    for (int n = first; n < end; ++n) {
      dispatch::OutgoingRequest request;
      request.to = "+49151" + std::to_string(10'000'000 + n);
      request.text = reminder_text(n);
      request.category = policy::Category::kReminder;
      auto message = dispatch::compose_message(request, clock.now(), static_cast<uint16_t>(n));
      if (!message) die("compose: " + message.error().message);
      if (message->parts.size() != 1) die("the bench text must be one part");
      batch.push_back(std::move(*message));
    }
    auto submitted = store->submit(std::move(batch), clock.now());
    if (!submitted) die("submit: " + submitted.error().message);
    dispatcher->wake();
  }
  const auto submit_done = MonotonicClock::now();
  const uint64_t submit_transactions = store->transactions();
  const uint64_t submit_operations = store->write_operations();

  // --- Until all are sent ----------------------------------------------------------------
  // Three times the ideal duration, plus start-up: a run that needs longer has failed.
  const auto ideal = std::chrono::milliseconds(
      int64_t{options.latency_ms} * ((options.parts + options.modems - 1) / options.modems));
  const auto patience = std::chrono::duration_cast<std::chrono::seconds>(3 * ideal) + 60s;
  bool all_sent = wait_until(
      [&] {
        return count(*store, store::MessageStatus::kSent) >= options.parts ||
               count(*store, store::MessageStatus::kFailed) > 0;
      },
      patience, 200ms);
  const auto all_sent_at = MonotonicClock::now();
  const int64_t sent = count(*store, store::MessageStatus::kSent);
  const int64_t failed = count(*store, store::MessageStatus::kFailed);
  const uint64_t transactions = store->transactions();
  const uint64_t operations = store->write_operations();
  const dispatch::DispatchCounters counters = dispatcher->counters();

  dispatcher->stop(true);
  pool->stop();

  // --- What the ports saw ------------------------------------------------------------------
  std::vector<std::vector<sim::SendTiming>> timings(modems);
  for (size_t i = 0; i < modems; ++i) {
    bank->with_modem(
        i, [&](sim::SimModem& m, MonotonicClock::time_point) { timings[i] = m.send_timings(); });
  }
  bank->stop();
  pool.reset();
  dispatcher.reset();
  store.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);

  std::optional<MonotonicClock::time_point> first_command, last_answer;
  MonotonicClock::duration busy{}, due_window{};
  std::vector<double> gaps, busy_each;
  size_t sends = 0, refused = 0;
  double least_utilised = 1, most_utilised = 0;
  size_t fewest_sends = SIZE_MAX, most_sends = 0;
  for (const auto& modem : timings) {
    if (modem.empty()) continue;
    if (!first_command || modem.front().command_at < *first_command)
      first_command = modem.front().command_at;
    if (!last_answer || modem.back().answered_at > *last_answer)
      last_answer = modem.back().answered_at;
  }
  if (!first_command) die("no modem saw an AT+CMGS");
  for (const auto& modem : timings) {
    MonotonicClock::duration modem_busy{};
    for (size_t k = 0; k < modem.size(); ++k) {
      modem_busy += modem[k].answered_at - modem[k].command_at;
      busy_each.push_back(ms(modem[k].answered_at - modem[k].command_at));
      if (!modem[k].accepted) ++refused;
      if (k > 0) gaps.push_back(ms(modem[k].command_at - modem[k - 1].answered_at));
    }
    busy += modem_busy;
    sends += modem.size();
    fewest_sends = std::min(fewest_sends, modem.size());
    most_sends = std::max(most_sends, modem.size());
    // This modem's window while work was due: from the first send on any modem (the
    // queue was full then) to its own last answer (after it nothing was left for it).
    if (!modem.empty()) {
      const auto window = modem.back().answered_at - *first_command;
      due_window += window;
      const double u = ms(modem_busy) / ms(window);
      least_utilised = std::min(least_utilised, u);
      most_utilised = std::max(most_utilised, u);
    } else {
      least_utilised = 0;
    }
  }
  // Why a gap is long: the dispatcher is one thread handling every modem's outcome
  // with synchronous commits, so a modem whose answer lands while others' are being
  // handled waits for them. Gaps bucketed by how many other modems answered during
  // them (0, 1, 2, 3 or more) show how much of the tail is that queueing.
  std::vector<std::pair<MonotonicClock::time_point, size_t>> answers;
  for (size_t i = 0; i < modems; ++i) {
    for (const auto& t : timings[i]) answers.emplace_back(t.answered_at, i);
  }
  std::sort(answers.begin(), answers.end());
  std::array<std::vector<double>, 4> gaps_by_contention;
  for (size_t i = 0; i < modems; ++i) {
    for (size_t k = 1; k < timings[i].size(); ++k) {
      const auto from = timings[i][k - 1].answered_at, to = timings[i][k].command_at;
      auto it = std::lower_bound(answers.begin(), answers.end(), std::make_pair(from, size_t{0}));
      size_t others = 0;
      for (; it != answers.end() && it->first < to; ++it) others += it->second != i;
      gaps_by_contention[std::min<size_t>(others, 3)].push_back(ms(to - from));
    }
  }
  for (auto& bucket : gaps_by_contention) std::sort(bucket.begin(), bucket.end());
  std::sort(gaps.begin(), gaps.end());
  std::sort(busy_each.begin(), busy_each.end());
  const auto wall = *last_answer - *first_command;
  const double utilisation = ms(busy) / (static_cast<double>(modems) * ms(wall));
  const double utilisation_due = ms(busy) / ms(due_window);
  const double dispatch_transactions = static_cast<double>(transactions - submit_transactions);
  const double dispatch_operations = static_cast<double>(operations - submit_operations);

  std::printf(
      "dispatch_bench: %d modems, %d single-part messages, AT+CMGS latency %d ms, "
      "health poll %d ms\n",
      options.modems, options.parts, options.latency_ms, options.health_ms);
  std::printf("  database            %s\n", (dir / "smsgate.db").c_str());
  std::printf(
      "  outcome             %lld sent, %lld failed, %zu AT+CMGS seen (%zu refused), "
      "%llu released%s\n",
      static_cast<long long>(sent), static_cast<long long>(failed), sends, refused,
      static_cast<unsigned long long>(counters.messages_released),
      all_sent ? "" : "  ** TIMED OUT **");
  std::printf("  submit              %.1f ms for %d messages in batches of %d\n",
              ms(submit_done - submit_started), options.parts, options.batch);
  std::printf("  first AT+CMGS       %.1f ms after submitting began\n",
              ms(*first_command - submit_started));
  std::printf("  wall                %.3f s, first AT+CMGS to last +CMGS (ideal %.3f s)\n",
              ms(wall) / 1000, ms(ideal) / 1000.0);
  std::printf("  throughput          %.2f parts/s (ideal %.2f)\n",
              static_cast<double>(sends) / (ms(wall) / 1000),
              options.latency_ms > 0 ? 1000.0 * options.modems / options.latency_ms : 0.0);
  std::printf("  utilisation         %.2f %% (busy / (modems x wall))\n", 100 * utilisation);
  std::printf(
      "  utilisation, due    %.2f %% (each modem's window ends at its last answer); "
      "per modem %.2f .. %.2f %%\n",
      100 * utilisation_due, 100 * least_utilised, 100 * most_utilised);
  std::printf("  sends per modem     %zu .. %zu\n", fewest_sends, most_sends);
  std::printf("  busy per send (ms)  median %.2f  p99 %.2f  max %.2f\n", quantile(busy_each, 0.5),
              quantile(busy_each, 0.99), busy_each.empty() ? 0.0 : busy_each.back());
  std::printf(
      "  gap (ms)            median %.2f  p90 %.2f  p99 %.2f  max %.2f  mean %.2f  (%zu gaps)\n",
      quantile(gaps, 0.5), quantile(gaps, 0.9), quantile(gaps, 0.99),
      gaps.empty() ? 0.0 : gaps.back(),
      gaps.empty() ? 0.0 : std::accumulate(gaps.begin(), gaps.end(), 0.0) / gaps.size(),
      gaps.size());
  constexpr std::array<const char*, 4> kOthers = {"0 ", "1 ", "2 ", "3+"};
  for (size_t others = 0; others < gaps_by_contention.size(); ++others) {
    const auto& bucket = gaps_by_contention[others];
    if (bucket.empty()) continue;
    std::printf("    %s other answers in it  %5zu gaps: median %.2f  p99 %.2f  max %.2f\n",
                kOthers[others], bucket.size(), quantile(bucket, 0.5), quantile(bucket, 0.99),
                bucket.back());
  }
  std::printf("  store, before sends %llu transactions, %llu write operations\n",
              static_cast<unsigned long long>(submit_transactions),
              static_cast<unsigned long long>(submit_operations));
  std::printf(
      "  store, dispatching  %.0f transactions, %.0f write operations "
      "(%.2f commits and %.2f operations per part, %.2f operations per commit)\n",
      dispatch_transactions, dispatch_operations,
      dispatch_transactions / static_cast<double>(std::max<size_t>(sends, 1)),
      dispatch_operations / static_cast<double>(std::max<size_t>(sends, 1)),
      dispatch_operations / std::max(dispatch_transactions, 1.0));
  std::printf("  all sent seen       %.3f s after the first submit\n",
              ms(all_sent_at - submit_started) / 1000);
  return all_sent && failed == 0 ? 0 : 1;
}

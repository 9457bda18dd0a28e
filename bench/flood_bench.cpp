// How quickly another client's submissions are served while the daemon is flooded on
// its LAN, the flood that tests/integration/http_flood_test.cpp holds to "never
// starved" (flood_clients.h: 70 sockets from 127.0.0.1 dripping bodies, 64 loops of
// wrong admin passwords from 127.0.0.3). The client submits one message at a time, a
// new connection each, from 127.0.0.2. Goal: p99 under 1 s.
//
// bench/flood_bench.sh starts a Release smsgated (the demo, on loopback) and runs this
// against it:
//
//   flood_bench --port PORT --key KEY [--duration 10] [--warmup 1]
//
// Prints the submissions' latency (p50, p99, max, from connecting to the whole
// answer), how many were accepted per second, what the flooders got, and whether p99
// is under 1 s. The last line is machine-readable:
//   RESULT submissions=... accepted=... p50_ms=... p99_ms=... max_ms=... per_second=...
// Exit status 0 when every submission was accepted and p99 < 1 s, 1 otherwise.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "integration/flood_clients.h"

namespace {

using smsgate::testing::BodyDrippers;
using smsgate::testing::PasswordGuessers;
using smsgate::testing::Submission;

constexpr std::chrono::milliseconds kGoal{1000};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Another client's submissions while the daemon is flooded"};
  int port = 0;
  std::string key;
  double duration = 10;
  double warmup = 1;
  app.add_option("--port", port, "smsgated's port on 127.0.0.1")->required();
  app.add_option("--key", key, "an API key with the send scope")->required();
  app.add_option("--duration", duration, "seconds of measured submissions");
  app.add_option("--warmup", warmup, "seconds of flood before measuring");
  CLI11_PARSE(app, argc, argv);

  auto seconds = [](double value) {
    return std::chrono::milliseconds(static_cast<int64_t>(value * 1000));
  };
  BodyDrippers drippers(port, key);
  PasswordGuessers guessers(port);
  std::this_thread::sleep_for(seconds(warmup));  // the flood under way

  auto started = smsgate::MonotonicClock::now();
  std::vector<Submission> submissions =
      smsgate::testing::submit_from_another_client(port, key, seconds(duration));
  double elapsed = std::chrono::duration<double>(smsgate::MonotonicClock::now() - started).count();
  PasswordGuessers::Tally tally = guessers.tally();

  size_t accepted = 0;
  int shown = 0;
  for (const Submission& submission : submissions) {
    if (submission.status == 202) {
      ++accepted;
    } else if (shown++ < 3) {
      std::printf("not accepted (%d): %s\n", submission.status, submission.answer.c_str());
    }
  }
  auto p50 = smsgate::testing::latency_percentile(submissions, 0.50);
  auto p99 = smsgate::testing::latency_percentile(submissions, 0.99);
  auto max = smsgate::testing::latency_percentile(submissions, 1.0);
  double per_second = elapsed > 0 ? static_cast<double>(accepted) / elapsed : 0;
  bool met = accepted == submissions.size() && !submissions.empty() && p99 < kGoal;

  std::printf(
      "flood: %d sockets dripping bodies (%d closed by the server), %d password loops "
      "(%d checked, %d told to wait, %d refused, %d other)\n",
      BodyDrippers::kSockets, drippers.refused(), PasswordGuessers::kLoops, tally.wrong_password,
      tally.too_many, tally.refused, tally.other);
  std::printf("another client: %zu submissions in %.1f s, %zu accepted (%.1f/s)\n",
              submissions.size(), elapsed, accepted, per_second);
  std::printf("latency: p50 %lld ms, p99 %lld ms, max %lld ms\n",
              static_cast<long long>(p50.count()), static_cast<long long>(p99.count()),
              static_cast<long long>(max.count()));
  std::printf("goal p99 < %lld ms: %s\n", static_cast<long long>(kGoal.count()),
              met ? "met" : "MISSED");
  std::printf(
      "RESULT submissions=%zu accepted=%zu p50_ms=%lld p99_ms=%lld max_ms=%lld "
      "per_second=%.1f\n",
      submissions.size(), accepted, static_cast<long long>(p50.count()),
      static_cast<long long>(p99.count()), static_cast<long long>(max.count()), per_second);
  return met ? 0 : 1;
}

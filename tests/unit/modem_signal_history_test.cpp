// SignalHistory: the last day's samples, oldest first, bounded in age and in count,
// recorded and read from many threads at once.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "modem/signal_history.h"

namespace smsgate::modem {
namespace {

constexpr int64_t kHour = 3600 * 1000;

TEST_CASE("signal history: samples come back oldest first, unknown signal as none") {
  SignalHistory history;
  history.record(1000, -71);
  history.record(2000, std::nullopt);
  history.record(3000, -69);
  std::vector<SignalSample> samples = history.samples(3000);
  REQUIRE(samples.size() == 3);
  CHECK(samples[0] == SignalSample{1000, -71});
  CHECK(samples[1] == SignalSample{2000, std::nullopt});
  CHECK(samples[2] == SignalSample{3000, -69});
}

TEST_CASE("signal history: what is older than the span is gone when read and when recorded") {
  SignalHistory history(24 * kHour);
  const int64_t start = 1'700'000'000'000;
  for (int hour = 0; hour < 30; ++hour) history.record(start + hour * kHour, -100 + hour);
  // Read at the last sample: the 24 hours before it, not the first six.
  std::vector<SignalSample> samples = history.samples(start + 29 * kHour);
  REQUIRE(samples.size() == 24);
  CHECK(samples.front().at_ms == start + 6 * kHour);
  CHECK(samples.back().at_ms == start + 29 * kHour);
  // Read a day after the last: nothing left.
  CHECK(history.samples(start + 53 * kHour).empty());
  // Read half a day later: only the last half day's.
  CHECK(history.samples(start + 41 * kHour).size() == 12);
}

TEST_CASE("signal history: a fast poll cannot grow it beyond its capacity") {
  SignalHistory history(24 * kHour, 100);
  for (int i = 0; i < 1000; ++i) history.record(i, -80);
  std::vector<SignalSample> samples = history.samples(1000);
  REQUIRE(samples.size() == 100);
  CHECK(samples.front().at_ms == 900);
  CHECK(samples.back().at_ms == 999);
}

TEST_CASE("signal history: recorded and read from several threads at once") {
  SignalHistory history(24 * kHour, 10'000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&history, t] {
      for (int i = 0; i < 500; ++i) {
        history.record(t * 1000 + i, -60 - t);
        (void)history.samples(10'000);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(history.samples(10'000).size() == 2000);
}

}  // namespace
}  // namespace smsgate::modem

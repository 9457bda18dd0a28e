// Throttle (common/throttle.h): once per interval, whoever asks.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/throttle.h"

namespace smsgate {
namespace {

TEST_CASE("throttle: the first call is allowed, the next only after the interval") {
  Throttle throttle(std::chrono::milliseconds(50));
  CHECK(throttle.allow());
  CHECK_FALSE(throttle.allow());
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  CHECK(throttle.allow());
  CHECK_FALSE(throttle.allow());
}

TEST_CASE("throttle: of many threads asking at once, one is allowed") {
  Throttle throttle(std::chrono::hours(1));
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) allowed += throttle.allow() ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(allowed == 1);
}

}  // namespace
}  // namespace smsgate

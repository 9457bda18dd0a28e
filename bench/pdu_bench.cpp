// Codec throughput. Goal: at least one million 160-character parts encoded per second
// on one core. How to build and run: README.md, "Benchmarks".
#include <benchmark/benchmark.h>

#include <string>

#include "pdu/decode.h"
#include "pdu/hex.h"
#include "pdu/planner.h"
#include "pdu/submit.h"
#include "pdu/utf.h"

using namespace smsgate::pdu;

namespace {

std::u32string text_of(std::string_view utf8) {
  return std::move(utf8_to_code_points(utf8).value());
}

const std::u32string kGsm160 = text_of(
    "Reminder: your appointment with Dr. Novak is on Tue 24 Nov at 09:30, room 12. "
    "Reply YES to confirm or NO to cancel. Questions? Call 555-0100. Thank you, Anna!!!");
const std::u32string kUcs70 =
    text_of("Напоминание: приём у врача Новак во вторник в 09:30, кабинет 12. Ждём!");

// The texts fill one part exactly: 160 GSM-7 characters, 70 UCS-2 characters.
void check_sizes(benchmark::State& state) {
  if (kGsm160.size() != 160 || kUcs70.size() != 70) state.SkipWithError("bench texts changed size");
}

void BM_EncodeGsm7SinglePart(benchmark::State& state) {
  check_sizes(state);
  PlanOptions options;
  SubmitOptions submit;
  for (auto _ : state) {
    auto plan = plan_text(kGsm160, options);
    auto pdus = encode_submit("+420601234567", *plan, submit);
    benchmark::DoNotOptimize(pdus);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("parts");
}
BENCHMARK(BM_EncodeGsm7SinglePart);

void BM_EncodeUcs2SinglePart(benchmark::State& state) {
  check_sizes(state);
  PlanOptions options;
  SubmitOptions submit;
  for (auto _ : state) {
    auto plan = plan_text(kUcs70, options);
    auto pdus = encode_submit("+420601234567", *plan, submit);
    benchmark::DoNotOptimize(pdus);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeUcs2SinglePart);

void BM_EncodeGsm7FromUtf8(benchmark::State& state) {
  const std::string utf8 = code_points_to_utf8(kGsm160);
  PlanOptions options;
  SubmitOptions submit;
  for (auto _ : state) {
    auto text = utf8_to_code_points(utf8);
    auto plan = plan_text(*text, options);
    auto pdus = encode_submit("+420601234567", *plan, submit);
    benchmark::DoNotOptimize(pdus);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeGsm7FromUtf8);

void BM_DecodeGsm7Deliver(benchmark::State& state) {
  // An SMS-SUBMIT of the same text, turned into an SMS-DELIVER by hand would add
  // nothing: the decoder's cost is in the user data either way.
  auto plan = plan_text(kGsm160, {});
  auto pdus = encode_submit("+420601234567", *plan, {});
  const auto octets = (*pdus)[0].octets;
  for (auto _ : state) {
    auto decoded = decode_pdu(octets, true);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeGsm7Deliver);

void BM_DecodeHexUcs2(benchmark::State& state) {
  auto plan = plan_text(kUcs70, {});
  auto pdus = encode_submit("+420601234567", *plan, {});
  const std::string hex = to_hex((*pdus)[0].octets);
  for (auto _ : state) {
    auto decoded = decode_pdu(from_hex(hex).value(), true);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeHexUcs2);

}  // namespace

BENCHMARK_MAIN();

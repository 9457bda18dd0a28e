// Any modem bytes, in random chunks, while the host issues commands, answers prompts
// and times commands out: the parser never crashes (ASan/UBSan watch), its memory
// stays bounded, every line it reports is clean, and feeding the same bytes one at a
// time with the same host calls at the same offsets gives the same events.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "at/parser.h"

namespace {

using smsgate::at::AtParser;
using smsgate::at::CommandShape;
using smsgate::at::Event;
using smsgate::at::UnsolicitedSet;

struct Command {
  std::string_view line;
  CommandShape shape;
};

// What the drivers send, so that seeds recorded from real dialogues take real paths.
const std::array<Command, 7> kCommands{
    Command{"AT", {}},
    Command{"AT+CMGS=23", {.response_prefixes = {"+CMGS:"}, .expects_prompt = true}},
    Command{"AT+CMGL=4", {.response_prefixes = {"+CMGL:"}, .pdu_after_header = true}},
    Command{"AT+CREG?", {}},
    Command{"ATI", {}},
    Command{"AT+CSQ", {.response_prefixes = {"+CSQ:"}}},
    Command{"AT+CPIN?", {}},
};

// Some vendor noise of both kinds, as drivers/ declares it, so that the vendor lines'
// path is fuzzed too (this target links the parser alone, without drivers/).
constexpr std::string_view kNoisePrefixes[] = {"^RSSI:", "+QIND:", "#QSS:", "+PACSP"};
constexpr std::string_view kNoiseWords[] = {"RDY", "SMS DONE", "+PBREADY"};
constexpr UnsolicitedSet kVendorNoise = {.prefixes = kNoisePrefixes, .words = kNoiseWords};

// Deterministic per input, so that a crash reproduces.
struct Rng {
  uint64_t state;
  uint32_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  }
};

void check(bool ok) {
  if (!ok) std::abort();
}

// Printable ASCII; a +CUSD: answer written over several lines is one URC whose lines
// the parser joined with LF, so there LF is allowed too (its prefix in any case, as the
// parser matches it).
bool is_ussd_answer(std::string_view line) {
  constexpr std::string_view kPrefix = "+CUSD:";
  if (line.size() < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    char c = line[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != kPrefix[i]) return false;
  }
  return true;
}

void check_clean(std::string_view line) {
  check(!line.empty() && line.size() <= AtParser::kMaxLineBytes);
  const bool joined = is_ussd_answer(line);
  for (char c : line) {
    auto byte = static_cast<unsigned char>(c);
    check((byte >= 0x20 && byte < 0x7F) || (joined && c == '\n'));
  }
}

// Flattened, for comparing two runs.
void record(const Event& event, std::vector<std::string>& out) {
  if (std::holds_alternative<smsgate::at::Prompt>(event)) {
    out.emplace_back(">");
  } else if (const auto* urc = std::get_if<smsgate::at::Urc>(&event)) {
    check_clean(urc->line);
    out.push_back("U" + urc->line);
    if (urc->pdu) {
      check_clean(*urc->pdu);
      out.push_back("P" + *urc->pdu);
    }
  } else {
    const auto& response = std::get<smsgate::at::Response>(event);
    for (const auto& line : response.lines) {
      check_clean(line);
      out.push_back("L" + line);
    }
    out.push_back("R" + smsgate::at::describe(response.final) +
                  (response.truncated ? " truncated" : ""));
  }
}

enum class Action : uint8_t { kCommand, kPduSent, kAbandon };
struct HostCall {
  size_t offset;
  Action action;
  size_t command;
};

void apply(AtParser& parser, const HostCall& call) {
  switch (call.action) {
    case Action::kCommand:
      parser.command_sent(kCommands[call.command].line, kCommands[call.command].shape);
      break;
    case Action::kPduSent:
      parser.pdu_sent();
      break;
    case Action::kAbandon:
      (void)parser.abandon_command();
      break;
  }
}

constexpr size_t kBound = 3 * AtParser::kMaxLineBytes + AtParser::kMaxResponseBytes;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  uint64_t seed = 1469598103934665603ULL;  // FNV-1a over the input
  for (char c : bytes) seed = (seed ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  Rng rng{seed};

  // Run 1: random chunks; the host reacts to what it sees, and its calls are logged.
  AtParser parser(kVendorNoise);
  std::vector<std::string> events;
  std::vector<HostCall> calls;
  size_t pos = 0;
  size_t next_command = 0;
  while (pos < size) {
    if (!parser.command_pending() || rng.next() % 16 == 0) {
      HostCall call{pos, Action::kCommand, next_command++ % kCommands.size()};
      if (parser.command_pending() && rng.next() % 2 == 0) call.action = Action::kAbandon;
      apply(parser, call);
      calls.push_back(call);
    }
    size_t chunk = 1 + rng.next() % 64;
    if (chunk > size - pos) chunk = size - pos;
    parser.feed(bytes.substr(pos, chunk));
    pos += chunk;
    check(parser.buffered_bytes() <= kBound);
    while (auto event = parser.next_event()) {
      if (std::holds_alternative<smsgate::at::Prompt>(*event)) {
        HostCall call{pos, Action::kPduSent, 0};
        apply(parser, call);
        calls.push_back(call);
      }
      record(*event, events);
    }
  }

  // Run 2: the same bytes one at a time, the same host calls at the same offsets.
  AtParser replay(kVendorNoise);
  std::vector<std::string> replayed;
  size_t call_index = 0;
  for (size_t i = 0; i <= size; ++i) {
    while (call_index < calls.size() && calls[call_index].offset == i) {
      apply(replay, calls[call_index++]);
    }
    if (i == size) break;
    replay.feed(bytes.substr(i, 1));
    while (auto event = replay.next_event()) record(*event, replayed);
  }
  check(replayed == events);
  return 0;
}

// AtParser driven by the transcripts in tests/transcripts/<family>/ (format in
// tests/transcripts/README.md): each is fed in one chunk, byte by byte and in seeded
// random chunk sizes, and must give the same events every time. The parser knows every
// driver's vendor noise, as on a real port. Below them, the limits and the host-side
// calls that a transcript cannot show.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "at/parser.h"
#include "drivers/driver.h"

namespace smsgate::at {
namespace {

// ---- Transcript loading ---------------------------------------------------------

struct Step {
  enum Kind { kFeed, kCommand, kPduSent, kAbandon, kCheckpoint } kind = kFeed;
  std::string text;                   // bytes for kFeed, the command line for kCommand
  std::vector<std::string> prefixes;  // kCommand's shape; the views point here
  bool pdu_after_header = false;
  bool expects_prompt = false;
  size_t expected_so_far = 0;  // kCheckpoint
};

struct Transcript {
  std::string name;
  std::vector<Step> steps;
  std::vector<std::string> expected;  // rendered events, see render()
};

std::string unescape(std::string_view text, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    REQUIRE_MESSAGE(i + 1 < text.size(), where << ": dangling backslash");
    char c = text[++i];
    if (c == 'r') {
      out.push_back('\r');
    } else if (c == 'n') {
      out.push_back('\n');
    } else if (c == 't') {
      out.push_back('\t');
    } else if (c == '\\') {
      out.push_back('\\');
    } else if (c == 'x') {
      REQUIRE_MESSAGE(i + 2 < text.size(), where << ": short \\x escape");
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      FAIL(where << ": unknown escape \\" << c);
    }
  }
  return out;
}

Step simple_step(Step::Kind kind, std::string text = {}) {
  Step step;
  step.kind = kind;
  step.text = std::move(text);
  return step;
}

Step command_step(std::string_view text, const std::string& where) {
  Step step;
  step.kind = Step::kCommand;
  size_t brace = text.find('{');
  step.text = std::string(text.substr(0, brace));
  while (!step.text.empty() && step.text.back() == ' ') step.text.pop_back();
  if (brace == std::string_view::npos) return step;
  REQUIRE_MESSAGE(text.back() == '}', where << ": unclosed shape");
  std::istringstream flags(std::string(text.substr(brace + 1, text.size() - brace - 2)));
  std::string flag;
  while (flags >> flag) {
    if (flag.starts_with("prefix=")) {
      step.prefixes.push_back(flag.substr(7));
    } else if (flag == "pdu") {
      step.pdu_after_header = true;
    } else if (flag == "prompt") {
      step.expects_prompt = true;
    } else {
      FAIL(where << ": unknown shape flag " << flag);
    }
  }
  REQUIRE(step.prefixes.size() <= 4);
  return step;
}

Transcript load(const std::filesystem::path& path) {
  Transcript t;
  t.name = path.filename().string();
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path.string());
  std::string raw;
  int number = 0;
  std::vector<std::string> pending_lines;  // "! line" before its "! response"
  while (std::getline(in, raw)) {
    ++number;
    std::string where = t.name + ":" + std::to_string(number);
    std::string_view line = raw;
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with(">*")) {
      size_t space = line.find(' ');
      REQUIRE_MESSAGE(space != std::string_view::npos, where);
      int times = std::stoi(std::string(line.substr(2, space - 2)));
      std::string once = unescape(line.substr(space + 1), where);
      std::string bytes;
      for (int i = 0; i < times; ++i) bytes += once;
      t.steps.push_back(simple_step(Step::kFeed, bytes));
    } else if (line.starts_with("> ")) {
      t.steps.push_back(simple_step(Step::kFeed, unescape(line.substr(2), where)));
    } else if (line.starts_with("<pdu")) {
      t.steps.push_back(simple_step(Step::kPduSent));
    } else if (line == "<abandon") {
      t.steps.push_back(simple_step(Step::kAbandon));
    } else if (line.starts_with("< ")) {
      t.steps.push_back(command_step(line.substr(2), where));
    } else if (line == ".") {
      Step step = simple_step(Step::kCheckpoint);
      step.expected_so_far = t.expected.size();
      t.steps.push_back(step);
    } else if (line.starts_with("! line ")) {
      pending_lines.emplace_back(line.substr(2));
    } else if (line.starts_with("! response ")) {
      for (auto& l : pending_lines) t.expected.push_back(std::move(l));
      pending_lines.clear();
      t.expected.emplace_back(line.substr(2));
    } else if (line.starts_with("! urc ")) {
      // A +CUSD: text may hold line ends (a menu): written with the escapes of '>'.
      t.expected.push_back(unescape(line.substr(2), where));
    } else if (line == "! prompt" || line.starts_with("! pdu ")) {
      t.expected.emplace_back(line.substr(2));
    } else {
      FAIL(where << ": cannot read line: " << raw);
    }
  }
  REQUIRE_MESSAGE(pending_lines.empty(), t.name << ": '! line' without '! response'");
  return t;
}

std::filesystem::path transcripts_root() {
  return std::filesystem::path(SMSGATE_TEST_DATA) / "transcripts";
}

std::vector<Transcript> load_all(const std::string& family) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(transcripts_root() / family)) {
    if (entry.path().extension() == ".txt") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<Transcript> all;
  for (const auto& path : paths) {
    all.push_back(load(path));
    // Names are unique across families, for the failure messages.
    all.back().name = family + "/" + all.back().name;
  }
  return all;
}

// Every directory under tests/transcripts/: "generic" and one per modem family.
std::vector<std::string> families() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(transcripts_root())) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ---- Running ---------------------------------------------------------------------

std::string final_text(const FinalResult& f) {
  if (f.kind == FinalKind::kCmeError || f.kind == FinalKind::kCmsError) {
    std::string out = f.kind == FinalKind::kCmeError ? "+CME ERROR: " : "+CMS ERROR: ";
    return out + (f.code >= 0 ? std::to_string(f.code) : f.text);
  }
  return describe(f);
}

void render(const Event& event, std::vector<std::string>& out) {
  if (std::holds_alternative<Prompt>(event)) {
    out.emplace_back("prompt");
  } else if (const auto* urc = std::get_if<Urc>(&event)) {
    out.push_back("urc " + urc->line);
    if (urc->pdu) out.push_back("pdu " + *urc->pdu);
  } else {
    const auto& response = std::get<Response>(event);
    for (const auto& line : response.lines) out.push_back("line " + line);
    out.push_back("response " + final_text(response.final));
  }
}

// Splits one run of modem bytes into chunk sizes.
using Chunker = std::function<std::vector<size_t>(size_t)>;

Chunker whole() {
  return [](size_t n) { return std::vector<size_t>{n}; };
}
Chunker byte_by_byte() {
  return [](size_t n) { return std::vector<size_t>(n, 1); };
}
Chunker random_chunks(unsigned seed, size_t max_chunk) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return [rng, max_chunk](size_t n) {
    std::vector<size_t> sizes;
    std::uniform_int_distribution<size_t> pick(1, max_chunk);
    while (n > 0) {
      size_t size = std::min(n, pick(*rng));
      sizes.push_back(size);
      n -= size;
    }
    return sizes;
  };
}

void drain(AtParser& parser, std::vector<std::string>& events) {
  while (auto event = parser.next_event()) render(*event, events);
}

// Runs one transcript; consecutive feeds form one run, cut only by the chunker.
void run(const Transcript& t, const Chunker& chunker, const std::string& how,
         UnsolicitedSet vendor_noise = drivers::all_unsolicited()) {
  INFO("transcript " << t.name << ", " << how);
  AtParser parser(vendor_noise);
  std::vector<std::string> events;
  std::string run_bytes;
  auto flush = [&] {
    size_t pos = 0;
    for (size_t size : chunker(run_bytes.size())) {
      parser.feed(std::string_view(run_bytes).substr(pos, size));
      pos += size;
      drain(parser, events);
      CHECK(parser.buffered_bytes() <= AtParser::kMaxLineBytes * 3 + AtParser::kMaxResponseBytes);
    }
    run_bytes.clear();
  };
  for (const auto& step : t.steps) {
    if (step.kind == Step::kFeed) {
      run_bytes += step.text;
      continue;
    }
    flush();
    switch (step.kind) {
      case Step::kCommand: {
        CommandShape shape;
        for (size_t i = 0; i < step.prefixes.size(); ++i) {
          shape.response_prefixes[i] = step.prefixes[i];
        }
        shape.pdu_after_header = step.pdu_after_header;
        shape.expects_prompt = step.expects_prompt;
        parser.command_sent(step.text, shape);
        break;
      }
      case Step::kPduSent:
        parser.pdu_sent();
        break;
      case Step::kAbandon:
        (void)parser.abandon_command();
        break;
      case Step::kCheckpoint: {
        std::vector<std::string> expected(t.expected.begin(),
                                          t.expected.begin() + step.expected_so_far);
        REQUIRE(events == expected);
        break;
      }
      case Step::kFeed:
        break;
    }
  }
  flush();
  REQUIRE(events == t.expected);
  CHECK_FALSE(parser.command_pending());
}

// ---- Transcript tests ------------------------------------------------------------

void run_every_way(const std::vector<Transcript>& transcripts) {
  for (const auto& t : transcripts) {
    CHECK_MESSAGE(!t.expected.empty(), t.name << " expects nothing");
    run(t, whole(), "one chunk");
    run(t, byte_by_byte(), "byte by byte");
    for (unsigned seed = 1; seed <= 8; ++seed) {
      run(t, random_chunks(seed, 3), "chunks of 1..3, seed " + std::to_string(seed));
      run(t, random_chunks(seed, 40), "chunks of 1..40, seed " + std::to_string(seed));
    }
  }
}

bool has(const std::vector<Transcript>& transcripts, const std::string& name) {
  return std::any_of(transcripts.begin(), transcripts.end(),
                     [&](const Transcript& t) { return t.name == name; });
}

TEST_CASE("at parser: generic transcripts, chunked every way") {
  auto transcripts = load_all("generic");
  // The scenarios the channel must handle; each is a file, so losing one is loud.
  for (const char* required :
       {"at_ok.txt", "ati_multiline.txt", "echo_on.txt", "echo_off.txt", "cr_only.txt",
        "lf_only.txt", "cmgs_prompt_echo.txt", "cmgs_cmti_between.txt", "cds_split_pdu.txt",
        "cmgl_with_cmti.txt", "cmgs_cms_error.txt", "garbage_bytes.txt", "partial_line_pause.txt",
        "long_line.txt", "boot_noise.txt"}) {
    CHECK_MESSAGE(has(transcripts, std::string("generic/") + required), required);
  }
  run_every_way(transcripts);
}

// The noise the drivers of one transcript directory declare ("simcom" holds both SIMCom
// dialects), for checking that a family's recordings need no other family's lines.
class FamilyNoise {
 public:
  explicit FamilyNoise(std::string_view directory) {
    for (const drivers::Driver* d : drivers::known_drivers()) {
      if (d->family != directory && !d->family.starts_with(std::string(directory) + "-")) continue;
      prefixes_.insert(prefixes_.end(), d->unsolicited.prefixes.begin(),
                       d->unsolicited.prefixes.end());
      words_.insert(words_.end(), d->unsolicited.words.begin(), d->unsolicited.words.end());
    }
  }
  UnsolicitedSet set() const { return {prefixes_, words_}; }

 private:
  std::vector<std::string_view> prefixes_;
  std::vector<std::string_view> words_;
};

TEST_CASE("at parser: vendor family transcripts, chunked every way") {
  auto names = families();
  // One directory per family with drivers/<family>.cpp; losing one is loud.
  for (const char* required : {"generic", "huawei", "simcom", "quectel", "sierra", "telit"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), required) != names.end(), required);
  }
  for (const auto& family : names) {
    if (family == "generic") continue;
    INFO("family " << family);
    auto transcripts = load_all(family);
    CHECK_MESSAGE(!transcripts.empty(), family << " has no transcripts");
    run_every_way(transcripts);
    // Each family's drivers declare the noise its own modems were recorded saying.
    FamilyNoise own(family);
    for (const auto& t : transcripts) run(t, whole(), "with its family's noise only", own.set());
  }
}

// ---- Host calls and limits -------------------------------------------------------

std::vector<Event> feed_all(AtParser& parser, std::string_view bytes) {
  parser.feed(bytes);
  std::vector<Event> events;
  while (auto event = parser.next_event()) events.push_back(std::move(*event));
  return events;
}

TEST_CASE("at parser: an over-long line is discarded and counted, memory stays bounded") {
  AtParser parser;
  parser.command_sent("ATI");
  std::string babble(100000, 'x');
  CHECK(feed_all(parser, babble).empty());
  CHECK(parser.buffered_bytes() <= AtParser::kMaxLineBytes);
  auto events = feed_all(parser, "\r\nModel: X\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  const auto& response = std::get<Response>(events[0]);
  CHECK(response.lines == std::vector<std::string>{"Model: X"});
  CHECK(parser.discarded_lines() == 1);
}

TEST_CASE("at parser: a line of exactly kMaxLineBytes is kept") {
  AtParser parser;
  parser.command_sent("ATI");
  std::string line(AtParser::kMaxLineBytes, 'y');
  auto events = feed_all(parser, line + "\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<Response>(events[0]).lines == std::vector<std::string>{line});
  CHECK(parser.discarded_lines() == 0);
}

TEST_CASE("at parser: a response beyond kMaxResponseBytes is truncated, not unbounded") {
  AtParser parser;
  parser.command_sent("AT+CMGL=4", {.response_prefixes = {"+CMGL:"}, .pdu_after_header = true});
  std::string entry = "+CMGL: 1,1,,140\r\n" + std::string(280, 'A') + "\r\n";
  size_t entries = AtParser::kMaxResponseBytes / 280 + 10;
  for (size_t i = 0; i < entries; ++i) {
    parser.feed(entry);
    REQUIRE(parser.buffered_bytes() <= AtParser::kMaxResponseBytes + AtParser::kMaxLineBytes);
  }
  auto events = feed_all(parser, "OK\r\n");
  REQUIRE(events.size() == 1);
  const auto& response = std::get<Response>(events[0]);
  CHECK(response.truncated);
  CHECK(response.final.ok());
  CHECK(response.lines.size() < entries * 2);
}

TEST_CASE("at parser: noise bytes are counted") {
  AtParser parser;
  auto events = feed_all(parser, std::string("\x00\xFF\x80", 3) + "RING\r\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<Urc>(events[0]).line == "RING");
  CHECK(parser.dropped_bytes() == 3);
}

TEST_CASE("at parser: abandon_command returns what was collected; late final is stray") {
  AtParser parser;
  parser.command_sent("AT+CMGL=4", {.response_prefixes = {"+CMGL:"}, .pdu_after_header = true});
  CHECK(feed_all(parser, "+CMGL: 1,1,,28\r\n07917283\r\n").empty());
  CHECK(parser.command_pending());
  auto lines = parser.abandon_command();
  CHECK(lines == std::vector<std::string>{"+CMGL: 1,1,,28", "07917283"});
  CHECK_FALSE(parser.command_pending());
  CHECK(parser.abandon_command().empty());
  auto events = feed_all(parser, "OK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<Urc>(events[0]).line == "OK");
}

TEST_CASE("at parser: a new command abandons the pending one") {
  AtParser parser;
  parser.command_sent("AT+CSQ", {.response_prefixes = {"+CSQ:"}});
  parser.feed("+CSQ: 1,99\r\n");
  parser.command_sent("AT");
  auto events = feed_all(parser, "OK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<Response>(events[0]).lines.empty());
}

TEST_CASE("at parser: the prompt is only recognised while one is expected") {
  AtParser parser;
  parser.command_sent("ATI");
  auto events = feed_all(parser, "> \r\nOK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<Response>(events[0]).lines == std::vector<std::string>{">"});

  parser.command_sent("AT+CMGW=23", {.response_prefixes = {"+CMGW:"}, .expects_prompt = true});
  events = feed_all(parser, "\r\n> ");
  REQUIRE(events.size() == 1);
  CHECK(std::holds_alternative<Prompt>(events[0]));
  // A second "> " is no longer a prompt, just text (kept, never lost).
  parser.pdu_sent();
  events = feed_all(parser, "> \r\n+CMGW: 4\r\n\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<Response>(events[0]).lines == std::vector<std::string>{">", "+CMGW: 4"});
}

TEST_CASE("at parser: read and test commands claim their own prefix") {
  AtParser parser;
  parser.command_sent("AT+CNMI=?");
  auto events =
      feed_all(parser, "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)\r\n+CMTI: \"SM\",1\r\nOK\r\n");
  REQUIRE(events.size() == 2);
  CHECK(std::get<Urc>(events[0]).line == "+CMTI: \"SM\",1");
  CHECK(std::get<Response>(events[1]).lines.size() == 1);

  // A set command does not: the +CREG: here is a registration change.
  parser.command_sent("AT+CREG=2");
  events = feed_all(parser, "+CREG: 1\r\nOK\r\n");
  REQUIRE(events.size() == 2);
  CHECK(std::get<Urc>(events[0]).line == "+CREG: 1");
  CHECK(std::get<Response>(events[1]).lines.empty());

  parser.command_sent("at^sysinfo?");
  events = feed_all(parser, "^SYSINFO:2,3,0,5,1\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<Response>(events[0]).lines == std::vector<std::string>{"^SYSINFO:2,3,0,5,1"});
}

TEST_CASE("at parser: the echo is dropped once, a repeated line is kept") {
  AtParser parser;
  parser.command_sent("ATI\r");
  auto events = feed_all(parser, "ATI\r\r\nATI\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<Response>(events[0]).lines == std::vector<std::string>{"ATI"});
}

TEST_CASE("at parser: a +CMT header waits for its PDU across feeds and commands") {
  AtParser parser;
  CHECK(feed_all(parser, "+CMT: ,5\r\n").empty());
  CHECK(parser.buffered_bytes() == 8);
  parser.command_sent("AT");
  auto events = feed_all(parser, "0011223344\r\nOK\r\n");
  REQUIRE(events.size() == 2);
  CHECK(std::get<Urc>(events[0]) == Urc{"+CMT: ,5", "0011223344"});
  CHECK(std::get<Response>(events[1]).final.ok());
}

TEST_CASE("at parser: an over-long line after a +CMT header releases the header") {
  AtParser parser;
  parser.feed("+CMT: ,5\r\n");
  auto events = feed_all(parser, std::string(AtParser::kMaxLineBytes + 1, 'A'));
  REQUIRE(events.size() == 1);
  CHECK(std::get<Urc>(events[0]) == Urc{"+CMT: ,5", std::nullopt});
}

TEST_CASE("at parser: known URC table") {
  const UnsolicitedSet standard_only{};
  const UnsolicitedSet vendors = drivers::all_unsolicited();
  CHECK(is_known_urc("+CMTI: \"ME\",12", standard_only));
  CHECK(is_known_urc("+cmti: \"ME\",12", standard_only));
  CHECK(is_known_urc("^RSSI:20", vendors));
  CHECK(is_known_urc("Call Ready", vendors));
  CHECK(is_known_urc("CALL READY", vendors));
  CHECK(is_known_urc("SMS DONE", vendors));  // SIM7600, simcom/sim7600_creset.txt
  CHECK(is_known_urc("+QIND: PB DONE", vendors));
  CHECK(is_known_urc("#QSS: 1", vendors));
  CHECK(is_known_urc("+PACSP1", vendors));
  CHECK(is_known_urc("RING", standard_only));
  CHECK_FALSE(is_known_urc("RINGING", vendors));
  CHECK_FALSE(is_known_urc("+CMGS: 4", vendors));
  CHECK_FALSE(is_known_urc("OK", vendors));
  CHECK_FALSE(is_known_urc("", vendors));
  // Vendor lines are known only to a parser given them.
  CHECK_FALSE(is_known_urc("^RSSI:20", standard_only));
  CHECK_FALSE(is_known_urc("Call Ready", standard_only));
}

}  // namespace
}  // namespace smsgate::at

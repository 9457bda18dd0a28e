#include "at/parser.h"

#include <algorithm>
#include <array>
#include <span>
#include <utility>

#include "common/strings.h"

namespace smsgate::at {
namespace {

constexpr char kCtrlZ = 0x1A;

// Blanks around a line: spaces and stray CR/LF from modems that double them.
std::string_view trim_line(std::string_view s) { return trim(s, " \r\n"); }

bool is_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool digit = c >= '0' && c <= '9';
    bool letter = (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    if (!digit && !letter) return false;
  }
  return true;
}

// URCs whose PDU follows on the next line (TS 27.005 clause 3.4.1, PDU mode).
constexpr auto kUrcsWithPdu = std::to_array<std::string_view>({"+CMT:", "+CDS:", "+CBM:"});

// Standard unsolicited result codes by prefix, case-insensitive. Vendors' own come
// from drivers/ as an UnsolicitedSet.
constexpr auto kUrcPrefixes = std::to_array<std::string_view>(
    {// TS 27.005 clause 3.4.1 (+CNMI indications).
     "+CMTI:", "+CMT:", "+CDSI:", "+CDS:", "+CBMI:", "+CBM:",
     // TS 27.007: registration (7.2, 10.1.20, 10.1.22), calls (7.6, 7.11, 7.12, 6.11),
     // USSD (7.15), indicators (8.9), packet domain events (10.1.19), time zone (8.41).
     "+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:", "+CLIP:", "+CRING:", "+CCWA:", "+CSSI:", "+CSSU:",
     "+CUSD:", "+CIEV:", "+CGEV:", "+CTZV:", "+CTZE:", "+CTZEU:",
     // Said unasked after power-up or SIM events; a pending AT+CPIN? / AT+CFUN? claims
     // them through its response prefix instead.
     "+CPIN:", "+CFUN:"});

// Standard unsolicited lines that are a whole line, case-insensitive: the incoming
// call (ITU-T V.250, result code 2).
constexpr auto kUrcWords = std::to_array<std::string_view>({"RING"});

bool starts_with_any(std::string_view line, std::span<const std::string_view> prefixes) {
  for (auto prefix : prefixes) {
    if (starts_with_ignore_case(line, prefix)) return true;
  }
  return false;
}

bool equals_any(std::string_view line, std::span<const std::string_view> words) {
  for (auto word : words) {
    if (equals_ignore_case(line, word)) return true;
  }
  return false;
}

bool has_pdu_line(std::string_view line) { return starts_with_any(line, kUrcsWithPdu); }

// URCs with free text in quotes, which may hold line ends (TS 27.007 clause 7.15: the
// <str> of +CUSD:, a network's menu one choice a line).
constexpr auto kUrcsWithText = std::to_array<std::string_view>({"+CUSD:"});

bool has_open_quote(std::string_view line) {
  return std::count(line.begin(), line.end(), '"') % 2 == 1;
}

// "AT+CPIN?" -> "+CPIN:", "AT+CNMI=?" -> "+CNMI:", "AT^SYSCFG?" -> "^SYSCFG:"; "" for
// set and action commands, whose answers vary (AT+CMGS= answers +CMGS:, AT+CREG=2
// nothing, and AT+CUSD= answers with a URC later).
std::string derived_prefix(std::string_view command) {
  if (!starts_with_ignore_case(command, "AT") || command.size() < 4) return {};
  std::string_view rest = command.substr(2);
  if (rest.front() != '+' && rest.front() != '^') return {};
  size_t end = rest.find_first_of("?=");
  if (end == std::string_view::npos || end < 2) return {};
  std::string_view tail = rest.substr(end);
  if (tail != "?" && tail != "=?") return {};
  std::string prefix;
  for (char c : rest.substr(0, end)) prefix.push_back(ascii_upper(c));
  prefix.push_back(':');
  return prefix;
}

}  // namespace

bool is_known_urc(std::string_view line, UnsolicitedSet vendor_noise) {
  return starts_with_any(line, kUrcPrefixes) || equals_any(line, kUrcWords) ||
         starts_with_any(line, vendor_noise.prefixes) || equals_any(line, vendor_noise.words);
}

void AtParser::command_sent(std::string_view command_line, const CommandShape& shape) {
  if (pending_) (void)abandon_command();
  Pending pending;
  pending.command = std::string(trim_line(command_line));
  for (auto prefix : shape.response_prefixes) {
    if (!prefix.empty()) pending.prefixes.emplace_back(prefix);
  }
  std::string derived = derived_prefix(pending.command);
  if (!derived.empty()) pending.prefixes.push_back(std::move(derived));
  pending.pdu_after_header = shape.pdu_after_header;
  pending.step = shape.expects_prompt ? Step::kAwaitingPrompt : Step::kAwaitingResult;
  pending_ = std::move(pending);
}

void AtParser::pdu_sent() {
  if (pending_ &&
      (pending_->step == Step::kPromptShown || pending_->step == Step::kAwaitingPrompt)) {
    pending_->step = Step::kPduSent;
  }
}

std::vector<std::string> AtParser::abandon_command() {
  if (!pending_) return {};
  std::vector<std::string> lines = std::move(pending_->response.lines);
  pending_.reset();
  return lines;
}

void AtParser::feed(std::string_view bytes) {
  for (char c : bytes) on_byte(c);
}

std::optional<Event> AtParser::next_event() {
  if (events_.empty()) return std::nullopt;
  Event event = std::move(events_.front());
  events_.pop_front();
  return event;
}

size_t AtParser::buffered_bytes() const {
  size_t total = line_.size();
  if (pending_) total += pending_->response_bytes;
  if (urc_awaiting_pdu_) total += urc_awaiting_pdu_->size();
  if (urc_open_text_) total += urc_open_text_->size();
  return total;
}

void AtParser::on_byte(char c) {
  if (c == '\r' || c == '\n' || c == kCtrlZ) {
    end_line();
    return;
  }
  auto byte = static_cast<unsigned char>(c);
  if (c == '\t') {
    c = ' ';
  } else if (byte < 0x20 || byte >= 0x7F) {
    // Line noise: NUL from a modem waking up, 0xFF from a baud rate mismatch. The AT
    // dialogue itself is 7-bit text (V.250 clause 5.1).
    ++dropped_bytes_;
    return;
  }
  if (discarding_) return;
  if (line_.size() >= kMaxLineBytes) {
    line_.clear();
    discarding_ = true;
    ++discarded_lines_;
    // Whatever this line was, it is not the PDU a waiting header expects, nor text.
    flush_urc_header();
    if (urc_open_text_) {
      emit_urc(std::move(*urc_open_text_));
      urc_open_text_.reset();
    }
    return;
  }
  line_.push_back(c);
  // TS 27.005 clause 3.5.1: the prompt is "<CR><LF><greater_than><space>" with no line
  // end after it, so it is recognised on its own, and only when a command awaits it.
  if (line_ == "> " && pending_ && pending_->step == Step::kAwaitingPrompt) {
    line_.clear();
    pending_->step = Step::kPromptShown;
    events_.emplace_back(Prompt{});
  }
}

void AtParser::end_line() {
  if (discarding_) {
    discarding_ = false;
    return;
  }
  std::string_view trimmed = trim_line(line_);
  if (!trimmed.empty()) on_line(std::string(trimmed));
  line_.clear();
}

void AtParser::on_line(std::string line) {
  if (urc_open_text_ && continue_open_text(line)) return;
  if (urc_awaiting_pdu_ && try_take_urc_pdu(line)) return;
  if (pending_) {
    on_pending_line(*pending_, std::move(line));
  } else if (has_pdu_line(line)) {
    urc_awaiting_pdu_ = std::move(line);
  } else if (starts_with_any(line, kUrcsWithText)) {
    take_known_urc(std::move(line));
  } else {
    // Known URC, stray final result or unknown noise: all reported, none completes a
    // later command.
    emit_urc(std::move(line));
  }
}

bool AtParser::try_take_urc_pdu(const std::string& line) {
  std::string header = std::move(*urc_awaiting_pdu_);
  urc_awaiting_pdu_.reset();
  if (is_hex(line)) {
    events_.emplace_back(Urc{std::move(header), line});
    return true;
  }
  // Not a PDU (text mode, or the modem was reset in between): report the header alone
  // and treat this line on its own.
  events_.emplace_back(Urc{std::move(header), std::nullopt});
  return false;
}

void AtParser::on_pending_line(Pending& pending, std::string line) {
  // Some modems send the prompt as ">" and a line end.
  if (pending.step == Step::kAwaitingPrompt && line == ">") {
    pending.step = Step::kPromptShown;
    events_.emplace_back(Prompt{});
    return;
  }
  // Echo (ATE1, V.250 clause 6.2.4) repeats the command line.
  if (!pending.echo_seen && equals_ignore_case(line, pending.command)) {
    pending.echo_seen = true;
    pending.response.echoed = true;
    return;
  }
  // After the prompt, echo repeats the PDU (ended by the Ctrl-Z, which ends the line).
  // Nothing else in the answer to AT+CMGS/AT+CMGW is bare hex.
  if ((pending.step == Step::kPromptShown || pending.step == Step::kPduSent) && is_hex(line)) {
    return;
  }
  if (auto final = parse_final_result(line)) {
    pending.response.final = std::move(*final);
    events_.emplace_back(std::move(pending.response));
    pending_.reset();
    return;
  }
  if (pending.awaiting_response_pdu) {
    pending.awaiting_response_pdu = false;
    if (is_hex(line)) {
      add_response_line(pending, std::move(line));
      return;
    }
  }
  for (const auto& prefix : pending.prefixes) {
    if (starts_with_ignore_case(line, prefix)) {
      pending.awaiting_response_pdu = pending.pdu_after_header;
      add_response_line(pending, std::move(line));
      return;
    }
  }
  if (has_pdu_line(line)) {
    urc_awaiting_pdu_ = std::move(line);
    return;
  }
  if (is_known_urc(line, vendor_noise_)) {
    take_known_urc(std::move(line));
    return;
  }
  // A command that names its answer's prefix has no other +/^ lines in it: such a line
  // is some other unsolicited code. Free text (ATI, AT+CGSN) belongs to the response.
  if (!pending.prefixes.empty() && (line.front() == '+' || line.front() == '^')) {
    emit_urc(std::move(line));
    return;
  }
  add_response_line(pending, std::move(line));
}

void AtParser::add_response_line(Pending& pending, std::string line) {
  if (pending.response_bytes + line.size() > kMaxResponseBytes) {
    pending.response.truncated = true;
    return;
  }
  pending.response_bytes += line.size();
  pending.response.lines.push_back(std::move(line));
}

void AtParser::emit_urc(std::string line) {
  events_.emplace_back(Urc{std::move(line), std::nullopt});
}

void AtParser::take_known_urc(std::string line) {
  if (starts_with_any(line, kUrcsWithText) && has_open_quote(line)) {
    urc_open_text_ = std::move(line);
    return;
  }
  emit_urc(std::move(line));
}

bool AtParser::continue_open_text(const std::string& line) {
  // A final result is never text: the URC ends unclosed (its reader says so) and the
  // result completes its command.
  if (parse_final_result(line) || urc_open_text_->size() + 1 + line.size() > kMaxLineBytes) {
    emit_urc(std::move(*urc_open_text_));
    urc_open_text_.reset();
    return false;
  }
  *urc_open_text_ += '\n';
  *urc_open_text_ += line;
  if (has_open_quote(*urc_open_text_)) return true;
  emit_urc(std::move(*urc_open_text_));
  urc_open_text_.reset();
  return true;
}

void AtParser::flush_urc_header() {
  if (!urc_awaiting_pdu_) return;
  events_.emplace_back(Urc{std::move(*urc_awaiting_pdu_), std::nullopt});
  urc_awaiting_pdu_.reset();
}

}  // namespace smsgate::at

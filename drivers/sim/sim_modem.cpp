#include "drivers/sim/sim_modem.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "at/result_code.h"
#include "at/ussd.h"
#include "common/clock.h"
#include "drivers/sim/sim_pdu.h"
#include "pdu/gsm7.h"
#include "pdu/hex.h"
#include "pdu/utf.h"

namespace smsgate::sim {
namespace {

// V.250 clause 5.2.1: the command line ends with S3 (CR); S5 (backspace) edits it.
constexpr char kCarriageReturn = '\r';
constexpr char kBackspace = '\x08';
// TS 27.005 clause 3.5.1: Ctrl-Z sends the PDU, ESC cancels it.
constexpr char kCtrlZ = '\x1A';
constexpr char kEscape = '\x1B';

// A real modem's command buffer is a few hundred bytes; more is an error.
constexpr size_t kMaxCommandLine = 1024;
// SMSC information (at most 12 octets) and a TPDU of at most 164 octets (TS 23.040
// clause 9.2.2.2), as hex.
constexpr size_t kMaxTpduOctets = 164;
constexpr size_t kMaxPduHex = 2 * (12 + kMaxTpduOctets);
// Bytes the host may type ahead while a send is in flight.
constexpr size_t kMaxPendingInput = 64 * 1024;

// +CME ERROR codes (TS 27.007 clause 9.2.1).
constexpr int kCmeOperationNotAllowed = 3;
constexpr int kCmeSimPinRequired = 11;
constexpr int kCmeSimPukRequired = 12;
constexpr int kCmeSimFailure = 13;
constexpr int kCmeIncorrectPassword = 16;
constexpr int kCmeNoNetworkService = 30;
constexpr int kCmeIncorrectParameters = 50;

// +CMS ERROR codes (TS 27.005 clause 3.2.5).
constexpr int kCmsOperationNotAllowed = 302;
constexpr int kCmsOperationNotSupported = 303;
constexpr int kCmsInvalidPduParameter = 304;
constexpr int kCmsSimPinRequired = 311;
constexpr int kCmsSimFailure = 313;
constexpr int kCmsSimPukRequired = 316;
constexpr int kCmsInvalidMemoryIndex = 321;
constexpr int kCmsNoNetworkService = 331;
constexpr int kCmsNoAckExpected = 340;

// The ME's own +CMS codes, which the gateway's table (network causes) leaves out.
struct CmsText {
  int code;
  std::string_view text;
};
constexpr std::array kMeCmsTexts{
    CmsText{300, "ME failure"},
    CmsText{301, "SMS service of ME reserved"},
    CmsText{302, "operation not allowed"},
    CmsText{303, "operation not supported"},
    CmsText{304, "invalid PDU mode parameter"},
    CmsText{305, "invalid text mode parameter"},
    CmsText{310, "SIM not inserted"},
    CmsText{311, "SIM PIN required"},
    CmsText{313, "SIM failure"},
    CmsText{316, "SIM PUK required"},
    CmsText{320, "memory failure"},
    CmsText{321, "invalid memory index"},
    CmsText{322, "memory full"},
    CmsText{330, "SMSC address unknown"},
    CmsText{331, "no network service"},
    CmsText{332, "network timeout"},
    CmsText{340, "no +CNMA acknowledgement expected"},
    CmsText{500, "unknown error"},
};

// EF_ICCID (TS 31.102 clause 4.1.1 / TS 51.011 clause 10.1.1) read with AT+CRSM
// READ BINARY (TS 27.007 clause 8.18); status words per ISO/IEC 7816-4.
constexpr int kCrsmReadBinary = 176;
constexpr int kEfIccid = 0x2FE2;
constexpr std::string_view kSwOk = "144,0";              // 90 00
constexpr std::string_view kSwFileNotFound = "106,130";  // 6A 82

// Location area and cell of the simulated network (+CREG=2, TS 27.007 clause 7.2).
constexpr std::string_view kLocation = R"("00A1","0000B2C3")";
// Type of address for an international number (TS 24.008 clause 10.5.4.7).
constexpr int kToaInternational = 145;
constexpr int kToaUnknown = 129;

std::optional<int> parse_int(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = upper(c);
  return out;
}

// Splits "1,\"SM\",3" into its parameters, removing quotes; commas inside quotes stay.
std::vector<std::string> split_arguments(std::string_view text) {
  std::vector<std::string> args;
  std::string current;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      args.push_back(current);
      current.clear();
    } else if (c != ' ' || quoted) {
      current.push_back(c);
    }
  }
  args.push_back(current);
  return args;
}

// ICCID digits as EF_ICCID holds them: nibble-swapped BCD, padded with F.
std::string swapped_bcd(std::string_view digits) {
  std::string padded(digits);
  if (padded.size() % 2 != 0) padded.push_back('F');
  std::string out;
  for (size_t i = 0; i + 1 < padded.size(); i += 2) {
    out.push_back(padded[i + 1]);
    out.push_back(padded[i]);
  }
  return out;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

std::string_view sim_state_name(SimState state) {
  switch (state) {
    case SimState::kReady:
      return "READY";
    case SimState::kPinRequired:
      return "SIM PIN";
    case SimState::kPukRequired:
      return "SIM PUK";
    case SimState::kBlocked:
      return "SIM BLOCKED";
  }
  return "?";
}

SimModem::SimModem(SimConfig config)
    : config_(std::move(config)),
      storages_{Storage{"SM", config_.sim_capacity, {}}, Storage{"ME", config_.me_capacity, {}}} {
  current_pin_ = config_.pin.value_or("");
  sim_state_ = config_.pin ? SimState::kPinRequired : SimState::kReady;
  network_registered_ = config_.registered;
  reset_settings();
}

// --- The serial line -----------------------------------------------------------------

void SimModem::receive(std::string_view bytes, MonotonicClock::time_point now) {
  counters_.bytes_in += bytes.size();
  for (size_t i = 0; i < bytes.size(); ++i) {
    // Powered off (booting) or hung: the bytes are lost, as on the wire.
    if (hung_ || booting()) return;
    if (in_flight_) {
      // The modem reads nothing while it talks to the network; the host's bytes wait
      // in the UART buffer.
      const size_t room = kMaxPendingInput - std::min(kMaxPendingInput, pending_input_.size());
      pending_input_.append(bytes.substr(i, room));
      return;
    }
    process_byte(bytes[i], now);
  }
}

void SimModem::tick(MonotonicClock::time_point now) {
  if (boot_done_at_ && now >= *boot_done_at_) {
    boot_done_at_.reset();
    // What a SIMCom or Quectel module prints once it has booted.
    emit_urc("RDY");
    emit_urc("+CFUN: 1");
    if (sim_state_ != SimState::kBlocked)
      emit_urc("+CPIN: " + std::string(sim_state_name(sim_state_)));
    if (sim_state_ == SimState::kReady) emit_urc("SMS Ready");
    reported_registration_ = registration_stat();
  }
  if (in_flight_ && now >= in_flight_->due) {
    InFlightSend send = std::move(*in_flight_);
    in_flight_.reset();
    send_timings_.push_back(SendTiming{send.command_at, now, !send.failure});
    if (send.failure) {
      ++counters_.sends_failed;
      final_error(*send.failure);
    } else {
      send.message.reference = next_reference_++;  // TP-MR, mod 256 (TS 23.040 9.2.3.6)
      send.message.accepted_at = now;
      ++counters_.sends_accepted;
      if (send.message.status_report_request && auto_reports_) {
        reports_.push_back(PendingReport{now + auto_reports_->delay, send.message.reference,
                                         send.message.to, auto_reports_->status,
                                         Routing::kPerCnmi});
      }
      emit_info("+CMGS: " + std::to_string(send.message.reference));
      sent_.push_back(std::move(send.message));
      final_ok();
      if (auto_replies_) queue_auto_reply(sent_.back(), now);
    }
    if (!pending_input_.empty()) {
      std::string typed_ahead = std::exchange(pending_input_, {});
      counters_.bytes_in -= typed_ahead.size();  // counted when it arrived
      receive(typed_ahead, now);
    }
  }
  if (ussd_answer_ && now >= ussd_answer_->due) {
    PendingUssdAnswer answer = std::move(*ussd_answer_);
    ussd_answer_.reset();
    if (answer.ends_session) ussd_session_open_ = false;
    emit_urc(answer.line);
  }
  if (can_receive()) {
    std::stable_sort(reports_.begin(), reports_.end(),
                     [](const auto& a, const auto& b) { return a.due < b.due; });
    while (!reports_.empty() && reports_.front().due <= now && can_receive()) {
      PendingReport report = reports_.front();
      reports_.erase(reports_.begin());
      emit_status_report(report);
    }
    deliver_pending_inbound();
    std::stable_sort(replies_.begin(), replies_.end(),
                     [](const auto& a, const auto& b) { return a.due < b.due; });
    while (!replies_.empty() && replies_.front().due <= now && can_receive()) {
      InboundSms reply = std::move(replies_.front().sms);
      replies_.erase(replies_.begin());
      // A reply the SIM cannot take is lost, as a real text to a full SIM would be.
      (void)deliver(reply, now);
    }
  }
}

void SimModem::queue_auto_reply(const SentMessage& last_part, MonotonicClock::time_point now) {
  if (last_part.concat && last_part.concat->part != last_part.concat->total) return;
  std::string text;
  if (last_part.concat) {
    // The message's parts, in order, from those this modem accepted for that number.
    std::vector<const SentMessage*> parts(last_part.concat->total, nullptr);
    for (const SentMessage& sent : sent_) {
      if (sent.to != last_part.to || !sent.concat ||
          sent.concat->reference != last_part.concat->reference ||
          sent.concat->total != last_part.concat->total || sent.concat->part == 0 ||
          sent.concat->part > sent.concat->total)
        continue;
      parts[sent.concat->part - 1] = &sent;
    }
    for (const SentMessage* part : parts) {
      if (!part) return;  // a part went through another modem
      text += part->text;
    }
  } else {
    text = last_part.text;
  }
  std::optional<std::string> answer = auto_replies_->answer(text);
  if (!answer) return;
  replies_.push_back(
      PendingReply{now + auto_replies_->delay, InboundSms{.from = last_part.to, .text = *answer}});
}

std::string SimModem::take_output() { return std::exchange(output_, {}); }

std::optional<MonotonicClock::time_point> SimModem::next_deadline() const {
  if (boot_done_at_) return boot_done_at_;
  std::optional<MonotonicClock::time_point> next;
  auto consider = [&next](MonotonicClock::time_point t) {
    if (!next || t < *next) next = t;
  };
  if (in_flight_) consider(in_flight_->due);
  if (ussd_answer_) consider(ussd_answer_->due);
  if (can_receive()) {
    for (const auto& report : reports_) consider(report.due);
    for (const auto& reply : replies_) consider(reply.due);
  }
  return next;
}

void SimModem::process_byte(char c, MonotonicClock::time_point now) {
  if (awaiting_pdu_) {
    if (c == kCtrlZ) {
      finish_pdu(now);
    } else if (c == kEscape) {
      // TS 27.005 clause 3.5.1: ESC cancels the send; most modems then answer OK.
      awaiting_pdu_ = false;
      pdu_hex_.clear();
      final_ok();
    } else {
      if (settings_.echo) emit(std::string_view(&c, 1));
      if (c != '\r' && c != '\n' && c != ' ' && pdu_hex_.size() <= kMaxPduHex)
        pdu_hex_.push_back(c);
    }
    return;
  }
  // V.250 clause 6.2.4: echo every character as it is received.
  if (settings_.echo) emit(std::string_view(&c, 1));
  if (c == kCarriageReturn) {
    std::string line = std::exchange(line_, {});
    const bool overflow = std::exchange(line_overflow_, false);
    if (overflow) {
      ++counters_.command_lines;
      final_error(Failure{});
      return;
    }
    execute_line(line, now);
  } else if (c == kBackspace) {
    if (!line_.empty()) line_.pop_back();
  } else if (c == '\n') {
    // A host ending its lines with CR LF: the LF begins nothing.
  } else if (line_.size() < kMaxCommandLine) {
    line_.push_back(c);
  } else {
    line_overflow_ = true;
  }
}

void SimModem::execute_line(std::string_view line, MonotonicClock::time_point now) {
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  // V.250 clause 5.2.1: a command line starts with "AT"; anything else is ignored.
  if (line.size() < 2 || upper(line[0]) != 'A' || upper(line[1]) != 'T') return;
  ++counters_.command_lines;
  executing_ = true;
  std::string_view rest = line.substr(2);
  size_t pos = 0;
  auto skip_spaces = [&] {
    while (pos < rest.size() && rest[pos] == ' ') ++pos;
  };
  while (true) {
    skip_spaces();
    if (pos >= rest.size()) break;
    const char c = rest[pos];
    Outcome outcome;
    if (c == ';') {
      ++pos;
      continue;
    }
    if (c == '+' || c == '^' || c == '$' || c == '#' || c == '*') {
      // Extended syntax command (V.250 clause 5.4.1), up to ';' outside quotes.
      size_t end = pos + 1;
      bool in_quotes = false;
      while (end < rest.size() && (in_quotes || rest[end] != ';')) {
        if (rest[end] == '"') in_quotes = !in_quotes;
        ++end;
      }
      std::string_view command = rest.substr(pos, end - pos);
      pos = end < rest.size() ? end + 1 : end;
      while (!command.empty() && command.back() == ' ') command.remove_suffix(1);
      Invocation invocation;
      const size_t name_end = command.find_first_of("=?");
      invocation.name = upper(command.substr(0, name_end));
      if (name_end == std::string_view::npos) {
        invocation.form = Form::kAction;
      } else if (command.substr(name_end) == "?") {
        invocation.form = Form::kRead;
      } else if (command.substr(name_end) == "=?") {
        invocation.form = Form::kTest;
      } else if (command[name_end] == '=') {
        invocation.form = Form::kSet;
        invocation.args = split_arguments(command.substr(name_end + 1));
      } else {
        outcome.failure = Failure{};
      }
      if (!outcome.failure) outcome = execute_extended(invocation, now);
    } else {
      // Basic syntax command (V.250 clause 5.3.1): a letter, or '&' and a letter, and
      // an optional number; S-registers take "=n" or "?".
      std::string name(1, upper(c));
      ++pos;
      if (name == "&" && pos < rest.size()) name.push_back(upper(rest[pos++]));
      size_t end = pos;
      if (name == "S") {
        while (end < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[end])) ||
                                     rest[end] == '=' || rest[end] == '?')) {
          ++end;
        }
      } else {
        while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end]))) ++end;
      }
      outcome = execute_basic(name, rest.substr(pos, end - pos));
      pos = end;
    }
    if (outcome.failure) {
      final_error(*outcome.failure);
      return;
    }
    if (outcome.suspended) return;  // AT+CMGS: the rest of the line is not executed
  }
  final_ok();
  if (std::exchange(reset_requested_, false)) power_cycle(now);
}

SimModem::Outcome SimModem::execute_basic(std::string_view name, std::string_view argument) {
  const std::optional<int> value = argument.empty() ? std::optional<int>(0) : parse_int(argument);
  if (name == "E") {  // V.250 clause 6.2.4
    if (value != 0 && value != 1) return {Failure{}};
    settings_.echo = *value == 1;
    return {};
  }
  if (name == "Z" || name == "&F") {  // V.250 clauses 6.1.1 and 6.1.2
    reset_settings();
    return {};
  }
  if (name == "I") {  // V.250 clause 6.1.3
    if (value != 0) return {Failure{}};
    emit_info(config_.manufacturer);
    emit_info(config_.model);
    emit_info("Revision: " + config_.revision);
    return {};
  }
  if (name == "V") {
    // Only verbose result codes are simulated (V1); V0 would need numeric ones.
    return value == 1 ? Outcome{} : Outcome{Failure{}};
  }
  // Accepted and without effect here: result code suppression off, call progress,
  // DCD/DTR handling, profile store, S-registers, speaker, on-hook.
  static constexpr std::array kNoOps{"Q", "X", "&C", "&D", "&K", "&W", "S", "L", "M", "H"};
  if (std::find(kNoOps.begin(), kNoOps.end(), name) != kNoOps.end()) return {};
  return {Failure{}};
}

const SimModem::CommandEntry* SimModem::find_command(std::string_view name) {
  using enum ErrorFamily;
  static const std::array kCommands{
      CommandEntry{"+CGMI", &SimModem::identification, false, kCme},
      CommandEntry{"+GMI", &SimModem::identification, false, kCme},
      CommandEntry{"+CGMM", &SimModem::identification, false, kCme},
      CommandEntry{"+GMM", &SimModem::identification, false, kCme},
      CommandEntry{"+CGMR", &SimModem::identification, false, kCme},
      CommandEntry{"+GMR", &SimModem::identification, false, kCme},
      CommandEntry{"+CGSN", &SimModem::cgsn, false, kCme},
      CommandEntry{"+GSN", &SimModem::cgsn, false, kCme},
      CommandEntry{"+CIMI", &SimModem::cimi, true, kCme},
      CommandEntry{"+CCID", &SimModem::ccid, false, kCme},
      CommandEntry{"+CRSM", &SimModem::crsm, false, kCme},
      CommandEntry{"+CPIN", &SimModem::cpin, false, kCme},
      CommandEntry{"+CSQ", &SimModem::csq, false, kCme},
      CommandEntry{"+CREG", &SimModem::creg, false, kCme},
      CommandEntry{"+COPS", &SimModem::cops, false, kCme},
      CommandEntry{"+CMEE", &SimModem::cmee, false, kCme},
      CommandEntry{"+CFUN", &SimModem::cfun, false, kCme},
      CommandEntry{"+CSCS", &SimModem::cscs, false, kCme},
      CommandEntry{"+CMGF", &SimModem::cmgf, false, kCms},
      CommandEntry{"+CSCA", &SimModem::csca, true, kCms},
      CommandEntry{"+CNMI", &SimModem::cnmi, false, kCms},
      CommandEntry{"+CPMS", &SimModem::cpms, true, kCms},
      CommandEntry{"+CSMS", &SimModem::csms, false, kCms},
      CommandEntry{"+CMMS", &SimModem::cmms, false, kCms},
      CommandEntry{"+CNMA", &SimModem::cnma, false, kCms},
      CommandEntry{"+CMGS", &SimModem::cmgs, true, kCms},
      CommandEntry{"+CMGL", &SimModem::cmgl, true, kCms},
      CommandEntry{"+CMGR", &SimModem::cmgr, true, kCms},
      CommandEntry{"+CMGD", &SimModem::cmgd, true, kCms},
      CommandEntry{"+CUSD", &SimModem::cusd, true, kCme},
  };
  for (const auto& entry : kCommands) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

SimModem::Outcome SimModem::execute_extended(const Invocation& invocation,
                                             MonotonicClock::time_point now) {
  const CommandEntry* entry = find_command(invocation.name);
  if (!entry) return {Failure{}};  // unknown: plain ERROR, whatever +CMEE says
  if (entry->needs_sim && sim_state_ != SimState::kReady) return {sim_failure(entry->family)};
  Outcome outcome = (this->*entry->handler)(invocation, now);
  // A handler reports a malformed parameter with code 0 of its family; give it the
  // family's "bad parameter" code.
  if (outcome.failure && outcome.failure->family == ErrorFamily::kPlain &&
      outcome.failure->code == kBadParameters) {
    outcome.failure = entry->family == ErrorFamily::kCms
                          ? Failure{ErrorFamily::kCms, kCmsInvalidPduParameter}
                          : Failure{ErrorFamily::kCme, kCmeIncorrectParameters};
  }
  return outcome;
}

void SimModem::finish_pdu(MonotonicClock::time_point now) {
  awaiting_pdu_ = false;
  const std::string hex = std::exchange(pdu_hex_, {});
  const Failure invalid{ErrorFamily::kCms, kCmsInvalidPduParameter};
  auto octets = pdu::from_hex(hex);
  // TS 27.005 clause 3.5.1: <length> counts the TPDU only, not the SMSC information.
  if (!octets || hex.size() > kMaxPduHex || octets->empty() ||
      octets->size() != 1 + size_t{(*octets)[0]} + expected_tpdu_length_) {
    final_error(invalid);
    return;
  }
  auto decoded = pdu::decode_pdu(*octets, true);
  if (!decoded || !std::holds_alternative<pdu::Submit>(decoded->tpdu)) {
    final_error(invalid);
    return;
  }
  if (registration_stat() != 1) {
    final_error(Failure{ErrorFamily::kCms, kCmsNoNetworkService});
    return;
  }
  const auto& submit = std::get<pdu::Submit>(decoded->tpdu);
  InFlightSend send;
  send.command_at = cmgs_command_at_;
  send.due = now + config_.cmgs_latency;
  send.message.to = submit.to;
  send.message.encoding = submit.user_data.encoding;
  if (submit.user_data.encoding == pdu::Encoding::kEightBit) {
    send.message.data_hex = pdu::to_hex(submit.user_data.data);
  } else {
    send.message.text = pdu::code_points_to_utf8(submit.user_data.text);
  }
  send.message.status_report_request = submit.status_report_request;
  send.message.concat = submit.user_data.concat;
  send.message.pdu_hex = hex;
  if (failures_left_ > 0 && sends_before_failures_ > 0) {
    --sends_before_failures_;
  } else if (failures_left_ > 0) {
    --failures_left_;
    send.failure = Failure{ErrorFamily::kCms, failure_code_};
  }
  in_flight_ = std::move(send);
  tick(now);  // completes at once without latency
}

// --- Responses -----------------------------------------------------------------------

void SimModem::emit_info(std::string_view line) { info_lines_.emplace_back(line); }

void SimModem::flush_response() {
  // V.250 clause 5.7.1: information text is framed by CR LF before and after.
  if (info_lines_.empty()) return;
  std::string text = "\r\n";
  for (const auto& line : info_lines_) text += line + "\r\n";
  info_lines_.clear();
  emit(text);
}

void SimModem::final_ok() {
  flush_response();
  emit("\r\nOK\r\n");
  executing_ = false;
  release_held_urcs();
}

void SimModem::final_error(const Failure& failure) {
  ++counters_.errors;
  flush_response();
  std::string line = "ERROR";
  // TS 27.007 clause 9.1: +CMEE=0 gives plain ERROR, 1 the number, 2 the text.
  if (failure.family != ErrorFamily::kPlain && settings_.cmee != 0) {
    const bool cms = failure.family == ErrorFamily::kCms;
    std::string text;
    if (settings_.cmee == 2) {
      std::string_view meaning =
          cms ? at::cms_error_meaning(failure.code) : at::cme_error_meaning(failure.code);
      if (cms) {
        for (const auto& entry : kMeCmsTexts) {
          if (entry.code == failure.code) meaning = entry.text;
        }
      }
      text = std::string(meaning);
    }
    if (text.empty()) text = std::to_string(failure.code);
    line = (cms ? "+CMS ERROR: " : "+CME ERROR: ") + text;
  }
  info_lines_.clear();
  emit("\r\n" + line + "\r\n");
  executing_ = false;
  release_held_urcs();
}

void SimModem::emit_urc(std::string_view text) {
  // TS 27.005 clause 3.4.1 (<mode> 2): URCs wait while the TA-TE link is busy with a
  // command and follow its final result.
  std::string framed = "\r\n" + std::string(text) + "\r\n";
  if (busy()) {
    held_urcs_.push_back(std::move(framed));
  } else {
    emit(framed);
  }
}

void SimModem::release_held_urcs() {
  if (busy()) return;
  for (const auto& urc : std::exchange(held_urcs_, {})) emit(urc);
}

void SimModem::emit(std::string_view bytes) {
  if (hung_) return;
  counters_.bytes_out += bytes.size();
  output_.append(bytes);
}

SimModem::Failure SimModem::sim_failure(ErrorFamily family) const {
  const bool cms = family == ErrorFamily::kCms;
  switch (sim_state_) {
    case SimState::kPinRequired:
      return {family, cms ? kCmsSimPinRequired : kCmeSimPinRequired};
    case SimState::kPukRequired:
      return {family, cms ? kCmsSimPukRequired : kCmeSimPukRequired};
    default:
      return {family, cms ? kCmsSimFailure : kCmeSimFailure};
  }
}

void SimModem::emit_direct(std::string text) {
  // Phase 2+: the network sends the next message only after the previous one was
  // acknowledged (TS 27.005 clause 3.4.4; TS 24.011 RP-ACK), so the next waits.
  if (settings_.csms == 1 && awaiting_ack_) {
    awaiting_direct_.push_back(std::move(text));
    return;
  }
  emit_urc(text);
  if (settings_.csms == 1) awaiting_ack_ = true;
}

void SimModem::reset_settings() {
  settings_ = Settings{};
  if (config_.phase2_plus_only) settings_.csms = 1;
  reported_registration_ = registration_stat();
}

// --- Network state -------------------------------------------------------------------

int SimModem::registration_stat() const {
  if (booting() || functionality_ != 1 || sim_state_ != SimState::kReady) return 0;
  return network_registered_ ? 1 : 2;
}

void SimModem::update_registration() {
  const int stat = registration_stat();
  if (stat == reported_registration_) return;
  reported_registration_ = stat;
  if (settings_.creg == 0) return;
  std::string urc = "+CREG: " + std::to_string(stat);
  if (settings_.creg == 2 && stat == 1) urc += "," + std::string(kLocation);
  emit_urc(urc);
}

bool SimModem::can_receive() const { return registration_stat() == 1; }

pdu::Timestamp SimModem::network_time() const {
  if (config_.network_time) return config_.network_time();
  return pdu::Timestamp{2026, 1, 1, 0, 0, 0, 0};
}

std::vector<uint8_t> SimModem::smsc_information() const {
  auto smsc = encode_smsc_information(config_.smsc);
  return smsc ? std::move(smsc).value() : std::vector<uint8_t>{0x00};
}

Result<int> SimModem::store(int storage, MessageStat stat, std::vector<uint8_t> pdu,
                            size_t tpdu_length, bool status_report) {
  Storage& target = storages_[static_cast<size_t>(storage)];
  for (int index = 1; index <= static_cast<int>(target.capacity); ++index) {
    if (target.messages.contains(index)) continue;
    target.messages[index] = StoredMessage{index, stat, std::move(pdu), tpdu_length, status_report};
    return index;
  }
  return make_error(std::string(target.name) + " storage is full");
}

Result<int> SimModem::route_inbound(const std::vector<uint8_t>& tpdu, Routing routing) {
  if (routing == Routing::kPerCnmi) {
    // <mt> 0 and 1 store (1 with +CMTI); 2 and 3 route the PDU to the host as +CMT.
    routing = settings_.cnmi.mt >= 2 ? Routing::kDirect : Routing::kStore;
  }
  std::vector<uint8_t> pdu = smsc_information();
  pdu.insert(pdu.end(), tpdu.begin(), tpdu.end());
  ++counters_.inbound_delivered;
  if (routing == Routing::kDirect) {
    // TS 27.005 clause 3.4.1: +CMT: [<alpha>],<length><CR><LF><pdu>
    emit_direct("+CMT: ," + std::to_string(tpdu.size()) + "\r\n" + pdu::to_hex(pdu));
    return 0;
  }
  const int mem3 = settings_.cpms[2];
  auto index = store(mem3, MessageStat::kReceivedUnread, std::move(pdu), tpdu.size(), false);
  if (!index) {
    --counters_.inbound_delivered;
    return index.error();
  }
  if (routing != Routing::kStoreUnannounced &&
      (settings_.cnmi.mt != 0 || routing == Routing::kStore)) {
    emit_urc("+CMTI: " + quoted(storages_[static_cast<size_t>(mem3)].name) + "," +
             std::to_string(*index));
  }
  return *index;
}

void SimModem::deliver_pending_inbound() {
  while (!pending_inbound_.empty() && can_receive()) {
    PendingInbound next = std::move(pending_inbound_.front());
    pending_inbound_.erase(pending_inbound_.begin());
    (void)route_inbound(next.tpdu, next.routing);  // full storage: the network drops it
  }
}

void SimModem::emit_status_report(const PendingReport& report) {
  const pdu::Timestamp time = network_time();
  auto tpdu =
      encode_status_report_tpdu(report.reference, report.recipient, time, time, report.status);
  if (!tpdu) return;  // the recipient was checked when the part was sent
  Routing routing = report.routing;
  if (routing == Routing::kPerCnmi) {
    // TS 27.005 clause 3.4.1 <ds>: 0 not routed, 1 +CDS, 2 stored and +CDSI.
    if (settings_.cnmi.ds == 0) return;
    routing = settings_.cnmi.ds == 1 ? Routing::kDirect : Routing::kStore;
  }
  std::vector<uint8_t> pdu = smsc_information();
  pdu.insert(pdu.end(), tpdu->begin(), tpdu->end());
  ++counters_.status_reports;
  if (routing == Routing::kDirect) {
    emit_direct("+CDS: " + std::to_string(tpdu->size()) + "\r\n" + pdu::to_hex(pdu));
    return;
  }
  const int mem3 = settings_.cpms[2];
  auto index = store(mem3, MessageStat::kReceivedUnread, std::move(pdu), tpdu->size(), true);
  if (!index || routing == Routing::kStoreUnannounced) return;
  emit_urc("+CDSI: " + quoted(storages_[static_cast<size_t>(mem3)].name) + "," +
           std::to_string(*index));
}

// --- Controls ------------------------------------------------------------------------

Result<std::vector<int>> SimModem::deliver(const InboundSms& sms, MonotonicClock::time_point now) {
  auto text = pdu::utf8_to_code_points(sms.text);
  if (!text) return make_error("text: " + text.error().message);
  DeliverOptions options;
  options.encoding = sms.encoding == TextEncoding::kGsm7   ? pdu::EncodingChoice::kGsm7
                     : sms.encoding == TextEncoding::kUcs2 ? pdu::EncodingChoice::kUcs2
                                                           : pdu::EncodingChoice::kAuto;
  options.concat_reference = sms.concat_reference;
  options.ref16 = sms.ref16;
  auto tpdus =
      encode_deliver_tpdus(sms.from, *text, sms.timestamp.value_or(network_time()), options);
  if (!tpdus) return tpdus.error();
  std::vector<int> indexes;
  for (auto& tpdu : *tpdus) {
    auto delivered = deliver_tpdu(std::move(tpdu), sms.routing, now);
    if (!delivered) return delivered.error();
    indexes.insert(indexes.end(), delivered->begin(), delivered->end());
  }
  return indexes;
}

Result<std::vector<int>> SimModem::deliver_tpdu(std::vector<uint8_t> tpdu, Routing routing,
                                                MonotonicClock::time_point now) {
  (void)now;
  if (!can_receive() || !pending_inbound_.empty()) {
    pending_inbound_.push_back(PendingInbound{std::move(tpdu), routing});
    return std::vector<int>{};
  }
  auto index = route_inbound(tpdu, routing);
  if (!index) return index.error();
  if (*index == 0) return std::vector<int>{};
  return std::vector<int>{*index};
}

Status SimModem::queue_status_report(uint8_t reference, uint8_t status,
                                     MonotonicClock::duration delay, MonotonicClock::time_point now,
                                     Routing routing) {
  for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
    if (it->reference != reference) continue;
    reports_.push_back(PendingReport{now + delay, reference, it->to, status, routing});
    tick(now);
    return ok_status();
  }
  return make_error("no part was sent with TP-MR " + std::to_string(reference));
}

void SimModem::set_ussd_reply(std::string code, UssdScript script) {
  config_.ussd_replies[std::move(code)] = std::move(script);
}

void SimModem::set_auto_status_reports(std::optional<AutoStatusReports> reports) {
  auto_reports_ = reports;
}

void SimModem::set_auto_replies(std::optional<AutoReplies> replies) {
  auto_replies_ = std::move(replies);
}

void SimModem::fail_next_sends(int count, int cms_error, int after) {
  failures_left_ = std::max(0, count);
  failure_code_ = cms_error;
  sends_before_failures_ = std::max(0, after);
}

void SimModem::set_hung(bool hung) { hung_ = hung; }

void SimModem::set_registered(bool registered, MonotonicClock::time_point now) {
  network_registered_ = registered;
  update_registration();
  tick(now);
}

void SimModem::inject(std::string_view bytes) { emit(bytes); }

void SimModem::power_cycle(MonotonicClock::time_point now) {
  ++counters_.resets;
  boot_done_at_ = now + config_.boot_time;
  line_.clear();
  line_overflow_ = false;
  pending_input_.clear();
  info_lines_.clear();
  held_urcs_.clear();
  awaiting_pdu_ = false;
  pdu_hex_.clear();
  in_flight_.reset();
  executing_ = false;
  awaiting_ack_ = false;
  awaiting_direct_.clear();  // lost with the power; the network would send them again
  ussd_answer_.reset();      // and so is a USSD session
  ussd_session_open_ = false;
  functionality_ = 1;
  if (config_.pin && sim_state_ == SimState::kReady) sim_state_ = SimState::kPinRequired;
  reset_settings();
}

std::vector<StoredMessage> SimModem::stored(std::string_view storage) const {
  std::vector<StoredMessage> out;
  for (const auto& s : storages_) {
    if (s.name != storage) continue;
    for (const auto& [index, message] : s.messages) out.push_back(message);
  }
  return out;
}

// --- Command handlers ----------------------------------------------------------------

// TS 27.007 clauses 5.1-5.3 (+CGMI, +CGMM, +CGMR) and V.250 +GMI/+GMM/+GMR.
SimModem::Outcome SimModem::identification(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) return {};
  if (c.form != Form::kAction) return bad_parameters();
  if (c.name.ends_with("MI")) emit_info(config_.manufacturer);
  if (c.name.ends_with("MM")) emit_info(config_.model);
  if (c.name.ends_with("MR")) emit_info(config_.revision);
  return {};
}

// TS 27.007 clause 5.4: the IMEI.
SimModem::Outcome SimModem::cgsn(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) return {};
  if (c.form != Form::kAction) return bad_parameters();
  emit_info(config_.imei);
  return {};
}

// TS 27.007 clause 5.6: the IMSI.
SimModem::Outcome SimModem::cimi(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) return {};
  if (c.form != Form::kAction) return bad_parameters();
  emit_info(config_.imsi);
  return {};
}

// Not in 27.007 but widespread (SIMCom, Telit, u-blox): the ICCID.
SimModem::Outcome SimModem::ccid(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) return {};
  if (sim_state_ == SimState::kBlocked) return {sim_failure(ErrorFamily::kCme)};
  emit_info("+CCID: " + config_.iccid);
  return {};
}

// TS 27.007 clause 8.18: restricted SIM access; only READ BINARY of EF_ICCID is
// simulated, as hosts use it to read the ICCID portably.
SimModem::Outcome SimModem::crsm(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) return {};
  if (c.form != Form::kSet || c.args.empty()) return bad_parameters();
  if (sim_state_ == SimState::kBlocked) return {sim_failure(ErrorFamily::kCme)};
  const auto command = parse_int(c.args[0]);
  const auto file = c.args.size() > 1 ? parse_int(c.args[1]) : std::nullopt;
  if (!command) return bad_parameters();
  if (command == kCrsmReadBinary && file == kEfIccid) {
    emit_info("+CRSM: " + std::string(kSwOk) + "," + quoted(swapped_bcd(config_.iccid)));
  } else {
    emit_info("+CRSM: " + std::string(kSwFileNotFound) + ",\"\"");
  }
  return {};
}

// TS 27.007 clause 8.3: PIN and PUK; three wrong PINs ask for the PUK, ten wrong PUKs
// block the SIM for good (TS 31.101 / 51.011).
SimModem::Outcome SimModem::cpin(const Invocation& c, MonotonicClock::time_point now) {
  constexpr int kPinAttempts = 3;
  constexpr int kPukAttempts = 10;
  using enum ErrorFamily;
  if (c.form == Form::kTest) return {};
  if (c.form == Form::kRead) {
    if (sim_state_ == SimState::kBlocked) return {sim_failure(kCme)};
    emit_info("+CPIN: " + std::string(sim_state_name(sim_state_)));
    return {};
  }
  if (c.form != Form::kSet || c.args.empty() || c.args.size() > 2) return bad_parameters();
  switch (sim_state_) {
    case SimState::kReady:
      return {Failure{kCme, kCmeOperationNotAllowed}};
    case SimState::kBlocked:
      return {sim_failure(kCme)};
    case SimState::kPinRequired:
      if (c.args.size() != 1) return bad_parameters();
      if (c.args[0] != current_pin_) {
        if (--pin_attempts_left_ <= 0) sim_state_ = SimState::kPukRequired;
        return {Failure{kCme, kCmeIncorrectPassword}};
      }
      break;
    case SimState::kPukRequired:
      if (c.args.size() != 2) return {Failure{kCme, kCmeSimPukRequired}};
      if (c.args[0] != config_.puk) {
        if (--puk_attempts_left_ <= 0) sim_state_ = SimState::kBlocked;
        return {Failure{kCme, kCmeIncorrectPassword}};
      }
      if (c.args[1].size() < 4 || c.args[1].size() > 8 ||
          c.args[1].find_first_not_of("0123456789") != std::string::npos) {
        return bad_parameters();
      }
      current_pin_ = c.args[1];
      puk_attempts_left_ = kPukAttempts;
      break;
  }
  sim_state_ = SimState::kReady;
  pin_attempts_left_ = kPinAttempts;
  update_registration();
  tick(now);  // held messages and reports now reach the host
  return {};
}

// TS 27.007 clause 8.5: <rssi>,<ber>; 99 is "not known or not detectable".
SimModem::Outcome SimModem::csq(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+CSQ: (0-31,99),(0-7,99)");
    return {};
  }
  if (c.form != Form::kAction) return bad_parameters();
  const int rssi = functionality_ == 1 ? std::clamp(config_.signal, 0, 31) : 99;
  emit_info("+CSQ: " + std::to_string(rssi) + ",99");
  return {};
}

// TS 27.007 clause 7.2.
SimModem::Outcome SimModem::creg(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+CREG: (0-2)");
    return {};
  }
  if (c.form == Form::kRead) {
    const int stat = registration_stat();
    std::string line = "+CREG: " + std::to_string(settings_.creg) + "," + std::to_string(stat);
    if (settings_.creg == 2 && stat == 1) line += "," + std::string(kLocation);
    emit_info(line);
    return {};
  }
  const auto n = c.form == Form::kSet ? parse_int(c.args[0]) : std::optional<int>(0);
  if (!n || *n < 0 || *n > 2 || c.args.size() > 1) return bad_parameters();
  settings_.creg = *n;
  reported_registration_ = registration_stat();
  return {};
}

// TS 27.007 clause 7.3: automatic selection only.
SimModem::Outcome SimModem::cops(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+COPS: (2," + quoted(config_.operator_name) + "," + quoted(config_.operator_name) +
              ",\"00101\",0),,(0-4),(0-2)");
    return {};
  }
  if (c.form == Form::kRead) {
    if (registration_stat() == 1) {
      emit_info("+COPS: 0,0," + quoted(config_.operator_name) + ",0");  // <AcT> 0: GSM
    } else {
      emit_info("+COPS: 0");
    }
    return {};
  }
  if (c.form == Form::kSet && parse_int(c.args[0]) == 0) return {};
  return {Failure{ErrorFamily::kCme, kCmeOperationNotAllowed}};
}

// TS 27.007 clause 9.1.
SimModem::Outcome SimModem::cmee(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+CMEE: (0-2)");
    return {};
  }
  if (c.form == Form::kRead) {
    emit_info("+CMEE: " + std::to_string(settings_.cmee));
    return {};
  }
  const auto n = c.form == Form::kSet ? parse_int(c.args[0]) : std::optional<int>(0);
  if (!n || *n < 0 || *n > 2) return bad_parameters();
  settings_.cmee = *n;
  return {};
}

// TS 27.007 clause 8.2: 0 minimum, 1 full, 4 flight mode; <rst> 1 resets first.
SimModem::Outcome SimModem::cfun(const Invocation& c, MonotonicClock::time_point now) {
  if (c.form == Form::kTest) {
    emit_info("+CFUN: (0,1,4),(0,1)");
    return {};
  }
  if (c.form == Form::kRead) {
    emit_info("+CFUN: " + std::to_string(functionality_));
    return {};
  }
  if (c.form != Form::kSet || c.args.size() > 2) return bad_parameters();
  const auto fun = parse_int(c.args[0]);
  const auto rst = c.args.size() > 1 ? parse_int(c.args[1]) : std::optional<int>(0);
  if (!fun || (*fun != 0 && *fun != 1 && *fun != 4) || !rst || (*rst != 0 && *rst != 1)) {
    return bad_parameters();
  }
  if (*rst == 1) {
    if (*fun != 1) return {Failure{ErrorFamily::kCme, kCmeOperationNotAllowed}};
    reset_requested_ = true;  // after the OK, like the real thing
    return {};
  }
  functionality_ = *fun;
  update_registration();
  tick(now);
  return {};
}

// TS 27.005 clause 3.2.3: PDU mode only; text mode is not simulated.
SimModem::Outcome SimModem::cmgf(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+CMGF: (0)");
    return {};
  }
  if (c.form == Form::kRead) {
    emit_info("+CMGF: " + std::to_string(settings_.cmgf));
    return {};
  }
  const auto mode = c.form == Form::kSet ? parse_int(c.args[0]) : std::optional<int>(0);
  if (mode == 1) return {Failure{ErrorFamily::kCms, kCmsOperationNotSupported}};
  if (mode != 0) return bad_parameters();
  settings_.cmgf = 0;
  return {};
}

// TS 27.007 clause 5.5. PDU mode does not use the character set; it is remembered.
SimModem::Outcome SimModem::cscs(const Invocation& c, MonotonicClock::time_point) {
  static constexpr std::array kSets{"GSM", "IRA", "UCS2", "HEX"};
  if (c.form == Form::kTest) {
    emit_info("+CSCS: (\"GSM\",\"IRA\",\"UCS2\",\"HEX\")");
    return {};
  }
  if (c.form == Form::kRead) {
    emit_info("+CSCS: " + quoted(settings_.cscs));
    return {};
  }
  if (c.form != Form::kSet) return bad_parameters();
  const std::string set = upper(c.args[0]);
  if (std::find(kSets.begin(), kSets.end(), set) == kSets.end()) return bad_parameters();
  settings_.cscs = set;
  return {};
}

// TS 27.005 clause 3.3.1.
SimModem::Outcome SimModem::csca(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) return {};
  if (c.form == Form::kRead) {
    const int toa = config_.smsc.starts_with('+') ? kToaInternational : kToaUnknown;
    emit_info("+CSCA: " + quoted(config_.smsc) + "," + std::to_string(toa));
    return {};
  }
  if (c.form != Form::kSet || c.args[0].empty() || !encode_smsc_information(c.args[0])) {
    return bad_parameters();
  }
  config_.smsc = c.args[0];
  return {};
}

// TS 27.005 clause 3.4.1.
SimModem::Outcome SimModem::cnmi(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)");
    return {};
  }
  NewMessageIndication& n = settings_.cnmi;
  if (c.form == Form::kRead) {
    emit_info("+CNMI: " + std::to_string(n.mode) + "," + std::to_string(n.mt) + "," +
              std::to_string(n.bm) + "," + std::to_string(n.ds) + "," + std::to_string(n.bfr));
    return {};
  }
  if (c.form != Form::kSet || c.args.size() > 5) return bad_parameters();
  NewMessageIndication next = n;
  std::array<int*, 5> fields{&next.mode, &next.mt, &next.bm, &next.ds, &next.bfr};
  static constexpr std::array kMaxima{3, 3, 2, 2, 1};
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (c.args[i].empty()) continue;  // omitted: unchanged
    const auto value = parse_int(c.args[i]);
    if (!value || *value < 0 || *value > kMaxima[i]) {
      return {Failure{ErrorFamily::kCms, kCmsOperationNotSupported}};
    }
    *fields[i] = *value;
  }
  n = next;
  return {};
}

// TS 27.005 clause 3.2.2: mem1 (read, list, delete), mem2 (write), mem3 (received).
SimModem::Outcome SimModem::cpms(const Invocation& c, MonotonicClock::time_point) {
  auto usage = [this](int storage) {
    const Storage& s = storages_[static_cast<size_t>(storage)];
    return std::to_string(s.messages.size()) + "," + std::to_string(s.capacity);
  };
  if (c.form == Form::kTest) {
    emit_info(R"(+CPMS: ("SM","ME"),("SM","ME"),("SM","ME"))");
    return {};
  }
  if (c.form == Form::kRead) {
    std::string line = "+CPMS: ";
    for (size_t i = 0; i < 3; ++i) {
      const int storage = settings_.cpms[i];
      if (i > 0) line += ",";
      line += quoted(storages_[static_cast<size_t>(storage)].name) + "," + usage(storage);
    }
    emit_info(line);
    return {};
  }
  if (c.form != Form::kSet || c.args.size() > 3) return bad_parameters();
  std::array<int, 3> next = settings_.cpms;
  for (size_t i = 0; i < c.args.size(); ++i) {
    const std::string name = upper(c.args[i]);
    auto found = std::find_if(storages_.begin(), storages_.end(),
                              [&name](const Storage& s) { return s.name == name; });
    if (found == storages_.end()) return {Failure{ErrorFamily::kCms, kCmsOperationNotAllowed}};
    next[i] = static_cast<int>(found - storages_.begin());
  }
  settings_.cpms = next;
  emit_info("+CPMS: " + usage(next[0]) + "," + usage(next[1]) + "," + usage(next[2]));
  return {};
}

// TS 27.005 clause 3.2.1: service 1 (phase 2+) makes +CMT/+CDS need +CNMA.
SimModem::Outcome SimModem::csms(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+CSMS: (0,1)");
    return {};
  }
  if (c.form == Form::kRead) {
    emit_info("+CSMS: " + std::to_string(settings_.csms) + ",1,1,1");
    return {};
  }
  const auto service = c.form == Form::kSet ? parse_int(c.args[0]) : std::nullopt;
  if (service != 0 && service != 1) return bad_parameters();
  if (config_.phase2_plus_only && service == 0) {
    return {Failure{ErrorFamily::kCms, kCmsOperationNotAllowed}};
  }
  settings_.csms = *service;
  emit_info("+CSMS: 1,1,1");  // <mt>,<mo>,<bm> supported
  return {};
}

// TS 27.005 clause 3.5.6: keep the relay link open between parts.
SimModem::Outcome SimModem::cmms(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+CMMS: (0-2)");
    return {};
  }
  if (c.form == Form::kRead) {
    emit_info("+CMMS: " + std::to_string(settings_.cmms));
    return {};
  }
  const auto n = c.form == Form::kSet ? parse_int(c.args[0]) : std::optional<int>(0);
  if (!n || *n < 0 || *n > 2) return bad_parameters();
  settings_.cmms = *n;
  return {};
}

// TS 27.005 clause 3.4.4.
SimModem::Outcome SimModem::cnma(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) {
    emit_info("+CNMA: (0-2)");
    return {};
  }
  if (!std::exchange(awaiting_ack_, false)) {
    return {Failure{ErrorFamily::kCms, kCmsNoAckExpected}};
  }
  // <n> 2 is RP-ERROR: the TE could not take it (TS 27.005 clause 3.4.4).
  bool refused = c.form == Form::kSet && !c.args.empty() && c.args[0] == "2";
  ++(refused ? counters_.refused_deliveries : counters_.acknowledgements);
  if (!awaiting_direct_.empty()) {
    std::string next = std::move(awaiting_direct_.front());
    awaiting_direct_.erase(awaiting_direct_.begin());
    emit_direct(std::move(next));
  }
  return {};
}

// TS 27.005 clause 3.5.1: the prompt, then the PDU up to Ctrl-Z (finish_pdu).
SimModem::Outcome SimModem::cmgs(const Invocation& c, MonotonicClock::time_point now) {
  if (c.form == Form::kTest) return {};
  if (c.form != Form::kSet || c.args.size() != 1) return bad_parameters();
  if (settings_.cmgf != 0) return {Failure{ErrorFamily::kCms, kCmsOperationNotAllowed}};
  const auto length = parse_int(c.args[0]);
  if (!length || *length < 1 || *length > static_cast<int>(kMaxTpduOctets)) {
    return bad_parameters();
  }
  expected_tpdu_length_ = static_cast<size_t>(*length);
  cmgs_command_at_ = now;
  awaiting_pdu_ = true;
  pdu_hex_.clear();
  flush_response();
  emit("\r\n> ");
  return {std::nullopt, true};
}

// TS 27.005 clause 3.4.2 (PDU mode): +CMGL: <index>,<stat>,[<alpha>],<length> and the
// PDU; listing marks received unread messages as read.
SimModem::Outcome SimModem::cmgl(const Invocation& c, MonotonicClock::time_point) {
  constexpr int kAll = 4;
  if (c.form == Form::kTest) {
    emit_info("+CMGL: (0-4)");
    return {};
  }
  if (c.form == Form::kRead || (c.form == Form::kSet && c.args.size() != 1)) {
    return bad_parameters();
  }
  const auto stat = c.form == Form::kSet ? parse_int(c.args[0]) : std::optional<int>(0);
  if (!stat || *stat < 0 || *stat > kAll) return bad_parameters();
  for (auto& [index, message] : storages_[static_cast<size_t>(settings_.cpms[0])].messages) {
    if (*stat != kAll && static_cast<int>(message.stat) != *stat) continue;
    emit_info("+CMGL: " + std::to_string(index) + "," +
              std::to_string(static_cast<int>(message.stat)) + ",," +
              std::to_string(message.tpdu_length));
    emit_info(pdu::to_hex(message.pdu));
    if (message.stat == MessageStat::kReceivedUnread) message.stat = MessageStat::kReceivedRead;
  }
  return {};
}

// TS 27.005 clause 3.4.3 (PDU mode): +CMGR: <stat>,[<alpha>],<length> and the PDU. An
// empty slot answers OK alone (SIMCom, Quectel); an index beyond the storage 321.
SimModem::Outcome SimModem::cmgr(const Invocation& c, MonotonicClock::time_point) {
  if (c.form == Form::kTest) return {};
  if (c.form != Form::kSet || c.args.size() != 1) return bad_parameters();
  Storage& storage = storages_[static_cast<size_t>(settings_.cpms[0])];
  const auto index = parse_int(c.args[0]);
  if (!index) return bad_parameters();
  if (*index < 1 || *index > static_cast<int>(storage.capacity)) {
    return {Failure{ErrorFamily::kCms, kCmsInvalidMemoryIndex}};
  }
  auto found = storage.messages.find(*index);
  if (found == storage.messages.end()) return {};
  StoredMessage& message = found->second;
  emit_info("+CMGR: " + std::to_string(static_cast<int>(message.stat)) + ",," +
            std::to_string(message.tpdu_length));
  emit_info(pdu::to_hex(message.pdu));
  if (message.stat == MessageStat::kReceivedUnread) message.stat = MessageStat::kReceivedRead;
  return {};
}

// TS 27.005 clause 3.5.4: <delflag> 1 read, 2 read and sent, 3 read, sent and unsent,
// 4 all; with a <delflag> above 0 the index is ignored.
SimModem::Outcome SimModem::cmgd(const Invocation& c, MonotonicClock::time_point) {
  Storage& storage = storages_[static_cast<size_t>(settings_.cpms[0])];
  if (c.form == Form::kTest) {
    std::string used;
    for (const auto& [index, message] : storage.messages) {
      used += (used.empty() ? "" : ",") + std::to_string(index);
    }
    emit_info("+CMGD: (" + used + "),(0-4)");
    return {};
  }
  if (c.form != Form::kSet || c.args.size() > 2) return bad_parameters();
  const auto index = parse_int(c.args[0]);
  const auto flag = c.args.size() > 1 ? parse_int(c.args[1]) : std::optional<int>(0);
  if (!index || !flag || *flag < 0 || *flag > 4) return bad_parameters();
  if (*flag == 0) {
    if (*index < 1 || *index > static_cast<int>(storage.capacity)) {
      return {Failure{ErrorFamily::kCms, kCmsInvalidMemoryIndex}};
    }
    storage.messages.erase(*index);
    return {};
  }
  std::erase_if(storage.messages, [flag](const auto& entry) {
    const MessageStat stat = entry.second.stat;
    switch (*flag) {
      case 1:
        return stat == MessageStat::kReceivedRead;
      case 2:
        return stat == MessageStat::kReceivedRead || stat == MessageStat::kStoredSent;
      case 3:
        return stat != MessageStat::kReceivedUnread;
      default:
        return true;
    }
  });
  return {};
}

namespace {

// The Luhn check digit that ends IMEIs (TS 23.003 Annex B) and ICCIDs (ITU-T E.118).
char luhn_digit(const std::string& digits) {
  int sum = 0;
  bool double_it = true;  // the rightmost payload digit is doubled
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (double_it) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    double_it = !double_it;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string padded(int value, size_t width) {
  std::string text = std::to_string(value);
  return std::string(width - std::min(width, text.size()), '0') + text;
}

}  // namespace

SimConfig numbered_config(int index, SimConfig base) {
  std::string imei = "35693803564" + padded(index, 3);
  base.imei = imei + luhn_digit(imei);
  base.imsi = "00101" + padded(index, 10);
  std::string iccid = "894900000000" + padded(index, 6);
  base.iccid = iccid + luhn_digit(iccid);
  return base;
}

// TS 27.007 clause 7.15: AT+CUSD=<n>[,<str>[,<dcs>]]. A string asks the network; the
// answer comes as a +CUSD: URC after the OK, as on real modems. <n>=2 ends the session.
SimModem::Outcome SimModem::cusd(const Invocation& c, MonotonicClock::time_point now) {
  if (c.form == Form::kTest) {
    emit_info("+CUSD: (0-2)");
    return {};
  }
  if (c.form == Form::kRead) {
    emit_info("+CUSD: " + std::to_string(ussd_presentation_));
    return {};
  }
  if (c.form != Form::kSet || c.args.size() > 3) return bad_parameters();
  const std::optional<int> n = parse_int(c.args[0]);
  if (!n || *n < 0 || *n > 2) return bad_parameters();
  if (*n == 2) {
    ++counters_.ussd_cancels;
    ussd_answer_.reset();
    ussd_session_open_ = false;
    return {};
  }
  ussd_presentation_ = *n;
  if (c.args.size() < 2) return {};
  if (c.args.size() == 3 && !parse_int(c.args[2])) return bad_parameters();
  if (!can_receive()) return {Failure{ErrorFamily::kCme, kCmeNoNetworkService}};
  // One request at a time: a second while the network has not answered the first.
  if (ussd_answer_) return {Failure{ErrorFamily::kCme, kCmeOperationNotAllowed}};
  std::string code = c.args[1];
  if (config_.ussd_packed_hex) {
    auto decoded = at::decode_ussd_text(code, 15, at::UssdStringForm::kPackedGsm7Hex);
    if (!decoded || code.empty() || !pdu::from_hex(code)) return bad_parameters();
    code = *decoded;
  }
  ++counters_.ussd_requests;
  ussd_codes_.push_back(code);
  ussd_session_open_ = true;
  auto script = config_.ussd_replies.find(code);
  if (script == config_.ussd_replies.end()) {
    ussd_answer_ = PendingUssdAnswer{now, "+CUSD: 4", true};
    return {};
  }
  if (!script->second.answered) return {};
  Result<std::string> line = ussd_answer_line(script->second);
  if (!line) return bad_parameters();
  ussd_answer_ = PendingUssdAnswer{now + script->second.delay, *line, script->second.status != 1};
  return {};
}

Result<std::string> SimModem::ussd_answer_line(const UssdScript& script) const {
  std::string line = "+CUSD: " + std::to_string(script.status);
  if (script.text.empty()) return line;
  auto code_points = pdu::utf8_to_code_points(script.text);
  if (!code_points) return code_points.error();
  const pdu::Gsm7Encoder* gsm7 = pdu::Gsm7Encoder::get({});
  std::vector<uint8_t> septets;
  bool fits_gsm7 = script.encoding != TextEncoding::kUcs2;
  for (char32_t c : *code_points) {
    uint8_t out[2];
    const int n = fits_gsm7 ? gsm7->septets_for(c, out) : 0;
    if (n == 0) {
      fits_gsm7 = false;
      break;
    }
    septets.insert(septets.end(), out, out + n);
  }
  if (script.encoding == TextEncoding::kGsm7 && !fits_gsm7)
    return make_error("the USSD text does not fit the GSM-7 alphabet");
  if (!fits_gsm7) {
    std::u16string utf16;
    for (char32_t c : *code_points) pdu::append_utf16be(utf16, c);
    std::vector<uint8_t> octets;
    for (char16_t unit : utf16) {
      octets.push_back(static_cast<uint8_t>(unit >> 8));
      octets.push_back(static_cast<uint8_t>(unit & 0xFF));
    }
    return line + ",\"" + pdu::to_hex(octets) + "\",72";
  }
  if (!config_.ussd_packed_hex) return line + ",\"" + script.text + "\",15";
  // Seven spare bits at the end carry a CR (TS 23.038 clause 6.1.2.3.1).
  if (septets.size() % 8 == 7) septets.push_back(0x0D);
  std::vector<uint8_t> packed;
  pdu::pack_septets(septets, 0, packed);
  return line + ",\"" + pdu::to_hex(packed) + "\",15";
}

}  // namespace smsgate::sim

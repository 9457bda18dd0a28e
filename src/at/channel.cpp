#include "at/channel.h"

#include <algorithm>

#include "common/clock.h"
#include "common/strings.h"

namespace smsgate::at {
namespace {

using std::chrono::milliseconds;

// Writes are tiny (a command line, a PDU of at most 352 hex digits): a port that takes
// none of it within this is stuck.
constexpr milliseconds kWriteTimeout(2000);
// ESC cancels a pending AT+CMGS prompt (TS 27.005 clause 3.5.1).
constexpr char kEscape = '\x1b';
constexpr char kCtrlZ = '\x1a';

// Where the secret of a SIM PIN/PUK command begins (AT+CPIN=, AT+CPIN2=, AT+CPWD=,
// TS 27.007 clauses 8.3 and 7.5); npos for any other command.
size_t secret_argument_at(std::string_view command) {
  for (std::string_view prefix : {"AT+CPIN=", "AT+CPIN2=", "AT+CPWD="}) {
    if (starts_with_ignore_case(command, prefix)) return prefix.size();
  }
  return std::string_view::npos;
}

}  // namespace

std::string Reply::describe() const {
  switch (status) {
    case Status::kAnswered:
      return at::describe(response.final);
    case Status::kTimedOut:
      return "timed out" + (detail.empty() ? std::string() : " (" + detail + ")");
    case Status::kPortGone:
      return "port gone: " + detail;
  }
  return "?";
}

AtChannel::AtChannel(std::unique_ptr<Transport> transport, UnsolicitedSet vendor_noise)
    : transport_(std::move(transport)), parser_(vendor_noise) {}

Status AtChannel::write(std::string_view bytes) { return write(bytes, bytes); }

Status AtChannel::write(std::string_view bytes, std::string_view traced) {
  if (trace_) trace_("<", traced);
  return transport_->write(bytes, kWriteTimeout);
}

void AtChannel::trace_input(std::string_view bytes) {
  if (trace_ && !input_hidden_) trace_(">", bytes);
}

std::optional<Event> AtChannel::next_command_event(MonotonicClock::time_point deadline,
                                                   Reply& failure) {
  for (;;) {
    while (auto event = parser_.next_event()) {
      if (auto* urc = std::get_if<Urc>(&*event)) {
        urcs_.push_back(std::move(*urc));
        continue;
      }
      return event;
    }
    auto left = std::chrono::duration_cast<milliseconds>(deadline - MonotonicClock::now());
    if (left.count() <= 0) {
      failure.status = Reply::Status::kTimedOut;
      std::vector<std::string> seen = parser_.abandon_command();
      for (const std::string& line : seen) {
        if (!failure.detail.empty()) failure.detail += " | ";
        failure.detail += line;
      }
      queue_urcs_only();
      return std::nullopt;
    }
    Result<std::string> bytes = transport_->read(left);
    if (!bytes) {
      failure.status = Reply::Status::kPortGone;
      failure.detail = bytes.error().message;
      parser_.abandon_command();
      queue_urcs_only();
      return std::nullopt;
    }
    if (!bytes->empty()) {
      trace_input(*bytes);
      parser_.feed(*bytes);
    }
  }
}

void AtChannel::queue_urcs_only() {
  while (auto event = parser_.next_event()) {
    if (auto* urc = std::get_if<Urc>(&*event)) urcs_.push_back(std::move(*urc));
  }
}

Reply AtChannel::run(std::string_view command, milliseconds timeout, const CommandShape& shape) {
  Reply reply;
  parser_.command_sent(command, shape);
  // A SIM PIN or PUK never reaches the trace: the command is traced without it, and a
  // modem with echo on would repeat it, so only the parsed answer is.
  const size_t secret_from = secret_argument_at(command);
  const bool hidden = secret_from != std::string_view::npos;
  std::string bytes = std::string(command) + "\r";
  std::string traced = hidden ? std::string(command.substr(0, secret_from)) + "<hidden>\r" : bytes;
  if (Status written = write(bytes, traced); !written) {
    parser_.abandon_command();
    return Reply{Reply::Status::kPortGone, {}, written.error().message};
  }
  input_hidden_ = hidden;
  auto deadline = MonotonicClock::now() + timeout;
  while (auto event = next_command_event(deadline, reply)) {
    if (auto* response = std::get_if<Response>(&*event)) {
      reply.response = std::move(*response);
      if (hidden) {
        input_hidden_ = false;
        if (trace_) trace_(">", reply.describe());
      }
      return reply;
    }
    // A prompt nobody asked for: the modem reads our next bytes as PDU text. Cancel it.
    if (Status cancelled = write(std::string(1, kEscape)); !cancelled) {
      parser_.abandon_command();
      input_hidden_ = false;
      return Reply{Reply::Status::kPortGone, {}, cancelled.error().message};
    }
  }
  input_hidden_ = false;
  return reply;
}

Reply AtChannel::send_pdu(std::string_view cmgs_command, std::string_view pdu_hex,
                          milliseconds prompt_timeout, milliseconds timeout, PduTrace pdu_trace) {
  Reply reply;
  CommandShape shape;
  shape.expects_prompt = true;
  parser_.command_sent(cmgs_command, shape);
  if (Status written = write(std::string(cmgs_command) + "\r"); !written) {
    parser_.abandon_command();
    return Reply{Reply::Status::kPortGone, {}, written.error().message};
  }
  auto start = MonotonicClock::now();
  std::optional<Event> event = next_command_event(start + std::min(prompt_timeout, timeout), reply);
  if (!event) {
    if (reply.status == Reply::Status::kTimedOut) {
      (void)write(std::string(1, kEscape));
      reply.detail = "no prompt" + (reply.detail.empty() ? "" : ": " + reply.detail);
    }
    return reply;
  }
  if (auto* response = std::get_if<Response>(&*event)) {  // refused before the prompt
    reply.response = std::move(*response);
    return reply;
  }
  parser_.pdu_sent();
  reply.pdu_written = true;
  const bool hidden = pdu_trace == PduTrace::kHidden;
  std::string bytes = std::string(pdu_hex) + kCtrlZ;
  std::string traced =
      hidden ? "<PDU hidden, " + std::to_string(pdu_hex.size()) + " hex digits>" + kCtrlZ : bytes;
  if (Status written = write(bytes, traced); !written) {
    parser_.abandon_command();
    return Reply{Reply::Status::kPortGone, {}, written.error().message, true};
  }
  // A modem with echo on repeats the PDU, in chunks of any size: the raw input is not
  // traced, the answer parsed from it is (the parser drops the echoed hex).
  input_hidden_ = hidden;
  while ((event = next_command_event(start + timeout, reply))) {
    if (auto* response = std::get_if<Response>(&*event)) {
      reply.response = std::move(*response);
      break;
    }
  }
  if (hidden) {
    input_hidden_ = false;
    if (trace_) {
      std::string answer;
      for (const std::string& line : reply.response.lines) answer += line + "\r\n";
      trace_(">", answer + reply.describe());
    }
  }
  return reply;
}

Status AtChannel::wait_for_urcs(milliseconds timeout) {
  queue_urcs_only();
  if (!urcs_.empty()) return ok_status();
  Result<std::string> bytes = transport_->read(timeout);
  if (!bytes) return bytes.error();
  if (!bytes->empty()) {
    trace_input(*bytes);
    parser_.feed(*bytes);
    queue_urcs_only();
  }
  return ok_status();
}

std::deque<Urc> AtChannel::take_urcs() {
  std::deque<Urc> taken;
  taken.swap(urcs_);
  return taken;
}

void AtChannel::discard_input() {
  transport_->discard_input();
  parser_ = AtParser(parser_.vendor_noise());
}

}  // namespace smsgate::at

// AtChannel: one AT command at a time over a Transport, each with a deadline. It
// writes the command, feeds what the modem says to an AtParser, and returns the
// response; unsolicited result codes that arrive meanwhile (or while idle, see
// wait_for_urcs) are queued for the owner. A timeout is not an error result: the
// caller sees kTimedOut, never a made-up "ERROR", so it can tell a hung modem from a
// refusal. After a timeout the parser abandons the command, so a late final result
// cannot complete the next one.
//
// Owned and used by one thread (the modem worker); not safe for concurrent use.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "at/parser.h"
#include "at/transport.h"
#include "common/clock.h"

namespace smsgate::at {

struct Reply {
  enum class Status {
    kAnswered,  // a final result arrived: see response.final (OK, ERROR, +CMS ERROR...)
    kTimedOut,  // no final result before the deadline
    kPortGone,  // the transport failed: unplugged or closed
  };
  Status status = Status::kAnswered;
  Response response;   // kAnswered: the information lines and final result
  std::string detail;  // kTimedOut / kPortGone: what happened, for the log
  // send_pdu: the PDU was written, so a timeout or a lost port leaves it unknown
  // whether the message went out.
  bool pdu_written = false;

  bool answered() const { return status == Status::kAnswered; }
  bool ok() const { return answered() && response.final.ok(); }
  // One line for logs: "OK", "+CMS ERROR: 38 (network out of order)", "timed out".
  std::string describe() const;
};

// Whether a PDU may appear in the trace: a one-time password's PDU encodes its code,
// and the trace goes to the debug log.
enum class PduTrace { kShown, kHidden };

class AtChannel {
 public:
  using Trace = std::function<void(std::string_view direction, std::string_view text)>;

  // `vendor_noise`: the lines, beyond the standard URCs, that this modem says unasked
  // (see AtParser). The modem layer gives every known family's, since the channel opens
  // before AT+CGMI tells which family it is.
  explicit AtChannel(std::unique_ptr<Transport> transport, UnsolicitedSet vendor_noise = {});

  // Sends `command` (no CR; it is added) and waits up to `timeout` for its final result.
  Reply run(std::string_view command, std::chrono::milliseconds timeout,
            const CommandShape& shape = {});

  // AT+CMGS=<tpdu_length> with its PDU (TS 27.005 clause 3.5.1): waits for the "> "
  // prompt (up to `prompt_timeout`), writes the hex PDU and Ctrl-Z, and waits up to
  // `timeout` for +CMGS. If the prompt never comes, ESC cancels the command so the
  // modem does not take our next command for PDU text.
  // kHidden keeps the PDU out of the trace: it is traced as its length, and what the
  // modem says after it (which may echo it) is traced as the parsed answer only.
  Reply send_pdu(std::string_view cmgs_command, std::string_view pdu_hex,
                 std::chrono::milliseconds prompt_timeout, std::chrono::milliseconds timeout,
                 PduTrace pdu_trace = PduTrace::kShown);

  // Reads what the modem says on its own: returns when bytes arrive (a URC or part of
  // one), when `timeout` passes, or at once after Transport::interrupt(). An error
  // means the port is gone.
  Status wait_for_urcs(std::chrono::milliseconds timeout);

  bool has_urcs() const { return !urcs_.empty(); }
  std::deque<Urc> take_urcs();

  // Forgets unread input and any half-received line (after a reset).
  void discard_input();

  // Called with "<" for bytes written and ">" for lines read, when set (debug traces;
  // they carry PDUs, so never at info level; see PduTrace for those that must not).
  void set_trace(Trace trace) { trace_ = std::move(trace); }

  const std::string& port_name() const { return transport_->name(); }
  const AtParser& parser() const { return parser_; }
  // For interrupt() from other threads; the channel's owner uses nothing else of it.
  Transport& transport() { return *transport_; }

 private:
  Status write(std::string_view bytes);
  // Writes `bytes` but traces `traced` instead.
  Status write(std::string_view bytes, std::string_view traced);
  void trace_input(std::string_view bytes);
  // Reads until the parser yields an event or the deadline passes; URCs are queued.
  // Returns the response or prompt event, or a Reply describing the failure.
  std::optional<Event> next_command_event(MonotonicClock::time_point deadline, Reply& failure);
  void queue_urcs_only();

  std::unique_ptr<Transport> transport_;
  AtParser parser_;
  std::deque<Urc> urcs_;
  Trace trace_;
  bool input_hidden_ = false;  // a hidden PDU was written and its answer is still coming
};

}  // namespace smsgate::at

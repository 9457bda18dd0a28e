// AtParser: the pure core of the AT channel. Bytes from the modem go in, events come
// out: the response to the pending command (its information lines and final result),
// the "> " prompt of AT+CMGS/AT+CMGW, and unsolicited result codes (URCs), which are
// separated from a response even when they arrive in the middle of it. No I/O, no
// clock, no threads: the owner of the serial port feeds bytes, says what it sent, and
// drives timeouts (abandon_command()). One AtParser per port, used by one thread.
//
// URCs: the parser knows the standard ones (TS 27.005/27.007, V.250's RING); the
// lines a vendor's firmware says unasked (^RSSI:, RDY) are the owner's to give, as an
// UnsolicitedSet, since every vendor quirk lives in drivers/.
//
// Framing: CR LF, lone CR, lone LF and Ctrl-Z all end a line (Ctrl-Z only ever comes
// from the echoed PDU of AT+CMGS), except inside the quoted text of a +CUSD: answer,
// which networks write over several lines (a menu, one choice a line): those lines
// join with LF until the closing quote, a final result code or kMaxLineBytes; empty
// lines are skipped; other control bytes, DEL
// and 0x80..0xFF are dropped as line noise; a line longer than kMaxLineBytes is
// discarded up to its end. Events do not depend on how the bytes are chunked.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "at/result_code.h"

namespace smsgate::at {

// What the host expects back from a command. Constexpr-friendly, so drivers keep
// their command tables as data; the parser copies what it needs.
struct CommandShape {
  // Information lines starting with one of these ("+CMGL:") belong to the response
  // even where the same prefix would otherwise be a URC (+CREG: for AT+CREG?). Read
  // and test commands (AT+CPIN?, AT+CNMI=?) get "+CPIN:" / "+CNMI:" added
  // automatically, since their answer always carries the command's own name.
  std::array<std::string_view, 4> response_prefixes{};
  // Each prefixed line is followed by one PDU line (AT+CMGL, AT+CMGR in PDU mode,
  // TS 27.005 clauses 3.4.2 and 3.4.3).
  bool pdu_after_header = false;
  // The modem answers "> " before the PDU (AT+CMGS, AT+CMGW, TS 27.005 clause 3.5.1).
  bool expects_prompt = false;
};

struct Response {
  std::vector<std::string> lines;  // information lines and PDU lines, in order
  FinalResult final;
  bool truncated = false;  // more than kMaxResponseBytes; the rest was dropped
  // The modem echoed the command: echo is on, so a modem set to ATE0 has restarted
  // and lost its settings.
  bool echoed = false;
  friend bool operator==(const Response&, const Response&) = default;
};

struct Prompt {
  friend bool operator==(const Prompt&, const Prompt&) = default;
};

// An unsolicited line: a known URC, vendor noise, or a line (even "OK") that arrived
// while no command was pending. Nothing the modem says is lost.
struct Urc {
  std::string line;
  std::optional<std::string> pdu;  // +CMT, +CDS, +CBM: the PDU line that follows
  friend bool operator==(const Urc&, const Urc&) = default;
};

using Event = std::variant<Response, Prompt, Urc>;

// Lines that come unasked beyond the standard URCs (vendor noise): prefixes ("^RSSI:")
// and whole lines ("RDY"), both matched ignoring case. Views only, so the parser's
// memory stays bounded: the data must outlive every parser given it (drivers/ keeps
// it in constexpr tables).
struct UnsolicitedSet {
  std::span<const std::string_view> prefixes;
  std::span<const std::string_view> words;
};

// True for the standard unsolicited result codes (a table in parser.cpp) and the lines
// of `vendor_noise`, whatever command is pending.
bool is_known_urc(std::string_view line, UnsolicitedSet vendor_noise);

class AtParser {
 public:
  // 27.005 PDUs are at most 2*(12+164) hex digits and V.250 command lines far less;
  // 4096 leaves room for long +CUSD and ATI lines while bounding memory.
  static constexpr size_t kMaxLineBytes = 4096;
  // A full AT+CMGL of a phone's memory (a thousand messages of header + PDU) fits.
  static constexpr size_t kMaxResponseBytes = 1 << 20;

  // Without `vendor_noise` only the standard URCs are known, and a vendor line that
  // arrives while a command without response prefixes runs (AT+CGMI, AT+CMGF=0)
  // joins that command's response.
  explicit AtParser(UnsolicitedSet vendor_noise = {}) : vendor_noise_(vendor_noise) {}

  // The host wrote `command_line` (with or without its CR). A command still pending is
  // abandoned first: AT allows one command at a time.
  void command_sent(std::string_view command_line, const CommandShape& shape = {});
  // The host wrote the PDU and Ctrl-Z after the prompt.
  void pdu_sent();
  // The host gave up on the pending command (timeout). A final result arriving later
  // is then reported as a stray Urc instead of completing the next command. Returns
  // the lines collected so far, for the log.
  std::vector<std::string> abandon_command();

  void feed(std::string_view bytes);
  std::optional<Event> next_event();

  bool command_pending() const { return pending_.has_value(); }
  // Bytes held in the line buffer and the pending response; bounded by
  // kMaxLineBytes + kMaxResponseBytes + 2 * kMaxLineBytes (a URC header awaiting its
  // PDU, or a +CUSD: text still open). Events not yet taken with next_event() are the caller's to
  // drain.
  size_t buffered_bytes() const;
  // Noise counters, for the modem's diagnostics page.
  size_t dropped_bytes() const { return dropped_bytes_; }
  size_t discarded_lines() const { return discarded_lines_; }
  // As given to the constructor, for a fresh parser on the same port.
  UnsolicitedSet vendor_noise() const { return vendor_noise_; }

 private:
  enum class Step { kAwaitingResult, kAwaitingPrompt, kPromptShown, kPduSent };
  struct Pending {
    std::string command;  // trimmed, for echo matching
    std::vector<std::string> prefixes;
    bool pdu_after_header = false;
    Step step = Step::kAwaitingResult;
    bool echo_seen = false;
    bool awaiting_response_pdu = false;
    Response response;
    size_t response_bytes = 0;
  };

  void on_byte(char c);
  void end_line();
  void on_line(std::string line);
  bool try_take_urc_pdu(const std::string& line);
  void on_pending_line(Pending& pending, std::string line);
  void add_response_line(Pending& pending, std::string line);
  void emit_urc(std::string line);
  // A known URC: held when its quoted text goes on past the line's end.
  void take_known_urc(std::string line);
  bool continue_open_text(const std::string& line);
  void flush_urc_header();

  UnsolicitedSet vendor_noise_;
  std::string line_;
  bool discarding_ = false;  // inside an over-long line, until its end
  std::optional<Pending> pending_;
  std::optional<std::string> urc_awaiting_pdu_;  // +CMT/+CDS/+CBM header line
  std::optional<std::string> urc_open_text_;     // +CUSD: whose quoted text goes on
  std::deque<Event> events_;
  size_t dropped_bytes_ = 0;
  size_t discarded_lines_ = 0;
};

}  // namespace smsgate::at

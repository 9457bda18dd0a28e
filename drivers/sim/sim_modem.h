// SimModem: a simulated GSM modem as a pure state machine. Bytes the host wrote go in
// (receive), bytes the modem answers come out (take_output), and time is whatever
// the caller says it is (receive/tick take `now`, next_deadline says when to call
// tick again). It answers the 3GPP TS 27.007 / 27.005 commands a real modem answers,
// in PDU mode, with V.250 framing (CR LF around every response line), and validates
// what the host sends with the same PDU codec the gateway uses.
//
// Test controls (deliver, queue_status_report, fail_next_sends, set_hung, ...) model
// the network and the hardware misbehaving; inspection (sent, stored, counters) shows
// what the host did. No I/O, no threads, no clock: one SimModem is used by one thread
// at a time (SimBank serialises access under its lock).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "pdu/decode.h"
#include "pdu/timestamp.h"

namespace smsgate::sim {

enum class TextEncoding { kAuto, kGsm7, kUcs2 };

// What the simulated network answers a USSD code: after `delay`, "+CUSD: <status>"
// with the text (when not empty) and its <dcs> (15 for GSM-7, 72 for UCS-2).
struct UssdScript {
  // <m>: 0 done, 1 a menu (the session stays open), 2 ended by the network, 4 not
  // supported, 5 timed out in the network (TS 27.007 clause 7.15).
  int status = 0;
  std::string text;  // UTF-8
  TextEncoding encoding = TextEncoding::kAuto;
  MonotonicClock::duration delay{};  // between the OK of AT+CUSD and the +CUSD: answer
  bool answered = true;              // false: the network never answers
};

struct SimConfig {
  std::string manufacturer = "smsgate";
  std::string model = "SIM-1";
  std::string revision = "SIM-1.0.0";
  std::string imei = "356938035643809";       // 15 digits (TS 23.003 clause 6.2.1)
  std::string imsi = "001010123456789";       // MCC 001 MNC 01: the test network
  std::string iccid = "8949000000000000001";  // 19 or 20 digits (ITU-T E.118)
  std::string operator_name = "SimNet";
  std::string smsc = "+4917000000000";  // +CSCA, and the SMSC of delivered PDUs
  // Between the Ctrl-Z of AT+CMGS and its +CMGS answer (the network round trip).
  std::chrono::milliseconds cmgs_latency{0};
  // How long the modem stays silent after AT+CFUN=1,1 or a power-on before "RDY".
  std::chrono::milliseconds boot_time{200};
  std::optional<std::string> pin;  // when set the SIM starts locked (+CPIN: SIM PIN)
  std::string puk = "12345678";
  int signal = 20;  // +CSQ <rssi>, 0..31 (TS 27.007 clause 8.5)
  bool registered = true;
  // Phase 2+ only: starts in AT+CSMS=1 and refuses AT+CSMS=0, as some modules do, so
  // every +CMT/+CDS must be acknowledged with AT+CNMA (TS 27.005 clause 3.4.4).
  bool phase2_plus_only = false;
  size_t sim_capacity = 30;  // "SM" message slots
  size_t me_capacity = 100;  // "ME" message slots
  // The USSD code arrives and GSM-7 answers leave as hex of packed septets, as on
  // Huawei sticks (at/ussd.h); otherwise as characters, as TS 27.007 clause 7.15 says.
  bool ussd_packed_hex = false;
  // What the network answers each USSD code (set_ussd_reply adds more); a balance for
  // *100#, so the demo has something to show.
  std::map<std::string, UssdScript> ussd_replies = {
      {"*100#", UssdScript{.text = "Your balance is 5.00 EUR, valid until 31.12."}}};
  // Network time for SCTS/TP-DT of delivered messages and reports; a fixed
  // 2026-01-01 00:00:00 UTC when empty, so the pure engine stays deterministic.
  std::function<pdu::Timestamp()> network_time;
};

// Modem number `index` of a set: `base` with its own IMEI, IMSI and ICCID (valid check
// digits), so that a gateway driving several tells them apart.
SimConfig numbered_config(int index, SimConfig base = {});

// How an inbound message or status report reaches the host.
enum class Routing {
  kPerCnmi,  // as AT+CNMI <mt>/<ds> says (TS 27.005 clause 3.4.1)
  kStore,    // stored, then +CMTI / +CDSI
  kDirect,   // +CMT / +CDS with the PDU
  // Stored and not announced: an indication lost on the line or sent to another of
  // the modem's ports, found only when the host lists the storage.
  kStoreUnannounced,
};

struct InboundSms {
  std::string from;  // "+4917012345", "12345" or alphanumeric "Shop"
  std::string text;  // UTF-8
  TextEncoding encoding = TextEncoding::kAuto;
  Routing routing = Routing::kPerCnmi;
  uint16_t concat_reference = 0;  // for multipart texts
  bool ref16 = false;
  std::optional<pdu::Timestamp> timestamp;  // SCTS; network_time() when empty
};

// <stat> in PDU mode (TS 27.005 clause 3.1).
enum class MessageStat : int {
  kReceivedUnread = 0,
  kReceivedRead = 1,
  kStoredUnsent = 2,
  kStoredSent = 3
};

struct StoredMessage {
  int index = 0;
  MessageStat stat = MessageStat::kReceivedUnread;
  std::vector<uint8_t> pdu;  // with the SMSC information in front
  size_t tpdu_length = 0;
  bool status_report = false;
};

// One part the host submitted with AT+CMGS and the simulated network accepted.
struct SentMessage {
  uint8_t reference = 0;  // TP-MR the modem gave it (the host's own is replaced)
  std::string to;
  std::string text;      // UTF-8 (GSM-7 / UCS-2)
  std::string data_hex;  // 8-bit data
  pdu::Encoding encoding = pdu::Encoding::kGsm7;
  bool status_report_request = false;
  std::optional<pdu::Concat> concat;
  std::string pdu_hex;  // as the host wrote it, SMSC information included
  MonotonicClock::time_point accepted_at;
};

// One AT+CMGS as the port saw it: when its command line arrived and when the modem
// answered it after the network round trip. Kept so that a benchmark measures the
// host's gap between sends and the modem's busy time at the modem, not from what the
// daemon believes it did (bench/dispatch_bench.cpp).
struct SendTiming {
  MonotonicClock::time_point command_at;   // the CR of "AT+CMGS=<length>"
  MonotonicClock::time_point answered_at;  // "+CMGS: <mr>" (or the +CMS ERROR) after the PDU
  bool accepted = false;                   // false: the simulated network refused it
};

struct SimCounters {
  size_t command_lines = 0;
  size_t errors = 0;  // final results other than OK
  size_t sends_accepted = 0;
  size_t sends_failed = 0;        // +CMS ERROR after a PDU
  size_t inbound_delivered = 0;   // parts
  size_t status_reports = 0;      // emitted or stored
  size_t resets = 0;              // AT+CFUN=1,1 and power cycles
  size_t acknowledgements = 0;    // AT+CNMA that acknowledged a +CMT/+CDS
  size_t refused_deliveries = 0;  // AT+CNMA=2 (RP-ERROR) for a +CMT/+CDS
  size_t bytes_in = 0;
  size_t bytes_out = 0;
  size_t ussd_requests = 0;  // AT+CUSD=1 with a string the modem took
  size_t ussd_cancels = 0;   // AT+CUSD=2
};

enum class SimState { kReady, kPinRequired, kPukRequired, kBlocked };

// AT+CNMI settings (TS 27.005 clause 3.4.1).
struct NewMessageIndication {
  int mode = 2;
  int mt = 1;
  int bm = 0;
  int ds = 0;
  int bfr = 0;
};

class SimModem {
 public:
  explicit SimModem(SimConfig config);

  // --- The serial line ---
  void receive(std::string_view bytes, MonotonicClock::time_point now);
  void tick(MonotonicClock::time_point now);
  std::string take_output();
  std::optional<MonotonicClock::time_point> next_deadline() const;

  // --- Controls: the network and the hardware ---
  // Delivers a text from the network, split into parts like a phone would. Returns the
  // storage indexes used (empty for +CMT). Held until the modem can receive (powered,
  // SIM ready, registered) and then routed; an error when the text cannot be encoded
  // or the storage is full.
  Result<std::vector<int>> deliver(const InboundSms& sms, MonotonicClock::time_point now);
  // Delivers one SMS-DELIVER TPDU as given (no SMSC information in front).
  Result<std::vector<int>> deliver_tpdu(std::vector<uint8_t> tpdu, Routing routing,
                                        MonotonicClock::time_point now);
  // A status report (TP-ST `status`, TS 23.040 clause 9.2.3.15) for the last part
  // sent with TP-MR `reference`, after `delay`. An error when no part had it.
  Status queue_status_report(uint8_t reference, uint8_t status, MonotonicClock::duration delay,
                             MonotonicClock::time_point now, Routing routing = Routing::kPerCnmi);
  // From now on every part sent with TP-SRR gets a report with `status` after
  // `delay`; nullopt turns that off.
  struct AutoStatusReports {
    uint8_t status = 0;  // 0: delivered
    MonotonicClock::duration delay{};
  };
  void set_auto_status_reports(std::optional<AutoStatusReports> reports);
  // From now on each message sent (all its parts accepted) is shown to `answer`, and
  // the text it returns comes back from that number after `delay`, as a person's
  // reply; nullopt from `answer`: no reply. nullopt turns that off.
  struct AutoReplies {
    std::function<std::optional<std::string>(const std::string& text)> answer;
    MonotonicClock::duration delay{};
  };
  void set_auto_replies(std::optional<AutoReplies> replies);
  // The next `count` PDUs the host submits fail with +CMS ERROR: `cms_error` (after
  // the usual latency, as when the network refuses them); with `after`, only once
  // that many more have gone through (a long message refused part-way).
  void fail_next_sends(int count, int cms_error, int after = 0);
  // A hung modem swallows input and says nothing (not even URCs) until un-hung.
  void set_hung(bool hung);
  // The network registration comes and goes (+CREG URCs when AT+CREG=1 or 2).
  void set_registered(bool registered, MonotonicClock::time_point now);
  void set_signal(int rssi) { config_.signal = rssi; }
  // What the network answers `code` (as the host typed it, decoded). A code without a
  // script is answered "+CUSD: 4" (not supported) at once.
  void set_ussd_reply(std::string code, UssdScript script);
  // Raw bytes as if the modem said them ("\r\n^RSSI:12\r\n").
  void inject(std::string_view bytes);
  // Power cycle: silent for boot_time, then the boot lines; settings back to
  // defaults, the SIM locked again when it has a PIN. Stored messages stay.
  void power_cycle(MonotonicClock::time_point now);

  // --- Inspection ---
  const SimConfig& config() const { return config_; }
  const std::vector<SentMessage>& sent() const { return sent_; }
  // Every AT+CMGS whose PDU reached the network, in order; one that ended at the prompt
  // (ESC, a malformed PDU, no network) is not in here: it never made the modem wait.
  const std::vector<SendTiming>& send_timings() const { return send_timings_; }
  std::vector<StoredMessage> stored(std::string_view storage = "SM") const;
  const SimCounters& counters() const { return counters_; }
  SimState sim_state() const { return sim_state_; }
  int pin_attempts_left() const { return pin_attempts_left_; }
  bool echo() const { return settings_.echo; }
  int cmee() const { return settings_.cmee; }
  const NewMessageIndication& cnmi() const { return settings_.cnmi; }
  bool hung() const { return hung_; }
  int more_messages_mode() const { return settings_.cmms; }  // AT+CMMS <n>
  // +CMT/+CDS sent or held that still wait for AT+CNMA (phase 2+ only).
  size_t awaiting_acknowledgement() const { return awaiting_direct_.size() + awaiting_ack_; }
  bool booting() const { return boot_done_at_.has_value(); }
  bool sending() const { return in_flight_.has_value(); }
  // The USSD codes the host asked, decoded, in order.
  const std::vector<std::string>& ussd_codes() const { return ussd_codes_; }
  // A USSD request is awaiting its answer, or a menu its choice.
  bool ussd_session_open() const { return ussd_session_open_; }
  // +CREG <stat>: 0 not registered, 1 home, 2 searching (TS 27.007 clause 7.2).
  int registration_stat() const;

 private:
  enum class ErrorFamily { kPlain, kCme, kCms };
  struct Failure {
    ErrorFamily family = ErrorFamily::kPlain;
    int code = 0;
  };
  enum class Form { kAction, kRead, kTest, kSet };
  struct Invocation {
    std::string name;  // upper case, with its '+': "+CMGS"
    Form form = Form::kAction;
    std::vector<std::string> args;  // quotes removed
  };
  // What a command did: OK (with info lines already queued), an error, or it took
  // over the line (the AT+CMGS prompt).
  struct Outcome {
    std::optional<Failure> failure;
    bool suspended = false;
  };
  // A malformed parameter; execute_extended turns it into the command family's code
  // (+CME ERROR: 50, +CMS ERROR: 304).
  static constexpr int kBadParameters = -1;
  static Outcome bad_parameters() { return {Failure{ErrorFamily::kPlain, kBadParameters}}; }
  using Handler = Outcome (SimModem::*)(const Invocation&, MonotonicClock::time_point);
  struct CommandEntry {
    std::string_view name;
    Handler handler;
    bool needs_sim;  // refused while the SIM wants its PIN/PUK
    ErrorFamily family;
  };
  static const CommandEntry* find_command(std::string_view name);

  struct Storage {
    std::string_view name;
    size_t capacity;
    std::map<int, StoredMessage> messages;  // by index, 1-based
  };
  struct Settings {
    bool echo = true;
    int cmee = 0;
    int cmgf = 0;
    int csms = 0;
    int cmms = 0;
    int creg = 0;
    std::string cscs = "GSM";
    NewMessageIndication cnmi;
    std::array<int, 3> cpms{0, 0, 0};  // mem1, mem2, mem3 as indexes into storages_
  };
  struct InFlightSend {
    MonotonicClock::time_point command_at;  // of its AT+CMGS line (SendTiming)
    MonotonicClock::time_point due;
    std::optional<Failure> failure;  // the network refuses it
    SentMessage message;             // TP-MR and time filled in when accepted
  };
  struct PendingReport {
    MonotonicClock::time_point due;
    uint8_t reference;
    std::string recipient;
    uint8_t status;
    Routing routing;
  };
  struct PendingInbound {
    std::vector<uint8_t> tpdu;
    Routing routing;
  };

  // Line handling.
  void process_byte(char c, MonotonicClock::time_point now);
  void execute_line(std::string_view line, MonotonicClock::time_point now);
  Outcome execute_basic(std::string_view name, std::string_view argument);
  Outcome execute_extended(const Invocation& invocation, MonotonicClock::time_point now);
  void finish_pdu(MonotonicClock::time_point now);
  void final_ok();
  void final_error(const Failure& failure);
  void emit_info(std::string_view line);
  void emit_urc(std::string_view text);
  void flush_response();
  void emit(std::string_view bytes);
  void release_held_urcs();
  void reset_settings();
  void emit_direct(std::string text);  // +CMT / +CDS, one at a time in phase 2+
  void update_registration();
  void deliver_pending_inbound();
  void queue_auto_reply(const SentMessage& last_part, MonotonicClock::time_point now);
  bool can_receive() const;
  Result<int> route_inbound(const std::vector<uint8_t>& tpdu, Routing routing);
  void emit_status_report(const PendingReport& report);
  std::vector<uint8_t> smsc_information() const;
  pdu::Timestamp network_time() const;
  Failure sim_failure(ErrorFamily family) const;
  Result<int> store(int storage, MessageStat stat, std::vector<uint8_t> pdu, size_t tpdu_length,
                    bool status_report);
  bool busy() const { return executing_ || in_flight_.has_value() || awaiting_pdu_; }

  // Command handlers (TS 27.007 / 27.005 clause named at each in the .cpp).
  Outcome identification(const Invocation& c, MonotonicClock::time_point now);
  Outcome cgsn(const Invocation& c, MonotonicClock::time_point now);
  Outcome cimi(const Invocation& c, MonotonicClock::time_point now);
  Outcome ccid(const Invocation& c, MonotonicClock::time_point now);
  Outcome crsm(const Invocation& c, MonotonicClock::time_point now);
  Outcome cpin(const Invocation& c, MonotonicClock::time_point now);
  Outcome csq(const Invocation& c, MonotonicClock::time_point now);
  Outcome creg(const Invocation& c, MonotonicClock::time_point now);
  Outcome cops(const Invocation& c, MonotonicClock::time_point now);
  Outcome cmee(const Invocation& c, MonotonicClock::time_point now);
  Outcome cfun(const Invocation& c, MonotonicClock::time_point now);
  Outcome cmgf(const Invocation& c, MonotonicClock::time_point now);
  Outcome cscs(const Invocation& c, MonotonicClock::time_point now);
  Outcome csca(const Invocation& c, MonotonicClock::time_point now);
  Outcome cnmi(const Invocation& c, MonotonicClock::time_point now);
  Outcome cpms(const Invocation& c, MonotonicClock::time_point now);
  Outcome csms(const Invocation& c, MonotonicClock::time_point now);
  Outcome cmms(const Invocation& c, MonotonicClock::time_point now);
  Outcome cnma(const Invocation& c, MonotonicClock::time_point now);
  Outcome cmgs(const Invocation& c, MonotonicClock::time_point now);
  Outcome cmgl(const Invocation& c, MonotonicClock::time_point now);
  Outcome cmgr(const Invocation& c, MonotonicClock::time_point now);
  Outcome cmgd(const Invocation& c, MonotonicClock::time_point now);
  Outcome cusd(const Invocation& c, MonotonicClock::time_point now);
  Result<std::string> ussd_answer_line(const UssdScript& script) const;

  SimConfig config_;
  Settings settings_;
  std::array<Storage, 2> storages_;

  std::string output_;
  std::string line_;
  bool line_overflow_ = false;
  std::string pending_input_;            // arrived while a send was in flight
  std::vector<std::string> info_lines_;  // of the command line being executed
  std::vector<std::string> held_urcs_;   // while a command is in progress

  bool awaiting_pdu_ = false;  // after the "> " prompt
  size_t expected_tpdu_length_ = 0;
  MonotonicClock::time_point cmgs_command_at_;  // of the AT+CMGS awaiting its PDU
  std::string pdu_hex_;
  std::optional<InFlightSend> in_flight_;
  std::optional<MonotonicClock::time_point> boot_done_at_;
  bool reset_requested_ = false;  // AT+CFUN=1,1: after its OK
  bool executing_ = false;        // a command line is between its CR and its final result

  SimState sim_state_ = SimState::kReady;
  std::string current_pin_;
  int pin_attempts_left_ = 3;
  int puk_attempts_left_ = 10;
  int functionality_ = 1;  // +CFUN <fun>
  bool network_registered_ = true;
  int reported_registration_ = -1;
  bool hung_ = false;
  bool awaiting_ack_ = false;                 // +CNMA expected (AT+CSMS=1)
  std::vector<std::string> awaiting_direct_;  // +CMT/+CDS held until that +CNMA

  uint8_t next_reference_ = 0;
  int failures_left_ = 0;
  int sends_before_failures_ = 0;  // accepted before failures_left_ begin
  int failure_code_ = 0;
  std::optional<AutoStatusReports> auto_reports_;
  std::vector<PendingReport> reports_;
  std::vector<PendingInbound> pending_inbound_;
  std::optional<AutoReplies> auto_replies_;
  struct PendingReply {
    MonotonicClock::time_point due;
    InboundSms sms;
  };
  std::vector<PendingReply> replies_;

  std::vector<std::string> ussd_codes_;
  bool ussd_session_open_ = false;
  int ussd_presentation_ = 0;  // AT+CUSD <n>
  struct PendingUssdAnswer {
    MonotonicClock::time_point due;
    std::string line;   // "+CUSD: ..."
    bool ends_session;  // every <m> but 1
  };
  std::optional<PendingUssdAnswer> ussd_answer_;

  std::vector<SentMessage> sent_;
  std::vector<SendTiming> send_timings_;
  SimCounters counters_;
};

std::string_view sim_state_name(SimState state);  // "READY", "SIM PIN", "SIM PUK", ...

}  // namespace smsgate::sim

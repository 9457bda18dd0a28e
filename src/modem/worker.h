// ModemWorker: one thread that owns one modem's port and drives it through an explicit
// state machine:
//
//   opening ─► probing ─► unlocking ─► initialising ─► ready ◄──┐
//      ▲          │           │                         │       │
//      │          │           └─► needs attention       ▼       │
//      └── offline ◄── resetting (soft, hard, reopen) ◄─ hung ───┘
//
// Ready, it sends one part at a time (try_send), reads inbound messages (stored ones on
// start, then each +CMTI; +CMT/+CDS as they come), deletes a stored message only after
// the listener confirms it is committed (confirm_stored), asks the network USSD codes
// (request_ussd: AT+CUSD between sends, then the +CUSD: answer awaited while sends go
// on), and polls health (signal, registration, operator) on a timer. A modem that stops answering
// is detected by the idle poll within kHangDetection, reset along the driver's ladder, and
// reported; an unplugged port is reopened when it comes back. udev's word that the port is gone
// (port_removed) takes it offline at once, without waiting for a read to fail.
//
// Thread safety: the public methods may be called from any thread. Listener callbacks
// run on the worker's thread; they must return quickly and must not call back into
// the worker except try_send, confirm_stored and status (which only queue or copy).
// A UssdDone runs on the worker's thread too, under the same rule.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "at/channel.h"
#include "at/result_code.h"
#include "at/transport.h"
#include "common/clock.h"
#include "common/result.h"
#include "drivers/driver.h"
#include "modem/probe.h"
#include "modem/signal_history.h"
#include "modem/status.h"

namespace smsgate::modem {
using std::chrono::milliseconds;

struct WorkerConfig {
  std::string port;
  at::SerialSettings serial;
  std::optional<std::string> pin;
  // Idle modems are asked for their health this often; a hung one is thus found
  // within health_interval + the command timeouts (under 30 s with the defaults).
  milliseconds health_interval = std::chrono::seconds(10);
  milliseconds reopen_interval = std::chrono::seconds(2);
  // How long a modem may take to answer AT after a reset or being plugged in.
  milliseconds boot_timeout = std::chrono::seconds(20);
  // How long AT+CMGS may take, when not the driver's (minutes have been seen on weak
  // signal; a hung modem holds its part in flight this long).
  std::optional<milliseconds> send_timeout;
  // Log every byte to and from the modem (debug only: PDUs carry message content).
  bool trace = false;
  // The wall clock for what is shown with a time (signal samples, the last error);
  // the system's when null.
  const Clock* wall_clock = nullptr;
  // Where each health poll's signal is recorded (the pool's, per modem id); none: not kept.
  std::shared_ptr<SignalHistory> signal_history;
};

// One part, ready for AT+CMGS.
struct SendRequest {
  uint64_t id = 0;              // the caller's, echoed in the outcome
  std::string pdu_hex;          // with the SMSC prefix ("00..."), as `smsgated pdu encode` gives
  int tpdu_length = 0;          // octets after the SMSC prefix: the <length> of AT+CMGS
  bool more_to_follow = false;  // another part of the same message comes next (AT+CMMS)
  // Keeps the PDU out of the AT trace: a one-time password's PDU encodes its code.
  // Hidden unless the sender says otherwise, so a caller that forgets leaks nothing.
  bool secret = true;
};

struct SendOutcome {
  enum class Kind {
    kSent,       // +CMGS: the SMSC took it; `reference` is its TP-MR
    kRefused,    // the modem answered with an error: not sent; see error_class
    kNotSent,    // the modem was not there (port gone, no prompt): not sent
    kUncertain,  // the PDU was written but no answer came: it may have gone out
  };
  uint64_t id = 0;
  Kind kind = Kind::kSent;
  int reference = -1;
  std::optional<at::ErrorClass> error_class;  // kRefused
  std::optional<at::FinalResult> error;       // kRefused: the modem's own answer
  std::string detail;                         // "+CMS ERROR: 38 (network out of order)"
};

// A USSD code to ask the network (TS 27.007 clause 7.15), and by when its answer is
// wanted: the worker gives up then, closes the session (AT+CUSD=2) and says so. A
// request the worker reaches only after its deadline (the modem was sending) is not
// asked at all.
struct UssdRequest {
  std::string code;  // at::is_ussd_code()
  MonotonicClock::time_point deadline;
};

struct UssdAnswer {
  std::string text;  // the network's answer, UTF-8
  // <m> 1: the network offers a menu and waits for a choice. Nothing answers it here:
  // the worker closed the session (AT+CUSD=2) before handing the text over.
  bool further_action = false;
};

// The outcome of a UssdRequest, once: the answer, or an Error whose code says why
// there is none (kUssdFailed: refused by the modem or the network, <m> 2, 3, 4;
// kUssdTimeout: no answer by the deadline, or <m> 5; kModemNotReady: the modem went
// away meanwhile).
using UssdDone = std::function<void(Result<UssdAnswer>)>;

// Where a received PDU sits on the modem, for confirm_stored(); direct deliveries
// (+CMT, +CDS) are not stored and need no confirmation.
struct StoredKey {
  std::string storage;  // "SM", "ME", ...
  int index = -1;
  // What was read there. A slot is deleted only while it still holds this PDU, so a
  // late confirmation cannot delete a newer message that took the freed index.
  std::string pdu_hex;
  friend bool operator==(const StoredKey&, const StoredKey&) = default;
};

struct Received {
  std::string pdu_hex;  // with the SMSC prefix, as the modem gives it
  std::optional<StoredKey> stored;
  // A direct delivery (+CMT/+CDS) in phase 2+: the network waits for the listener's
  // acknowledge_delivery() before it sends the next one, and sends this one again
  // if it is refused.
  bool awaits_acknowledgement = false;
};

class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_status(const ModemStatus& status) = 0;
  virtual void on_sent(const SendOutcome& outcome) = 0;
  // An SMS-DELIVER or SMS-STATUS-REPORT. When `stored`, it stays on the modem until
  // confirm_stored(); a message handed over twice (after a restart) is the listener's
  // to recognise.
  virtual void on_received(const Received& received) = 0;
};

using PortOpener = std::function<Result<std::unique_ptr<at::Transport>>(
    const std::string& path, const at::SerialSettings& settings)>;

class ModemWorker {
 public:
  ModemWorker(WorkerConfig config, Listener& listener, PortOpener opener = at::open_transport);
  ~ModemWorker();  // stops
  ModemWorker(const ModemWorker&) = delete;
  ModemWorker& operator=(const ModemWorker&) = delete;

  void start();
  // Finishes the command in progress (a part being sent is seen through), then stops.
  void stop();
  // stop() without the wait, so that many workers can wind down at once; stop()
  // afterwards joins.
  void request_stop();

  // Hands one part to the modem if it is ready and idle; false otherwise (nothing
  // queued). The outcome comes through Listener::on_sent.
  bool try_send(SendRequest request);
  // The listener has committed the message stored under `key`: delete it from the modem.
  void confirm_stored(const StoredKey& key);
  // The direct delivery handed over with awaits_acknowledgement is committed (or not):
  // the modem acknowledges it to the network (AT+CNMA), or refuses it so the network
  // delivers it again later (AT+CNMA=2, TS 27.005 clause 3.4.4).
  void acknowledge_delivery(bool committed);
  // Asks for the reset ladder now (the API's "reset" button).
  void request_reset();
  // Asks the network `request.code` when the port is free (after the part being sent);
  // `done` gets the outcome. Refused at once, and `done` never called, when the modem
  // is not ready (kModemNotReady) or already has a USSD request (kModemBusy).
  Status request_ussd(UssdRequest request, UssdDone done);
  // The port's device is gone (udev's remove event): the worker goes offline at once,
  // its pending part reported not sent, and keeps trying to reopen its port.
  void port_removed();
  // A port appeared (udev's add event): an offline worker tries its port now rather
  // than at its next retry.
  void port_added();

  ModemStatus status() const;

 private:
  struct Shared;  // state guarded by a mutex, shared with other threads

  void run();
  void step();
  void step_opening();
  void step_probing();
  void step_unlocking();
  void step_initialising();
  void step_ready();
  void step_resetting();
  void step_offline();

  bool take_reset_request();
  bool run_steps(std::span<const drivers::AtStep> steps);
  void handle_urcs();
  void handle_urc(const at::Urc& urc);
  void note_storage_full(const at::Reply& reply);
  Status select_read_storage(const std::string& storage);
  void drain_stored();
  void read_stored(const StoredKey& key);
  void delete_stored(const StoredKey& key);
  void send(const SendRequest& request);
  void finish_send(const SendOutcome& outcome);
  void start_ussd(const UssdRequest& request);
  void on_cusd(const std::string& line);
  void close_ussd_session();
  void finish_ussd(Result<UssdAnswer> outcome);
  void poll_health();
  void settle_acknowledgement();
  void after_failure(const at::Reply& reply);
  void set_state(State state, std::string detail = {});
  int64_t wall_now() const;
  void sleep_for(milliseconds duration);
  bool stopping() const { return stop_requested_.load(); }

  WorkerConfig config_;
  Listener& listener_;
  PortOpener opener_;
  const drivers::Driver* driver_;

  // Owned by the worker thread.
  std::unique_ptr<at::AtChannel> channel_;
  State state_ = State::kOpening;
  int reset_level_ = 0;              // the next rung of the ladder: 0 soft, 1 hard, 2 reopen
  bool pin_rejected_ = false;        // never offer the same wrong PIN twice (PUK lock)
  bool acknowledge_direct_ = false;  // +CSMS=1: AT+CNMA after each +CMT/+CDS
  bool cmms_refused_ = false;        // AT+CMMS=1 answered ERROR: not asked again
  // A direct delivery handed over and not yet acknowledged to the network, since when.
  std::optional<MonotonicClock::time_point> acknowledgement_due_since_;
  milliseconds reopen_interval_;
  MonotonicClock::time_point next_health_;
  std::deque<StoredKey> to_read_;
  // What the worker last handed over from each slot (storage, index); a slot whose
  // content is no longer known (a new +CMTI for it, a re-init) has no entry.
  std::map<std::pair<std::string, int>, std::string> handed_over_;
  std::string read_storage_;  // <mem1> of AT+CPMS as last set; empty: the modem's own
  // The modem said its message storage is full (^SMMEMFULL, +CMS ERROR 322, AT+CPMS?):
  // what is stored is listed again, so that what was recorded can be deleted.
  bool relist_stored_ = false;
  // The USSD request whose AT+CUSD the modem took: its +CUSD: answer is awaited until
  // the deadline, while the port serves other work.
  std::optional<MonotonicClock::time_point> ussd_awaited_until_;
  // AT+CUSD=2 is due (a menu, a request given up); then ussd_outcome_ is handed over.
  bool ussd_close_due_ = false;
  std::optional<Result<UssdAnswer>> ussd_outcome_;

  std::unique_ptr<Shared> shared_;
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;
};

}  // namespace smsgate::modem

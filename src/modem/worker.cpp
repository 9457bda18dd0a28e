#include "modem/worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "at/ussd.h"
#include "common/clock.h"
#include "common/thread_annotations.h"
#include "modem/info.h"

namespace smsgate::modem {
namespace {

using at::Reply;
using std::chrono::seconds;

// The "> " prompt of AT+CMGS comes at once from a live modem; no radio involved yet.
constexpr milliseconds kPromptTimeout(10000);
// A full listing of the SIM's or phone's memory; slow modems take seconds per message.
constexpr milliseconds kListTimeout(60000);
// After a rejected step, a missing SIM, a wrong PIN: look again this often, in case a
// person fixed it (a wrong PIN itself is never offered again).
constexpr milliseconds kAttentionRetry(30000);
// The SIM answers "busy" (CME 14) for a few seconds after power-on or PIN entry.
constexpr milliseconds kSimBusyWait(1000);
constexpr int kSimBusyTries = 20;
// Reopening an unplugged port: first after reopen_interval, then at most this far apart.
constexpr milliseconds kMaxReopenInterval(30000);
// AT+CUSD=1 answers OK at once on most modems and +CUSD: later; some hold the OK until
// the network answered, so the command may take the request's whole time, but never
// less than a plain command.
constexpr milliseconds kMinUssdCommandTimeout(3000);

std::string printable(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

struct ModemWorker::Shared {
  mutable Mutex mutex;
  std::condition_variable wake;                              // stop and reset requests end sleeps
  std::optional<bool> delivery_committed GUARDED_BY(mutex);  // acknowledge_delivery()'s answer
  ModemStatus status GUARDED_BY(mutex);
  std::optional<SendRequest> pending_send GUARDED_BY(mutex);
  std::deque<StoredKey> to_delete GUARDED_BY(mutex);
  // The USSD request from request_ussd() until its outcome is handed over.
  struct PendingUssd {
    UssdRequest request;
    UssdDone done;
    bool started = false;  // taken up by the worker's thread
  };
  std::optional<PendingUssd> ussd GUARDED_BY(mutex);
  bool reset_requested GUARDED_BY(mutex) = false;
  // udev said the port's device went away (port_removed) or a port appeared (port_added).
  bool port_removed GUARDED_BY(mutex) = false;
  bool port_added GUARDED_BY(mutex) = false;
  // For interrupt(); null while no port is open.
  at::Transport* transport GUARDED_BY(mutex) = nullptr;
};

ModemWorker::ModemWorker(WorkerConfig config, Listener& listener, PortOpener opener)
    : config_(std::move(config)),
      listener_(listener),
      opener_(std::move(opener)),
      driver_(&drivers::generic_driver()),
      reopen_interval_(config_.reopen_interval),
      shared_(std::make_unique<Shared>()) {
  MutexLock lock(shared_->mutex);
  shared_->status.port = config_.port;
  shared_->status.family = std::string(driver_->family);
}

ModemWorker::~ModemWorker() { stop(); }

void ModemWorker::start() {
  if (thread_.joinable()) return;
  stop_requested_ = false;
  state_ = State::kOpening;
  thread_ = std::thread([this] { run(); });
}

void ModemWorker::request_stop() {
  {
    MutexLock lock(shared_->mutex);
    stop_requested_ = true;
    if (shared_->transport) shared_->transport->interrupt();
  }
  shared_->wake.notify_all();
}

void ModemWorker::stop() {
  if (!thread_.joinable()) return;
  request_stop();
  thread_.join();
}

bool ModemWorker::try_send(SendRequest request) {
  MutexLock lock(shared_->mutex);
  if (shared_->status.state != State::kReady || shared_->pending_send || stopping()) return false;
  shared_->pending_send = std::move(request);
  if (shared_->transport) shared_->transport->interrupt();
  return true;
}

void ModemWorker::confirm_stored(const StoredKey& key) {
  MutexLock lock(shared_->mutex);
  auto& queued = shared_->to_delete;
  if (std::find(queued.begin(), queued.end(), key) != queued.end()) return;
  queued.push_back(key);
  if (shared_->transport) shared_->transport->interrupt();
}

void ModemWorker::acknowledge_delivery(bool committed) {
  MutexLock lock(shared_->mutex);
  shared_->delivery_committed = committed;
  if (shared_->transport) shared_->transport->interrupt();
}

void ModemWorker::settle_acknowledgement() {
  if (!acknowledgement_due_since_) return;
  std::optional<bool> committed;
  {
    MutexLock lock(shared_->mutex);
    committed = std::exchange(shared_->delivery_committed, std::nullopt);
  }
  // The network gives up on an unacknowledged delivery after some tens of seconds
  // (TS 24.011 timer TR2M); a listener that has not answered by then gets it again.
  constexpr auto kAcknowledgementPatience = std::chrono::seconds(15);
  if (!committed && MonotonicClock::now() - *acknowledgement_due_since_ < kAcknowledgementPatience)
    return;
  acknowledgement_due_since_.reset();
  bool positive = committed.value_or(false);
  Reply ack = channel_->run(positive ? "AT+CNMA" : "AT+CNMA=2", kCommandTimeout);
  if (!ack.answered()) return after_failure(ack);
  if (!ack.ok()) {
    spdlog::warn("modem {}: acknowledging a delivery: {}", config_.port, ack.describe());
  }
}

void ModemWorker::port_removed() {
  {
    MutexLock lock(shared_->mutex);
    shared_->port_removed = true;
    if (shared_->transport) shared_->transport->interrupt();
  }
  shared_->wake.notify_all();
}

void ModemWorker::port_added() {
  {
    MutexLock lock(shared_->mutex);
    shared_->port_added = true;
  }
  shared_->wake.notify_all();
}

Status ModemWorker::request_ussd(UssdRequest request, UssdDone done) {
  MutexLock lock(shared_->mutex);
  if (shared_->status.state != State::kReady || stopping()) {
    return Error{"the modem is " + std::string(state_name(shared_->status.state)) +
                     ", not ready; try again when it is",
                 ErrorCode::kModemNotReady};
  }
  if (shared_->ussd) {
    return Error{"the modem is waiting for the answer to another USSD request",
                 ErrorCode::kModemBusy};
  }
  shared_->ussd = Shared::PendingUssd{std::move(request), std::move(done)};
  if (shared_->transport) shared_->transport->interrupt();
  return ok_status();
}

void ModemWorker::request_reset() {
  {
    MutexLock lock(shared_->mutex);
    shared_->reset_requested = true;
    if (shared_->transport) shared_->transport->interrupt();
  }
  shared_->wake.notify_all();
}

int64_t ModemWorker::wall_now() const {
  static const SystemClock system_clock;
  return (config_.wall_clock ? config_.wall_clock : &system_clock)->now();
}

ModemStatus ModemWorker::status() const {
  MutexLock lock(shared_->mutex);
  return shared_->status;
}

void ModemWorker::run() {
  while (!stopping()) step();
  {
    MutexLock lock(shared_->mutex);
    shared_->transport = nullptr;
  }
  channel_.reset();
  set_state(State::kStopped);
}

void ModemWorker::step() {
  bool removed;
  {
    MutexLock lock(shared_->mutex);
    removed = std::exchange(shared_->port_removed, false);
    // A port that appeared has done its job: it cut short the sleep of step_offline.
    shared_->port_added = false;
  }
  // Whatever the port still answers (a read may not have failed yet), its device is
  // gone: offline now, so that its work goes to other modems at once.
  if (removed && state_ != State::kOffline && state_ != State::kStopped) {
    {
      MutexLock lock(shared_->mutex);
      shared_->transport = nullptr;
    }
    channel_.reset();
    return set_state(State::kOffline, "the port was removed");
  }
  switch (state_) {
    case State::kOpening:
      return step_opening();
    case State::kProbing:
      return step_probing();
    case State::kUnlocking:
      return step_unlocking();
    case State::kInitialising:
      return step_initialising();
    case State::kReady:
      return step_ready();
    case State::kResetting:
      return step_resetting();
    case State::kOffline:
      return step_offline();
    case State::kNeedsAttention:
      sleep_for(kAttentionRetry);
      take_reset_request();  // a person pressed reset: look again now, once
      if (!stopping()) set_state(State::kProbing);
      return;
    case State::kStopped:
      return;
  }
}

void ModemWorker::set_state(State state, std::string detail) {
  std::optional<SendRequest> unsent;
  std::optional<Shared::PendingUssd> unasked;
  ModemStatus copy;
  {
    MutexLock lock(shared_->mutex);
    ModemStatus& status = shared_->status;
    if (status.state == state && status.detail == detail) {
      state_ = state;
      return;
    }
    if (state != State::kReady && shared_->pending_send) {
      unsent = std::move(shared_->pending_send);
      shared_->pending_send.reset();
    }
    if (state != State::kReady && shared_->ussd) {
      unasked = std::move(shared_->ussd);
      shared_->ussd.reset();
    }
    status.state = state;
    status.detail = detail;
    status.family = std::string(driver_->family);
    if (!detail.empty() && (state == State::kOffline || state == State::kNeedsAttention ||
                            state == State::kResetting)) {
      status.last_error = detail;
      status.last_error_at = wall_now();
    }
    copy = status;
  }
  state_ = state;
  if (state == State::kReady) {
    spdlog::info("modem {}: ready ({} {}, IMEI {})", config_.port, copy.identity.manufacturer,
                 copy.identity.model, copy.identity.imei);
  } else if (state == State::kOffline || state == State::kNeedsAttention ||
             state == State::kResetting) {
    spdlog::warn("modem {}: {}: {}", config_.port, state_name(state), detail);
  } else {
    spdlog::debug("modem {}: {}{}{}", config_.port, state_name(state), detail.empty() ? "" : ": ",
                  detail);
  }
  if (state != State::kReady) {
    ussd_awaited_until_.reset();
    ussd_close_due_ = false;
    ussd_outcome_.reset();
  }
  listener_.on_status(copy);
  if (unasked) {
    unasked->done(Error{"the modem went " + std::string(state_name(state)) +
                            " before the network answered" +
                            (detail.empty() ? "" : " (" + detail + ")"),
                        ErrorCode::kModemNotReady});
  }
  if (unsent) {
    SendOutcome outcome;
    outcome.id = unsent->id;
    outcome.kind = SendOutcome::Kind::kNotSent;
    outcome.detail = "modem " + std::string(state_name(state));
    listener_.on_sent(outcome);
  }
}

void ModemWorker::sleep_for(milliseconds duration) {
  MutexLock lock(shared_->mutex);
  shared_->wake.wait_for(lock.native(), duration, [&]() REQUIRES(shared_->mutex) {
    return stopping() || shared_->reset_requested || shared_->port_removed || shared_->port_added;
  });
}

// ---- States ----------------------------------------------------------------------

void ModemWorker::step_opening() {
  auto opened = opener_(config_.port, config_.serial);
  if (!opened) {
    set_state(State::kOffline, opened.error().message);
    return;
  }
  // The driver is chosen from AT+CGMI, later: until then any family's noise may come.
  channel_ = std::make_unique<at::AtChannel>(std::move(*opened), drivers::all_unsolicited());
  if (config_.trace) {
    channel_->set_trace([port = config_.port](std::string_view direction, std::string_view text) {
      spdlog::debug("modem {} {} {}", port, direction, printable(text));
    });
  }
  {
    MutexLock lock(shared_->mutex);
    shared_->transport = &channel_->transport();
  }
  set_state(State::kProbing);
}

void ModemWorker::step_offline() {
  if (channel_) {
    {
      MutexLock lock(shared_->mutex);
      shared_->transport = nullptr;
    }
    channel_.reset();
  }
  sleep_for(config_.reopen_interval);
  take_reset_request();  // reopening is all a reset could do for a port that is gone
  if (!stopping()) set_state(State::kOpening, status().detail);
}

bool ModemWorker::take_reset_request() {
  MutexLock lock(shared_->mutex);
  return std::exchange(shared_->reset_requested, false);
}

void ModemWorker::step_probing() {
  channel_->discard_input();
  Reply woken = wake(*channel_, config_.boot_timeout, [this] { return stopping(); });
  if (stopping()) return;
  if (!woken.ok()) {
    after_failure(woken.answered() ? Reply{Reply::Status::kTimedOut, {}, woken.describe()} : woken);
    return;
  }
  Result<Identity> identity = read_identity(*channel_);
  if (!identity) {
    set_state(State::kResetting, identity.error().message);
    return;
  }
  std::string known_imei = status().identity.imei;
  if (!known_imei.empty() && !identity->imei.empty() && identity->imei != known_imei) {
    // Ports were renamed under us (another modem enumerated on this tty): driving it
    // would send this modem's work through another SIM. Let the port go.
    {
      MutexLock lock(shared_->mutex);
      shared_->transport = nullptr;
    }
    channel_.reset();
    set_state(State::kOffline,
              "another modem (IMEI " + identity->imei + ") answers on " + config_.port + " now");
    return;
  }
  driver_ = &drivers::driver_for(identity->manufacturer, identity->model);
  {
    MutexLock lock(shared_->mutex);
    Identity& known = shared_->status.identity;
    // IMSI and ICCID are read after the PIN; keep them across resets of the same SIM.
    identity->imsi = known.imsi;
    identity->iccid = known.iccid;
    known = *identity;
  }
  if (!run_steps(driver_->init)) return;
  set_state(State::kUnlocking);
}

void ModemWorker::step_unlocking() {
  for (int tries = 0; tries < kSimBusyTries && !stopping(); ++tries) {
    at::CommandShape shape;
    Reply reply = channel_->run("AT+CPIN?", kCommandTimeout, shape);
    if (!reply.answered()) return after_failure(reply);
    if (!reply.ok()) {
      const at::FinalResult& final = reply.response.final;
      // 14 SIM busy, 515 "please wait" (TS 27.007 clause 9.2.1; Huawei, SIMCom).
      if (final.kind == at::FinalKind::kCmeError && (final.code == 14 || final.code == 515)) {
        sleep_for(kSimBusyWait);
        continue;
      }
      return set_state(State::kNeedsAttention, "SIM: " + reply.describe());
    }
    Result<SimState> sim = reply.response.lines.empty()
                               ? Result<SimState>(make_error("no +CPIN: line"))
                               : parse_cpin(reply.response.lines.front());
    if (!sim) return set_state(State::kNeedsAttention, "SIM: " + sim.error().message);
    if (*sim == SimState::kReady) return set_state(State::kInitialising);
    if (!needs_pin(*sim)) {
      return set_state(State::kNeedsAttention, "SIM wants " + std::string(sim_state_name(*sim)) +
                                                   "; unlock it in a phone, then reset the modem");
    }
    if (!config_.pin) {
      return set_state(State::kNeedsAttention, "SIM wants its PIN; set `pin` for this modem");
    }
    if (pin_rejected_) {
      return set_state(State::kNeedsAttention,
                       "the configured PIN was refused and is not offered again (a third "
                       "wrong PIN locks the SIM); fix `pin` and restart");
    }
    Reply entered = channel_->run("AT+CPIN=\"" + *config_.pin + "\"", seconds(20));
    if (!entered.answered()) return after_failure(entered);
    if (!entered.ok()) {
      pin_rejected_ = true;
      return set_state(State::kNeedsAttention, "SIM PIN refused: " + entered.describe());
    }
    spdlog::info("modem {}: SIM unlocked", config_.port);
    sleep_for(kSimBusyWait);
  }
  if (!stopping()) set_state(State::kNeedsAttention, "SIM stays busy");
}

void ModemWorker::step_initialising() {
  Identity identity = status().identity;
  read_sim_identity(*channel_, *driver_, identity);
  {
    MutexLock lock(shared_->mutex);
    shared_->status.identity = identity;
  }
  if (!run_steps(driver_->sms_setup)) return;
  // Phase 2+ (<service> 1) makes the network wait for AT+CNMA after each +CMT/+CDS
  // (TS 27.005 clauses 3.2.1, 3.4.4); some modules cannot leave it.
  acknowledge_direct_ = driver_->acknowledge_direct;
  at::CommandShape csms_shape;
  csms_shape.response_prefixes[0] = "+CSMS:";
  Reply csms = channel_->run("AT+CSMS?", kCommandTimeout, csms_shape);
  if (!csms.answered()) return after_failure(csms);
  if (csms.ok() && !csms.response.lines.empty() &&
      csms.response.lines.front().starts_with("+CSMS: 1")) {
    acknowledge_direct_ = true;
  }
  read_storage_.clear();
  {
    // Whatever was confirmed but not yet deleted is handed over again by the drain
    // and confirmed anew; an old index kept across a reset could meanwhile hold a
    // newer message that is not committed yet.
    MutexLock lock(shared_->mutex);
    shared_->to_delete.clear();
  }
  to_read_.clear();
  handed_over_.clear();
  drain_stored();
  if (state_ != State::kInitialising) return;
  reset_level_ = 0;
  reopen_interval_ = config_.reopen_interval;
  next_health_ = MonotonicClock::now();
  set_state(State::kReady);
}

void ModemWorker::step_ready() {
  handle_urcs();
  if (state_ != State::kReady) return;
  settle_acknowledgement();
  if (state_ != State::kReady) return;

  std::optional<SendRequest> to_send;
  std::optional<StoredKey> to_delete;
  std::optional<UssdRequest> to_ask;
  bool reset = false;
  {
    MutexLock lock(shared_->mutex);
    if (shared_->reset_requested) {
      shared_->reset_requested = false;
      reset = true;
    } else if (shared_->pending_send) {
      to_send = shared_->pending_send;
    } else if (ussd_close_due_ || ussd_outcome_) {
      // Closed and handed over below, before anything else takes the port.
    } else if (shared_->ussd && !shared_->ussd->started) {
      shared_->ussd->started = true;
      to_ask = shared_->ussd->request;
    } else if (to_read_.empty() && !shared_->to_delete.empty()) {
      to_delete = shared_->to_delete.front();
      shared_->to_delete.pop_front();
    }
  }
  if (reset) {
    reset_level_ = 0;
    return set_state(State::kResetting, "reset requested");
  }
  if (to_send) return send(*to_send);
  if (ussd_close_due_) return close_ussd_session();
  if (ussd_outcome_) return finish_ussd(*std::exchange(ussd_outcome_, std::nullopt));
  if (to_ask) return start_ussd(*to_ask);
  auto now = MonotonicClock::now();
  if (ussd_awaited_until_ && now >= *ussd_awaited_until_) {
    ussd_awaited_until_.reset();
    ussd_outcome_ =
        Error{"the network did not answer the USSD request in time", ErrorCode::kUssdTimeout};
    ussd_close_due_ = true;
    return;
  }
  if (!to_read_.empty()) {
    StoredKey key = to_read_.front();
    to_read_.pop_front();
    return read_stored(key);
  }
  if (to_delete) return delete_stored(*to_delete);
  // A full storage said so (^SMMEMFULL, CMS 322) is measured before it is emptied, so
  // that the full storage is reported (modem.storage_full), not missed.
  if (now >= next_health_) {
    next_health_ = now + config_.health_interval;
    return poll_health();
  }
  if (relist_stored_) {
    relist_stored_ = false;
    spdlog::warn("modem {}: message storage full; reading what is stored again", config_.port);
    return drain_stored();
  }
  milliseconds wait =
      std::chrono::duration_cast<milliseconds>(next_health_ - now) + milliseconds(1);
  // An acknowledgement that is due is looked at again soon, answered or not.
  if (acknowledgement_due_since_) wait = std::min(wait, milliseconds(1000));
  if (ussd_awaited_until_) {
    wait = std::min(wait, std::chrono::duration_cast<milliseconds>(*ussd_awaited_until_ - now) +
                              milliseconds(1));
  }
  Status waited = channel_->wait_for_urcs(wait);
  if (!waited) after_failure(Reply{Reply::Status::kPortGone, {}, waited.error().message});
}

void ModemWorker::step_resetting() {
  {
    MutexLock lock(shared_->mutex);
    ++shared_->status.resets;
    shared_->reset_requested = false;
  }
  int level = std::min(reset_level_++, 2);
  if (level == 0 && channel_) {
    spdlog::warn("modem {}: soft reset", config_.port);
    channel_->discard_input();
    for (const drivers::AtStep& step : driver_->soft_reset) {
      if (!channel_->run(step.command, step.timeout).answered()) break;
    }
    return set_state(State::kProbing, "after a soft reset");
  }
  if (level == 1 && channel_) {
    spdlog::warn("modem {}: hard reset", config_.port);
    for (const drivers::AtStep& step : driver_->hard_reset) {
      (void)channel_->run(step.command, step.timeout);
    }
  }
  // A hard reset usually takes the USB device away and back; either way the port is
  // closed and opened again, each time a little later.
  spdlog::warn("modem {}: reopening the port", config_.port);
  {
    MutexLock lock(shared_->mutex);
    shared_->transport = nullptr;
  }
  channel_.reset();
  sleep_for(reopen_interval_);
  reopen_interval_ = std::min(reopen_interval_ * 2, kMaxReopenInterval);
  if (!stopping()) set_state(State::kOpening, "after a reset");
}

// ---- Helpers ---------------------------------------------------------------------

void ModemWorker::after_failure(const Reply& reply) {
  if (reply.status == Reply::Status::kPortGone) {
    set_state(State::kOffline, reply.detail);
  } else {
    set_state(State::kResetting, "no answer: " + reply.describe());
  }
}

bool ModemWorker::run_steps(std::span<const drivers::AtStep> steps) {
  for (const drivers::AtStep& step : steps) {
    Reply reply = channel_->run(step.command, step.timeout);
    if (!reply.answered()) {
      after_failure(reply);
      return false;
    }
    if (!reply.ok()) {
      if (step.required) {
        set_state(State::kNeedsAttention,
                  std::string(step.command) + " refused: " + reply.describe());
        return false;
      }
      spdlog::debug("modem {}: optional {} refused: {}", config_.port, step.command,
                    reply.describe());
    }
  }
  return true;
}

void ModemWorker::handle_urcs() {
  while (channel_ && channel_->has_urcs() && !stopping()) {
    for (const at::Urc& urc : channel_->take_urcs()) handle_urc(urc);
  }
}

void ModemWorker::handle_urc(const at::Urc& urc) {
  if (urc.line.starts_with("+CMTI:") || urc.line.starts_with("+CDSI:")) {
    auto key = urc.line.starts_with("+CMTI:") ? parse_cmti(urc.line) : parse_cdsi(urc.line);
    if (key) {
      // Whatever was known of that slot is stale now.
      handed_over_.erase({key->storage, key->index});
      to_read_.push_back(StoredKey{key->storage, key->index, {}});
    } else {
      spdlog::warn("modem {}: unreadable indication: {}", config_.port, urc.line);
    }
    return;
  }
  if (urc.line.starts_with("+CMT:") || urc.line.starts_with("+CDS:")) {
    if (!urc.pdu) return;
    {
      MutexLock lock(shared_->mutex);
      ++shared_->status.messages_received;
    }
    // With +CSMS=1 the network waits for an acknowledgement (TS 27.005 clause 3.4.4),
    // given once the listener has committed the message (settle_acknowledgement).
    if (acknowledge_direct_) {
      acknowledgement_due_since_ = MonotonicClock::now();
      MutexLock lock(shared_->mutex);
      shared_->delivery_committed.reset();
    }
    listener_.on_received(Received{*urc.pdu, std::nullopt, acknowledge_direct_});
    return;
  }
  if (urc.line.starts_with("+CUSD:")) return on_cusd(urc.line);
  if (urc.line.starts_with("+CREG:")) {
    if (auto registration = parse_creg(urc.line)) {
      MutexLock lock(shared_->mutex);
      shared_->status.health.registration = registration->status;
    }
    return;
  }
  for (std::string_view prefix : driver_->storage_full_indications) {
    if (urc.line.starts_with(prefix)) {
      relist_stored_ = true;
      next_health_ = MonotonicClock::now();  // the storage use is read at once
      return;
    }
  }
  spdlog::trace("modem {}: unsolicited {}", config_.port, urc.line);
}

void ModemWorker::note_storage_full(const Reply& reply) {
  // +CMS ERROR: 322, memory full (TS 27.005 clause 3.2.5).
  const at::FinalResult& final = reply.response.final;
  if (reply.answered() && final.kind == at::FinalKind::kCmsError && final.code == 322) {
    relist_stored_ = true;
    next_health_ = MonotonicClock::now();
  }
}

Status ModemWorker::select_read_storage(const std::string& storage) {
  if (storage.empty() || storage == read_storage_) return ok_status();
  // Only <mem1> (read and delete) changes (TS 27.005 clause 3.2.2).
  Reply reply = channel_->run("AT+CPMS=\"" + storage + "\"", kCommandTimeout);
  if (!reply.answered()) {
    after_failure(reply);
    return make_error(reply.describe());
  }
  if (!reply.ok()) return make_error("AT+CPMS=\"" + storage + "\" " + reply.describe());
  read_storage_ = storage;
  return ok_status();
}

void ModemWorker::drain_stored() {
  // The listing is of <mem1>: learn its name, so that each message's key says where
  // it is when it is deleted later, whatever storage is selected then.
  at::CommandShape cpms_shape;
  cpms_shape.response_prefixes[0] = "+CPMS:";
  Reply cpms = channel_->run("AT+CPMS?", kCommandTimeout, cpms_shape);
  if (!cpms.answered()) return after_failure(cpms);
  if (cpms.ok() && !cpms.response.lines.empty()) {
    auto usage = parse_cpms(cpms.response.lines.front());
    if (usage && !usage->empty() && !usage->front().storage.empty()) {
      read_storage_ = usage->front().storage;
    }
  }
  at::CommandShape shape;
  shape.response_prefixes[0] = "+CMGL:";
  shape.pdu_after_header = true;
  // <stat> 4: all messages, read or not (TS 27.005 clause 3.4.2, PDU mode).
  Reply reply = channel_->run("AT+CMGL=4", kListTimeout, shape);
  if (!reply.answered()) return after_failure(reply);
  note_storage_full(reply);
  if (!reply.ok()) {
    spdlog::warn("modem {}: could not list stored messages: {}", config_.port, reply.describe());
    return;
  }
  Result<std::vector<ListedMessage>> listed = parse_cmgl(reply.response.lines);
  if (!listed) {
    spdlog::warn("modem {}: unreadable message list: {}", config_.port, listed.error().message);
    return;
  }
  for (const ListedMessage& message : *listed) {
    {
      MutexLock lock(shared_->mutex);
      ++shared_->status.messages_received;
    }
    StoredKey key{read_storage_, message.index, message.pdu_hex};
    handed_over_[{key.storage, key.index}] = message.pdu_hex;
    listener_.on_received(Received{message.pdu_hex, key});
  }
}

void ModemWorker::read_stored(const StoredKey& key) {
  if (!select_read_storage(key.storage)) return;
  at::CommandShape shape;
  shape.response_prefixes[0] = "+CMGR:";
  shape.pdu_after_header = true;
  Reply reply = channel_->run("AT+CMGR=" + std::to_string(key.index), kCommandTimeout, shape);
  if (!reply.answered()) return after_failure(reply);
  note_storage_full(reply);
  if (!reply.ok()) {
    spdlog::warn("modem {}: reading message {} failed: {}", config_.port, key.index,
                 reply.describe());
    return;
  }
  Result<ReadMessage> message = parse_cmgr(reply.response.lines);
  if (!message) {
    // An empty slot answers OK with no +CMGR line on many modems: nothing to hand over.
    spdlog::debug("modem {}: message {}: {}", config_.port, key.index, message.error().message);
    return;
  }
  {
    MutexLock lock(shared_->mutex);
    ++shared_->status.messages_received;
  }
  StoredKey read{key.storage, key.index, message->pdu_hex};
  handed_over_[{read.storage, read.index}] = message->pdu_hex;
  listener_.on_received(Received{message->pdu_hex, read});
}

void ModemWorker::delete_stored(const StoredKey& key) {
  auto known = handed_over_.find({key.storage, key.index});
  if (known == handed_over_.end() || known->second != key.pdu_hex) {
    // A late confirmation: the slot was freed (or re-announced) since; what is there
    // now is confirmed by its own read.
    spdlog::debug("modem {}: message {} is not what was confirmed; not deleted", config_.port,
                  key.index);
    return;
  }
  if (!select_read_storage(key.storage)) return;
  Reply reply = channel_->run("AT+CMGD=" + std::to_string(key.index), kCommandTimeout);
  if (!reply.answered()) return after_failure(reply);
  if (!reply.ok()) {
    spdlog::warn("modem {}: deleting message {} failed: {}", config_.port, key.index,
                 reply.describe());
    return;
  }
  handed_over_.erase(known);
}

void ModemWorker::send(const SendRequest& request) {
  SendOutcome outcome;
  outcome.id = request.id;
  if (request.more_to_follow && driver_->use_cmms && !cmms_refused_) {
    // Keep the link to the SMSC open for the next part (TS 27.005 clause 3.5.6);
    // a refusal costs nothing but speed.
    Reply cmms = channel_->run("AT+CMMS=1", kCommandTimeout);
    if (!cmms.answered()) {
      outcome.kind = SendOutcome::Kind::kNotSent;
      outcome.detail = cmms.describe();
      finish_send(outcome);
      return after_failure(cmms);
    }
    cmms_refused_ = !cmms.ok();
  }
  Reply reply =
      channel_->send_pdu("AT+CMGS=" + std::to_string(request.tpdu_length), request.pdu_hex,
                         kPromptTimeout, config_.send_timeout.value_or(driver_->send_timeout),
                         request.secret ? at::PduTrace::kHidden : at::PduTrace::kShown);
  outcome.detail = reply.describe();
  note_storage_full(reply);
  if (reply.ok()) {
    // The +CMGS: line may follow unsolicited lines the modem slipped into the answer.
    outcome.kind = SendOutcome::Kind::kSent;
    for (const std::string& line : reply.response.lines) {
      if (!line.starts_with("+CMGS:")) continue;
      if (Result<int> reference = parse_cmgs(line)) outcome.reference = *reference;
      break;
    }
  } else if (reply.answered()) {
    outcome.kind = SendOutcome::Kind::kRefused;
    outcome.error_class = at::classify(reply.response.final);
    outcome.error = reply.response.final;
  } else {
    outcome.kind = reply.pdu_written ? SendOutcome::Kind::kUncertain : SendOutcome::Kind::kNotSent;
  }
  finish_send(outcome);
  if (!reply.answered()) return after_failure(reply);
  // No SIM, PIN asked again, SMSC unknown...: the modem needs looking at before it
  // takes more work; probing again finds out what it wants.
  if (outcome.error_class == at::ErrorClass::kModemBroken) {
    set_state(State::kProbing, "after " + outcome.detail);
  }
}

void ModemWorker::finish_send(const SendOutcome& outcome) {
  {
    MutexLock lock(shared_->mutex);
    shared_->pending_send.reset();
    if (outcome.kind == SendOutcome::Kind::kSent) {
      ++shared_->status.parts_sent;
    } else {
      ++shared_->status.parts_failed;
      if (!outcome.detail.empty()) {
        shared_->status.last_error = "send: " + outcome.detail;
        shared_->status.last_error_at = wall_now();
      }
    }
  }
  listener_.on_sent(outcome);
}

void ModemWorker::poll_health() {
  // A modem that restarted on its own (power dip, firmware watchdog) comes back with
  // echo on and its SMS settings gone: set it up again.
  Reply alive = channel_->run("AT", kCommandTimeout);
  if (!alive.answered()) return after_failure(alive);
  if (alive.response.echoed) {
    spdlog::warn("modem {}: restarted by itself (echo is back on); setting it up again",
                 config_.port);
    return set_state(State::kProbing, "restarted by itself");
  }
  Health health = status().health;
  const bool was_full = health.storage_full();
  std::optional<Reply> failed = read_health(*channel_, health);
  if (failed && !failed->answered()) return after_failure(*failed);
  if (health.storage_full() && !was_full) relist_stored_ = true;
  if (config_.signal_history) config_.signal_history->record(wall_now(), health.dbm);
  ModemStatus copy;
  bool changed;
  {
    MutexLock lock(shared_->mutex);
    changed = shared_->status.health != health;
    shared_->status.health = health;
    shared_->status.health_checked = MonotonicClock::now();
    copy = shared_->status;
  }
  if (changed) listener_.on_status(copy);
}

// ---- USSD ------------------------------------------------------------------------

void ModemWorker::start_ussd(const UssdRequest& request) {
  auto left = std::chrono::duration_cast<milliseconds>(request.deadline - MonotonicClock::now());
  if (left.count() <= 0) {
    return finish_ussd(
        Error{"the modem was busy until the USSD request's time was up", ErrorCode::kUssdTimeout});
  }
  Result<std::string> command = at::ussd_request_command(request.code, driver_->ussd_form);
  if (!command)
    return finish_ussd(Error{command.error().message, ErrorCode::kInvalidField, "code"});
  Reply reply = channel_->run(*command, std::max(left, kMinUssdCommandTimeout));
  if (reply.status == Reply::Status::kPortGone) return after_failure(reply);
  if (!reply.answered()) {
    // The modem may still be asking the network: close the session, which also shows
    // whether the modem answers at all.
    ussd_outcome_ =
        Error{"the modem did not answer the USSD request in time (" + reply.describe() + ")",
              ErrorCode::kUssdTimeout};
    ussd_close_due_ = true;
    return;
  }
  if (!reply.ok()) {
    return finish_ussd(
        Error{"the modem refused the USSD request: " + reply.describe(), ErrorCode::kUssdFailed});
  }
  // Its +CUSD: may have come before the OK; it waits among the URCs.
  ussd_awaited_until_ = request.deadline;
  handle_urcs();
}

void ModemWorker::on_cusd(const std::string& line) {
  Result<at::CusdLine> cusd = at::parse_cusd(line);
  if (!ussd_awaited_until_) {
    // Network-initiated (a notice or a question nobody here asked for), or an answer that
    // came after its request was given up. A question holds the session open: close it.
    spdlog::info("modem {}: USSD from the network: {}", config_.port, line);
    if (cusd && cusd->status == static_cast<int>(at::UssdStatus::kFurtherAction))
      ussd_close_due_ = true;
    return;
  }
  ussd_awaited_until_.reset();
  if (!cusd) {
    ussd_outcome_ =
        Error{"unreadable USSD answer: " + cusd.error().message, ErrorCode::kUssdFailed};
    ussd_close_due_ = true;
    return;
  }
  auto text = [&]() -> Result<std::string> {
    if (!cusd->text) return std::string();
    return at::decode_ussd_text(*cusd->text, cusd->dcs.value_or(0), driver_->ussd_form);
  };
  const std::string meaning(at::ussd_status_meaning(cusd->status));
  switch (static_cast<at::UssdStatus>(cusd->status)) {
    case at::UssdStatus::kDone:
    case at::UssdStatus::kFurtherAction: {
      const bool menu = cusd->status == static_cast<int>(at::UssdStatus::kFurtherAction);
      Result<std::string> decoded = text();
      if (!decoded) {
        ussd_outcome_ =
            Error{"undecodable USSD answer: " + decoded.error().message, ErrorCode::kUssdFailed};
      } else {
        ussd_outcome_ = UssdAnswer{std::move(*decoded), menu};
      }
      // A menu waits for a choice that nobody here makes: close it before handing the
      // text over, so the modem is free for the next request.
      ussd_close_due_ = menu;
      return;
    }
    case at::UssdStatus::kTimedOut:
      ussd_outcome_ = Error{"USSD request " + meaning, ErrorCode::kUssdTimeout};
      return;
    default: {
      // Networks put the reason in <str> of a termination, when they give one.
      Result<std::string> reason = text();
      std::string detail = reason && !reason->empty() ? ": " + *reason : "";
      ussd_outcome_ = Error{"USSD request " + meaning + detail, ErrorCode::kUssdFailed};
      return;
    }
  }
}

void ModemWorker::close_ussd_session() {
  ussd_close_due_ = false;
  Reply closed = channel_->run(at::kUssdCancelCommand, kCommandTimeout);
  if (closed.answered() && !closed.ok()) {
    // No session open any more (the network ended it meanwhile): nothing to close.
    spdlog::debug("modem {}: closing the USSD session: {}", config_.port, closed.describe());
  }
  if (ussd_outcome_) finish_ussd(*std::exchange(ussd_outcome_, std::nullopt));
  if (!closed.answered()) after_failure(closed);
}

void ModemWorker::finish_ussd(Result<UssdAnswer> outcome) {
  std::optional<Shared::PendingUssd> finished;
  {
    MutexLock lock(shared_->mutex);
    finished = std::move(shared_->ussd);
    shared_->ussd.reset();
  }
  if (!outcome.ok()) {
    spdlog::info("modem {}: USSD {}: {}", config_.port, finished ? finished->request.code : "",
                 outcome.error().message);
  }
  if (finished) finished->done(std::move(outcome));
}

}  // namespace smsgate::modem

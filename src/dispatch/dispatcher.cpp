#include "dispatch/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "pdu/decode.h"
#include "pdu/hex.h"
#include "pdu/submit.h"
#include "pdu/utf.h"

namespace smsgate::dispatch {
namespace {

using modem::SendOutcome;
using modem::State;

// How often incomplete multipart inbound messages are looked at.
constexpr int64_t kPartialCheckMs = 60 * 1000;
// How often spent OTP codes are purged: the retention is a day, so an hour late is
// nothing, and an idle box does not wake its disk every minute for it.
constexpr int64_t kOtpPurgeMs = 3600 * 1000;

int64_t epoch_ms(const pdu::Timestamp& t) {
  using namespace std::chrono;
  sys_days day = year_month_day(year(t.year), month(static_cast<unsigned>(t.month)),
                                std::chrono::day(static_cast<unsigned>(t.day)));
  auto local = day + hours(t.hour) + minutes(t.minute) + seconds(t.second);
  return duration_cast<milliseconds>((local - minutes(15 * t.offset_quarters)).time_since_epoch())
      .count();
}

// The validity period counts from when the SMSC takes the part: one encoded at
// submission and sent hours later (quiet hours, retries, a backlog) would outlive its
// TTL in the network. What is left of the TTL goes in instead.
std::string with_remaining_validity(const std::string& pdu_hex, const store::Message& message,
                                    int64_t now) {
  if (!message.expires_at || *message.expires_at <= now) return pdu_hex;
  auto octets = pdu::from_hex(pdu_hex);
  if (!octets) return pdu_hex;
  int64_t minutes = (*message.expires_at - now + 59'999) / 60'000;
  constexpr int64_t kMaxMinutes = 63LL * 7 * 24 * 60;  // TS 23.040 9.2.3.12.1
  if (!pdu::set_relative_validity(*octets, static_cast<int>(std::min(minutes, kMaxMinutes)))) {
    return pdu_hex;
  }
  return pdu::to_hex(*octets);
}

store::Part* find_part(store::Claimed& claimed, int64_t part_id) {
  for (store::Part& part : claimed.parts) {
    if (part.id == part_id) return &part;
  }
  return nullptr;
}

}  // namespace

Result<std::unique_ptr<Dispatcher>> Dispatcher::create(store::Store& store, const Clock& clock,
                                                       DispatcherOptions options,
                                                       Observers observers) {
  auto keywords = policy::KeywordMatcher::create(options.optout_keywords, options.optin_keywords);
  if (!keywords) return keywords.error();
  return std::unique_ptr<Dispatcher>(
      new Dispatcher(store, clock, std::move(options), std::move(observers), std::move(*keywords)));
}

Dispatcher::Dispatcher(store::Store& store, const Clock& clock, DispatcherOptions options,
                       Observers observers, policy::KeywordMatcher keywords)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      observers_(std::move(observers)),
      quiet_hours_(options_.quiet_hours, options_.timezone),
      router_(options_.routes),
      backoff_(options_.retry, options_.random),
      keywords_(std::move(keywords)) {}

Dispatcher::~Dispatcher() { stop(false); }

Status Dispatcher::start() {
  if (!pool_) return make_error("dispatcher: no modem pool attached");
  auto recovered = store_.recover_after_restart(clock_.now());
  if (!recovered) return recovered.error();
  if (recovered->messages_requeued > 0 || recovered->parts_requeued > 0) {
    spdlog::warn("after a restart: {} message(s) back in the queue, {} part(s) to send again",
                 recovered->messages_requeued, recovered->parts_requeued);
  }
  auto not_sending = store_.modems_not_sending();
  if (!not_sending) return not_sending.error();
  {
    std::lock_guard lock(mutex_);
    not_sending_ = std::set<std::string>(not_sending->begin(), not_sending->end());
  }
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

Result<bool> Dispatcher::set_modem_sending(const std::string& modem, bool enabled) {
  auto found = store_.set_modem_sending(modem, enabled);
  if (!found || !*found) return found;
  {
    std::lock_guard lock(mutex_);
    if (enabled) {
      not_sending_.erase(modem);
    } else {
      not_sending_.insert(modem);
    }
  }
  spdlog::info("modem {}: sending {} by staff", modem, enabled ? "resumed" : "stopped");
  wake();
  return true;
}

bool Dispatcher::modem_sending(const std::string& modem) const {
  std::lock_guard lock(mutex_);
  return !not_sending_.contains(modem);
}

void Dispatcher::stop(bool drain, int64_t deadline_ms) {
  std::unique_lock lock(mutex_);
  if (!thread_.joinable()) return;
  stopping_ = true;
  woken_ = true;
  changed_.notify_all();
  if (drain) {
    changed_.wait_for(lock, std::chrono::milliseconds(deadline_ms), [this] { return idle_; });
    if (!idle_) spdlog::warn("stopping with parts still in flight");
  }
  exit_ = true;
  changed_.notify_all();
  lock.unlock();
  thread_.join();
}

void Dispatcher::wake() {
  std::lock_guard lock(mutex_);
  woken_ = true;
  changed_.notify_all();
}

Status Dispatcher::reload(DispatcherOptions options) {
  // Checked here, on the caller's thread, so that a bad file changes nothing.
  auto keywords = policy::KeywordMatcher::create(options.optout_keywords, options.optin_keywords);
  if (!keywords) return keywords.error();
  std::lock_guard lock(mutex_);
  events_.emplace_back(ReloadEvent{std::make_shared<DispatcherOptions>(std::move(options))});
  changed_.notify_all();
  return ok_status();
}

void Dispatcher::handle_reload(const ReloadEvent& event) {
  DispatcherOptions& options = *event.options;
  auto keywords = policy::KeywordMatcher::create(options.optout_keywords, options.optin_keywords);
  if (!keywords) return;  // checked in reload()
  options_ = options;
  keywords_ = std::move(*keywords);
  quiet_hours_ = policy::QuietHours(options_.quiet_hours, options_.timezone);
  router_ = policy::Router(options_.routes);
  backoff_ = policy::Backoff(options_.retry, options_.random);
  for (auto& [id, slot] : slots_) apply_modem_policy(slot);
  spdlog::info("policies reloaded");
}

DispatchCounters Dispatcher::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void Dispatcher::on_status(const std::string& modem, const modem::ModemStatus& status) {
  std::lock_guard lock(mutex_);
  events_.emplace_back(StatusEvent{modem, status});
  changed_.notify_all();
}

void Dispatcher::on_sent(const std::string& modem, const SendOutcome& outcome) {
  std::lock_guard lock(mutex_);
  events_.emplace_back(SentEvent{modem, outcome});
  changed_.notify_all();
}

void Dispatcher::on_received(const std::string& modem, const modem::Received& received) {
  std::lock_guard lock(mutex_);
  events_.emplace_back(ReceivedEvent{modem, received});
  changed_.notify_all();
}

// ---- The loop --------------------------------------------------------------------

void Dispatcher::run() {
  int64_t next_look = clock_.now();
  for (;;) {
    std::deque<Event> events;
    bool stopping;
    {
      std::unique_lock lock(mutex_);
      int64_t wait_ms = std::clamp<int64_t>(next_look - clock_.now(), 0, options_.idle_poll_ms);
      changed_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                        [this] { return !events_.empty() || woken_ || exit_; });
      if (exit_) break;
      events.swap(events_);
      woken_ = false;
      stopping = stopping_;
    }
    draining_ = stopping;
    for (const Event& event : events) handle(event);
    int64_t now = clock_.now();
    if (stopping) {
      // Nothing new; what is claimed but not in flight goes back to the queue.
      for (auto& [id, slot] : slots_) {
        if (slot.current && !slot.in_flight_part) release(slot, now, "shutting down", now, false);
      }
      std::lock_guard lock(mutex_);
      idle_ = !any_in_flight();
      changed_.notify_all();
      next_look = now + options_.idle_poll_ms;
      continue;
    }
    next_look = fill_modems(now);
    if (now >= next_partial_check_) {
      next_partial_check_ = now + kPartialCheckMs;
      auto partial = store_.complete_partial_inbound(now, options_.partial_inbound_timeout_ms);
      if (!partial) {
        spdlog::error("inbound: {}", partial.error().message);
      } else {
        for (const store::InboundMessage& message : *partial) handle_inbound_message(message, now);
      }
    }
    if (now >= next_otp_purge_) {
      next_otp_purge_ = now + kOtpPurgeMs;
      auto purged = store_.purge_otp_codes(now - options_.otp_retention_ms);
      if (!purged) {
        spdlog::error("otp: purging spent codes: {}", purged.error().message);
      } else if (*purged > 0) {
        spdlog::debug("otp: purged {} spent code(s)", *purged);
      }
    }
  }
}

bool Dispatcher::any_in_flight() const {
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const auto& entry) { return entry.second.in_flight_part.has_value(); });
}

void Dispatcher::handle(const Event& event) {
  std::visit(
      [this](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, StatusEvent>) {
          handle_status(e);
        } else if constexpr (std::is_same_v<T, SentEvent>) {
          handle_sent(e);
        } else if constexpr (std::is_same_v<T, ReceivedEvent>) {
          handle_received(e);
        } else {
          handle_reload(e);
        }
      },
      event);
}

Dispatcher::Slot& Dispatcher::slot_for(const std::string& modem) { return slots_[modem]; }

void Dispatcher::apply_modem_policy(Slot& slot) {
  slot.name = slot.port;
  policy::RateLimits limits = options_.default_limits;
  for (const ModemPolicy& policy : options_.modems) {
    if (policy.port != slot.port) continue;
    if (!policy.name.empty()) slot.name = policy.name;
    limits = policy.limits;
  }
  // Unchanged limits keep their count, so a reload does not reset a daily cap.
  if (slot.limiter && slot.limits == limits && slot.limits_zone == options_.timezone.name()) {
    return;
  }
  slot.limits = limits;
  slot.limits_zone = options_.timezone.name();
  slot.limiter = std::make_unique<policy::RateLimiter>(limits, options_.timezone);
}

// ---- Modems ----------------------------------------------------------------------

void Dispatcher::handle_status(const StatusEvent& event) {
  Slot& slot = slot_for(event.modem);
  const modem::ModemStatus& status = event.status;
  bool was_ready = slot.state == State::kReady;
  slot.state = status.state;
  if (slot.port != status.port || !slot.limiter) {
    slot.port = status.port;
    apply_modem_policy(slot);
  }
  int64_t now = clock_.now();
  if (status.state == State::kReady && !slot.identity_recorded && !status.identity.imei.empty()) {
    store::ModemIdentity identity{status.identity.imei, status.identity.imsi, status.identity.iccid,
                                  status.identity.manufacturer, status.identity.model};
    if (Status recorded = store_.upsert_modem(identity, now); !recorded) {
      spdlog::error("modem {}: {}", event.modem, recorded.error().message);
    } else {
      slot.identity_recorded = true;
    }
  }
  if (status.state != State::kReady && slot.current && !slot.in_flight_part) {
    release(slot, now, "modem " + std::string(modem::state_name(status.state)), now, false);
  }
  if (was_ready != (status.state == State::kReady) && observers_.modem_changed) {
    observers_.modem_changed(event.modem, status);
  }
}

int64_t Dispatcher::fill_modems(int64_t now) {
  int64_t next_look = now + options_.idle_poll_ms;
  // Longest idle first, so that when several modems answer together none is always
  // the one that waits for the others' commits.
  std::vector<std::pair<uint64_t, std::string>> idle;
  std::set<std::string> not_sending;
  {
    std::lock_guard lock(mutex_);
    not_sending = not_sending_;
  }
  for (auto& [id, slot] : slots_) {
    if (slot.state != State::kReady || slot.current || not_sending.contains(id)) continue;
    if (slot.limiter && !slot.limiter->may_send(now)) {
      next_look = std::min(next_look, slot.limiter->next_allowed(now));
      continue;
    }
    idle.emplace_back(slot.idle_since, id);
  }
  std::sort(idle.begin(), idle.end());
  for (const auto& [since, id] : idle) fill(id, slots_[id], now);
  return next_look;
}

bool Dispatcher::routed_elsewhere(const store::Message& message, const std::string& id,
                                  const Slot& slot) {
  if (message.modem_pin) return false;  // the store only offers it to its own modem
  std::optional<std::string> route = router_.modem_for(message.to);
  if (!route || *route == slot.name || *route == slot.port || *route == id) return false;
  // Left for the routed modem while it is there to take it; otherwise any modem will do.
  return std::any_of(slots_.begin(), slots_.end(), [&](const auto& entry) {
    const Slot& other = entry.second;
    return other.state == State::kReady &&
           (*route == other.name || *route == other.port || *route == entry.first);
  });
}

bool Dispatcher::routed_here(const store::Message& message, const std::string& id,
                             const Slot& slot) const {
  std::optional<std::string> route = router_.modem_for(message.to);
  return route && (*route == slot.name || *route == slot.port || *route == id);
}

bool Dispatcher::another_modem_can_take(const store::Message& message,
                                        const std::string& id) const {
  // Busy will do: the other modem takes it when it is free.
  if (message.modem_pin) return false;
  std::lock_guard lock(mutex_);
  return std::any_of(slots_.begin(), slots_.end(), [&](const auto& entry) {
    return entry.first != id && entry.second.state == State::kReady &&
           !not_sending_.contains(entry.first);
  });
}

bool Dispatcher::fill(const std::string& id, Slot& slot, int64_t now) {
  store::Exclusions exclusions;
  // Each pass either sends, or settles one message (expired, refused, held) or sets it
  // aside for this modem; the bound only guards against a store that keeps offering.
  for (int pass = 0; pass < 256; ++pass) {
    auto next = store_.next_due_message(now, id, exclusions);
    if (!next) {
      spdlog::error("queue: {}", next.error().message);
      return false;
    }
    if (!*next) return false;
    const store::Message& message = **next;
    if (policy::expired(now, message.expires_at)) {
      avoid_modem_.erase(message.id);
      note(store_.expire_message(message.id, now));
      std::lock_guard lock(mutex_);
      ++counters_.messages_expired;
      continue;
    }
    if (policy::blocked_by_optout(message.category)) {
      auto opted_out = store_.is_opted_out(message.to);
      if (!opted_out) {
        // Unknown is not "no": a message to someone who said STOP must not go out.
        spdlog::error("opt-outs: {}", opted_out.error().message);
        exclusions.message_ids.push_back(message.id);
        continue;
      }
      if (*opted_out) {
        avoid_modem_.erase(message.id);
        note(store_.fail_message(message.id, "recipient opted out", now));
        std::lock_guard lock(mutex_);
        ++counters_.messages_failed;
        continue;
      }
    }
    if (auto until = quiet_hours_.held_until(now, message.category)) {
      note(store_.reschedule(message.id, *until, "quiet hours", now));
      std::lock_guard lock(mutex_);
      ++counters_.messages_held;
      continue;
    }
    auto avoided = avoid_modem_.find(message.id);
    bool avoid_here = avoided != avoid_modem_.end() && avoided->second == id &&
                      !message.modem_pin && !routed_here(message, id, slot) &&
                      another_modem_can_take(message, id);
    if (routed_elsewhere(message, id, slot) || avoid_here) {
      exclusions.message_ids.push_back(message.id);
      continue;
    }
    auto claimed = store_.claim(message.id, id, now);
    if (!claimed || !*claimed) {
      exclusions.message_ids.push_back(message.id);
      continue;
    }
    slot.current = std::move(**claimed);
    return send_next_part(id, slot, now);
  }
  return false;
}

bool Dispatcher::send_next_part(const std::string& id, Slot& slot, int64_t now) {
  auto& parts = slot.current->parts;
  auto next = std::find_if(parts.begin(), parts.end(), [](const store::Part& part) {
    return part.status == store::PartStatus::kQueued;
  });
  if (next == parts.end()) {
    finish_message(slot);
    return false;
  }
  // Durable before the bytes go out: after a crash this part is sent again, never lost.
  if (Status marked = store_.mark_part_submitting(next->id, id, now); !marked) {
    spdlog::error("message {}: {}", slot.current->message.id, marked.error().message);
    release(slot, now, "store: " + marked.error().message, now, false);
    return false;
  }
  next->status = store::PartStatus::kSubmitting;
  bool more = std::any_of(next + 1, parts.end(), [](const store::Part& part) {
    return part.status == store::PartStatus::kQueued;
  });
  modem::SendRequest request;
  request.id = static_cast<uint64_t>(next->id);
  request.pdu_hex = with_remaining_validity(next->pdu_hex, slot.current->message, now);
  request.tpdu_length = next->tpdu_length;
  request.more_to_follow = more;
  if (!pool_->try_send(id, std::move(request))) {
    release(slot, now, "modem not ready", now, false);
    return false;
  }
  slot.in_flight_part = next->id;
  return true;
}

bool Dispatcher::may_be_the_sim(const SendOutcome& outcome) {
  // TS 24.011 E-2 causes 8 (operator determined barring), 10 (call barred) and 50
  // (requested facility not subscribed) name the sending subscription as often as the
  // destination.
  if (!outcome.error || outcome.error->kind != at::FinalKind::kCmsError) return false;
  int code = outcome.error->code;
  return code == 8 || code == 10 || code == 50;
}

bool Dispatcher::refused_elsewhere_or_alone(const std::string& id, const Slot& slot) const {
  const store::Message& message = slot.current->message;
  auto avoided = avoid_modem_.find(message.id);
  if (avoided != avoid_modem_.end() && avoided->second != id) return true;
  return !another_modem_can_take(message, id);
}

void Dispatcher::finish_message(Slot& slot) {
  avoid_modem_.erase(slot.current->message.id);
  slot.current.reset();
  slot.idle_since = ++idle_sequence_;
}

void Dispatcher::release(Slot& slot, int64_t retry_at, const std::string& reason, int64_t now,
                         bool attempted) {
  note(store_.release_message(slot.current->message.id, retry_at, reason, now, attempted));
  {
    std::lock_guard lock(mutex_);
    ++counters_.messages_released;
  }
  slot.current.reset();
  slot.in_flight_part.reset();
  slot.idle_since = ++idle_sequence_;
}

void Dispatcher::retry_or_fail(const std::string& id, Slot& slot, const std::string& reason,
                               bool backoff, int64_t now) {
  int64_t message_id = slot.current->message.id;
  int attempts = slot.current->message.attempts + 1;
  if (backoff_.attempts_exhausted(attempts)) {
    note(store_.fail_message(
        message_id, "gave up after " + std::to_string(attempts) + " attempts: " + reason, now));
    {
      std::lock_guard lock(mutex_);
      ++counters_.messages_failed;
    }
    finish_message(slot);
    return;
  }
  avoid_modem_[message_id] = id;
  release(slot, backoff ? now + backoff_.retry_delay(attempts) : now, reason, now);
}

void Dispatcher::handle_sent(const SentEvent& event) {
  Slot& slot = slot_for(event.modem);
  const SendOutcome& outcome = event.outcome;
  int64_t part_id = static_cast<int64_t>(outcome.id);
  if (!slot.current || slot.in_flight_part != part_id) {
    spdlog::warn("modem {}: an outcome for part {} nobody waits for", event.modem, part_id);
    return;
  }
  slot.in_flight_part.reset();
  store::Part* part = find_part(*slot.current, part_id);
  int64_t now = clock_.now();
  switch (outcome.kind) {
    case SendOutcome::Kind::kSent: {
      std::optional<int> reference;
      if (outcome.reference >= 0) reference = outcome.reference;
      note(store_.mark_part_sent(part_id, reference, now));
      if (part) part->status = store::PartStatus::kSent;
      if (slot.limiter) slot.limiter->record(now);
      {
        std::lock_guard lock(mutex_);
        ++counters_.parts_sent;
      }
      // The next part of the same message, on the same modem, at once; while shutting
      // down, the rest waits in the queue instead.
      if (slot.state == State::kReady && !draining_) {
        send_next_part(event.modem, slot, now);
      } else if (std::any_of(
                     slot.current->parts.begin(), slot.current->parts.end(),
                     [](const auto& p) { return p.status == store::PartStatus::kQueued; })) {
        release(slot, now,
                draining_ ? std::string("shutting down")
                          : "modem " + std::string(modem::state_name(slot.state)),
                now, false);
      } else {
        finish_message(slot);
      }
      return;
    }
    case SendOutcome::Kind::kRefused: {
      {
        std::lock_guard lock(mutex_);
        ++counters_.parts_refused;
      }
      at::ErrorClass error_class = outcome.error_class.value_or(at::ErrorClass::kTemporary);
      if (error_class == at::ErrorClass::kPermanentForRecipient && may_be_the_sim(outcome) &&
          !refused_elsewhere_or_alone(event.modem, slot)) {
        // Barring and "not subscribed" may be this SIM's (no credit, SMS not in its
        // plan), not the recipient's: another modem tries before the message fails.
        spdlog::warn("modem {}: {} (the SIM may be barred; another modem tries)", event.modem,
                     outcome.detail);
        avoid_modem_[slot.current->message.id] = event.modem;
        release(slot, now, outcome.detail, now, true);
        return;
      }
      if (error_class == at::ErrorClass::kPermanentForRecipient) {
        note(store_.mark_part_failed(part_id, outcome.detail, now));
        {
          std::lock_guard lock(mutex_);
          ++counters_.messages_failed;
        }
        finish_message(slot);
        return;
      }
      // Network trouble waits a while; a modem at fault hands it to another at once.
      retry_or_fail(event.modem, slot, outcome.detail, error_class == at::ErrorClass::kTemporary,
                    now);
      return;
    }
    case SendOutcome::Kind::kNotSent:
      // Nothing reached the network: another modem takes it at once, no attempt spent.
      avoid_modem_[slot.current->message.id] = event.modem;
      release(slot, now, "not sent: " + outcome.detail, now, false);
      return;
    case SendOutcome::Kind::kUncertain:
      // At least once: it may have gone out, but a lost message is worse than a twin.
      retry_or_fail(event.modem, slot, "no answer after the PDU: " + outcome.detail, false, now);
      return;
  }
}

// ---- Received --------------------------------------------------------------------

void Dispatcher::handle_received(const ReceivedEvent& event) {
  bool committed = record_received(event);
  if (committed && event.received.stored) {
    pool_->confirm_stored(event.modem, *event.received.stored);
  }
  // A direct delivery is acknowledged to the network only once it is on disk; refused
  // otherwise, so that the network delivers it again.
  if (event.received.awaits_acknowledgement) {
    pool_->acknowledge_delivery(event.modem, committed);
  }
}

bool Dispatcher::record_received(const ReceivedEvent& event) {
  int64_t now = clock_.now();
  auto octets = pdu::from_hex(event.received.pdu_hex);
  auto decoded = octets ? pdu::decode_pdu_any(*octets) : Result<pdu::DecodedPdu>(octets.error());
  if (!decoded) {
    // Left on the modem for a person to look at: deleting it would lose it.
    spdlog::warn("modem {}: a received PDU does not decode and stays on the modem: {}", event.modem,
                 decoded.error().message);
    std::lock_guard lock(mutex_);
    ++counters_.undecodable_pdus;
    return false;
  }
  bool committed = false;
  if (const auto* deliver = std::get_if<pdu::Deliver>(&decoded->tpdu)) {
    store::InboundPartIn part;
    part.modem = event.modem;
    part.pdu_hex = event.received.pdu_hex;
    part.sender = deliver->from;
    part.text = deliver->user_data.encoding == pdu::Encoding::kEightBit
                    ? pdu::to_hex(deliver->user_data.data)
                    : pdu::code_points_to_utf8(deliver->user_data.text);
    if (const auto& concat = deliver->user_data.concat) {
      part.concat = store::InboundPartIn::Concat{concat->reference, concat->part, concat->total};
    }
    part.sent_timestamp = deliver->timestamp.iso8601();
    part.received_at = now;
    auto recorded = store_.record_inbound_part(part);
    if (!recorded) {
      spdlog::error("modem {}: inbound not stored: {}", event.modem, recorded.error().message);
      return false;
    }
    committed = true;
    {
      std::lock_guard lock(mutex_);
      ++counters_.inbound_parts;
    }
    if (recorded->completed) handle_inbound_message(*recorded->completed, now);
  } else if (const auto* report = std::get_if<pdu::StatusReport>(&decoded->tpdu)) {
    store::StatusReportIn in;
    in.modem = event.modem;
    in.tp_mr = report->reference;
    in.recipient = report->recipient;
    in.status_code = report->status;
    in.discharge_time = epoch_ms(report->discharge_time);
    in.received_at = now;
    auto recorded = store_.record_status_report(in);
    if (!recorded) {
      spdlog::error("modem {}: status report not stored: {}", event.modem,
                    recorded.error().message);
      return false;
    }
    committed = true;
    {
      std::lock_guard lock(mutex_);
      ++counters_.status_reports;
    }
    if (!recorded->part_id) {
      spdlog::info("modem {}: a status report for TP-MR {} matches no part (kept)", event.modem,
                   report->reference);
    }
    if (recorded->change) note(Result<store::StatusChange>(*recorded->change));
  } else {
    // An SMS-SUBMIT in the modem's memory: a draft somebody stored, not ours to delete.
    spdlog::info("modem {}: a stored outgoing message is left alone", event.modem);
  }
  return committed;
}

void Dispatcher::handle_inbound_message(const store::InboundMessage& message, int64_t now) {
  {
    std::lock_guard lock(mutex_);
    ++counters_.inbound_messages;
  }
  // Never the text at info level: replies carry codes and health data.
  spdlog::info("inbound message {} on modem {}: {} part(s){}{}", message.id, message.modem,
               message.parts, message.partial ? ", partial" : "",
               message.in_reply_to
                   ? ", a reply to message " + std::to_string(message.in_reply_to->id)
                   : std::string());
  switch (keywords_.classify_keyword(message.text)) {
    case policy::KeywordKind::kOptOut:
      if (Status added = store_.add_optout(message.from, policy::fold_keyword(message.text), now);
          !added) {
        spdlog::error("opt-out: {}", added.error().message);
      } else {
        spdlog::info("inbound message {}: the sender opted out", message.id);
      }
      break;
    case policy::KeywordKind::kOptIn:
      if (auto removed = store_.remove_optout(message.from); !removed) {
        spdlog::error("opt-in: {}", removed.error().message);
      } else if (*removed) {
        spdlog::info("inbound message {}: the sender opted back in", message.id);
      }
      break;
    case policy::KeywordKind::kNone:
      break;
  }
  if (observers_.inbound_received) observers_.inbound_received(message);
}

void Dispatcher::note(const Result<store::StatusChange>& change) {
  if (!change) {
    spdlog::error("queue: {}", change.error().message);
    return;
  }
  if (change->status == store::MessageStatus::kFailed) {
    spdlog::info("message {}: failed: {}", change->message_id, change->reason);
  } else {
    spdlog::debug("message {}: {}", change->message_id, store::message_status_name(change->status));
  }
  if (observers_.message_changed) observers_.message_changed(*change);
}

void Dispatcher::note(const Result<std::optional<store::StatusChange>>& change) {
  if (!change) {
    spdlog::error("queue: {}", change.error().message);
    return;
  }
  if (*change) note(Result<store::StatusChange>(**change));
}

}  // namespace smsgate::dispatch

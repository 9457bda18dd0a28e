#include "dispatch/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "pdu/hex.h"
#include "pdu/submit.h"

namespace smsgate::dispatch {
namespace {

using modem::SendOutcome;
using modem::State;

// How often incomplete multipart inbound messages are looked at.
constexpr int64_t kPartialCheckMs = 60 * 1000;
// How often writes are tried again after the store refused one (disk full, I/O).
constexpr int64_t kStoreRetryMs = 2000;
// How often spent OTP codes are purged: the retention is a day, so an hour late is
// nothing, and an idle box does not wake its disk every minute for it.
constexpr int64_t kOtpPurgeMs = 3600 * 1000;
// Retention: every 10 minutes, at most kRetentionBatches batches of kRetentionBatch
// rows of each kind. A batch is one short write, so submissions queued meanwhile are
// committed between two batches; a backlog (retention just enabled on a large
// database) is worked off over several runs instead of holding the dispatcher.
constexpr int64_t kRetentionMs = 10 * 60 * 1000;
constexpr int kRetentionBatch = 500;
constexpr int kRetentionBatches = 20;

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

bool is_queued(const store::Part& part) { return part.status == store::PartStatus::kQueued; }

// Each part's PDU with concatenation reference `reference`, or one that differs from
// the parts' own; fewer entries than parts when a PDU has no reference to rewrite.
std::map<int64_t, std::string> with_new_reference(const std::vector<store::Part>& parts,
                                                  uint16_t reference) {
  std::map<int64_t, std::string> rewritten;
  for (const store::Part& part : parts) {
    auto octets = pdu::from_hex(part.pdu_hex);
    if (!octets) return rewritten;
    auto was = pdu::set_concat_reference(*octets, reference);
    if (!was) return rewritten;
    const bool short_reference = *was <= 0xff;
    if (*was == reference || (short_reference && *was == (reference & 0xff))) {
      return with_new_reference(parts, static_cast<uint16_t>(reference + 1));
    }
    rewritten.emplace(part.id, pdu::to_hex(*octets));
  }
  return rewritten;
}

// Whether message `id` to `number` is an automatic reply of kind "optout"
// (dispatch/autoreply.h) to one of the number's latest texts: a confirmation goes out
// right after the STOP it answers.
bool confirms_optout(store::Store& store, const std::string& number, int64_t id) {
  store::InboundFilter latest;
  latest.from = number;
  latest.limit = 5;
  auto texts = store.list_inbound(latest);
  if (!texts) return false;
  for (const store::InboundMessage& text : texts->items) {
    auto answered = store.find_answered_inbound(text.id);
    if (!answered || !*answered) continue;
    for (const store::AutoReplyRecord& reply : (*answered)->auto_replies)
      if (reply.message_id == id && reply.kind == "optout") return true;
  }
  return false;
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
      inbox_(store, std::move(keywords),
             {.message_changed = [this](const store::StatusChange& change) { note(change); },
              .inbound_received = observers_.inbound_received,
              .answer = observers_.answer_inbound,
              .answers_appointment = observers_.answers_appointment}) {
  chores_.add("complete partial inbound messages", kPartialCheckMs, [this](int64_t now) {
    inbox_.complete_partial(now, options_.partial_inbound_timeout_ms);
  });
  chores_.add("purge spent OTP codes", kOtpPurgeMs,
              [this](int64_t now) { purge_spent_otp_codes(now); });
  chores_.add("delete what retention no longer keeps", kRetentionMs,
              [this](int64_t now) { purge_old_rows(now); });
  chores_.add("settle what the store could not record", kStoreRetryMs,
              [this](int64_t now) { settle_after_store_fault(now); });
}

Dispatcher::~Dispatcher() { stop(false); }

Status Dispatcher::start() {
  if (!pool_) return make_error("dispatcher: no modem pool attached");
  auto recovered = store_.recover_after_restart(clock_.now());
  if (!recovered && recovered.error().code == ErrorCode::kStorageUnavailable) {
    // A full disk: start all the same; the store-fault chore requeues what a crash left
    // once writes work (nothing is held yet), and nothing is claimed until then.
    spdlog::error("cannot requeue what was being sent before the restart: {}",
                  recovered.error().message);
    store_refused();
  } else if (!recovered) {
    return recovered.error();
  } else if (recovered->messages_requeued > 0 || recovered->parts_requeued > 0) {
    spdlog::warn("after a restart: {} message(s) back in the queue, {} part(s) to send again",
                 recovered->messages_requeued, recovered->parts_requeued);
  }
  auto not_sending = store_.modems_not_sending();
  if (!not_sending) return not_sending.error();
  {
    MutexLock lock(mutex_);
    not_sending_ = std::set<std::string>(not_sending->begin(), not_sending->end());
  }
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

Result<bool> Dispatcher::set_modem_sending(const std::string& modem, bool enabled) {
  auto found = store_.set_modem_sending(modem, enabled);
  if (!found || !*found) return found;
  {
    MutexLock lock(mutex_);
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
  MutexLock lock(mutex_);
  return !not_sending_.contains(modem);
}

std::optional<ModemPacing> Dispatcher::modem_pacing(const std::string& modem) const {
  const int64_t now = clock_.now();
  MutexLock lock(mutex_);
  auto found = pacing_.find(modem);
  if (found == pacing_.end()) return std::nullopt;
  return ModemPacing{found->second.limits(), found->second.sent_on_day_of(now)};
}

void Dispatcher::publish_pacing(const std::string& id, const Slot& slot) {
  if (!slot.limiter) return;
  MutexLock lock(mutex_);
  pacing_.insert_or_assign(id, *slot.limiter);
}

void Dispatcher::stop(bool drain, int64_t deadline_ms) {
  MutexLock lock(mutex_);
  if (!thread_.joinable()) return;
  stopping_ = true;
  woken_ = true;
  changed_.notify_all();
  if (drain) {
    changed_.wait_for(lock.native(), std::chrono::milliseconds(deadline_ms),
                      [this]() REQUIRES(mutex_) { return idle_; });
    if (!idle_) spdlog::warn("stopping with parts still in flight");
  }
  exit_ = true;
  changed_.notify_all();
  lock.unlock();
  thread_.join();
}

void Dispatcher::wake() {
  MutexLock lock(mutex_);
  woken_ = true;
  changed_.notify_all();
}

Status Dispatcher::reload(DispatcherOptions options) {
  // Checked here, on the caller's thread, so that a bad file changes nothing.
  auto keywords = policy::KeywordMatcher::create(options.optout_keywords, options.optin_keywords);
  if (!keywords) return keywords.error();
  MutexLock lock(mutex_);
  events_.emplace_back(ReloadEvent{std::make_shared<DispatcherOptions>(std::move(options))});
  changed_.notify_all();
  return ok_status();
}

void Dispatcher::handle_reload(const ReloadEvent& event) {
  DispatcherOptions& options = *event.options;
  auto keywords = policy::KeywordMatcher::create(options.optout_keywords, options.optin_keywords);
  if (!keywords) return;  // checked in reload()
  options_ = options;
  inbox_.set_keywords(std::move(*keywords));
  quiet_hours_ = policy::QuietHours(options_.quiet_hours, options_.timezone);
  router_ = policy::Router(options_.routes);
  backoff_ = policy::Backoff(options_.retry, options_.random);
  for (auto& [id, slot] : slots_) apply_modem_policy(id, slot);
  spdlog::info("policies reloaded");
}

DispatchCounters Dispatcher::counters() const {
  const InboxCounters inbound = inbox_.counters();
  MutexLock lock(mutex_);
  DispatchCounters counters = counters_;
  counters.inbound_parts = inbound.inbound_parts;
  counters.inbound_messages = inbound.inbound_messages;
  counters.status_reports = inbound.status_reports;
  counters.undecodable_pdus = inbound.undecodable_pdus;
  return counters;
}

void Dispatcher::on_status(const std::string& modem, const modem::ModemStatus& status) {
  MutexLock lock(mutex_);
  events_.emplace_back(StatusEvent{modem, status});
  changed_.notify_all();
}

void Dispatcher::on_sent(const std::string& modem, const SendOutcome& outcome) {
  MutexLock lock(mutex_);
  events_.emplace_back(SentEvent{modem, outcome});
  changed_.notify_all();
}

void Dispatcher::on_received(const std::string& modem, const modem::Received& received) {
  MutexLock lock(mutex_);
  events_.emplace_back(ReceivedEvent{modem, received});
  changed_.notify_all();
}

// ---- The loop --------------------------------------------------------------------

std::optional<MonotonicClock::time_point> Dispatcher::last_turn() const {
  MonotonicClock::rep ticks = last_turn_.load();
  if (ticks == 0) return std::nullopt;
  return MonotonicClock::time_point(MonotonicClock::duration(ticks));
}

void Dispatcher::run() {
  int64_t next_look = clock_.now();
  for (;;) {
    std::deque<Event> events;
    bool stopping;
    {
      MutexLock lock(mutex_);
      int64_t wait_ms = std::clamp<int64_t>(next_look - clock_.now(), 0, options_.idle_poll_ms);
      changed_.wait_for(lock.native(), std::chrono::milliseconds(wait_ms),
                        [this]() REQUIRES(mutex_) { return !events_.empty() || woken_ || exit_; });
      if (exit_) break;
      last_turn_.store(MonotonicClock::now().time_since_epoch().count());
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
      MutexLock lock(mutex_);
      idle_ = !any_in_flight();
      changed_.notify_all();
      next_look = now + options_.idle_poll_ms;
      continue;
    }
    next_look = fill_modems(now);
    chores_.run_due(now);
    next_look = std::min(next_look, chores_.next_due().value_or(next_look));
  }
}

void Dispatcher::purge_old_rows(int64_t now) {
  store::RetentionCutoffs cutoffs;
  if (options_.messages_retention_ms)
    cutoffs.messages_before = now - *options_.messages_retention_ms;
  if (options_.inbound_retention_ms) cutoffs.inbound_before = now - *options_.inbound_retention_ms;
  cutoffs.event_log_before = now - store::kEventLogRetentionMs;
  store::PurgeCounts total;
  for (int batch = 0; batch < kRetentionBatches; ++batch) {
    auto purged = store_.purge_old(cutoffs, kRetentionBatch);
    if (!purged) {
      spdlog::error("retention: {}", purged.error().message);
      break;
    }
    total.messages += purged->messages;
    total.inbound_messages += purged->inbound_messages;
    total.status_reports += purged->status_reports;
    total.webhook_events += purged->webhook_events;
    total.undecodable_pdus += purged->undecodable_pdus;
    total.logged_events += purged->logged_events;
    if (!purged->more) break;
  }
  if (total != store::PurgeCounts{})
    spdlog::info(
        "retention: deleted {} message(s), {} inbound message(s), {} status report(s), {} "
        "webhook event(s), {} undecodable PDU(s), {} logged event(s)",
        total.messages, total.inbound_messages, total.status_reports, total.webhook_events,
        total.undecodable_pdus, total.logged_events);
}

void Dispatcher::purge_spent_otp_codes(int64_t now) {
  auto purged = store_.purge_otp_codes(now - options_.otp_retention_ms);
  if (!purged) {
    spdlog::error("otp: purging spent codes: {}", purged.error().message);
  } else if (*purged > 0) {
    spdlog::debug("otp: purged {} spent code(s)", *purged);
  }
}

void Dispatcher::settle_after_store_fault(int64_t now) {
  if (!store_fault_) return;
  // Sends first: requeueing would take their parts for unsent.
  while (!unrecorded_sends_.empty()) {
    const UnrecordedSend& send = unrecorded_sends_.front();
    auto marked = store_.mark_part_sent(send.part_id, send.tp_mr, send.at);
    if (!marked) {
      auto detail = store_.get_message(send.message_id);
      const bool still_submitting =
          detail && *detail &&
          std::any_of((*detail)->parts.begin(), (*detail)->parts.end(), [&](const auto& part) {
            return part.id == send.part_id && part.status == store::PartStatus::kSubmitting;
          });
      if (still_submitting) return;  // the store still refuses: next time
    } else {
      note(marked);
    }
    unrecorded_sends_.erase(unrecorded_sends_.begin());
  }
  std::vector<int64_t> held;
  for (const auto& [id, slot] : slots_) {
    if (slot.current) held.push_back(slot.current->message.id);
  }
  auto requeued = store_.requeue_unheld(held, now);
  if (!requeued) return;
  store_fault_ = false;
  count(&DispatchCounters::store_recoveries);
  spdlog::warn("the store records again: {} message(s) back in the queue, {} part(s) to send again",
               requeued->messages_requeued, requeued->parts_requeued);
  wake();
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

void Dispatcher::apply_modem_policy(const std::string& id, Slot& slot) {
  slot.name = slot.port;
  policy::RateLimits limits = options_.default_limits;
  for (const ModemPolicy& policy : options_.modems) {
    if (policy.port != slot.port) continue;
    if (!policy.name.empty()) slot.name = policy.name;
    limits = policy.limits;
  }
  // Unchanged limits keep their count, so a reload does not reset a daily cap.
  if (slot.limiter && slot.limits == limits && slot.limits_zone == options_.timezone.name()) {
    return publish_pacing(id, slot);
  }
  slot.limits = limits;
  slot.limits_zone = options_.timezone.name();
  slot.limiter = std::make_unique<policy::RateLimiter>(limits, options_.timezone);
  // Counted from the store, so that neither a restart nor a reload starts them afresh:
  // the sends of today and yesterday (the day's count) and of the last hour (pacing).
  const int64_t now = clock_.now();
  const int64_t since = std::min(options_.timezone.to_utc(options_.timezone.local(now).day - 1, 0),
                                 now - 3600 * 1000);
  auto sends = store_.part_send_times(id, since);
  if (!sends) {
    spdlog::error("modem {}: its sends so far, for its limits: {}", id, sends.error().message);
    return;
  }
  for (int64_t sent : *sends) slot.limiter->record(sent);
  publish_pacing(id, slot);
}

// ---- Modems ----------------------------------------------------------------------

void Dispatcher::handle_status(const StatusEvent& event) {
  Slot& slot = slot_for(event.modem);
  const modem::ModemStatus& status = event.status;
  bool was_ready = slot.state == State::kReady;
  const bool state_changed = slot.state != status.state;
  slot.state = status.state;
  if (slot.port != status.port || !slot.limiter) {
    slot.port = status.port;
    apply_modem_policy(event.modem, slot);
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
  if (state_changed && observers_.modem_state_changed) {
    observers_.modem_state_changed(event.modem, status);
  }
  const bool storage_full = status.health.storage_full();
  if (storage_full && !slot.storage_full) {
    spdlog::warn("modem {}: message storage full ({} of {})", event.modem,
                 status.health.message_storage->used, status.health.message_storage->total);
    if (observers_.modem_storage_full) observers_.modem_storage_full(event.modem, status);
  }
  slot.storage_full = storage_full;
}

int64_t Dispatcher::fill_modems(int64_t now) {
  // Nothing new while the store cannot record progress: a claim would fail, and a part
  // sent could not be marked.
  if (store_fault_) return now + kStoreRetryMs;
  int64_t next_look = now + options_.idle_poll_ms;
  const std::vector<ModemView> modems = modem_views();
  // Longest idle first, so that when several modems answer together none is always
  // the one that waits for the others' commits.
  std::vector<const ModemView*> idle;
  for (const ModemView& modem : modems) {
    Slot& slot = slots_[modem.id];
    if (!modem.ready() || slot.current || !modem.sending) continue;
    if (slot.limiter && !slot.limiter->may_send(now)) {
      next_look = std::min(next_look, slot.limiter->next_allowed(now));
      continue;
    }
    idle.push_back(&modem);
  }
  std::stable_sort(idle.begin(), idle.end(), [this](const ModemView* a, const ModemView* b) {
    return slots_[a->id].idle_since < slots_[b->id].idle_since;
  });
  for (const ModemView* here : idle) fill(*here, slots_[here->id], modems, now);
  return next_look;
}

std::vector<ModemView> Dispatcher::modem_views() const {
  std::vector<ModemView> views;
  views.reserve(slots_.size());
  MutexLock lock(mutex_);
  for (const auto& [id, slot] : slots_) {
    views.push_back({id, slot.name, slot.port, slot.state, !not_sending_.contains(id)});
  }
  return views;
}

std::optional<std::string> Dispatcher::failed_on(int64_t message_id) const {
  auto found = avoid_modem_.find(message_id);
  if (found == avoid_modem_.end()) return std::nullopt;
  return found->second;
}

OptOutRead Dispatcher::read_optout(const std::string& number) {
  auto opted_out = store_.is_opted_out(number);
  if (!opted_out) {
    spdlog::error("opt-outs: {}", opted_out.error().message);
    return OptOutRead::kUnknown;
  }
  return *opted_out ? OptOutRead::kOptedOut : OptOutRead::kNotOptedOut;
}

bool Dispatcher::fill(const ModemView& here, Slot& slot, std::span<const ModemView> modems,
                      int64_t now) {
  store::Exclusions exclusions;
  // Each pass either sends, or settles one message (expired, refused, held) or sets it
  // aside for this modem; the bound only guards against a store that keeps offering.
  for (int pass = 0; pass < 256; ++pass) {
    // A refused write (an expiry, a hold) would be refused again for the next message.
    if (store_fault_) return false;
    auto next = store_.next_due_message(now, here.id, exclusions);
    if (!next) {
      spdlog::error("queue: {}", next.error().message);
      return false;
    }
    if (!*next) return false;
    const store::Message& message = **next;
    Offer offer{message.to, message.category, message.expires_at, message.modem_pin.has_value(),
                failed_on(message.id)};
    OfferAction action = decide_offer(offer, here, modems, quiet_hours_, router_, now);
    if (action.kind == OfferAction::Kind::kReadOptOut) {
      offer.optout = read_optout(message.to);
      // The confirmation of the opt-out itself, let in by the intake (intake.h): the one
      // message a number that opted out still gets.
      if (offer.optout == OptOutRead::kOptedOut &&
          confirms_optout(store_, message.to, message.id)) {
        spdlog::info("message {}: the confirmation of an opt-out goes to the number that opted out",
                     message.id);
        offer.optout = OptOutRead::kNotOptedOut;
      }
      action = decide_offer(offer, here, modems, quiet_hours_, router_, now);
    }
    switch (action.kind) {
      case OfferAction::Kind::kExpire:
        avoid_modem_.erase(message.id);
        note(store_.expire_message(message.id, now));
        count(&DispatchCounters::messages_expired);
        break;
      case OfferAction::Kind::kFail:
        avoid_modem_.erase(message.id);
        note(store_.fail_message(message.id, action.reason, now));
        count(&DispatchCounters::messages_failed);
        break;
      case OfferAction::Kind::kHold:
        note(store_.reschedule(message.id, action.until, action.reason, now));
        count(&DispatchCounters::messages_held);
        break;
      case OfferAction::Kind::kReadOptOut:  // not twice: read above
      case OfferAction::Kind::kSkip:
        exclusions.message_ids.push_back(message.id);
        break;
      case OfferAction::Kind::kClaim: {
        auto claimed = store_.claim(message.id, here.id, now);
        if (!claimed && claimed.error().code == ErrorCode::kStorageUnavailable) {
          spdlog::error("message {}: {}", message.id, claimed.error().message);
          store_refused();
          return false;
        }
        if (!claimed || !*claimed) {
          exclusions.message_ids.push_back(message.id);
          break;
        }
        slot.current = std::move(**claimed);
        if (sends_again_whole(slot.current->parts, here.id) &&
            !send_again_whole(here.id, slot, now))
          return false;
        return send_next_part(here.id, slot, now);
      }
    }
  }
  return false;
}

bool Dispatcher::send_next_part(const std::string& id, Slot& slot, int64_t now) {
  auto& parts = slot.current->parts;
  auto next = std::find_if(parts.begin(), parts.end(), is_queued);
  if (next == parts.end()) {
    finish_message(slot);
    return false;
  }
  // Durable before the bytes go out: after a crash this part is sent again, never lost.
  if (Status marked = store_.mark_part_submitting(next->id, id, now); !marked) {
    spdlog::error("message {}: {}", slot.current->message.id, marked.error().message);
    store_refused();
    release(slot, now, "store: " + marked.error().message, now, false);
    return false;
  }
  next->status = store::PartStatus::kSubmitting;
  modem::SendRequest request;
  request.id = static_cast<uint64_t>(next->id);
  request.pdu_hex = with_remaining_validity(next->pdu_hex, slot.current->message, now);
  request.tpdu_length = next->tpdu_length;
  request.more_to_follow = std::any_of(next + 1, parts.end(), is_queued);
  request.secret = slot.current->message.category == policy::Category::kOtp;
  if (!pool_->try_send(id, std::move(request))) {
    release(slot, now, "modem not ready", now, false);
    return false;
  }
  slot.in_flight_part = next->id;
  return true;
}

bool Dispatcher::send_again_whole(const std::string& id, Slot& slot, int64_t now) {
  const int64_t message_id = slot.current->message.id;
  // A new reference, so that no phone joins these parts with the ones sent before.
  std::map<int64_t, std::string> new_pdus =
      with_new_reference(slot.current->parts, static_cast<uint16_t>(options_.random() * 65536.0));
  if (new_pdus.size() != slot.current->parts.size()) {
    // Only a corrupt row gets here: every PDU of a long message was encoded with one.
    note(store_.fail_message(message_id, "cannot be sent again whole: a part has no reference",
                             now));
    count(&DispatchCounters::messages_failed);
    finish_message(slot);
    return false;
  }
  auto again = store_.send_again_whole(message_id, id, new_pdus, now);
  if (!again) {
    spdlog::error("message {}: {}", message_id, again.error().message);
    if (again.error().code == ErrorCode::kStorageUnavailable) store_refused();
    release(slot, now, "store: " + again.error().message, now, false);
    return false;
  }
  spdlog::info("message {}: begun on another modem, sent again whole from {}", message_id, id);
  slot.current = std::move(*again);
  return true;
}

void Dispatcher::finish_message(Slot& slot) {
  avoid_modem_.erase(slot.current->message.id);
  slot.current.reset();
  slot.idle_since = ++idle_sequence_;
}

void Dispatcher::release(Slot& slot, int64_t retry_at, const std::string& reason, int64_t now,
                         bool attempted) {
  note(store_.release_message(slot.current->message.id, retry_at, reason, now, attempted));
  count(&DispatchCounters::messages_released);
  slot.current.reset();
  slot.in_flight_part.reset();
  slot.idle_since = ++idle_sequence_;
}

void Dispatcher::record_sent(Slot& slot, int64_t part_id, int reference, int64_t now) {
  std::optional<int> tp_mr;
  if (reference >= 0) tp_mr = reference;
  auto marked = store_.mark_part_sent(part_id, tp_mr, now);
  if (!marked) {
    // It went out: recorded as sent once the store writes again, never sent twice.
    spdlog::error("message {}: part sent, not recorded yet: {}", slot.current->message.id,
                  marked.error().message);
    store_refused();
    unrecorded_sends_.push_back({slot.current->message.id, part_id, tp_mr, now});
  } else {
    note(marked);
  }
  for (store::Part& part : slot.current->parts) {
    if (part.id == part_id) part.status = store::PartStatus::kSent;
  }
  if (slot.limiter) slot.limiter->record(now);
  count(&DispatchCounters::parts_sent);
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
  int64_t now = clock_.now();
  if (outcome.kind == SendOutcome::Kind::kSent) {
    record_sent(slot, part_id, outcome.reference, now);
    publish_pacing(event.modem, slot);
  }
  if (outcome.kind == SendOutcome::Kind::kRefused) count(&DispatchCounters::parts_refused);

  const store::Message& message = slot.current->message;
  const int64_t message_id = message.id;
  const Sending sending{
      message.attempts, message.modem_pin.has_value(), failed_on(message_id),
      std::any_of(slot.current->parts.begin(), slot.current->parts.end(), is_queued)};
  const std::vector<ModemView> modems = modem_views();
  // Its slot holds the message, so the modem is among the views.
  const ModemView& here = *std::find_if(modems.begin(), modems.end(),
                                        [&](const ModemView& m) { return m.id == event.modem; });
  const OutcomeAction action =
      decide_outcome(outcome, sending, here, modems, draining_, backoff_, now);
  switch (action.kind) {
    case OutcomeAction::Kind::kSendNextPart:
      send_next_part(event.modem, slot, now);
      return;
    case OutcomeAction::Kind::kFinish:
      finish_message(slot);
      return;
    case OutcomeAction::Kind::kTryAnotherModem:
      spdlog::warn("modem {}: {} (the SIM may be barred; another modem tries)", event.modem,
                   outcome.detail);
      [[fallthrough]];
    case OutcomeAction::Kind::kRelease:
      if (action.avoid_this_modem) avoid_modem_[message_id] = event.modem;
      release(slot, action.retry_at, action.reason, now, action.attempt_spent);
      return;
    case OutcomeAction::Kind::kFailPart:
      note(store_.mark_part_failed(part_id, action.reason, now));
      count(&DispatchCounters::messages_failed);
      finish_message(slot);
      return;
    case OutcomeAction::Kind::kGiveUp:
      note(store_.fail_message(message_id, action.reason, now));
      count(&DispatchCounters::messages_failed);
      finish_message(slot);
      return;
  }
}

// ---- Received --------------------------------------------------------------------

void Dispatcher::handle_received(const ReceivedEvent& event) {
  // The pool is the dispatcher's, so the answers to the modem are given here; the
  // Inbox knows only the store.
  bool committed = inbox_.record(event.modem, event.received.pdu_hex, clock_.now());
  if (committed && event.received.stored) {
    pool_->confirm_stored(event.modem, *event.received.stored);
  }
  // A direct delivery is acknowledged to the network only once it is on disk; refused
  // otherwise, so that the network delivers it again.
  if (event.received.awaits_acknowledgement) {
    pool_->acknowledge_delivery(event.modem, committed);
  }
}

void Dispatcher::count(uint64_t DispatchCounters::*counter) {
  MutexLock lock(mutex_);
  ++(counters_.*counter);
}

void Dispatcher::store_refused() {
  store_fault_ = true;
  count(&DispatchCounters::store_faults);
}

void Dispatcher::note(const Result<store::StatusChange>& change) {
  if (!change) {
    spdlog::error("queue: {}", change.error().message);
    store_refused();
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
    store_refused();
    return;
  }
  if (*change) note(Result<store::StatusChange>(**change));
}

}  // namespace smsgate::dispatch

// Dispatcher: moves work between the store and the modems. One thread; it alone
// decides what each modem sends next.
//
// For each modem that is ready, idle and within its rate limits it takes the best due
// message from the store (priority, then due time, then age) and asks decide_offer
// (decisions.h) what the policies make of it: expire it (TTL), fail it (opted out),
// hold it (quiet hours), leave it for another modem (routes, failover) or claim it.
// A claimed message's parts go out on that modem one after another, each marked
// `submitting` (committed) before its bytes go to the port. Outcomes come back from
// the workers and decide_outcome says what follows: the next part (a sent part is
// recorded with its TP-MR), the part failed (a permanent refusal), or the message
// back to the queue (with backoff for temporary network errors, at once when the
// modem was at fault) so another modem can take it, until max_attempts. The decisions
// are pure; this class gathers what they need and carries their answers out (store,
// counters, observers, logs).
//
// What modems receive goes to the Inbox (inbox.h), which records it (status reports
// matched to parts, inbound parts reassembled, opt-out keywords applied); only then
// is it confirmed to the modem, which deletes it.
//
// Housekeeping runs on the same thread between events, from one table of Chores
// (chores.h): multipart inbound messages whose parts never came are completed as
// partial (every minute), spent OTP codes are purged (hourly), rows older than
// [retention] allows are deleted (every 10 minutes), and after the store
// refused a write (disk full) what it could not record is settled once it writes again
// (every 2 s), with no restart.
//
// Thread safety: PoolListener callbacks come from worker threads and only queue
// events; attach() comes before start(); the other public methods may be called from
// any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/thread_annotations.h"
#include "dispatch/chores.h"
#include "dispatch/decisions.h"
#include "dispatch/inbox.h"
#include "modem/pool.h"
#include "policy/keywords.h"
#include "policy/limits.h"
#include "policy/quiet_hours.h"
#include "policy/routes.h"
#include "store/store.h"

namespace smsgate::dispatch {

// Limits and names for the modem on one port ([[modem]] and [modems]).
struct ModemPolicy {
  std::string port;
  std::string name;
  policy::RateLimits limits;
};

struct DispatcherOptions {
  policy::RetryPolicy retry;
  std::optional<policy::QuietWindow> quiet_hours;
  policy::TimeZone timezone = policy::TimeZone::utc();
  std::vector<policy::Route> routes;
  policy::RateLimits default_limits;  // for modems without a ModemPolicy
  std::vector<ModemPolicy> modems;    // by port
  std::vector<std::string> optout_keywords = {"STOP", "UNSUBSCRIBE", "CANCEL"};
  std::vector<std::string> optin_keywords = {"START"};
  // A multipart inbound message still missing parts this long after its first part
  // is kept as partial (DESIGN.md, Guarantees).
  int64_t partial_inbound_timeout_ms = 24LL * 3600 * 1000;
  // One-time password codes expired or used this long ago are deleted (their messages
  // stay). A day: long enough to look into "my code did not work", and longer than
  // the per-number send window ([otp] send_window_minutes is at most a day), whose
  // count they make.
  int64_t otp_retention_ms = 24LL * 3600 * 1000;
  // [retention]: final outbound messages this long after their last change, and
  // inbound ones this long after they came, are deleted (store/retention.h); nullopt:
  // kept forever.
  std::optional<int64_t> messages_retention_ms = 90LL * 24 * 3600 * 1000;
  std::optional<int64_t> inbound_retention_ms = 90LL * 24 * 3600 * 1000;
  // Nothing due: look at the store again this often (new submissions call wake()).
  int64_t idle_poll_ms = 1000;
  policy::RandomUnit random = policy::default_random_unit();
};

// What the dispatcher has done, for logs, metrics and tests.
struct DispatchCounters {
  uint64_t parts_sent = 0;
  uint64_t parts_refused = 0;
  uint64_t messages_released = 0;
  uint64_t messages_failed = 0;
  uint64_t messages_expired = 0;
  uint64_t messages_held = 0;  // rescheduled by quiet hours
  // From the Inbox.
  uint64_t inbound_parts = 0;
  uint64_t inbound_messages = 0;
  uint64_t status_reports = 0;
  uint64_t undecodable_pdus = 0;
  // Writes the store refused while dispatching (disk full, I/O errors), and the times
  // the sends it missed were recorded and what no modem held requeued once it wrote
  // again (settle_after_store_fault).
  uint64_t store_faults = 0;
  uint64_t store_recoveries = 0;
};

// A modem's pacing as the dispatcher applies it: its limits and the sends counted
// against today's.
struct ModemPacing {
  policy::RateLimits limits;
  int sent_today = 0;
};

class Dispatcher : public modem::PoolListener {
 public:
  // Observers of what happened, called on the dispatcher thread (webhooks later).
  struct Observers {
    std::function<void(const store::StatusChange&)> message_changed;
    std::function<void(const store::InboundMessage&)> inbound_received;
    // After inbound_received: the automatic answer (dispatch/autoreply.h).
    std::function<void(const store::InboundMessage&, policy::KeywordKind, int64_t now)>
        answer_inbound;
    // Before the opt-out keywords apply: whether a text answers an appointment
    // (Inbox::Observers::answers_appointment).
    std::function<bool(const store::InboundMessage&)> answers_appointment;
    std::function<void(const std::string& modem, const modem::ModemStatus&)> modem_changed;
    // Any change of a modem's state (modem/status.h State), ready or not.
    std::function<void(const std::string& modem, const modem::ModemStatus&)> modem_state_changed;
    // The modem's message storage became full (AT+CPMS? says so).
    std::function<void(const std::string& modem, const modem::ModemStatus&)> modem_storage_full;
  };

  static Result<std::unique_ptr<Dispatcher>> create(store::Store& store, const Clock& clock,
                                                    DispatcherOptions options,
                                                    Observers observers = {});
  ~Dispatcher() override;  // stops without draining

  // The pool to send through; before start(). The pool's workers call this
  // dispatcher, so stop and destroy the pool before the dispatcher.
  void attach(modem::ModemPool& pool) { pool_ = &pool; }
  // Requeues what a crash left half-done, then runs the dispatch thread.
  Status start();
  // Stops taking new work; with `drain`, waits (up to `deadline_ms`) until no part is
  // in flight on any modem, and releases the rest of each claimed message back to the
  // queue, so nothing is left half-submitted.
  void stop(bool drain = true, int64_t deadline_ms = 200 * 1000);
  // Something may be due now (a submission, a cancellation).
  void wake();
  // New policies (SIGHUP), applied on the dispatch thread between two events; rate
  // limiters start afresh. An Error (bad keywords) changes nothing.
  Status reload(DispatcherOptions options);

  DispatchCounters counters() const;

  // When the dispatch loop last came round (it does at least every idle_poll_ms): the
  // watchdog's proof that it is not wedged. nullopt before the loop first runs.
  std::optional<MonotonicClock::time_point> last_turn() const;

  // Staff stop or resume sending through a modem (it keeps receiving); remembered in
  // the store across restarts. False: no such modem was ever seen.
  Result<bool> set_modem_sending(const std::string& modem, bool enabled);
  bool modem_sending(const std::string& modem) const;
  // None for a modem the dispatcher has not heard of since it started.
  std::optional<ModemPacing> modem_pacing(const std::string& modem) const;

  // PoolListener: queue the event for the dispatch thread.
  void on_status(const std::string& modem, const modem::ModemStatus& status) override;
  void on_sent(const std::string& modem, const modem::SendOutcome& outcome) override;
  void on_received(const std::string& modem, const modem::Received& received) override;

 private:
  struct StatusEvent {
    std::string modem;
    modem::ModemStatus status;
  };
  struct SentEvent {
    std::string modem;
    modem::SendOutcome outcome;
  };
  struct ReceivedEvent {
    std::string modem;
    modem::Received received;
  };
  struct ReloadEvent {
    std::shared_ptr<DispatcherOptions> options;
  };
  using Event = std::variant<StatusEvent, SentEvent, ReceivedEvent, ReloadEvent>;

  // The dispatcher's view of one modem.
  struct Slot {
    modem::State state = modem::State::kOpening;
    std::string port;
    std::string name;  // from ModemPolicy, else the port
    std::unique_ptr<policy::RateLimiter> limiter;
    policy::RateLimits limits;              // what `limiter` enforces
    std::string limits_zone;                // and in which time zone
    std::optional<store::Claimed> current;  // the message being sent on it
    std::optional<int64_t> in_flight_part;  // handed to the worker, outcome pending
    bool identity_recorded = false;
    bool storage_full = false;  // as the last status said
    uint64_t idle_since = 0;    // idle_sequence_ when it last became free
  };

  Dispatcher(store::Store& store, const Clock& clock, DispatcherOptions options,
             Observers observers, policy::KeywordMatcher keywords);

  void run();
  void handle(const Event& event);
  void handle_status(const StatusEvent& event);
  void handle_sent(const SentEvent& event);
  void handle_received(const ReceivedEvent& event);
  void handle_reload(const ReloadEvent& event);
  // Gives every ready, idle modem its next message; returns when to look again.
  int64_t fill_modems(int64_t now);
  bool fill(const ModemView& here, Slot& slot, std::span<const ModemView> modems, int64_t now);
  bool send_next_part(const std::string& id, Slot& slot, int64_t now);
  // The claimed message, begun on another modem, again from its first part on this one
  // (decisions.h, sends_again_whole); false when it had to go back to the queue.
  bool send_again_whole(const std::string& id, Slot& slot, int64_t now);
  void record_sent(Slot& slot, int64_t part_id, int reference, int64_t now);
  // `attempted`: a modem tried it (counts towards max_attempts).
  void release(Slot& slot, int64_t retry_at, const std::string& reason, int64_t now,
               bool attempted = true);
  void finish_message(Slot& slot);
  void note(const Result<store::StatusChange>& change);
  void note(const Result<std::optional<store::StatusChange>>& change);
  void count(uint64_t DispatchCounters::*counter);
  // A write the store refused: nothing new is claimed until settle_after_store_fault()
  // gets through.
  void store_refused();
  Slot& slot_for(const std::string& modem);
  // The slot's name and rate limits from its port's ModemPolicy; a new limiter counts
  // the modem's sends so far from the store.
  void apply_modem_policy(const std::string& id, Slot& slot);
  // The slot's limiter as modem_pacing() shows it from other threads.
  void publish_pacing(const std::string& id, const Slot& slot);
  bool any_in_flight() const;
  void purge_spent_otp_codes(int64_t now);
  // Deletes what [retention] no longer keeps, a batch at a time.
  void purge_old_rows(int64_t now);
  // After a write failed (disk full, I/O errors): once the store writes again, the
  // sends it could not record are recorded, and messages no modem holds go back to
  // the queue; nothing new is claimed until then.
  void settle_after_store_fault(int64_t now);
  // What the decisions are given: every modem as it is now, where a message last
  // failed, what the store says of a recipient's opt-out.
  std::vector<ModemView> modem_views() const;
  std::optional<std::string> failed_on(int64_t message_id) const;
  OptOutRead read_optout(const std::string& number);

  store::Store& store_;
  const Clock& clock_;
  DispatcherOptions options_;
  Observers observers_;
  policy::QuietHours quiet_hours_;
  policy::Router router_;
  policy::Backoff backoff_;
  Inbox inbox_;
  modem::ModemPool* pool_ = nullptr;

  // Owned by the dispatch thread.
  std::map<std::string, Slot> slots_;
  Chores chores_;
  uint64_t idle_sequence_ = 0;
  bool draining_ = false;  // stop(drain) asked: finish what is in flight, start nothing
  // A message that failed on a modem is not given to that modem again while another
  // modem can take it (failover).
  std::map<int64_t, std::string> avoid_modem_;
  // A part that went out while the store could not record it.
  struct UnrecordedSend {
    int64_t message_id;
    int64_t part_id;
    std::optional<int> tp_mr;
    int64_t at;
  };
  std::vector<UnrecordedSend> unrecorded_sends_;
  bool store_fault_ = false;  // a write failed; settle_after_store_fault() not yet through

  mutable Mutex mutex_;
  std::condition_variable changed_;
  std::deque<Event> events_ GUARDED_BY(mutex_);
  bool woken_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;  // no new work
  bool exit_ GUARDED_BY(mutex_) = false;      // leave the loop
  bool idle_ GUARDED_BY(mutex_) = false;      // nothing in flight (while stopping)
  DispatchCounters counters_ GUARDED_BY(mutex_);
  std::set<std::string> not_sending_ GUARDED_BY(mutex_);                  // modems staff disabled
  std::map<std::string, policy::RateLimiter> pacing_ GUARDED_BY(mutex_);  // copies, by modem
  std::atomic<MonotonicClock::rep> last_turn_{0};  // MonotonicClock ticks; 0: not yet
  std::thread thread_;
};

}  // namespace smsgate::dispatch

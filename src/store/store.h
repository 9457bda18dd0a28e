// Store: the durable queue and everything else smsgated keeps (DESIGN.md, src/store/):
// outbound messages and their parts, status history, inbound SMS, status reports,
// opt-outs, modems. One SQLite file in WAL mode; schema in store/schema.h.
//
// Writes. Every method that changes something runs on ONE writer thread that owns the
// only writing connection. Callers from any thread queue their operation and block;
// the writer takes everything queued, runs it in one transaction (each operation in
// its own savepoint, so one that fails is undone alone and changes nothing), commits
// with one fsync (synchronous=FULL), and only then wakes the callers. So a write that
// returned is on disk (the "2xx means fsync'd" guarantee), and a hundred API requests
// arriving together share one fsync instead of paying for a hundred (group commit;
// transactions() counts the commits).
//
// Reads never block the writer or each other: WAL gives each reader a snapshot. A
// reading method borrows a connection from a small pool (one per concurrently reading
// thread, opened on demand) and returns it when done. A read started after a write
// returned sees that write.
//
// Time: every method that needs "now" takes it as a parameter (milliseconds since the
// epoch); there is no clock in here, so policies are tested with a manual clock.
//
// Errors: bad input (an unknown id, a malformed number, a transition the message's
// status does not allow) is an Error naming what is wrong, and changes nothing.
//
// Thread safety: all public methods may be called from any thread at the same time.
// The destructor must not race with calls; it finishes queued writes, then closes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/sqlite.h"
#include "store/types.h"

namespace smsgate::store {

struct StoreOptions {
  // How long a connection waits for another process's lock (the CLI's `apikey create`
  // running next to the daemon) before giving up.
  int busy_timeout_ms = 5000;
  // Upper bound on operations per group commit, so one transaction cannot grow without
  // limit under a flood; the rest wait for the next commit.
  size_t max_batch = 1024;
};

class Store {
 public:
  // Opens or creates the database at `path`, applies missing migrations, starts the
  // writer thread. Errors when the file cannot be opened or its schema is newer.
  static Result<std::unique_ptr<Store>> open(const std::string& path, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- Outbound -------------------------------------------------------------------

  // Inserts the messages (all or none, one transaction) as queued, or scheduled when
  // send_at > now. A message whose idempotency key is already stored is not inserted;
  // its result describes the stored one with `existing` set.
  Result<std::vector<SubmitResult>> submit(std::vector<NewMessage> messages, int64_t now);

  // The best message `modem` could send now: waiting (queued, or scheduled/retrying
  // whose due time has come), unpinned or pinned to `modem`, not excluded; highest
  // priority first, then earliest due time (send_at, or the retry time after a
  // release), then oldest. None when nothing is due. It may be past expires_at: the
  // caller expires it instead of sending. A read: claim() it before sending.
  Result<std::optional<Message>> next_due_message(int64_t now, const std::string& modem,
                                                  const Exclusions& exclusions = {});
  // Marks the message `sending` on `modem` if it is still waiting and due, and allowed
  // on that modem; none otherwise (another dispatcher thread won it, it was
  // cancelled, ...). Exactly one of several concurrent claims succeeds.
  Result<std::optional<Claimed>> claim(int64_t message_id, const std::string& modem, int64_t now);

  // Part lifecycle. mark_part_submitting commits before it returns: call it BEFORE the
  // PDU is written to the port, so a crash in between resends rather than loses.
  Status mark_part_submitting(int64_t part_id, const std::string& modem, int64_t now);
  // +CMGS answered: the part is sent with TP-MR `tp_mr` (none when the modem's answer
  // did not carry one: sent all the same, but no status report can match it). When it
  // was the message's last part to go, the message becomes `sent` (returned).
  Result<std::optional<StatusChange>> mark_part_sent(int64_t part_id, std::optional<int> tp_mr,
                                                     int64_t at);
  // A permanent refusal: the part and its message fail with `reason`.
  Result<StatusChange> mark_part_failed(int64_t part_id, const std::string& reason, int64_t at);

  // Back to the queue for a retry or another modem (status sending, or waiting): not
  // due before `retry_at`; parts not yet sent go back to queued. `attempted`: a modem
  // tried it (attempts + 1); false when nothing reached a port (a modem that went
  // away first, a shutdown), which costs the message none of its attempts.
  Result<StatusChange> release_message(int64_t id, int64_t retry_at, const std::string& reason,
                                       int64_t now, bool attempted = true);
  // Gives up: from any status that is not final.
  Result<StatusChange> fail_message(int64_t id, const std::string& reason, int64_t now);
  // TTL reached before it was sent (waiting or sending).
  Result<StatusChange> expire_message(int64_t id, int64_t now);
  // Only while nothing of it has been handed to a modem (queued or scheduled); an
  // Error otherwise, which the API turns into a conflict.
  Result<StatusChange> cancel_message(int64_t id, const std::string& reason, int64_t now);
  // Holds a waiting message until `send_at` (quiet hours): scheduled, or queued when
  // send_at <= now.
  Result<StatusChange> reschedule(int64_t id, int64_t send_at, const std::string& reason,
                                  int64_t now);

  // At start, before dispatching: what a crash left `sending` goes back to the queue
  // and parts left `submitting` are sent again (at least once, never lost).
  Result<RecoveryCounts> recover_after_restart(int64_t now);

  // --- Status reports -------------------------------------------------------------

  // Stores the report and matches it to the part most recently sent on `modem` with
  // this TP-MR to this recipient, sent within kReportWindowMs before it was received.
  // A matched part is delivered or failed by the report's class (TS 23.040 9.2.3.15;
  // "pending" changes nothing); its message becomes delivered when all parts are,
  // failed when one failed. An unmatched report is kept with no part.
  Result<StatusReportOutcome> record_status_report(const StatusReportIn& report);
  static constexpr int64_t kReportWindowMs = 72LL * 3600 * 1000;

  // --- Inbound --------------------------------------------------------------------

  // Stores one received PDU (once: the same PDU from the same modem again is reported
  // as a duplicate) and, when it completes a message, the message: a single part at
  // once, a concatenated one when all its parts are in (text joined in part order).
  // Parts wait in the database, so reassembly survives restarts. The completed
  // message is linked to the latest message sent to its sender with expect_reply
  // whose reply window covers received_at.
  Result<InboundOutcome> record_inbound_part(const InboundPartIn& part);
  // Turns concatenated messages still missing parts whose first part came at or
  // before now - timeout_ms into partial messages of what did arrive.
  Result<std::vector<InboundMessage>> complete_partial_inbound(int64_t now, int64_t timeout_ms);

  // --- Opt-outs -------------------------------------------------------------------

  Status add_optout(const std::string& number, const std::string& keyword, int64_t at);
  Result<bool> remove_optout(const std::string& number);  // false: was not opted out
  Result<bool> is_opted_out(const std::string& number);
  // For each of `numbers`, whether it opted out; one read for all of them.
  Result<std::vector<bool>> are_opted_out(const std::vector<std::string>& numbers);
  // By number; `after` a number from the previous page ("" for the first).
  Result<std::vector<OptOut>> list_optouts(const std::string& after, int limit);

  // --- Modems ---------------------------------------------------------------------

  // Records a modem seen now (first_seen kept, identity refreshed). Sent, failed and
  // received counters move by themselves as parts and inbound PDUs are recorded with
  // its IMEI as the modem id.
  Status upsert_modem(const ModemIdentity& identity, int64_t now);
  Result<std::vector<ModemRecord>> list_modems();
  // Sending through a modem stopped or resumed by staff (store/modems.cpp); it keeps
  // receiving. False: no modem with that id was ever seen.
  Result<bool> set_modem_sending(const std::string& imei, bool enabled);
  // The modems whose sending is stopped.
  Result<std::vector<std::string>> modems_not_sending();

  // --- API keys, admin password, OTP codes (store/auth.cpp) -----------------------

  // API keys, by the hash of the key (src/auth/ makes and hashes keys; the store never
  // sees one). Names need not be unique.
  Result<ApiKeyRecord> insert_api_key(const std::string& name, const std::string& hash,
                                      int64_t now);
  Result<std::optional<ApiKeyRecord>> find_api_key(const std::string& hash);
  Result<std::vector<ApiKeyRecord>> list_api_keys();  // oldest first, revoked ones too
  // false: no such key, or revoked already.
  Result<bool> revoke_api_key(int64_t id, int64_t now);
  // Moves last_used_at forward to `at` (never back: two processes may both write it).
  Status touch_api_key(int64_t id, int64_t at);

  // Settings: small named values (the admin password's hash, the OTP hashing key).
  Result<std::optional<std::string>> get_setting(const std::string& key);
  Status put_setting(const std::string& key, const std::string& value);
  // The stored value of `key`, storing `value` first when there is none: of two
  // processes creating the same setting at once, both end up with the first's value.
  Result<std::string> get_or_put_setting(const std::string& key, const std::string& value);

  // A one-time password: submits `message` (as submit() does, idempotency key
  // included) and records the code's hash for its recipient, in one transaction, so a
  // code is never sent without being verifiable nor stored without being sent. The new
  // code supersedes the recipient's older ones. When the idempotency key names an
  // earlier one-time password, that one is returned and nothing is stored (a replay,
  // which `limit` does not count). Otherwise, when the recipient already has
  // limit.max_codes codes created within limit.window_ms before `now`, nothing is
  // stored and `refused_until` says when the oldest of them leaves the window. The
  // count and the insert are one write, so concurrent sends cannot both pass it.
  Result<OtpSubmitResult> submit_otp(NewMessage message, const std::string& code_hash,
                                     int64_t expires_at, int64_t now, OtpSendLimit limit = {});
  // Deletes the codes that expired or were used at or before `before`; returns how
  // many. Their messages stay (they are the message log). Codes are worth nothing
  // once expired or used; they are kept a while only for the per-number limit's count
  // and for someone looking into a complaint.
  Result<int64_t> purge_otp_codes(int64_t before);
  // Checks an answer against the newest code of `recipient`, in one write: an answer
  // to a live code counts as an attempt (durably, so restarts do not reset the count);
  // a match uses the code up. `matches` compares the answer's hash with the stored one
  // (constant time is the caller's business); it runs on the writer thread.
  Result<OtpCheck> check_otp(const std::string& recipient, int max_attempts, int64_t now,
                             const std::function<bool(std::string_view code_hash)>& matches);

  // --- Webhooks: subscriptions, outbox, attempts (store/webhooks.cpp) --------------
  //
  // Events are written to the outbox in the same transaction as the change they
  // report: a message reaching sent/delivered/failed/expired, an inbound message
  // completed; so an event is never lost nor sent for a change that was undone. One
  // outbox row per matching subscription; webhook::Deliverer sends them.

  // Validates and stores a subscription: url http:// or https://, events names from
  // kWebhookEventNames or "*", a non-empty secret. Errors are "field: reason".
  Result<Webhook> create_webhook(const std::string& url, const std::vector<std::string>& events,
                                 const std::string& secret, int64_t now);
  Result<std::vector<Webhook>> list_webhooks();  // oldest first
  Result<std::optional<Webhook>> get_webhook(int64_t id);
  // Its events and their attempts go with it. False: there was no such webhook.
  Result<bool> delete_webhook(int64_t id);

  // Fans an event from outside the store (modem.online, modem.offline) out to the
  // subscriptions that want it. `body_json`: the whole body (an envelope from
  // store/event_json.h or webhook/events.h).
  Status enqueue_event(std::string_view event, const std::string& body_json, int64_t now);

  // The deliverer's work: per subscription, its oldest event neither delivered nor
  // given up, when that one is due (next_attempt_at <= now). Later events of a
  // subscription wait behind it: delivery is in order per subscription.
  Result<std::vector<DueWebhookEvent>> due_webhook_events(int64_t now);
  // The earliest time after `now` at which a head becomes due (when to look again);
  // none when no head is waiting for a later time.
  Result<std::optional<int64_t>> next_webhook_due(int64_t now);
  // Records a try: delivered, or failed and retried at next_attempt_at, or failed and
  // given up (no next_attempt_at). An Error when the event is gone (its webhook was
  // deleted meanwhile) or already settled.
  Status record_webhook_attempt(const WebhookAttemptIn& attempt);
  // A subscription's events with their attempts, newest first.
  Result<Page<WebhookDelivery>> list_webhook_deliveries(const WebhookDeliveryFilter& filter);
  // Events neither delivered nor given up, for /metrics.
  Result<int64_t> webhook_backlog();

  // --- Reading --------------------------------------------------------------------

  Result<std::optional<MessageDetail>> get_message(int64_t id);
  Result<Page<Message>> list_messages(const MessageFilter& filter);
  Result<Page<InboundMessage>> list_inbound(const InboundFilter& filter);
  // Messages per status (every status present, zeros included), for /metrics.
  Result<std::map<MessageStatus, int64_t>> count_by_status();

  // --- Introspection --------------------------------------------------------------

  // Transactions the writer has committed (group commits), and the write operations
  // they carried; operations / transactions is the grouping achieved.
  uint64_t transactions() const { return transactions_.load(); }
  uint64_t write_operations() const { return write_operations_.load(); }

 private:
  struct WriteOp;

  // A pooled reader connection, given back to the pool when the lease ends.
  class ReaderLease {
   public:
    ReaderLease(Store& store, Connection connection)
        : store_(&store), connection_(std::move(connection)) {}
    ReaderLease(ReaderLease&& other) noexcept
        : store_(std::exchange(other.store_, nullptr)), connection_(std::move(other.connection_)) {}
    ReaderLease& operator=(ReaderLease&&) = delete;
    ~ReaderLease() {
      if (store_) store_->give_back(std::move(connection_));
    }
    Connection& operator*() { return connection_; }
    Connection* operator->() { return &connection_; }

   private:
    Store* store_;
    Connection connection_;
  };

  explicit Store(std::string path, StoreOptions options, Connection writer);

  // Runs `op` on the writer thread inside the next group transaction and waits until
  // that transaction committed (or failed). `op` must not block.
  Status write(std::function<Status(Connection&)> op);
  void writer_loop();
  void run_batch(std::vector<WriteOp*>& batch);

  // A reader connection for the calling thread's use; back to the pool on destruction.
  Result<ReaderLease> read();
  void give_back(Connection connection);

  const std::string path_;
  const StoreOptions options_;
  Connection writer_connection_;  // only the writer thread touches it after open()

  std::mutex write_mutex_;
  std::condition_variable write_wanted_;  // the writer waits for work
  std::condition_variable write_done_;    // callers wait for their commit
  std::vector<WriteOp*> write_queue_;     // guarded by write_mutex_
  bool stopping_ = false;                 // guarded by write_mutex_

  std::mutex readers_mutex_;
  std::vector<Connection> idle_readers_;  // guarded by readers_mutex_

  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> write_operations_{0};
  std::thread writer_;
};

}  // namespace smsgate::store

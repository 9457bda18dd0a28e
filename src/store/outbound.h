// Outbound: the queue of messages to send. Submitting, the dispatcher's side (the
// next due message, claiming it, each part's progress, every other transition of a
// message's status, recovery after a crash) and what the API reads back (one message
// in full, pages of messages, counts by status). Implemented in store/outbound.cpp.
//
// Thread safety: every method may be called from any thread at the same time.
// submit, claim, send_again_whole, mark_part_*, release/fail/expire/cancel_message,
// reschedule, recover_after_restart and requeue_unheld are writes: they return once
// their group commit is fsync'd (store/engine.h). next_due_message, get_message, list_messages and
// count_by_status are reads: each answers from one snapshot and never waits for the writer.
//
// A change of status that a webhook reports (sent, delivered, failed, expired) writes
// its event into the outbox in the same transaction (store/webhooks.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

class Outbound {
 public:
  explicit Outbound(Engine& engine) : engine_(engine) {}

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
  // A phone joins the parts of a long message only when they come from one sender,
  // so a message that another modem began goes again whole from `modem`, which
  // claimed it: the parts sent before are kept as superseded (superseded_parts; they
  // still count in their modem's limits) and every part is queued again with its new
  // PDU from `new_pdus` (part id -> PDU hex with a new concatenation reference). An
  // Error, changing nothing, unless the message is `sending` on `modem` and
  // `new_pdus` names each of its parts. The message as it is now.
  Result<Claimed> send_again_whole(int64_t message_id, const std::string& modem,
                                   const std::map<int64_t, std::string>& new_pdus, int64_t now);

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
  // The same while running, after writes failed (disk full, I/O errors) and work
  // again: every message `sending` but not in `held` (the ones a modem is busy with)
  // goes back to the queue, its `submitting` parts to be sent again.
  Result<RecoveryCounts> requeue_unheld(const std::vector<int64_t>& held, int64_t now);

  // The message with its parts and status history, from one snapshot.
  Result<std::optional<MessageDetail>> get_message(int64_t id);
  Result<Page<Message>> list_messages(const MessageFilter& filter);
  // Messages per status (every status present, zeros included), for /metrics and
  // /stats: one grouped scan of the messages_status index.
  Result<std::map<MessageStatus, int64_t>> count_by_status();
  // The `hours` whole UTC hours from `first_hour` (rounded down to its hour), oldest
  // first, each with the messages that became sent, delivered or failed in it (from
  // the status history, through its index on the time of those changes); an hour with
  // none is there with zeros.
  Result<std::vector<HourOutcomes>> outcomes_by_hour(int64_t first_hour, int hours);
  static constexpr int64_t kHourMs = 3600 * 1000;

 private:
  Result<RecoveryCounts> requeue(int64_t now, const std::vector<int64_t>& held,
                                 const std::string& reason);

  Engine& engine_;
};

}  // namespace smsgate::store

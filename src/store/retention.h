// Retention: what the gateway keeps about people, and for how long. Two ways rows go:
//
// - Age (purge_old, run in batches by a dispatcher chore, [retention] in the config):
//   outbound messages that are final (sent, delivered, failed, expired, cancelled)
//   and unchanged since the cutoff, with their parts, status history, superseded parts
//   and the status reports matched to them; inbound messages received before theirs,
//   with their parts; webhook events delivered or given up before the cutoff, with
//   their attempts (an inbound.received event by the inbound cutoff, the others by the
//   messages cutoff); mail sent or set aside and status reports that matched nothing,
//   by the messages cutoff; PDUs
//   that did not decode, by the inbound cutoff; the event log (store/events.h) by its
//   own cutoff, a day (kEventLogRetentionMs), whatever [retention] says. A message
//   that is not final is never deleted, however old, and neither is an opt-out.
// - Erasure (erase_number: `smsgated erase`, DELETE /api/v1/numbers/{number}):
//   everything about one number, whatever its age: outbound messages to it (those
//   still waiting are cancelled first), inbound messages and parts from it, status
//   reports and one-time password codes for it, webhook events about those messages
//   (pending ones too: they are not sent), the event log's rows about them, and the
//   contact with that number (store/contacts.h) with its group memberships. The opt-out stays:
//   it is what keeps the number from being sent to again. A message with a part on a modem at that
//   moment cannot be erased safely (the modem's answer must still find it): erasure then cancels
//   what waits and answers kNotCancellable; once that part is sent (seconds, or minutes on a weak
//   signal) erasing again takes everything.
//
// Every deletion is tallied (purged_messages by status and category, purged_rows by
// kind) in the transaction that makes it, so counts over all time (/metrics) are the
// rows left plus the tallies and never go down.
//
// Thread safety: every method may be called from any thread at the same time.
// purge_old and erase_number are writes (fsync'd group commits); deleted_totals is a
// read from one snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

struct RetentionCutoffs {
  // Final outbound messages last changed before this go (ms since the epoch); none:
  // kept forever.
  std::optional<int64_t> messages_before;
  // Inbound messages received before this go; none: kept forever.
  std::optional<int64_t> inbound_before;
  // The event log's rows written before this go; none: kept.
  std::optional<int64_t> event_log_before = std::nullopt;
};

struct PurgeCounts {
  int64_t messages = 0;
  int64_t inbound_messages = 0;
  int64_t status_reports = 0;
  int64_t webhook_events = 0;
  int64_t undecodable_pdus = 0;
  int64_t logged_events = 0;  // the event log's rows
  int64_t mails = 0;          // sent or set aside (store/mail.h)
  // A kind filled its batch: call again for the rest.
  bool more = false;
  friend bool operator==(const PurgeCounts&, const PurgeCounts&) = default;
};

struct ErasureCounts {
  int64_t messages = 0;   // outbound, to the number
  int64_t cancelled = 0;  // of those, still waiting when erased
  int64_t inbound_messages = 0;
  int64_t status_reports = 0;
  int64_t otp_codes = 0;
  int64_t appointments = 0;  // booked for the number, with their links to its messages
  int64_t webhook_events = 0;
  int64_t logged_events = 0;  // the event log's rows about the number
  int64_t contacts = 0;       // 0 or 1: the contact with the number
  bool opted_out = false;     // the opt-out is kept
  friend bool operator==(const ErasureCounts&, const ErasureCounts&) = default;
};

// What retention and erasure deleted, over the database's life.
struct DeletedTotals {
  std::map<MessageStatus, int64_t> messages;  // by status when deleted
  std::map<std::string, int64_t> rows;        // by kind: inbound_messages, status_reports, ...
};

class Retention {
 public:
  explicit Retention(Engine& engine) : engine_(engine) {}

  // Write: deletes up to `batch` rows of each kind past the cutoffs (one short
  // transaction, so that the writer is soon free for others); `more` says whether to
  // call again.
  Result<PurgeCounts> purge_old(const RetentionCutoffs& cutoffs, int batch);

  // Write: everything about `number` (E.164, normalised by the caller) but its opt-out.
  // Errors: kNotCancellable when a message to it is being sent right now (what waited
  // is cancelled all the same).
  Result<ErasureCounts> erase_number(const std::string& number, int64_t now);

  // Read.
  Result<DeletedTotals> deleted_totals();

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

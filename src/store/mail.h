// Mail: the mail outbox (mail for the smarthost, sent by email/outbox.h) and the SMS to
// email rules added through the API (/api/v1/forwards). Addresses, subjects and
// numbers are checked by the caller (email/, the HTTP layer) before they get here.
// Implemented in store/mail.cpp.
//
// A mail is `waiting` (next_attempt_at says when it is due), `sent`, or `set_aside`:
// refused for good by the smarthost, or tried too often; last_error says why. Sent and
// set-aside mail is deleted by age with the outbound messages (store/retention.h); a
// mail forwarding an inbound text goes when that text is erased.
//
// Thread safety: every method may be called from any thread at the same time.
// enqueue_mails, record_mail_sent, record_mail_failure, add_forward and remove_forward
// are writes: they return once their group commit is fsync'd (store/engine.h). The
// others are reads from one snapshot that never wait for the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

enum class MailState { kWaiting, kSent, kSetAside };
// "waiting", "sent", "set_aside": the API's words and the column's.
std::string_view mail_state_name(MailState state);
std::optional<MailState> parse_mail_state(std::string_view name);

struct NewMail {
  std::string to_address;
  std::string subject;
  std::string body;
  std::string message_id;  // without angle brackets
  std::optional<std::string> in_reply_to;
  std::vector<std::string> references;
  std::optional<int64_t> inbound_id;   // the text it forwards
  std::optional<int64_t> forward_id;   // the API rule that forwarded it
  std::optional<int64_t> outbound_id;  // the message it reports on, or whose reply it is
};

struct MailRecord {
  int64_t id = 0;
  int64_t created_at = 0;
  NewMail mail;
  int attempts = 0;
  int64_t next_attempt_at = 0;
  MailState state = MailState::kWaiting;
  std::optional<std::string> last_error;
  std::optional<int64_t> sent_at;
};

struct MailFilter {
  std::optional<MailState> state;
  int limit = 50;  // 1..kMaxPageSize
  std::string cursor;
};

struct MailCounts {
  int64_t waiting = 0;
  int64_t sent = 0;
  int64_t set_aside = 0;
  friend bool operator==(const MailCounts&, const MailCounts&) = default;
};

struct ForwardRecord {
  int64_t id = 0;
  std::string to_address;
  std::vector<std::string> from_numbers;  // E.164; empty: anyone
  std::string subject;
  int64_t created_at = 0;
  friend bool operator==(const ForwardRecord&, const ForwardRecord&) = default;
};

class Mail {
 public:
  explicit Mail(Engine& engine) : engine_(engine) {}

  // Writes the mails in one transaction, each due at `now`; their ids in order.
  Result<std::vector<int64_t>> enqueue_mails(const std::vector<NewMail>& mails, int64_t now);

  // Mail made from the event log (email/mail_back.h), which keeps its place in the log
  // here. Write: the place, set to the newest event when none is kept yet (so that a
  // first start does not mail the past), then returned.
  Result<int64_t> start_mail_event_cursor();
  // Writes `mails` (each due at `now`) and moves the place to `last_event_id`, in one
  // transaction. A mail whose text or message was deleted meanwhile is left out; how
  // many were written.
  Result<int> enqueue_mails_from_events(const std::vector<NewMail>& mails, int64_t last_event_id,
                                        int64_t now);
  // Read: the waiting mail due at `now` that has waited longest, if any.
  Result<std::optional<MailRecord>> next_due_mail(int64_t now);
  // Read: when the earliest waiting mail is due; none when nothing waits.
  Result<std::optional<int64_t>> next_mail_due_at();
  // A try of mail `id` that the smarthost accepted.
  Status record_mail_sent(int64_t id, int64_t now);
  // A try that failed with `error`: tried again at `retry_at`, or set aside without one.
  Status record_mail_failure(int64_t id, const std::string& error, std::optional<int64_t> retry_at,
                             int64_t now);
  Result<std::optional<MailRecord>> find_mail(int64_t id);
  // Newest first.
  Result<Page<MailRecord>> list_mail(const MailFilter& filter);
  Result<MailCounts> count_mail();

  // The record as stored, with its new id.
  Result<ForwardRecord> add_forward(ForwardRecord record, int64_t now);
  // Oldest first.
  Result<std::vector<ForwardRecord>> list_forwards();
  // False: no such rule.
  Result<bool> remove_forward(int64_t id);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

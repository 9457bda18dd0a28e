// Helpers shared by the store's implementation files; not part of its interface.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/sqlite.h"
#include "store/types.h"

namespace smsgate::store::detail {

// The column list read_message() expects, in its order.
#define SMSGATE_MESSAGE_COLUMNS                                                              \
  "m.id, m.recipient, m.text, m.category, m.priority, m.status, m.send_at, m.expires_at, "   \
  "m.created_at, m.updated_at, m.status_report, m.expect_reply, m.reply_window_ms, "         \
  "m.external_id, m.modem_pin, m.idempotency_key, m.encoding, m.part_count, "                \
  "m.failure_reason, m.attempts, m.next_attempt_at, m.due_at, m.assigned_modem, m.sent_at, " \
  "m.resent_from"

// The column list read_part() expects.
#define SMSGATE_PART_COLUMNS                                                             \
  "p.id, p.message_id, p.number, p.pdu_hex, p.tpdu_length, p.status, p.modem, p.tp_mr, " \
  "p.submitted_at, p.sent_at, p.delivered_at, p.report_status, p.failure_reason"

// Every row `query` yields, each made into a value by read_row(query).
template <class ReadRow>
auto read_rows(Query& query, ReadRow read_row) -> Result<std::vector<decltype(read_row(query))>> {
  std::vector<decltype(read_row(query))> rows;
  for (;;) {
    auto row = query.step();
    if (!row.ok()) return row.error();
    if (!*row) return rows;
    rows.push_back(read_row(query));
  }
}

// The first row `query` yields, made into a value by read_row(query); none when it
// yields none. The query stops there: a lookup by key has one row at most.
template <class ReadRow>
auto read_first(Query& query, ReadRow read_row)
    -> Result<std::optional<decltype(read_row(query))>> {
  auto row = query.step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<decltype(read_row(query))>();
  return std::optional<decltype(read_row(query))>(read_row(query));
}

// Every row of `sql` (a whole table, small enough to need no pages), read on a reader
// connection and each made into a value by read_row.
template <class ReadRow>
auto read_all(Engine& engine, const char* sql, ReadRow read_row)
    -> Result<std::vector<decltype(read_row(std::declval<Query&>()))>> {
  auto db = engine.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(sql);
  if (!q.ok()) return q.error();
  return read_rows(*q, read_row);
}

// Runs `sql`, a DELETE or UPDATE of the rows `keys` name, on the writer: whether it
// changed any, so that the caller can tell a key that names nothing.
template <class... Keys>
Result<bool> change_rows(Engine& engine, const char* sql, const Keys&... keys) {
  bool changed = false;
  Status written = engine.write([&](Connection& db) -> Status {
    auto q = db.query(sql);
    if (!q.ok()) return q.error();
    if (Status run = q->bind_all(keys...).run(); !run.ok()) return run;
    changed = db.changes() > 0;
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return changed;
}

// The API's pages are newest first and keyset-paged: a cursor is the last id of the
// previous page behind a tag naming the list, so that a cursor from one list is
// refused by another and clients treat it as opaque.
std::string make_cursor(char tag, int64_t id);
// The id a page starts below: above every id for "" (the first page).
Result<int64_t> parse_cursor(char tag, const std::string& cursor);
// A page size from 1 to kMaxPageSize.
Status check_limit(int limit);
// The id a page asked for with `cursor` and `limit` starts below; a bad limit is
// named before a bad cursor.
Result<int64_t> page_start(char tag, const std::string& cursor, int limit);

// A read transaction on a reader connection, so that several queries answer from one
// snapshot; it ends (COMMIT, a no-op for reads) when this goes out of scope.
class ReadSnapshot {
 public:
  static Result<ReadSnapshot> begin(Connection& db) {
    if (auto s = db.exec("BEGIN"); !s.ok()) return s.error();
    return ReadSnapshot(db);
  }
  ReadSnapshot(ReadSnapshot&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  ReadSnapshot& operator=(ReadSnapshot&&) = delete;
  ~ReadSnapshot() {
    if (db_) (void)db_->exec("COMMIT");
  }

 private:
  explicit ReadSnapshot(Connection& db) : db_(&db) {}
  Connection* db_;
};
// A page of `rows`, which a query asked for `limit` + 1 of: a row beyond the limit
// only says that there is another page, after id_of(the last row kept).
template <class T, class IdOf>
Page<T> make_page(std::vector<T> rows, int limit, char tag, IdOf id_of) {
  Page<T> page{std::move(rows), std::nullopt};
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.pop_back();
    page.next_cursor = make_cursor(tag, id_of(page.items.back()));
  }
  return page;
}

Message read_message(const Query& row, int first_column = 0);
// A category column; the schema's CHECK admits only the names policy/category.h knows.
policy::Category read_category(const Query& row, int column);
Part read_part(const Query& row, int first_column = 0);

Result<std::optional<Message>> load_message(Connection& connection, int64_t id);
Result<std::vector<Part>> load_parts(Connection& connection, int64_t message_id);

// Appends to status_history; every status change goes through here.
Status add_history(Connection& connection, int64_t message_id, int64_t at, MessageStatus status,
                   std::string_view reason);

// Sets a message's status (and updated_at, and failure_reason when `failure`) and
// records it in the history.
Status change_status(Connection& connection, int64_t message_id, MessageStatus status,
                     std::string_view reason, int64_t at, bool failure);

// The event log (events.cpp): one row, inside the caller's transaction.
Status log_event(Connection& connection, std::string_view event, const std::string& body,
                 int64_t at);

// The event log and the webhook outbox (webhooks.cpp), called inside the transaction
// that makes the change so the event commits or rolls back with it: the log always
// (one message read by its key, one row), the outbox for each subscription that wants
// it (one query on the tiny webhooks table). A status without an event (queued,
// scheduled) writes nothing; sending and cancelled go to the log only.
Status enqueue_message_event(Connection& connection, int64_t message_id, MessageStatus status,
                             std::string_view reason, int64_t at);
Status enqueue_inbound_event(Connection& connection, const InboundMessage& message);
// Any other webhook event (modem.alarm, appointment.*, ...): the log, and the outbox
// of each subscription that wants it.
Status enqueue_event(Connection& connection, std::string_view event, const std::string& body,
                     int64_t at);

// The rating of a reply to a feedback message (policy/rating.h); none otherwise.
std::optional<int> rating_for(const InboundMessage& message);

// The column list read_inbound() expects: inbound_messages i, LEFT JOIN messages m on
// the message it answers.
#define SMSGATE_INBOUND_COLUMNS                                                              \
  "i.id, i.sender, i.modem, i.text, i.received_at, i.part_count, i.partial, i.in_reply_to, " \
  "m.external_id, m.category"
InboundMessage read_inbound(const Query& row, int first_column = 0);

// The digits of a number, without "+", spaces or anything else.
std::string digits_of(std::string_view number);
// Whether a status report's recipient, as the network wrote it (international, or
// national with its trunk prefix), is the number a part was sent to.
bool same_recipient(std::string_view reported, std::string_view sent);

// "no message 42" style errors.
Error no_such(std::string_view what, int64_t id);

// Submitting one message (outbound.cpp), shared by submit() and submit_otp().
// The checks submit() makes before it writes; an Error naming the field.
Status validate_new_message(const NewMessage& message);
// Inserts a validated message, or returns the stored one (`existing` set) when its
// idempotency key is known. Runs on the writer.
Result<SubmitResult> insert_message(Connection& connection, const NewMessage& message, int64_t now);
// The same for many, in submission order, with multi-row INSERTs (multi_row_insert.h).
Result<std::vector<SubmitResult>> insert_messages(Connection& connection,
                                                  std::span<const NewMessage> messages,
                                                  int64_t now);

}  // namespace smsgate::store::detail

// The helpers the operation files share (internal.h): reading rows into records, and
// the one way a message's status changes.
#include "store/internal.h"

#include <charconv>

namespace smsgate::store {

namespace detail {

std::string make_cursor(char tag, int64_t id) { return std::string(1, tag) + std::to_string(id); }

Result<int64_t> parse_cursor(char tag, const std::string& cursor) {
  if (cursor.empty()) return INT64_MAX;
  int64_t id = 0;
  const char* end = cursor.data() + cursor.size();
  if (cursor.size() < 2 || cursor[0] != tag ||
      std::from_chars(cursor.data() + 1, end, id).ptr != end || id < 1)
    return make_error("cursor: \"" + cursor + "\" is not a cursor of this list");
  return id;
}

Status check_limit(int limit) {
  if (limit < 1 || limit > kMaxPageSize)
    return make_error("limit: must be 1 to " + std::to_string(kMaxPageSize));
  return ok_status();
}

Result<int64_t> page_start(char tag, const std::string& cursor, int limit) {
  if (Status s = check_limit(limit); !s.ok()) return s.error();
  return parse_cursor(tag, cursor);
}

policy::Category read_category(const Query& row, int column) {
  return policy::parse_category(row.text(column)).value_or(policy::Category::kTransactional);
}

InboundMessage read_inbound(const Query& row, int c) {
  InboundMessage m;
  m.id = row.int64(c + 0);
  m.from = row.text(c + 1);
  m.modem = row.text(c + 2);
  m.text = row.text(c + 3);
  m.received_at = row.int64(c + 4);
  m.parts = row.int32(c + 5);
  m.partial = row.boolean(c + 6);
  if (!row.is_null(c + 7))
    m.in_reply_to = ReplyTo{row.int64(c + 7), row.optional_text(c + 8), read_category(row, c + 9)};
  m.rating = rating_for(m);
  return m;
}

Message read_message(const Query& row, int c) {
  Message m;
  m.id = row.int64(c + 0);
  m.to = row.text(c + 1);
  m.text = row.text(c + 2);
  m.category = read_category(row, c + 3);
  m.priority = row.int32(c + 4);
  m.status = parse_message_status(row.text(c + 5)).value_or(MessageStatus::kFailed);
  m.send_at = row.optional_int64(c + 6);
  m.expires_at = row.optional_int64(c + 7);
  m.created_at = row.int64(c + 8);
  m.updated_at = row.int64(c + 9);
  m.status_report = row.boolean(c + 10);
  m.expect_reply = row.boolean(c + 11);
  m.reply_window_ms = row.int64(c + 12);
  m.external_id = row.optional_text(c + 13);
  m.modem_pin = row.optional_text(c + 14);
  m.idempotency_key = row.optional_text(c + 15);
  m.encoding = row.text(c + 16);
  m.part_count = row.int32(c + 17);
  m.failure_reason = row.optional_text(c + 18);
  m.attempts = row.int32(c + 19);
  m.next_attempt_at = row.optional_int64(c + 20);
  m.due_at = row.int64(c + 21);
  m.assigned_modem = row.optional_text(c + 22);
  m.sent_at = row.optional_int64(c + 23);
  m.resent_from = row.optional_int64(c + 24);
  return m;
}

Part read_part(const Query& row, int c) {
  Part p;
  p.id = row.int64(c + 0);
  p.message_id = row.int64(c + 1);
  p.number = row.int32(c + 2);
  p.pdu_hex = row.text(c + 3);
  p.tpdu_length = row.int32(c + 4);
  p.status = parse_part_status(row.text(c + 5)).value_or(PartStatus::kFailed);
  p.modem = row.optional_text(c + 6);
  if (!row.is_null(c + 7)) p.tp_mr = row.int32(c + 7);
  p.submitted_at = row.optional_int64(c + 8);
  p.sent_at = row.optional_int64(c + 9);
  p.delivered_at = row.optional_int64(c + 10);
  if (!row.is_null(c + 11)) p.report_status = row.int32(c + 11);
  p.failure_reason = row.optional_text(c + 12);
  return p;
}

Result<std::optional<Message>> load_message(Connection& db, int64_t id) {
  auto q = db.query("SELECT " SMSGATE_MESSAGE_COLUMNS " FROM messages m WHERE m.id = ?");
  if (!q.ok()) return q.error();
  q->bind(id);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<Message>();
  return std::optional<Message>(read_message(*q));
}

Result<std::vector<Part>> load_parts(Connection& db, int64_t message_id) {
  auto q = db.query("SELECT " SMSGATE_PART_COLUMNS
                    " FROM parts p WHERE p.message_id = ? ORDER BY p.number");
  if (!q.ok()) return q.error();
  q->bind(message_id);
  return read_rows(*q, [](const Query& row) { return read_part(row); });
}

Status add_history(Connection& db, int64_t message_id, int64_t at, MessageStatus status,
                   std::string_view reason) {
  auto q = db.query("INSERT INTO status_history (message_id, at, status, reason) VALUES (?,?,?,?)");
  if (!q.ok()) return q.error();
  return q->bind_all(message_id, at, message_status_name(status), reason).run();
}

Status change_status(Connection& db, int64_t message_id, MessageStatus status,
                     std::string_view reason, int64_t at, bool failure) {
  auto q = db.query(
      "UPDATE messages SET status = ?1, updated_at = ?2, "
      "failure_reason = CASE WHEN ?3 THEN ?4 ELSE failure_reason END WHERE id = ?5");
  if (!q.ok()) return q.error();
  if (auto s = q->bind_all(message_status_name(status), at, failure, reason, message_id).run();
      !s.ok())
    return s;
  if (auto s = add_history(db, message_id, at, status, reason); !s.ok()) return s;
  return enqueue_message_event(db, message_id, status, reason, at);
}

Error no_such(std::string_view what, int64_t id) {
  return make_error("no " + std::string(what) + " " + std::to_string(id));
}

}  // namespace detail

}  // namespace smsgate::store

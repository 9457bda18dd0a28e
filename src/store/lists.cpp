// Reading for the HTTP API and /metrics: one message in full, pages of messages and
// counts by status (outbound.h), pages of inbound texts (inbound.h). Together because
// the pages share their cursors.
#include <charconv>
#include <string>

#include "store/inbound.h"
#include "store/internal.h"
#include "store/outbound.h"

namespace smsgate::store {

using namespace detail;

namespace {

// Cursors are the last id of the previous page behind a tag, so that a cursor from
// one list is refused by another and clients treat it as opaque.
std::string make_cursor(char tag, int64_t id) { return std::string(1, tag) + std::to_string(id); }

Result<int64_t> parse_cursor(char tag, const std::string& cursor) {
  // No cursor: start above every id.
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

}  // namespace

Result<std::optional<MessageDetail>> Outbound::get_message(int64_t id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  // One read transaction, so message, parts and history are one consistent snapshot.
  if (auto s = (*db)->exec("BEGIN"); !s.ok()) return s.error();
  struct EndRead {
    Connection& db;
    ~EndRead() { (void)db.exec("COMMIT"); }
  } end_read{**db};
  auto message = load_message(**db, id);
  if (!message.ok()) return message.error();
  if (!*message) return std::optional<MessageDetail>();
  MessageDetail detail;
  detail.message = std::move(**message);
  auto parts = load_parts(**db, id);
  if (!parts.ok()) return parts.error();
  detail.parts = std::move(*parts);
  auto q = (*db)->query(
      "SELECT at, status, reason FROM status_history WHERE message_id = ? ORDER BY id");
  if (!q.ok()) return q.error();
  q->bind(id);
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    detail.history.push_back(
        HistoryEntry{q->int64(0), parse_message_status(q->text(1)).value_or(MessageStatus::kFailed),
                     q->text(2)});
  }
  return std::optional<MessageDetail>(std::move(detail));
}

Result<Page<Message>> Outbound::list_messages(const MessageFilter& filter) {
  if (auto s = check_limit(filter.limit); !s.ok()) return s.error();
  auto before = parse_cursor('m', filter.cursor);
  if (!before.ok()) return before.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  // One statement per leading filter, so each walks the index that serves it
  // (recipient, status, or the primary key) newest first; the other filters are
  // checked on the rows it yields.
  const char* sql =
      filter.to ? "SELECT " SMSGATE_MESSAGE_COLUMNS
                  " FROM messages m INDEXED BY messages_recipient WHERE m.recipient = ?1 "
                  "AND m.id < ?4 AND (?2 IS NULL OR m.status = ?2) "
                  "AND (?3 IS NULL OR m.created_at >= ?3) ORDER BY m.id DESC LIMIT ?5"
      : filter.status ? "SELECT " SMSGATE_MESSAGE_COLUMNS
                        " FROM messages m INDEXED BY messages_status WHERE m.status = ?2 "
                        "AND m.id < ?4 AND (?1 IS NULL OR m.recipient = ?1) "
                        "AND (?3 IS NULL OR m.created_at >= ?3) ORDER BY m.id DESC LIMIT ?5"
                      : "SELECT " SMSGATE_MESSAGE_COLUMNS
                        " FROM messages m WHERE m.id < ?4 AND (?1 IS NULL OR m.recipient = ?1) "
                        "AND (?2 IS NULL OR m.status = ?2) AND (?3 IS NULL OR m.created_at >= ?3) "
                        "ORDER BY m.id DESC LIMIT ?5";
  auto q = (*db)->query(sql);
  if (!q.ok()) return q.error();
  std::optional<std::string_view> status;
  if (filter.status) status = message_status_name(*filter.status);
  // One row more than asked tells whether there is another page.
  q->bind_all(filter.to, status, filter.since, *before, filter.limit + 1);
  Page<Message> page;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    page.items.push_back(read_message(*q));
  }
  if (static_cast<int>(page.items.size()) > filter.limit) {
    page.items.pop_back();
    page.next_cursor = make_cursor('m', page.items.back().id);
  }
  return page;
}

Result<Page<InboundMessage>> Inbound::list_inbound(const InboundFilter& filter) {
  if (auto s = check_limit(filter.limit); !s.ok()) return s.error();
  auto before = parse_cursor('i', filter.cursor);
  if (!before.ok()) return before.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  const char* sql =
      filter.from
          ? "SELECT i.id, i.sender, i.modem, i.text, i.received_at, i.part_count, i.partial, "
            "i.in_reply_to, m.external_id, m.category FROM inbound_messages i "
            "INDEXED BY inbound_messages_sender LEFT JOIN messages m ON m.id = i.in_reply_to "
            "WHERE i.sender = ?1 AND i.id < ?3 AND (?2 IS NULL OR i.received_at >= ?2) "
            "ORDER BY i.id DESC LIMIT ?4"
          : "SELECT i.id, i.sender, i.modem, i.text, i.received_at, i.part_count, i.partial, "
            "i.in_reply_to, m.external_id, m.category FROM inbound_messages i "
            "LEFT JOIN messages m ON m.id = i.in_reply_to "
            "WHERE i.id < ?3 AND (?1 IS NULL OR i.sender = ?1) "
            "AND (?2 IS NULL OR i.received_at >= ?2) ORDER BY i.id DESC LIMIT ?4";
  auto q = (*db)->query(sql);
  if (!q.ok()) return q.error();
  q->bind_all(filter.from, filter.since, *before, filter.limit + 1);
  Page<InboundMessage> page;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    InboundMessage m;
    m.id = q->int64(0);
    m.from = q->text(1);
    m.modem = q->text(2);
    m.text = q->text(3);
    m.received_at = q->int64(4);
    m.parts = q->int32(5);
    m.partial = q->boolean(6);
    if (!q->is_null(7))
      m.in_reply_to = ReplyTo{q->int64(7), q->optional_text(8), detail::read_category(*q, 9)};
    m.rating = rating_for(m);
    page.items.push_back(std::move(m));
  }
  if (static_cast<int>(page.items.size()) > filter.limit) {
    page.items.pop_back();
    page.next_cursor = make_cursor('i', page.items.back().id);
  }
  return page;
}

Result<std::map<MessageStatus, int64_t>> Outbound::count_by_status() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  std::map<MessageStatus, int64_t> counts;
  for (int i = 0; i < kMessageStatusCount; ++i) counts[static_cast<MessageStatus>(i)] = 0;
  auto q = (*db)->query("SELECT status, COUNT(*) FROM messages GROUP BY status");
  if (!q.ok()) return q.error();
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return counts;
    if (auto status = parse_message_status(q->text(0))) counts[*status] = q->int64(1);
  }
}

}  // namespace smsgate::store

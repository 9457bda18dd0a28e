// Mail (mail.h): the mail outbox and the forwarding rules.
#include "store/mail.h"

#include <nlohmann/json.hpp>

#include "store/internal.h"

namespace smsgate::store {

using detail::read_first;
using detail::read_rows;

namespace {

constexpr char kCursorTag = 'e';

// The columns mail_from() reads, in its order.
#define SMSGATE_MAIL_COLUMNS                                                             \
  "id, created_at, to_address, subject, body, message_id, in_reply_to, \"references\", " \
  "inbound_id, forward_id, attempts, next_attempt_at, state, last_error, sent_at, outbound_id"

std::string strings_to_json(const std::vector<std::string>& strings) {
  return nlohmann::json(strings).dump();
}

std::vector<std::string> strings_from_json(const std::string& text) {
  std::vector<std::string> strings;
  auto array = nlohmann::json::parse(text, nullptr, false);
  if (!array.is_array()) return strings;
  for (const auto& value : array)
    if (value.is_string()) strings.push_back(value.get<std::string>());
  return strings;
}

MailRecord mail_from(const Query& row) {
  MailRecord record;
  record.id = row.int64(0);
  record.created_at = row.int64(1);
  record.mail.to_address = row.text(2);
  record.mail.subject = row.text(3);
  record.mail.body = row.text(4);
  record.mail.message_id = row.text(5);
  record.mail.in_reply_to = row.optional_text(6);
  record.mail.references = strings_from_json(row.text(7));
  record.mail.inbound_id = row.optional_int64(8);
  record.mail.forward_id = row.optional_int64(9);
  record.attempts = static_cast<int>(row.int64(10));
  record.next_attempt_at = row.int64(11);
  // The schema's CHECK admits only the three names.
  record.state = parse_mail_state(row.text(12)).value_or(MailState::kWaiting);
  record.last_error = row.optional_text(13);
  record.sent_at = row.optional_int64(14);
  record.mail.outbound_id = row.optional_int64(15);
  return record;
}

ForwardRecord forward_from(const Query& row) {
  return ForwardRecord{row.int64(0), row.text(1), strings_from_json(row.text(2)), row.text(3),
                       row.int64(4)};
}

Result<std::optional<MailRecord>> first_mail(Query& query) { return read_first(query, mail_from); }

// Inserts `mail`, due at `now`, unless the text or the message it is about is gone
// (erased or kept no longer); whether it was.
Result<bool> insert_mail(Connection& db, const NewMail& mail, int64_t now) {
  auto q = db.query(
      "INSERT INTO mail_outbox (created_at, to_address, subject, body, message_id, "
      "in_reply_to, \"references\", inbound_id, forward_id, outbound_id, next_attempt_at) "
      "SELECT ?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?1 "
      "WHERE (?8 IS NULL OR EXISTS (SELECT 1 FROM inbound_messages WHERE id = ?8)) "
      "AND (?10 IS NULL OR EXISTS (SELECT 1 FROM messages WHERE id = ?10))");
  if (!q.ok()) return q.error();
  Status run = q->bind_all(now, mail.to_address, mail.subject, mail.body, mail.message_id,
                           mail.in_reply_to, strings_to_json(mail.references), mail.inbound_id,
                           mail.forward_id, mail.outbound_id)
                   .run();
  if (!run.ok()) return run.error();
  return db.changes() > 0;
}

// An UPDATE of one waiting mail; an Error when `id` is not one.
Status update_waiting(Connection& db, const char* sql, int64_t id, const auto&... values) {
  auto q = db.query(sql);
  if (!q.ok()) return q.error();
  if (Status run = q->bind_all(id, values...).run(); !run.ok()) return run;
  if (db.changes() == 0) return detail::no_such("waiting mail", id);
  return ok_status();
}

}  // namespace

std::string_view mail_state_name(MailState state) {
  switch (state) {
    case MailState::kWaiting:
      return "waiting";
    case MailState::kSent:
      return "sent";
    case MailState::kSetAside:
      return "set_aside";
  }
  return "waiting";
}

std::optional<MailState> parse_mail_state(std::string_view name) {
  for (MailState state : {MailState::kWaiting, MailState::kSent, MailState::kSetAside})
    if (mail_state_name(state) == name) return state;
  return std::nullopt;
}

Result<std::vector<int64_t>> Mail::enqueue_mails(const std::vector<NewMail>& mails, int64_t now) {
  std::vector<int64_t> ids;
  Status written = engine_.write([&](Connection& db) -> Status {
    ids.clear();
    for (const NewMail& mail : mails) {
      auto inserted = insert_mail(db, mail, now);
      if (!inserted.ok()) return inserted.error();
      if (!*inserted)
        return make_error("mail to " + mail.to_address + ": its text or message is gone");
      ids.push_back(db.last_insert_rowid());
    }
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return ids;
}

Result<int64_t> Mail::start_mail_event_cursor() {
  int64_t cursor = 0;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto start = db.query(
        "INSERT OR IGNORE INTO mail_event_cursor (id, last_event_id) "
        "SELECT 1, coalesce(max(id), 0) FROM event_log");
    if (!start.ok()) return start.error();
    if (Status run = start->run(); !run.ok()) return run;
    auto q = db.query("SELECT last_event_id FROM mail_event_cursor WHERE id = 1");
    if (!q.ok()) return q.error();
    auto row = q->step();
    if (!row.ok()) return row.error();
    cursor = q->int64(0);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return cursor;
}

Result<int> Mail::enqueue_mails_from_events(const std::vector<NewMail>& mails,
                                            int64_t last_event_id, int64_t now) {
  int count = 0;
  Status written = engine_.write([&](Connection& db) -> Status {
    count = 0;
    for (const NewMail& mail : mails) {
      auto inserted = insert_mail(db, mail, now);
      if (!inserted.ok()) return inserted.error();
      count += *inserted ? 1 : 0;
    }
    auto q = db.query(
        "INSERT INTO mail_event_cursor (id, last_event_id) VALUES (1, ?1) "
        "ON CONFLICT (id) DO UPDATE SET last_event_id = excluded.last_event_id");
    if (!q.ok()) return q.error();
    return q->bind_all(last_event_id).run();
  });
  if (!written.ok()) return written.error();
  return count;
}

Result<std::optional<MailRecord>> Mail::next_due_mail(int64_t now) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT " SMSGATE_MAIL_COLUMNS
                        " FROM mail_outbox WHERE state = 'waiting' AND next_attempt_at <= ?1 "
                        "ORDER BY next_attempt_at, id LIMIT 1");
  if (!q.ok()) return q.error();
  q->bind_all(now);
  return first_mail(*q);
}

Result<std::optional<int64_t>> Mail::next_mail_due_at() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT min(next_attempt_at) FROM mail_outbox WHERE state = 'waiting'");
  if (!q.ok()) return q.error();
  auto row = q->step();
  if (!row.ok()) return row.error();
  return q->optional_int64(0);
}

Status Mail::record_mail_sent(int64_t id, int64_t now) {
  return engine_.write([&](Connection& db) -> Status {
    return update_waiting(db,
                          "UPDATE mail_outbox SET state = 'sent', sent_at = ?2, attempts = "
                          "attempts + 1, last_error = NULL WHERE id = ?1 AND state = 'waiting'",
                          id, now);
  });
}

Status Mail::record_mail_failure(int64_t id, const std::string& error,
                                 std::optional<int64_t> retry_at, int64_t now) {
  return engine_.write([&](Connection& db) -> Status {
    if (retry_at)
      return update_waiting(db,
                            "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2, "
                            "next_attempt_at = ?3 WHERE id = ?1 AND state = 'waiting'",
                            id, error, *retry_at);
    return update_waiting(db,
                          "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2, "
                          "state = 'set_aside', next_attempt_at = ?3 "
                          "WHERE id = ?1 AND state = 'waiting'",
                          id, error, now);
  });
}

Result<std::optional<MailRecord>> Mail::find_mail(int64_t id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT " SMSGATE_MAIL_COLUMNS " FROM mail_outbox WHERE id = ?1");
  if (!q.ok()) return q.error();
  q->bind_all(id);
  return first_mail(*q);
}

Result<Page<MailRecord>> Mail::list_mail(const MailFilter& filter) {
  auto below = detail::page_start(kCursorTag, filter.cursor, filter.limit);
  if (!below) return below.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT " SMSGATE_MAIL_COLUMNS
                        " FROM mail_outbox WHERE id < ?1 AND (?2 IS NULL OR state = ?2) "
                        "ORDER BY id DESC LIMIT ?3");
  if (!q.ok()) return q.error();
  std::optional<std::string> state;
  if (filter.state) state = std::string(mail_state_name(*filter.state));
  q->bind_all(*below, state, filter.limit + 1);
  auto rows = read_rows(*q, mail_from);
  if (!rows) return rows.error();
  return detail::make_page(std::move(*rows), filter.limit, kCursorTag,
                           [](const MailRecord& record) { return record.id; });
}

Result<MailCounts> Mail::count_mail() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT state, count(*) FROM mail_outbox GROUP BY state");
  if (!q.ok()) return q.error();
  MailCounts counts;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    switch (parse_mail_state(q->text(0)).value_or(MailState::kWaiting)) {
      case MailState::kWaiting:
        counts.waiting = q->int64(1);
        break;
      case MailState::kSent:
        counts.sent = q->int64(1);
        break;
      case MailState::kSetAside:
        counts.set_aside = q->int64(1);
        break;
    }
  }
  return counts;
}

Result<ForwardRecord> Mail::add_forward(ForwardRecord record, int64_t now) {
  if (record.to_address.empty()) return make_error("to: empty");
  record.created_at = now;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "INSERT INTO forwards (to_address, from_numbers, subject, created_at) "
        "VALUES (?1,?2,?3,?4)");
    if (!q.ok()) return q.error();
    Status run = q->bind_all(record.to_address, strings_to_json(record.from_numbers),
                             record.subject, record.created_at)
                     .run();
    if (!run.ok()) return run;
    record.id = db.last_insert_rowid();
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return record;
}

Result<std::vector<ForwardRecord>> Mail::list_forwards() {
  return detail::read_all(
      engine_, "SELECT id, to_address, from_numbers, subject, created_at FROM forwards ORDER BY id",
      forward_from);
}

Result<bool> Mail::remove_forward(int64_t id) {
  return detail::change_rows(engine_, "DELETE FROM forwards WHERE id = ?1", id);
}

}  // namespace smsgate::store

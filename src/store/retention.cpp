// Retention and erasure (retention.h).
#include "store/retention.h"

#include <string_view>
#include <vector>

#include "store/internal.h"

namespace smsgate::store {

using detail::read_rows;

namespace {

constexpr std::string_view kErasedReason = "erased on request";

// Ids as a JSON array, so that one bound parameter carries a whole batch
// (`id IN (SELECT value FROM json_each(?))`).
std::string json_array(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

Result<std::vector<int64_t>> ids_of(Query& query) {
  return read_rows(query, [](const Query& row) { return row.int64(0); });
}

Status tally(Connection& db, std::string_view kind, int64_t deleted) {
  if (deleted == 0) return ok_status();
  auto q = db.query(
      "INSERT INTO purged_rows (kind, count) VALUES (?1, ?2) "
      "ON CONFLICT (kind) DO UPDATE SET count = purged_rows.count + excluded.count");
  if (!q.ok()) return q.error();
  return q->bind_all(kind, deleted).run();
}

// Runs a DELETE bound with `bind` and tallies the rows it took as `kind`.
template <class Bind>
Result<int64_t> delete_tallied(Connection& db, const char* sql, std::string_view kind, Bind bind) {
  auto q = db.query(sql);
  if (!q.ok()) return q.error();
  bind(*q);
  if (auto s = q->run(); !s.ok()) return s.error();
  int64_t deleted = db.changes();
  if (auto s = tally(db, kind, deleted); !s.ok()) return s.error();
  return deleted;
}

// Deletes the outbound messages `ids`, tallied by status and category, with the status
// reports matched to their parts (parts, history and superseded parts go by the
// schema's ON DELETE CASCADE). Gives the status reports deleted.
Result<int64_t> delete_messages(Connection& db, const std::vector<int64_t>& ids) {
  if (ids.empty()) return int64_t{0};
  std::string batch = json_array(ids);
  auto tallied = db.query(
      "INSERT INTO purged_messages (status, category, count) "
      "SELECT status, category, count(*) FROM messages "
      "WHERE id IN (SELECT value FROM json_each(?1)) GROUP BY status, category "
      "ON CONFLICT (status, category) DO UPDATE SET count = purged_messages.count + "
      "excluded.count");
  if (!tallied.ok()) return tallied.error();
  if (auto s = tallied->bind(batch).run(); !s.ok()) return s.error();
  // Matched reports would otherwise outlive their parts as unmatched ones.
  auto reports =
      delete_tallied(db,
                     "DELETE FROM status_reports WHERE part_id IN "
                     "(SELECT id FROM parts WHERE message_id IN (SELECT value FROM json_each(?1)))",
                     "status_reports", [&](Query& q) { q.bind(batch); });
  if (!reports.ok()) return reports.error();
  auto messages = db.query("DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?1))");
  if (!messages.ok()) return messages.error();
  if (auto s = messages->bind(batch).run(); !s.ok()) return s.error();
  return *reports;
}

// Deletes the inbound messages `ids` and their parts (tallied).
Status delete_inbound(Connection& db, const std::vector<int64_t>& ids) {
  if (ids.empty()) return ok_status();
  std::string batch = json_array(ids);
  // Parts first: the schema would only unlink them (ON DELETE SET NULL), and an
  // unlinked part looks like one waiting for the rest of its message.
  auto parts = db.query(
      "DELETE FROM inbound_parts WHERE inbound_message_id IN (SELECT value FROM json_each(?1))");
  if (!parts.ok()) return parts.error();
  if (auto s = parts->bind(batch).run(); !s.ok()) return s;
  auto deleted = delete_tallied(
      db, "DELETE FROM inbound_messages WHERE id IN (SELECT value FROM json_each(?1))",
      "inbound_messages", [&](Query& q) { q.bind(batch); });
  if (!deleted.ok()) return deleted.error();
  return ok_status();
}

}  // namespace

Result<PurgeCounts> Retention::purge_old(const RetentionCutoffs& cutoffs, int batch) {
  PurgeCounts counts;
  Status written = engine_.write([&](Connection& db) -> Status {
    counts = {};
    if (cutoffs.messages_before) {
      int64_t before = *cutoffs.messages_before;
      // The partial index messages_final_since holds exactly these statuses.
      auto q = db.query(
          "SELECT id FROM messages "
          "WHERE status IN ('sent','delivered','failed','expired','cancelled') "
          "AND updated_at < ?1 ORDER BY updated_at LIMIT ?2");
      if (!q.ok()) return q.error();
      q->bind_all(before, batch);
      auto ids = ids_of(*q);
      if (!ids.ok()) return ids.error();
      auto reports = delete_messages(db, *ids);
      if (!reports.ok()) return reports.error();
      counts.messages = static_cast<int64_t>(ids->size());
      counts.status_reports = *reports;
      auto unmatched =
          delete_tallied(db,
                         "DELETE FROM status_reports WHERE id IN (SELECT id FROM status_reports "
                         "WHERE part_id IS NULL AND received_at < ?1 LIMIT ?2)",
                         "status_reports", [&](Query& d) { d.bind_all(before, batch); });
      if (!unmatched.ok()) return unmatched.error();
      counts.status_reports += *unmatched;
      counts.more = counts.more || counts.messages == batch || *unmatched == batch;
      auto events = delete_tallied(
          db,
          "DELETE FROM webhook_outbox WHERE id IN (SELECT id FROM webhook_outbox "
          "WHERE (delivered_at IS NOT NULL OR given_up_at IS NOT NULL) AND created_at < ?1 "
          "AND event != 'inbound.received' LIMIT ?2)",
          "webhook_events", [&](Query& d) { d.bind_all(before, batch); });
      if (!events.ok()) return events.error();
      counts.webhook_events = *events;
      counts.more = counts.more || *events == batch;
      auto mails = delete_tallied(db,
                                  "DELETE FROM mail_outbox WHERE id IN (SELECT id FROM mail_outbox "
                                  "WHERE state != 'waiting' AND created_at < ?1 LIMIT ?2)",
                                  "mails", [&](Query& d) { d.bind_all(before, batch); });
      if (!mails.ok()) return mails.error();
      counts.mails = *mails;
      counts.more = counts.more || *mails == batch;
    }
    if (cutoffs.inbound_before) {
      int64_t before = *cutoffs.inbound_before;
      auto q = db.query(
          "SELECT id FROM inbound_messages WHERE received_at < ?1 ORDER BY received_at LIMIT ?2");
      if (!q.ok()) return q.error();
      q->bind_all(before, batch);
      auto ids = ids_of(*q);
      if (!ids.ok()) return ids.error();
      if (auto s = delete_inbound(db, *ids); !s.ok()) return s;
      counts.inbound_messages = static_cast<int64_t>(ids->size());
      auto events = delete_tallied(
          db,
          "DELETE FROM webhook_outbox WHERE id IN (SELECT id FROM webhook_outbox "
          "WHERE (delivered_at IS NOT NULL OR given_up_at IS NOT NULL) AND created_at < ?1 "
          "AND event = 'inbound.received' LIMIT ?2)",
          "webhook_events", [&](Query& d) { d.bind_all(before, batch); });
      if (!events.ok()) return events.error();
      counts.webhook_events += *events;
      auto undecodable = delete_tallied(
          db,
          "DELETE FROM undecodable_pdus WHERE id IN (SELECT id FROM undecodable_pdus "
          "WHERE received_at < ?1 LIMIT ?2)",
          "undecodable_pdus", [&](Query& d) { d.bind_all(before, batch); });
      if (!undecodable.ok()) return undecodable.error();
      counts.undecodable_pdus = *undecodable;
      counts.more = counts.more || counts.inbound_messages == batch || *events == batch ||
                    *undecodable == batch;
    }
    if (cutoffs.event_log_before) {
      // Not tallied: the log is a window onto recent events, not a count of them.
      auto q = db.query(
          "DELETE FROM event_log WHERE id IN (SELECT id FROM event_log "
          "WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)");
      if (!q.ok()) return q.error();
      if (auto s = q->bind_all(*cutoffs.event_log_before, batch).run(); !s.ok()) return s;
      counts.logged_events = db.changes();
      counts.more = counts.more || counts.logged_events == batch;
    }
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return counts;
}

Result<ErasureCounts> Retention::erase_number(const std::string& number, int64_t now) {
  ErasureCounts counts;
  // First what waits is cancelled, in its own commit: the dispatcher can no longer
  // claim it, whatever the second step finds.
  Status cancelled = engine_.write([&](Connection& db) -> Status {
    counts = {};
    auto q = db.query(
        "SELECT id FROM messages WHERE recipient = ?1 AND status IN ('queued','scheduled')");
    if (!q.ok()) return q.error();
    q->bind(number);
    auto ids = ids_of(*q);
    if (!ids.ok()) return ids.error();
    for (int64_t id : *ids) {
      if (auto s =
              detail::change_status(db, id, MessageStatus::kCancelled, kErasedReason, now, false);
          !s.ok())
        return s;
    }
    counts.cancelled = static_cast<int64_t>(ids->size());
    return ok_status();
  });
  if (!cancelled.ok()) return cancelled.error();

  Status erased = engine_.write([&](Connection& db) -> Status {
    auto sending =
        db.query("SELECT count(*) FROM messages WHERE recipient = ?1 AND status = 'sending'");
    if (!sending.ok()) return sending.error();
    auto row = sending->bind(number).step();
    if (!row.ok()) return row.error();
    if (sending->int64(0) > 0)
      return Error{"a message to " + number +
                       " is on a modem right now; what waited is cancelled, erase again once "
                       "it is sent (usually within a minute)",
                   ErrorCode::kNotCancellable};

    auto outbound = db.query("SELECT id FROM messages WHERE recipient = ?1");
    if (!outbound.ok()) return outbound.error();
    outbound->bind(number);
    auto message_ids = ids_of(*outbound);
    if (!message_ids.ok()) return message_ids.error();
    auto reports = delete_messages(db, *message_ids);
    if (!reports.ok()) return reports.error();
    counts.messages = static_cast<int64_t>(message_ids->size());
    counts.status_reports = *reports;

    auto inbound = db.query("SELECT id FROM inbound_messages WHERE sender = ?1");
    if (!inbound.ok()) return inbound.error();
    inbound->bind(number);
    auto inbound_ids = ids_of(*inbound);
    if (!inbound_ids.ok()) return inbound_ids.error();
    if (auto s = delete_inbound(db, *inbound_ids); !s.ok()) return s;
    counts.inbound_messages = static_cast<int64_t>(inbound_ids->size());
    // Parts still waiting for the rest of their message.
    auto waiting = db.query("DELETE FROM inbound_parts WHERE sender = ?1");
    if (!waiting.ok()) return waiting.error();
    if (auto s = waiting->bind(number).run(); !s.ok()) return s;

    // Reports that matched nothing, under the number as the network wrote it: some
    // networks give it nationally, so each is compared as the matching compares them.
    std::vector<int64_t> report_ids;
    {
      auto unmatched = db.query("SELECT id, recipient FROM status_reports WHERE part_id IS NULL");
      if (!unmatched.ok()) return unmatched.error();
      for (;;) {
        auto row = unmatched->step();
        if (!row.ok()) return row.error();
        if (!*row) break;
        if (detail::same_recipient(unmatched->text(1), number))
          report_ids.push_back(unmatched->int64(0));
      }
    }
    auto reports_gone = delete_tallied(
        db, "DELETE FROM status_reports WHERE id IN (SELECT value FROM json_each(?1))",
        "status_reports", [&](Query& q) { q.bind(json_array(report_ids)); });
    if (!reports_gone.ok()) return reports_gone.error();
    counts.status_reports += *reports_gone;

    auto appointments = db.query("DELETE FROM appointments WHERE recipient = ?1");
    if (!appointments.ok()) return appointments.error();
    if (auto s = appointments->bind(number).run(); !s.ok()) return s;
    counts.appointments = db.changes();

    auto codes = db.query("DELETE FROM otp_codes WHERE recipient = ?1");
    if (!codes.ok()) return codes.error();
    if (auto s = codes->bind(number).run(); !s.ok()) return s;
    counts.otp_codes = db.changes();

    // Pending ones too: an event about an erased message is not sent after it.
    auto events =
        delete_tallied(db,
                       "DELETE FROM webhook_outbox WHERE "
                       "((event LIKE 'message.%' OR event LIKE 'appointment.%') AND "
                       "json_extract(body, '$.data.to') = ?1) OR "
                       "(event = 'inbound.received' AND json_extract(body, '$.data.from') = ?1)",
                       "webhook_events", [&](Query& q) { q.bind(number); });
    if (!events.ok()) return events.error();
    counts.webhook_events = *events;
    auto logged = db.query(
        "DELETE FROM event_log WHERE "
        "((event LIKE 'message.%' OR event LIKE 'appointment.%') AND "
        "json_extract(body, '$.data.to') = ?1) OR "
        "(event = 'inbound.received' AND json_extract(body, '$.data.from') = ?1)");
    if (!logged.ok()) return logged.error();
    if (auto s = logged->bind(number).run(); !s.ok()) return s;
    counts.logged_events = db.changes();

    auto contact = db.query("DELETE FROM contacts WHERE number = ?1");
    if (!contact.ok()) return contact.error();
    if (auto s = contact->bind(number).run(); !s.ok()) return s;
    counts.contacts = db.changes();

    auto optout = db.query("SELECT count(*) FROM optouts WHERE number = ?1");
    if (!optout.ok()) return optout.error();
    auto found = optout->bind(number).step();
    if (!found.ok()) return found.error();
    counts.opted_out = optout->int64(0) > 0;
    return ok_status();
  });
  if (!erased.ok()) return erased.error();
  return counts;
}

Result<DeletedTotals> Retention::deleted_totals() {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto snapshot = detail::ReadSnapshot::begin(**db);
  if (!snapshot.ok()) return snapshot.error();
  DeletedTotals totals;
  auto messages = (*db)->query("SELECT status, sum(count) FROM purged_messages GROUP BY status");
  if (!messages.ok()) return messages.error();
  for (;;) {
    auto row = messages->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    if (auto status = parse_message_status(messages->text(0)))
      totals.messages[*status] = messages->int64(1);
  }
  auto rows = (*db)->query("SELECT kind, count FROM purged_rows");
  if (!rows.ok()) return rows.error();
  for (;;) {
    auto row = rows->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    totals.rows[rows->text(0)] = rows->int64(1);
  }
  return totals;
}

}  // namespace smsgate::store

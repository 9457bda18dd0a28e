// Inbound (inbound.h): what comes back from the network, status reports matched to
// parts and inbound PDUs reassembled into messages and linked to the message they
// answer, and listed for the API; and the opt-outs.
#include "store/inbound.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_set>

#include "pdu/decode.h"
#include "store/internal.h"

namespace smsgate::store {

using namespace detail;

namespace detail {

std::string digits_of(std::string_view number) {
  std::string digits;
  for (char c : number)
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  return digits;
}

// Whether a status report's recipient is the number a part was sent to. Reports carry
// the number as the network wrote it: usually international like ours, but some
// networks give it nationally ("01701234567" for "+491701234567"). A national form
// matches when, without its trunk prefix, it ends the international one; six digits
// at least, so that a short code cannot match by accident.
bool same_recipient(std::string_view reported, std::string_view sent) {
  if (reported == sent) return true;
  std::string a = digits_of(reported);
  std::string b = digits_of(sent);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  bool reported_national = reported.empty() || reported[0] != '+';
  if (!reported_national) return false;
  size_t zeros = a.find_first_not_of('0');
  if (zeros == std::string::npos) return false;
  a.erase(0, zeros);
  return a.size() >= 6 && b.size() >= a.size() && b.compare(b.size() - a.size(), a.size(), a) == 0;
}

}  // namespace detail

namespace {

bool is_hex(std::string_view text) {
  return !text.empty() && text.size() % 2 == 0 &&
         std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

struct MatchedPart {
  int64_t part_id = 0;
  int64_t message_id = 0;
};

Result<std::optional<MatchedPart>> match_report(Connection& db, const StatusReportIn& report) {
  // Newest first: TP-MR repeats every 256 parts per modem, so the most recent part
  // with this reference (and recipient) is the one the network is reporting on.
  auto q = db.query(
      "SELECT p.id, p.message_id, m.recipient FROM parts p JOIN messages m ON m.id = p.message_id "
      "WHERE p.modem = ?1 AND p.tp_mr = ?2 AND p.sent_at BETWEEN ?3 AND ?4 "
      "ORDER BY p.sent_at DESC, p.id DESC");
  if (!q.ok()) return q.error();
  q->bind_all(report.modem, report.tp_mr, report.received_at - Inbound::kReportWindowMs,
              report.received_at);
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<MatchedPart>();
    if (same_recipient(report.recipient, q->text(2)))
      return std::optional<MatchedPart>(MatchedPart{q->int64(0), q->int64(1)});
  }
}

Result<int64_t> count_parts(Connection& db, int64_t message_id, const char* sql) {
  auto q = db.query(sql);
  if (!q.ok()) return q.error();
  q->bind(message_id);
  auto row = q->step();
  if (!row.ok()) return row.error();
  return q->int64(0);
}

// The message `sender` is most likely answering: the latest one sent to them with
// expect_reply whose reply window covers `at`.
Result<std::optional<ReplyTo>> find_replied(Connection& db, const std::string& sender, int64_t at) {
  // Senders come as the network wrote them; an international number without its '+'
  // is tried with one as well.
  std::vector<std::string> candidates{sender};
  if (!sender.empty() && sender[0] != '+' && digits_of(sender) == sender)
    candidates.push_back("+" + sender);
  std::optional<ReplyTo> best;
  int64_t best_sent = 0;
  for (const std::string& number : candidates) {
    auto q = db.query(
        "SELECT id, external_id, category, sent_at FROM messages "
        "WHERE recipient = ?1 AND expect_reply = 1 AND sent_at IS NOT NULL AND sent_at <= ?2 "
        "AND sent_at + reply_window_ms >= ?2 ORDER BY sent_at DESC, id DESC LIMIT 1");
    if (!q.ok()) return q.error();
    q->bind_all(number, at);
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (*row && (!best || q->int64(3) > best_sent)) {
      best = ReplyTo{q->int64(0), q->optional_text(1), detail::read_category(*q, 2)};
      best_sent = q->int64(3);
    }
  }
  return best;
}

struct GroupPart {
  int64_t id = 0;
  int number = 0;
  std::string text;
  int64_t received_at = 0;
};

// Creates the inbound message for `parts` (one per part number, in order) and points
// the parts at it.
Result<InboundMessage> assemble(Connection& db, const std::string& modem, const std::string& sender,
                                const std::vector<GroupPart>& parts, bool partial) {
  InboundMessage message;
  message.from = sender;
  message.modem = modem;
  message.partial = partial;
  message.parts = static_cast<int>(parts.size());
  for (const GroupPart& part : parts) {
    message.text += part.text;
    message.received_at = std::max(message.received_at, part.received_at);
  }
  auto replied = find_replied(db, sender, message.received_at);
  if (!replied.ok()) return replied.error();
  message.in_reply_to = *replied;
  auto insert = db.query(
      "INSERT INTO inbound_messages (sender, modem, text, received_at, part_count, partial, "
      "in_reply_to) VALUES (?,?,?,?,?,?,?)");
  if (!insert.ok()) return insert.error();
  std::optional<int64_t> reply_id;
  if (message.in_reply_to) reply_id = message.in_reply_to->id;
  insert->bind_all(message.from, message.modem, message.text, message.received_at, message.parts,
                   message.partial, reply_id);
  if (auto s = insert->run(); !s.ok()) return s.error();
  message.id = db.last_insert_rowid();
  for (const GroupPart& part : parts) {
    auto link = db.query("UPDATE inbound_parts SET inbound_message_id = ? WHERE id = ?");
    if (!link.ok()) return link.error();
    if (auto s = link->bind_all(message.id, part.id).run(); !s.ok()) return s.error();
  }
  message.rating = rating_for(message);
  if (auto s = enqueue_inbound_event(db, message); !s.ok()) return s.error();
  return message;
}

// The parts of one concatenated message still waiting, one per part number (a part
// number delivered twice with different PDUs counts once: the first kept).
Result<std::vector<GroupPart>> waiting_group(Connection& db, const std::string& modem,
                                             const std::string& sender, int reference, int total) {
  auto q = db.query(
      "SELECT id, concat_part, text, received_at FROM inbound_parts "
      "WHERE inbound_message_id IS NULL AND modem = ? AND sender = ? AND concat_ref = ? "
      "AND concat_total = ? ORDER BY concat_part, id");
  if (!q.ok()) return q.error();
  q->bind_all(modem, sender, reference, total);
  std::vector<GroupPart> parts;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return parts;
    GroupPart part{q->int64(0), q->int32(1), q->text(2), q->int64(3)};
    if (!parts.empty() && parts.back().number == part.number) continue;
    parts.push_back(std::move(part));
  }
}

}  // namespace

Result<StatusReportOutcome> Inbound::record_status_report(const StatusReportIn& report) {
  if (report.modem.empty()) return make_error("modem: empty");
  if (report.tp_mr < 0 || report.tp_mr > 255)
    return make_error("tp_mr: " + std::to_string(report.tp_mr) + " is outside 0..255");
  if (report.status_code < 0 || report.status_code > 255)
    return make_error("status: " + std::to_string(report.status_code) + " is outside 0..255");
  auto code = static_cast<uint8_t>(report.status_code);
  pdu::StatusClass status_class = pdu::classify_status(code);

  StatusReportOutcome outcome;
  Status written = engine_.write([&](Connection& db) -> Status {
    outcome = {};
    auto matched = match_report(db, report);
    if (!matched.ok()) return matched.error();
    std::optional<int64_t> part_id;
    if (*matched) part_id = (*matched)->part_id;
    auto insert = db.query(
        "INSERT INTO status_reports (modem, tp_mr, recipient, status_code, status_class, "
        "discharge_time, received_at, part_id) VALUES (?,?,?,?,?,?,?,?)");
    if (!insert.ok()) return insert.error();
    insert->bind_all(report.modem, report.tp_mr, report.recipient, report.status_code,
                     pdu::status_class_name(status_class), report.discharge_time,
                     report.received_at, part_id);
    if (auto s = insert->run(); !s.ok()) return s;
    outcome.report_id = db.last_insert_rowid();
    outcome.part_id = part_id;
    if (!*matched) return ok_status();

    int64_t message_id = (*matched)->message_id;
    auto message = load_message(db, message_id);
    if (!message.ok()) return message.error();
    if (!*message) return no_such("message", message_id);
    MessageStatus status = (*message)->status;

    switch (status_class) {
      case pdu::StatusClass::kPending: {
        // The SC is still trying (TS 23.040 9.2.3.15, 0x20-0x3F): note it, change nothing.
        auto q = db.query("UPDATE parts SET report_status = ? WHERE id = ?");
        if (!q.ok()) return q.error();
        return q->bind_all(report.status_code, *part_id).run();
      }
      case pdu::StatusClass::kDelivered: {
        auto q = db.query(
            "UPDATE parts SET status = 'delivered', report_status = ?, delivered_at = ? "
            "WHERE id = ?");
        if (!q.ok()) return q.error();
        if (auto s = q->bind_all(report.status_code,
                                 report.discharge_time.value_or(report.received_at), *part_id)
                         .run();
            !s.ok())
          return s;
        if (status != MessageStatus::kSent) return ok_status();
        auto undelivered = count_parts(
            db, message_id,
            "SELECT COUNT(*) FROM parts WHERE message_id = ? AND status != 'delivered'");
        if (!undelivered.ok()) return undelivered.error();
        if (*undelivered > 0) return ok_status();
        std::string reason = "delivered";
        if (auto s = change_status(db, message_id, MessageStatus::kDelivered, reason,
                                   report.received_at, false);
            !s.ok())
          return s;
        outcome.change = StatusChange{message_id, MessageStatus::kDelivered, reason};
        return ok_status();
      }
      case pdu::StatusClass::kFailedPermanent:
      case pdu::StatusClass::kFailedTemporary: {
        // Both are final: 0x60-0x7F is a temporary error after which the SC "is not
        // making any more transfer attempts" (TS 23.040 9.2.3.15).
        std::string meaning(pdu::status_meaning(code));
        auto q = db.query(
            "UPDATE parts SET status = 'failed', report_status = ?, failure_reason = ? "
            "WHERE id = ?");
        if (!q.ok()) return q.error();
        if (auto s = q->bind_all(report.status_code, meaning, *part_id).run(); !s.ok()) return s;
        if (status != MessageStatus::kSent && status != MessageStatus::kSending) return ok_status();
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", code);
        std::string reason = "not delivered: " + meaning + " (TP-ST " + hex + ")";
        if (auto s = change_status(db, message_id, MessageStatus::kFailed, reason,
                                   report.received_at, true);
            !s.ok())
          return s;
        outcome.change = StatusChange{message_id, MessageStatus::kFailed, reason};
        return ok_status();
      }
    }
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return outcome;
}

Result<InboundOutcome> Inbound::record_inbound_part(const InboundPartIn& in) {
  if (in.modem.empty()) return make_error("modem: empty");
  if (!is_hex(in.pdu_hex)) return make_error("pdu_hex: not an even number of hex digits");
  if (in.sender.empty()) return make_error("sender: empty");
  if (in.concat && (in.concat->total < 1 || in.concat->total > 255 || in.concat->part < 1 ||
                    in.concat->part > in.concat->total || in.concat->reference < 0 ||
                    in.concat->reference > 0xFFFF))
    return make_error("concat: part " + std::to_string(in.concat->part) + " of " +
                      std::to_string(in.concat->total) + " (reference " +
                      std::to_string(in.concat->reference) + ") is not possible");
  // Hex case is the modem's whim; the dedupe key must not depend on it.
  std::string pdu_hex = upper(in.pdu_hex);
  bool single = !in.concat || in.concat->total == 1;

  InboundOutcome outcome;
  Status written = engine_.write([&](Connection& db) -> Status {
    outcome = {};
    auto insert = db.query(
        "INSERT INTO inbound_parts (modem, pdu_hex, sender, concat_ref, concat_total, "
        "concat_part, text, sent_at, received_at) VALUES (?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (modem, pdu_hex) DO NOTHING");
    if (!insert.ok()) return insert.error();
    std::optional<int> reference, total, number;
    if (!single) {
      reference = in.concat->reference;
      total = in.concat->total;
      number = in.concat->part;
    }
    std::optional<std::string> sent_at;
    if (!in.sent_timestamp.empty()) sent_at = in.sent_timestamp;
    insert->bind_all(in.modem, pdu_hex, in.sender, reference, total, number, in.text, sent_at,
                     in.received_at);
    if (auto s = insert->run(); !s.ok()) return s;
    if (db.changes() == 0) {
      auto existing = db.query("SELECT id FROM inbound_parts WHERE modem = ? AND pdu_hex = ?");
      if (!existing.ok()) return existing.error();
      existing->bind_all(in.modem, pdu_hex);
      auto row = existing->step();
      if (!row.ok()) return row.error();
      outcome.duplicate = true;
      outcome.part_id = *row ? existing->int64(0) : 0;
      return ok_status();
    }
    outcome.part_id = db.last_insert_rowid();
    auto counter = db.query("UPDATE modems SET received = received + 1 WHERE imei = ?");
    if (!counter.ok()) return counter.error();
    if (auto s = counter->bind(in.modem).run(); !s.ok()) return s;

    std::vector<GroupPart> parts;
    if (single) {
      parts.push_back(GroupPart{outcome.part_id, 1, in.text, in.received_at});
    } else {
      auto group = waiting_group(db, in.modem, in.sender, *reference, *total);
      if (!group.ok()) return group.error();
      if (static_cast<int>(group->size()) < *total) return ok_status();
      parts = std::move(*group);
    }
    auto message = assemble(db, in.modem, in.sender, parts, /*partial=*/false);
    if (!message.ok()) return message.error();
    outcome.completed = std::move(*message);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return outcome;
}

Result<std::vector<InboundMessage>> Inbound::complete_partial_inbound(int64_t now,
                                                                      int64_t timeout_ms) {
  if (timeout_ms < 0) return make_error("timeout: negative");
  std::vector<InboundMessage> completed;
  Status written = engine_.write([&](Connection& db) -> Status {
    completed.clear();
    struct Group {
      std::string modem, sender;
      int reference, total;
    };
    auto q = db.query(
        "SELECT modem, sender, concat_ref, concat_total FROM inbound_parts "
        "WHERE inbound_message_id IS NULL AND concat_ref IS NOT NULL "
        "GROUP BY modem, sender, concat_ref, concat_total HAVING MIN(received_at) <= ?");
    if (!q.ok()) return q.error();
    q->bind(now - timeout_ms);
    auto groups = read_rows(*q, [](const Query& row) {
      return Group{row.text(0), row.text(1), row.int32(2), row.int32(3)};
    });
    if (!groups.ok()) return groups.error();
    for (const Group& group : *groups) {
      auto parts = waiting_group(db, group.modem, group.sender, group.reference, group.total);
      if (!parts.ok()) return parts.error();
      auto message = assemble(db, group.modem, group.sender, *parts, /*partial=*/true);
      if (!message.ok()) return message.error();
      completed.push_back(std::move(*message));
    }
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return completed;
}

Result<Page<InboundMessage>> Inbound::list_inbound(const InboundFilter& filter) {
  auto before = page_start('i', filter.cursor, filter.limit);
  if (!before.ok()) return before.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  const char* sql =
      filter.from ? "SELECT " SMSGATE_INBOUND_COLUMNS
                    " FROM inbound_messages i INDEXED BY inbound_messages_sender LEFT JOIN "
                    "messages m ON m.id = i.in_reply_to "
                    "WHERE i.sender = ?1 AND i.id < ?3 AND (?2 IS NULL OR i.received_at >= ?2) "
                    "ORDER BY i.id DESC LIMIT ?4"
                  : "SELECT " SMSGATE_INBOUND_COLUMNS
                    " FROM inbound_messages i LEFT JOIN messages m ON m.id = i.in_reply_to "
                    "WHERE i.id < ?3 AND (?1 IS NULL OR i.sender = ?1) "
                    "AND (?2 IS NULL OR i.received_at >= ?2) ORDER BY i.id DESC LIMIT ?4";
  auto q = (*db)->query(sql);
  if (!q.ok()) return q.error();
  q->bind_all(filter.from, filter.since, *before, filter.limit + 1);
  auto rows = read_rows(*q, [](const Query& row) { return read_inbound(row); });
  if (!rows.ok()) return rows.error();
  return make_page(std::move(*rows), filter.limit, 'i',
                   [](const InboundMessage& m) { return m.id; });
}

// --- Opt-outs -----------------------------------------------------------------------

Status Inbound::add_optout(const std::string& number, const std::string& keyword, int64_t at) {
  if (number.empty()) return make_error("number: empty");
  return engine_.write([&](Connection& db) -> Status {
    // Opting out again keeps the first date: that is when they asked.
    auto q = db.query(
        "INSERT INTO optouts (number, keyword, at) VALUES (?,?,?) ON CONFLICT (number) DO NOTHING");
    if (!q.ok()) return q.error();
    return q->bind_all(number, keyword, at).run();
  });
}

Result<bool> Inbound::remove_optout(const std::string& number) {
  return change_rows(engine_, "DELETE FROM optouts WHERE number = ?", number);
}

Result<bool> Inbound::is_opted_out(const std::string& number) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT 1 FROM optouts WHERE number = ?");
  if (!q.ok()) return q.error();
  q->bind(number);
  return q->step();
}

Result<std::vector<bool>> Inbound::are_opted_out(const std::vector<std::string>& numbers) {
  std::vector<bool> opted_out(numbers.size(), false);
  if (numbers.empty()) return opted_out;
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  // The numbers go in as one JSON array, so that one constant statement serves any count.
  auto q =
      (*db)->query("SELECT number FROM optouts WHERE number IN (SELECT value FROM json_each(?))");
  if (!q.ok()) return q.error();
  q->bind(nlohmann::json(numbers).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::unordered_set<std::string> found;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    found.insert(q->text(0));
  }
  for (size_t i = 0; i < numbers.size(); ++i) opted_out[i] = found.contains(numbers[i]);
  return opted_out;
}

Result<std::vector<OptOut>> Inbound::list_optouts(const std::string& after, int limit) {
  if (auto s = check_limit(limit); !s.ok()) return s.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT number, keyword, at FROM optouts WHERE number > ? ORDER BY number LIMIT ?");
  if (!q.ok()) return q.error();
  q->bind_all(after, limit);
  return read_rows(*q, [](const Query& row) {
    return OptOut{row.text(0), row.text(1), row.int64(2)};
  });
}

Status Inbound::record_undecodable_pdu(const std::string& modem, const std::string& pdu_hex,
                                       const std::string& error, int64_t received_at) {
  if (modem.empty()) return make_error("modem: empty");
  return engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "INSERT OR IGNORE INTO undecodable_pdus (modem, pdu_hex, error, received_at) "
        "VALUES (?,?,?,?)");
    if (!q.ok()) return q.error();
    return q->bind_all(modem, pdu_hex, error, received_at).run();
  });
}

}  // namespace smsgate::store

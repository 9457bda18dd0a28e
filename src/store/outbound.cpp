// Outbound (outbound.h): submitting, picking due work, claiming, the part lifecycle,
// every other transition of a message's status, and reading messages for the API.
#include "store/outbound.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "policy/text_search.h"
#include "store/event_json.h"
#include "store/internal.h"
#include "store/multi_row_insert.h"

namespace smsgate::store {

using namespace detail;

namespace {

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; });
}

int hex_octet(std::string_view text, size_t at) {
  auto digit = [](char c) {
    return std::isdigit(static_cast<unsigned char>(c))
               ? c - '0'
               : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
  };
  return digit(text[at]) * 16 + digit(text[at + 1]);
}

// E.164: '+', a country code not starting with 0, at most 15 digits in all (ITU-T E.164
// clause 6.1). The API normalises numbers before they get here; this is the last check.
bool is_e164(std::string_view number) {
  if (number.size() < 3 || number.size() > 16 || number[0] != '+' || number[1] == '0') return false;
  return std::all_of(number.begin() + 1, number.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

// The largest SMS-SUBMIT TPDU: first octet, TP-MR, a 12-octet TP-DA, TP-PID, TP-DCS,
// a 7-octet TP-VP and 140 octets of user data with its length (TS 23.040 9.2.2.2).
constexpr int kMaxTpduLength = 1 + 1 + 12 + 1 + 1 + 7 + 1 + 140;

Status validate(const NewMessage& m) {
  static constexpr std::string_view kEncodings[] = {"gsm7", "ucs2", "8bit"};
  if (!is_e164(m.to)) return make_error("to: \"" + m.to + "\" is not an E.164 number");
  if (policy::category_name(m.category).empty())
    return make_error("category: unknown (" + std::to_string(static_cast<int>(m.category)) + ")");
  if (m.priority < kMinPriority || m.priority > kMaxPriority)
    return make_error("priority: " + std::to_string(m.priority) + " is outside " +
                      std::to_string(kMinPriority) + ".." + std::to_string(kMaxPriority));
  if (std::find(std::begin(kEncodings), std::end(kEncodings), m.encoding) == std::end(kEncodings))
    return make_error("encoding: unknown \"" + m.encoding + "\"");
  if (m.reply_window_ms < 0) return make_error("reply_window: negative");
  if (m.idempotency_key && (m.idempotency_key->empty() || m.idempotency_key->size() > 255))
    return make_error("idempotency_key: must be 1 to 255 characters");
  if (m.modem && m.modem->empty()) return make_error("modem: empty");
  if (m.expires_at && m.send_at && *m.expires_at <= *m.send_at)
    return make_error("expires_at: not after send_at");
  // A concatenation reference numbers parts with one octet (TS 23.040 9.2.3.24.1).
  if (m.parts.empty() || m.parts.size() > 255)
    return make_error("parts: " + std::to_string(m.parts.size()) + " (must be 1 to 255)");
  for (size_t i = 0; i < m.parts.size(); ++i) {
    const NewPart& part = m.parts[i];
    std::string where = "parts[" + std::to_string(i) + "]: ";
    if (part.pdu_hex.size() < 4 || part.pdu_hex.size() % 2 != 0 || !is_hex(part.pdu_hex))
      return make_error(where + "pdu_hex is not an even number of hex digits");
    if (part.tpdu_length < 1 || part.tpdu_length > kMaxTpduLength)
      return make_error(where + "tpdu_length " + std::to_string(part.tpdu_length) +
                        " is outside 1.." + std::to_string(kMaxTpduLength));
    // The PDU is the SMSC information (its length octet first) followed by the TPDU;
    // AT+CMGS takes the TPDU's length, so the two must agree.
    size_t octets = part.pdu_hex.size() / 2;
    size_t smsc_octets = 1 + static_cast<size_t>(hex_octet(part.pdu_hex, 0));
    if (smsc_octets + static_cast<size_t>(part.tpdu_length) != octets)
      return make_error(where + "tpdu_length " + std::to_string(part.tpdu_length) +
                        " does not match the PDU (" + std::to_string(octets) +
                        " octets with an SMSC prefix of " + std::to_string(smsc_octets) + ")");
  }
  return ok_status();
}

bool is_waiting(MessageStatus status) {
  return status == MessageStatus::kQueued || status == MessageStatus::kScheduled;
}

// Loads the message `id` for a transition, or says why there is none.
Result<Message> message_for_change(Connection& db, int64_t id) {
  auto message = load_message(db, id);
  if (!message.ok()) return message.error();
  if (!*message) return no_such("message", id);
  return std::move(**message);
}

Error wrong_status(int64_t id, MessageStatus status, std::string_view wanted) {
  return make_error("message " + std::to_string(id) + " is " +
                    std::string(message_status_name(status)) + ", not " + std::string(wanted));
}

struct Candidate {
  int64_t id = 0;
  int priority = 0;
  int64_t due_at = 0;
  // The queue's order: priority high to low, then due time, then age.
  bool before(const Candidate& other) const {
    if (priority != other.priority) return priority > other.priority;
    if (due_at != other.due_at) return due_at < other.due_at;
    return id < other.id;
  }
};

// The first due, non-excluded message of one pin group (unpinned, or pinned to one
// modem). Walks the priority levels present from the top, and within each level reads
// the messages_due index from the earliest due time; a level whose messages are all in
// the future costs one probe. So the cost is a few index seeks per priority level in
// use, however many messages wait.
Result<std::optional<Candidate>> first_due(Connection& db, const std::string* pin, int64_t now,
                                           const std::vector<int64_t>& excluded) {
  // Separate statements for NULL and a value: `modem_pin IS ?` would work too, but
  // `= ?` and `IS NULL` are the forms SQLite's planner matches to the index without
  // second thoughts.
  static constexpr const char* kNextLevelUnpinned =
      "SELECT priority FROM messages WHERE status IN ('queued','scheduled') "
      "AND modem_pin IS NULL AND priority < ?1 ORDER BY priority DESC LIMIT 1";
  static constexpr const char* kNextLevelPinned =
      "SELECT priority FROM messages WHERE status IN ('queued','scheduled') "
      "AND modem_pin = ?2 AND priority < ?1 ORDER BY priority DESC LIMIT 1";
  static constexpr const char* kDueUnpinned =
      "SELECT id, due_at FROM messages WHERE status IN ('queued','scheduled') "
      "AND modem_pin IS NULL AND priority = ?1 AND due_at <= ?2 ORDER BY due_at, id";
  static constexpr const char* kDuePinned =
      "SELECT id, due_at FROM messages WHERE status IN ('queued','scheduled') "
      "AND modem_pin = ?3 AND priority = ?1 AND due_at <= ?2 ORDER BY due_at, id";

  int64_t below = static_cast<int64_t>(kMaxPriority) + 1;
  for (;;) {
    auto level_query = db.query(pin ? kNextLevelPinned : kNextLevelUnpinned);
    if (!level_query.ok()) return level_query.error();
    level_query->bind(below);
    if (pin) level_query->bind(*pin);
    auto level_row = level_query->step();
    if (!level_row.ok()) return level_row.error();
    if (!*level_row) return std::optional<Candidate>();
    int priority = level_query->int32(0);
    below = priority;

    auto due = db.query(pin ? kDuePinned : kDueUnpinned);
    if (!due.ok()) return due.error();
    due->bind_all(priority, now);
    if (pin) due->bind(*pin);
    for (;;) {
      auto row = due->step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      int64_t id = due->int64(0);
      if (std::binary_search(excluded.begin(), excluded.end(), id)) continue;
      return std::optional<Candidate>(Candidate{id, priority, due->int64(1)});
    }
  }
}

const MultiRowInsert& message_inserts() {
  static const MultiRowInsert inserts(
      "INSERT INTO messages (id, recipient, text, category, priority, status, send_at, "
      "expires_at, created_at, updated_at, status_report, expect_reply, reply_window_ms, "
      "external_id, modem_pin, idempotency_key, encoding, part_count, due_at, resent_from) "
      "VALUES ",
      "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  return inserts;
}

const MultiRowInsert& part_inserts() {
  static const MultiRowInsert inserts(
      "INSERT INTO parts (message_id, number, pdu_hex, tpdu_length, status) VALUES ",
      "(?,?,?,?,'queued')");
  return inserts;
}

const MultiRowInsert& history_inserts() {
  static const MultiRowInsert inserts(
      "INSERT INTO status_history (message_id, at, status, reason) VALUES ", "(?,?,?,?)");
  return inserts;
}

// Inserts `count` rows in chunks; `bind_row(query, i)` binds the values of row i.
template <class BindRow>
Status insert_rows(Connection& db, const MultiRowInsert& inserts, size_t count,
                   const BindRow& bind_row) {
  for (size_t done = 0; done < count;) {
    size_t chunk = next_chunk(count - done);
    auto q = db.query(inserts.sql(chunk));
    if (!q.ok()) return q.error();
    for (size_t i = done; i < done + chunk; ++i) bind_row(*q, i);
    if (auto s = q->run(); !s.ok()) return s;
    done += chunk;
  }
  return ok_status();
}

struct NewAndRepeated {
  std::vector<size_t> to_insert;  // indexes of the messages to store
  // (index, index of the earlier message in to_insert with the same idempotency key)
  std::vector<std::pair<size_t, size_t>> repeats;
};

// Splits a submission by idempotency key: a message whose key is stored already gets
// that message in `results` (existing set); one whose key an earlier message of the same
// submission carries is a repeat of it, as it would be if they had been inserted one by
// one; the rest are to be inserted.
Result<NewAndRepeated> sort_out_known_keys(Connection& db, std::span<const NewMessage> messages,
                                           std::vector<SubmitResult>& results) {
  NewAndRepeated sorted;
  sorted.to_insert.reserve(messages.size());
  std::unordered_map<std::string_view, size_t> first_with_key;
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::optional<std::string>& key = messages[i].idempotency_key;
    if (!key) {
      sorted.to_insert.push_back(i);
      continue;
    }
    if (auto earlier = first_with_key.find(*key); earlier != first_with_key.end()) {
      sorted.repeats.emplace_back(i, earlier->second);
      continue;
    }
    auto existing =
        db.query("SELECT id, status, part_count, encoding FROM messages WHERE idempotency_key = ?");
    if (!existing.ok()) return existing.error();
    existing->bind(*key);
    auto row = existing->step();
    if (!row.ok()) return row.error();
    if (*row) {
      results[i] =
          SubmitResult{existing->int64(0),
                       parse_message_status(existing->text(1)).value_or(MessageStatus::kFailed),
                       existing->int32(2), existing->text(3), /*existing=*/true};
      continue;
    }
    first_with_key.emplace(*key, i);
    sorted.to_insert.push_back(i);
  }
  return sorted;
}

}  // namespace

namespace detail {

Status validate_new_message(const NewMessage& message) { return validate(message); }

Result<SubmitResult> insert_message(Connection& db, const NewMessage& m, int64_t now) {
  auto results = insert_messages(db, std::span<const NewMessage>(&m, 1), now);
  if (!results.ok()) return results.error();
  return results->front();
}

Result<std::vector<SubmitResult>> insert_messages(Connection& db,
                                                  std::span<const NewMessage> messages,
                                                  int64_t now) {
  std::vector<SubmitResult> results(messages.size());
  auto fresh = sort_out_known_keys(db, messages, results);
  if (!fresh.ok()) return fresh.error();
  if (fresh->to_insert.empty()) return results;

  // Ids are given explicitly, as SQLite would give them (one more than the largest), so
  // that the parts and the history rows can name their message in the same chunks.
  auto largest = db.query("SELECT coalesce(max(id), 0) FROM messages");
  if (!largest.ok()) return largest.error();
  auto row = largest->step();
  if (!row.ok()) return row.error();
  int64_t next_id = largest->int64(0) + 1;
  for (size_t index : fresh->to_insert) {
    const NewMessage& m = messages[index];
    MessageStatus status =
        m.send_at && *m.send_at > now ? MessageStatus::kScheduled : MessageStatus::kQueued;
    results[index] =
        SubmitResult{next_id++, status, static_cast<int>(m.parts.size()), m.encoding, false};
  }

  std::vector<size_t>& rows = fresh->to_insert;
  auto message_row = [&](Query& q, size_t i) {
    const NewMessage& m = messages[rows[i]];
    const SubmitResult& r = results[rows[i]];
    q.bind_all(r.id, m.to, m.text, policy::category_name(m.category), m.priority,
               message_status_name(r.status), m.send_at, m.expires_at, now, now, m.status_report,
               m.expect_reply, m.reply_window_ms, m.external_id, m.modem, m.idempotency_key,
               m.encoding, static_cast<int>(m.parts.size()), m.send_at.value_or(now),
               m.resent_from);
  };
  if (auto s = insert_rows(db, message_inserts(), rows.size(), message_row); !s.ok())
    return s.error();

  struct PartRow {
    int64_t message_id;
    int number;
    const NewPart* part;
  };
  std::vector<PartRow> parts;
  parts.reserve(rows.size());
  for (size_t index : rows)
    for (size_t n = 0; n < messages[index].parts.size(); ++n)
      parts.push_back(
          PartRow{results[index].id, static_cast<int>(n + 1), &messages[index].parts[n]});
  auto part_row = [&](Query& q, size_t i) {
    q.bind_all(parts[i].message_id, parts[i].number, parts[i].part->pdu_hex,
               parts[i].part->tpdu_length);
  };
  if (auto s = insert_rows(db, part_inserts(), parts.size(), part_row); !s.ok()) return s.error();

  // The history's first entry; add_history() writes the later ones.
  auto history_row = [&](Query& q, size_t i) {
    const SubmitResult& r = results[rows[i]];
    q.bind_all(r.id, now, message_status_name(r.status), "submitted");
  };
  if (auto s = insert_rows(db, history_inserts(), rows.size(), history_row); !s.ok())
    return s.error();

  for (auto [index, first] : fresh->repeats) {
    results[index] = results[first];
    results[index].existing = true;
  }
  return results;
}

}  // namespace detail

Result<std::vector<SubmitResult>> Outbound::submit(std::vector<NewMessage> messages, int64_t now) {
  if (messages.empty()) return make_error("no messages to submit");
  for (size_t i = 0; i < messages.size(); ++i) {
    if (auto s = validate(messages[i]); !s.ok()) {
      std::string prefix = messages.size() > 1 ? "message " + std::to_string(i) + ": " : "";
      return make_error(prefix + s.error().message);
    }
  }
  std::vector<SubmitResult> results;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto inserted = insert_messages(db, messages, now);
    if (!inserted.ok()) return inserted.error();
    results = std::move(*inserted);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return results;
}

Result<std::optional<Message>> Outbound::next_due_message(int64_t now, const std::string& modem,
                                                          const Exclusions& exclusions) {
  std::vector<int64_t> excluded = exclusions.message_ids;
  std::sort(excluded.begin(), excluded.end());
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto unpinned = first_due(**db, nullptr, now, excluded);
  if (!unpinned.ok()) return unpinned.error();
  auto pinned = first_due(**db, &modem, now, excluded);
  if (!pinned.ok()) return pinned.error();
  std::optional<Candidate> best = *unpinned;
  if (*pinned && (!best || (*pinned)->before(*best))) best = *pinned;
  if (!best) return std::optional<Message>();
  return load_message(**db, best->id);
}

Result<std::optional<Claimed>> Outbound::claim(int64_t message_id, const std::string& modem,
                                               int64_t now) {
  if (modem.empty()) return make_error("modem: empty");
  std::optional<Claimed> claimed;
  Status written = engine_.write([&](Connection& db) -> Status {
    claimed.reset();
    auto message = message_for_change(db, message_id);
    if (!message.ok()) return message.error();
    // Re-checked here, on the writer, where no other claim can interleave: this is
    // what makes a claim exclusive.
    if (!is_waiting(message->status) || message->due_at > now ||
        (message->modem_pin && *message->modem_pin != modem))
      return ok_status();
    auto q = db.query(
        "UPDATE messages SET status = 'sending', assigned_modem = ?, updated_at = ? WHERE id = ?");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(modem, now, message_id).run(); !s.ok()) return s;
    const std::string reason = "claimed by " + modem;
    if (auto s = add_history(db, message_id, now, MessageStatus::kSending, reason); !s.ok())
      return s;
    if (auto s = enqueue_message_event(db, message_id, MessageStatus::kSending, reason, now);
        !s.ok())
      return s;
    auto reloaded = load_message(db, message_id);
    if (!reloaded.ok()) return reloaded.error();
    auto parts = load_parts(db, message_id);
    if (!parts.ok()) return parts.error();
    claimed = Claimed{std::move(**reloaded), std::move(*parts)};
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return claimed;
}

Result<Claimed> Outbound::send_again_whole(int64_t message_id, const std::string& modem,
                                           const std::map<int64_t, std::string>& new_pdus,
                                           int64_t now) {
  Claimed claimed;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto message = message_for_change(db, message_id);
    if (!message.ok()) return message.error();
    if (message->status != MessageStatus::kSending || message->assigned_modem != modem)
      return make_error("message " + std::to_string(message_id) + " is not being sent by " + modem);
    auto parts = load_parts(db, message_id);
    if (!parts.ok()) return parts.error();
    for (const Part& part : *parts) {
      auto found = new_pdus.find(part.id);
      if (found == new_pdus.end())
        return make_error("part " + std::to_string(part.id) + ": no new PDU");
      if (!is_hex(found->second) || found->second.size() != part.pdu_hex.size())
        return make_error("part " + std::to_string(part.id) + ": the new PDU is not the same " +
                          "length of hex");
    }
    if (new_pdus.size() != parts->size())
      return make_error("new PDUs given for parts of another message");
    auto keep = db.query(
        "INSERT INTO superseded_parts (message_id, number, modem, tp_mr, sent_at, superseded_at) "
        "SELECT message_id, number, modem, tp_mr, sent_at, ?2 FROM parts "
        "WHERE message_id = ?1 AND sent_at IS NOT NULL AND modem IS NOT NULL ORDER BY number");
    if (!keep.ok()) return keep.error();
    if (auto s = keep->bind_all(message_id, now).run(); !s.ok()) return s;
    const int64_t superseded = db.changes();
    for (const Part& part : *parts) {
      auto q = db.query(
          "UPDATE parts SET pdu_hex = ?2, status = 'queued', modem = NULL, tp_mr = NULL, "
          "submitted_at = NULL, sent_at = NULL, delivered_at = NULL, report_status = NULL, "
          "failure_reason = NULL WHERE id = ?1");
      if (!q.ok()) return q.error();
      if (auto s = q->bind_all(part.id, new_pdus.at(part.id)).run(); !s.ok()) return s;
    }
    if (auto s = add_history(db, message_id, now, MessageStatus::kSending,
                             "sent again whole from " + modem + ": " + std::to_string(superseded) +
                                 " part(s) sent before from another modem superseded");
        !s.ok())
      return s;
    auto reloaded = load_message(db, message_id);
    if (!reloaded.ok()) return reloaded.error();
    auto fresh = load_parts(db, message_id);
    if (!fresh.ok()) return fresh.error();
    claimed = Claimed{std::move(**reloaded), std::move(*fresh)};
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return claimed;
}

namespace {

struct PartState {
  Part part;
  Message message;
};

Result<PartState> part_for_change(Connection& db, int64_t part_id) {
  auto q = db.query("SELECT " SMSGATE_PART_COLUMNS ", " SMSGATE_MESSAGE_COLUMNS
                    " FROM parts p JOIN messages m ON m.id = p.message_id WHERE p.id = ?");
  if (!q.ok()) return q.error();
  q->bind(part_id);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return no_such("part", part_id);
  return PartState{read_part(*q, 0), read_message(*q, 13)};
}

Error wrong_part_status(int64_t id, PartStatus status, std::string_view wanted) {
  return make_error("part " + std::to_string(id) + " is " + std::string(part_status_name(status)) +
                    ", not " + std::string(wanted));
}

Status bump_modem_counter(Connection& db, const std::optional<std::string>& modem, bool sent) {
  if (!modem) return ok_status();
  // Only modems that upsert_modem() recorded are counted; an unknown id changes nothing.
  auto q = db.query(sent ? "UPDATE modems SET parts_sent = parts_sent + 1 WHERE imei = ?"
                         : "UPDATE modems SET parts_failed = parts_failed + 1 WHERE imei = ?");
  if (!q.ok()) return q.error();
  return q->bind(*modem).run();
}

}  // namespace

Status Outbound::mark_part_submitting(int64_t part_id, const std::string& modem, int64_t now) {
  if (modem.empty()) return make_error("modem: empty");
  return engine_.write([&](Connection& db) -> Status {
    auto state = part_for_change(db, part_id);
    if (!state.ok()) return state.error();
    if (state->message.status != MessageStatus::kSending || state->message.assigned_modem != modem)
      return make_error("message " + std::to_string(state->message.id) + " is not being sent by " +
                        modem);
    if (state->part.status != PartStatus::kQueued)
      return wrong_part_status(part_id, state->part.status, "queued");
    auto q = db.query(
        "UPDATE parts SET status = 'submitting', modem = ?, submitted_at = ?, tp_mr = NULL, "
        "failure_reason = NULL WHERE id = ?");
    if (!q.ok()) return q.error();
    return q->bind_all(modem, now, part_id).run();
  });
}

Result<std::optional<StatusChange>> Outbound::mark_part_sent(int64_t part_id,
                                                             std::optional<int> tp_mr, int64_t at) {
  // TP-MR is one octet (TS 23.040 9.2.3.6).
  if (tp_mr && (*tp_mr < 0 || *tp_mr > 255))
    return make_error("tp_mr: " + std::to_string(*tp_mr) + " is outside 0..255");
  std::optional<StatusChange> change;
  Status written = engine_.write([&](Connection& db) -> Status {
    change.reset();
    auto state = part_for_change(db, part_id);
    if (!state.ok()) return state.error();
    if (state->part.status != PartStatus::kSubmitting)
      return wrong_part_status(part_id, state->part.status, "submitting");
    auto q = db.query("UPDATE parts SET status = 'sent', tp_mr = ?, sent_at = ? WHERE id = ?");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(tp_mr, at, part_id).run(); !s.ok()) return s;
    if (auto s = bump_modem_counter(db, state->part.modem, true); !s.ok()) return s;
    // A message expired or failed meanwhile keeps that status; the part is still sent.
    if (state->message.status != MessageStatus::kSending) return ok_status();
    auto unsent = db.query(
        "SELECT COUNT(*) FROM parts WHERE message_id = ? AND status NOT IN ('sent','delivered')");
    if (!unsent.ok()) return unsent.error();
    unsent->bind(state->message.id);
    auto row = unsent->step();
    if (!row.ok()) return row.error();
    if (unsent->int64(0) > 0) return ok_status();
    auto sent = db.query("UPDATE messages SET sent_at = ? WHERE id = ?");
    if (!sent.ok()) return sent.error();
    if (auto s = sent->bind_all(at, state->message.id).run(); !s.ok()) return s;
    std::string reason = state->message.part_count > 1
                             ? "all " + std::to_string(state->message.part_count) + " parts sent"
                             : "sent";
    if (auto s = change_status(db, state->message.id, MessageStatus::kSent, reason, at, false);
        !s.ok())
      return s;
    change = StatusChange{state->message.id, MessageStatus::kSent, reason};
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return change;
}

Result<StatusChange> Outbound::mark_part_failed(int64_t part_id, const std::string& reason,
                                                int64_t at) {
  StatusChange change;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto state = part_for_change(db, part_id);
    if (!state.ok()) return state.error();
    if (state->part.status != PartStatus::kSubmitting && state->part.status != PartStatus::kQueued)
      return wrong_part_status(part_id, state->part.status, "queued or submitting");
    auto q = db.query("UPDATE parts SET status = 'failed', failure_reason = ? WHERE id = ?");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(reason, part_id).run(); !s.ok()) return s;
    if (auto s = bump_modem_counter(db, state->part.modem, false); !s.ok()) return s;
    std::string why = "part " + std::to_string(state->part.number) + ": " + reason;
    change = StatusChange{state->message.id, state->message.status, why};
    if (is_final(state->message.status)) return ok_status();
    change.status = MessageStatus::kFailed;
    return change_status(db, state->message.id, MessageStatus::kFailed, why, at, true);
  });
  if (!written.ok()) return written.error();
  return change;
}

Result<StatusChange> Outbound::release_message(int64_t id, int64_t retry_at,
                                               const std::string& reason, int64_t now,
                                               bool attempted) {
  StatusChange change{id, MessageStatus::kQueued, reason};
  Status written = engine_.write([&](Connection& db) -> Status {
    auto message = message_for_change(db, id);
    if (!message.ok()) return message.error();
    if (is_final(message->status)) return wrong_status(id, message->status, "queued or sending");
    // Its place in the queue becomes the retry time: a retry waits its turn behind
    // what became due before it, instead of jumping back to the head.
    auto q = db.query(
        "UPDATE messages SET status = 'queued', attempts = attempts + ?4, next_attempt_at = ?1, "
        "due_at = ?1, assigned_modem = NULL, updated_at = ?2 WHERE id = ?3");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(retry_at, now, id, int64_t{attempted ? 1 : 0}).run(); !s.ok()) {
      return s;
    }
    auto parts = db.query(
        "UPDATE parts SET status = 'queued', modem = NULL, submitted_at = NULL "
        "WHERE message_id = ? AND status IN ('submitting','failed')");
    if (!parts.ok()) return parts.error();
    if (auto s = parts->bind(id).run(); !s.ok()) return s;
    return add_history(db, id, now, MessageStatus::kQueued, reason);
  });
  if (!written.ok()) return written.error();
  return change;
}

Result<StatusChange> Outbound::fail_message(int64_t id, const std::string& reason, int64_t now) {
  StatusChange change{id, MessageStatus::kFailed, reason};
  Status written = engine_.write([&](Connection& db) -> Status {
    auto message = message_for_change(db, id);
    if (!message.ok()) return message.error();
    if (is_final(message->status))
      return wrong_status(id, message->status, "queued, scheduled or sending");
    return change_status(db, id, MessageStatus::kFailed, reason, now, true);
  });
  if (!written.ok()) return written.error();
  return change;
}

Result<StatusChange> Outbound::expire_message(int64_t id, int64_t now) {
  StatusChange change{id, MessageStatus::kExpired, "expired before it was sent"};
  Status written = engine_.write([&](Connection& db) -> Status {
    auto message = message_for_change(db, id);
    if (!message.ok()) return message.error();
    if (is_final(message->status))
      return wrong_status(id, message->status, "queued, scheduled or sending");
    return change_status(db, id, MessageStatus::kExpired, change.reason, now, true);
  });
  if (!written.ok()) return written.error();
  return change;
}

Result<StatusChange> Outbound::cancel_message(int64_t id, const std::string& reason, int64_t now) {
  StatusChange change{id, MessageStatus::kCancelled, reason};
  Status written = engine_.write([&](Connection& db) -> Status {
    auto message = message_for_change(db, id);
    if (!message.ok()) return message.error();
    if (!is_waiting(message->status))
      return wrong_status(id, message->status, "queued or scheduled");
    return change_status(db, id, MessageStatus::kCancelled, reason, now, false);
  });
  if (!written.ok()) return written.error();
  return change;
}

Result<StatusChange> Outbound::reschedule(int64_t id, int64_t send_at, const std::string& reason,
                                          int64_t now) {
  MessageStatus status = send_at > now ? MessageStatus::kScheduled : MessageStatus::kQueued;
  StatusChange change{id, status, reason};
  Status written = engine_.write([&](Connection& db) -> Status {
    auto message = message_for_change(db, id);
    if (!message.ok()) return message.error();
    if (!is_waiting(message->status))
      return wrong_status(id, message->status, "queued or scheduled");
    auto q = db.query(
        "UPDATE messages SET status = ?1, send_at = ?2, due_at = ?2, updated_at = ?3 "
        "WHERE id = ?4");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(message_status_name(status), send_at, now, id).run(); !s.ok())
      return s;
    return add_history(db, id, now, status, reason);
  });
  if (!written.ok()) return written.error();
  return change;
}

Result<RecoveryCounts> Outbound::recover_after_restart(int64_t now) {
  return requeue(now, {}, "requeued after a restart");
}

Result<RecoveryCounts> Outbound::requeue_unheld(const std::vector<int64_t>& held, int64_t now) {
  return requeue(now, held, "requeued: the store could not record its progress");
}

Result<RecoveryCounts> Outbound::requeue(int64_t now, const std::vector<int64_t>& held,
                                         const std::string& reason) {
  RecoveryCounts counts;
  Status written = engine_.write([&](Connection& db) -> Status {
    counts = {};
    auto sending = db.query("SELECT id FROM messages WHERE status = 'sending'");
    if (!sending.ok()) return sending.error();
    auto ids = read_rows(*sending, [](const Query& row) { return row.int64(0); });
    if (!ids.ok()) return ids.error();
    std::erase_if(
        *ids, [&](int64_t id) { return std::find(held.begin(), held.end(), id) != held.end(); });
    // Parts first: a part left submitting may or may not have reached the network.
    // Sending it again risks a duplicate (at most one per modem) but never a loss.
    // After a restart nothing is held, and every submitting part goes back, also one
    // whose message stopped sending meanwhile (expired).
    if (held.empty()) {
      auto parts = db.query(
          "UPDATE parts SET status = 'queued', modem = NULL, submitted_at = NULL "
          "WHERE status = 'submitting'");
      if (!parts.ok()) return parts.error();
      if (auto s = parts->run(); !s.ok()) return s;
      counts.parts_requeued = db.changes();
    }
    for (int64_t id : *ids) {
      if (!held.empty()) {
        auto parts = db.query(
            "UPDATE parts SET status = 'queued', modem = NULL, submitted_at = NULL "
            "WHERE status = 'submitting' AND message_id = ?");
        if (!parts.ok()) return parts.error();
        if (auto s = parts->bind(id).run(); !s.ok()) return s;
        counts.parts_requeued += db.changes();
      }
      // due_at stays: the message keeps its place at the head of the queue.
      auto q = db.query(
          "UPDATE messages SET status = 'queued', assigned_modem = NULL, updated_at = ? "
          "WHERE id = ?");
      if (!q.ok()) return q.error();
      if (auto s = q->bind_all(now, id).run(); !s.ok()) return s;
      if (auto s = add_history(db, id, now, MessageStatus::kQueued, reason); !s.ok()) return s;
    }
    counts.messages_requeued = static_cast<int>(ids->size());
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return counts;
}

// --- Reading for the API and /metrics ---------------------------------------------

Result<std::optional<MessageDetail>> Outbound::get_message(int64_t id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  // One read transaction, so message, parts, history and superseded parts are one
  // consistent snapshot.
  auto snapshot = ReadSnapshot::begin(**db);
  if (!snapshot.ok()) return snapshot.error();
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
  auto history = read_rows(*q, [](const Query& row) {
    return HistoryEntry{row.int64(0),
                        parse_message_status(row.text(1)).value_or(MessageStatus::kFailed),
                        row.text(2)};
  });
  if (!history.ok()) return history.error();
  detail.history = std::move(*history);
  auto superseded_query = (*db)->query(
      "SELECT number, modem, tp_mr, sent_at, superseded_at FROM superseded_parts "
      "WHERE message_id = ? ORDER BY id");
  if (!superseded_query.ok()) return superseded_query.error();
  superseded_query->bind(id);
  auto superseded = read_rows(*superseded_query, [](const Query& row) {
    SupersededPart part{row.int32(0), row.text(1), std::nullopt, row.int64(3), row.int64(4)};
    if (!row.is_null(2)) part.tp_mr = row.int32(2);
    return part;
  });
  if (!superseded.ok()) return superseded.error();
  detail.superseded = std::move(*superseded);
  return std::optional<MessageDetail>(std::move(detail));
}

Result<Page<Message>> Outbound::list_messages(const MessageFilter& filter) {
  auto before = page_start('m', filter.cursor, filter.limit);
  if (!before.ok()) return before.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
    // One statement per leading filter, so each walks the index that serves it
    // (recipient, status, or the primary key) newest first; the other filters are
    // checked on the rows it yields.
#define SMSGATE_OTHER_FILTERS                                                   \
  " AND (?3 IS NULL OR m.created_at >= ?3) AND (?6 IS NULL OR m.category = ?6)" \
  " AND (?7 IS NULL OR m.created_at < ?7) ORDER BY m.id DESC LIMIT ?5"
  const char* sql =
      filter.to ? "SELECT " SMSGATE_MESSAGE_COLUMNS
                  " FROM messages m INDEXED BY messages_recipient WHERE m.recipient = ?1 "
                  "AND m.id < ?4 AND (?2 IS NULL OR m.status = ?2)" SMSGATE_OTHER_FILTERS
      : filter.status ? "SELECT " SMSGATE_MESSAGE_COLUMNS
                        " FROM messages m INDEXED BY messages_status WHERE m.status = ?2 "
                        "AND m.id < ?4 AND (?1 IS NULL OR m.recipient = ?1)" SMSGATE_OTHER_FILTERS
                      : "SELECT " SMSGATE_MESSAGE_COLUMNS
                        " FROM messages m WHERE m.id < ?4 AND (?1 IS NULL OR m.recipient = ?1) "
                        "AND (?2 IS NULL OR m.status = ?2)" SMSGATE_OTHER_FILTERS;
#undef SMSGATE_OTHER_FILTERS
  std::optional<std::string_view> status;
  if (filter.status) status = message_status_name(*filter.status);
  std::optional<std::string_view> category;
  if (filter.category) category = policy::category_name(*filter.category);
  const policy::TextSearch search(filter.query.value_or(""));
  // One row more than asked tells whether there is another page. A search reads the
  // rows the other filters leave in batches, newest first, until it has that many
  // matches: the cursor is still the last id shown, so the next page starts after it.
  const int batch = search.everything() ? filter.limit + 1 : 500;
  std::vector<Message> rows;
  int64_t below = *before;
  for (;;) {
    auto q = (*db)->query(sql);
    if (!q.ok()) return q.error();
    q->bind_all(filter.to, status, filter.since, below, batch, category, filter.until);
    auto read = read_rows(*q, [](const Query& row) { return read_message(row); });
    if (!read.ok()) return read.error();
    for (Message& message : *read) {
      if (static_cast<int>(rows.size()) > filter.limit) break;
      if (search.matches(message.to, shown_text(message))) rows.push_back(std::move(message));
    }
    if (static_cast<int>(rows.size()) > filter.limit || static_cast<int>(read->size()) < batch)
      break;
    below = read->back().id;
  }
  return make_page(std::move(rows), filter.limit, 'm', [](const Message& m) { return m.id; });
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

Result<std::vector<HourOutcomes>> Outbound::outcomes_by_hour(int64_t first_hour, int hours) {
  if (hours <= 0) return std::vector<HourOutcomes>{};
  // Floor, also before 1970.
  const int64_t start = first_hour - ((first_hour % kHourMs) + kHourMs) % kHourMs;
  const int64_t end = start + hours * kHourMs;
  std::vector<HourOutcomes> series(static_cast<size_t>(hours));
  for (int i = 0; i < hours; ++i) series[static_cast<size_t>(i)].start = start + i * kHourMs;
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT (at - ?1) / 3600000, status, COUNT(*) FROM status_history "
      "INDEXED BY status_history_outcomes WHERE at >= ?1 AND at < ?2 "
      "AND status IN ('sent','delivered','failed') GROUP BY 1, 2");
  if (!q.ok()) return q.error();
  q->bind_all(start, end);
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return series;
    const int64_t hour = q->int64(0);
    if (hour < 0 || hour >= hours) continue;
    HourOutcomes& counts = series[static_cast<size_t>(hour)];
    const int64_t count = q->int64(2);
    switch (parse_message_status(q->text(1)).value_or(MessageStatus::kQueued)) {
      case MessageStatus::kSent:
        counts.sent = count;
        break;
      case MessageStatus::kDelivered:
        counts.delivered = count;
        break;
      case MessageStatus::kFailed:
        counts.failed = count;
        break;
      default:
        break;
    }
  }
}

}  // namespace smsgate::store

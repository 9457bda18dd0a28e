// Appointments (appointments.h): appointments and the links to their messages.
#include "store/appointments.h"

#include <nlohmann/json.hpp>

#include "store/event_json.h"
#include "store/internal.h"

namespace smsgate::store {

using detail::read_first;
using detail::read_rows;

namespace {

constexpr char kCursorTag = 'a';

constexpr std::string_view kStateNames[] = {"scheduled", "confirmed", "declined", "cancelled"};
constexpr std::string_view kRoleNames[] = {"confirmation", "reminder", "moved", "cancelled"};

#define SMSGATE_APPOINTMENT_COLUMNS                                                        \
  "id, external_id, recipient, at, state, state_at, text, template, variables, language, " \
  "reminders, request, created_at, updated_at"

std::vector<int64_t> offsets_from(const std::string& json) {
  std::vector<int64_t> offsets;
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_array()) return offsets;
  for (const auto& offset : parsed)
    if (offset.is_number_integer()) offsets.push_back(offset.get<int64_t>());
  return offsets;
}

AppointmentRecord appointment_from(const Query& row) {
  AppointmentRecord record;
  record.id = row.int64(0);
  record.external_id = row.text(1);
  record.to = row.text(2);
  record.at = row.int64(3);
  // The schema's CHECK admits only the names above.
  record.state = parse_appointment_state(row.text(4)).value_or(AppointmentState::kScheduled);
  record.state_at = row.int64(5);
  record.text = row.optional_text(6);
  record.template_name = row.optional_text(7);
  record.variables = row.text(8);
  record.language = row.optional_text(9);
  record.reminders = offsets_from(row.text(10));
  record.request = row.text(11);
  record.created_at = row.int64(12);
  record.updated_at = row.int64(13);
  return record;
}

constexpr const char* kByExternalId =
    "SELECT " SMSGATE_APPOINTMENT_COLUMNS " FROM appointments WHERE external_id = ?1";
constexpr const char* kById =
    "SELECT " SMSGATE_APPOINTMENT_COLUMNS " FROM appointments WHERE id = ?1";
constexpr const char* kByMessage =
    "SELECT " SMSGATE_APPOINTMENT_COLUMNS
    " FROM appointments WHERE id = (SELECT appointment_id FROM appointment_messages "
    "WHERE message_id = ?1)";

// The one appointment `sql` (one of the above) finds for `key`, if any.
Result<std::optional<AppointmentRecord>> appointment_where(Connection& db, const char* sql,
                                                           const auto& key) {
  auto q = db.query(sql);
  if (!q.ok()) return q.error();
  q->bind_all(key);
  return read_first(*q, appointment_from);
}

std::string reminders_json(const std::vector<int64_t>& offsets) {
  return nlohmann::json(offsets).dump();
}

Status insert_links(Connection& db, int64_t appointment_id,
                    const std::vector<SubmitResult>& results,
                    const std::vector<AppointmentLink>& links) {
  for (size_t i = 0; i < results.size(); ++i) {
    auto q = db.query(
        "INSERT INTO appointment_messages (message_id, appointment_id, role, offset_ms) "
        "VALUES (?1,?2,?3,?4)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(results[i].id, appointment_id, appointment_role_name(links[i].role),
                             links[i].offset_ms)
                     .run();
        !s.ok())
      return s;
  }
  return ok_status();
}

Result<std::vector<SubmitResult>> insert_linked(Connection& db, int64_t appointment_id,
                                                const std::vector<NewMessage>& messages,
                                                const std::vector<AppointmentLink>& links,
                                                int64_t now) {
  if (messages.size() != links.size())
    return make_error("appointment: " + std::to_string(messages.size()) + " messages but " +
                      std::to_string(links.size()) + " links");
  if (messages.empty()) return std::vector<SubmitResult>();
  for (const NewMessage& message : messages)
    if (auto s = detail::validate_new_message(message); !s.ok()) return s.error();
  auto inserted = detail::insert_messages(db, messages, now);
  if (!inserted.ok()) return inserted.error();
  if (auto s = insert_links(db, appointment_id, *inserted, links); !s.ok()) return s.error();
  return std::move(*inserted);
}

nlohmann::json appointment_event_data(const AppointmentRecord& record, int64_t inbound_id,
                                      int64_t message_id) {
  return {{"external_id", record.external_id},
          {"to", record.to},
          {"at", iso8601_utc(record.at)},
          {"state", appointment_state_name(record.state)},
          {"state_at", iso8601_utc(record.state_at)},
          {"reply_id", inbound_id},
          {"in_reply_to", message_id}};
}

}  // namespace

std::string_view appointment_state_name(AppointmentState state) {
  return kStateNames[static_cast<size_t>(state)];
}

std::optional<AppointmentState> parse_appointment_state(std::string_view name) {
  for (size_t i = 0; i < std::size(kStateNames); ++i)
    if (kStateNames[i] == name) return static_cast<AppointmentState>(i);
  return std::nullopt;
}

std::string_view appointment_role_name(AppointmentRole role) {
  return kRoleNames[static_cast<size_t>(role)];
}

Result<std::pair<AppointmentRecord, std::vector<SubmitResult>>> Appointments::create_appointment(
    AppointmentRecord record, const std::vector<NewMessage>& messages,
    const std::vector<AppointmentLink>& links, int64_t now) {
  record.created_at = record.updated_at = record.state_at = now;
  std::vector<SubmitResult> submitted;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto existing = appointment_where(db, kByExternalId, record.external_id);
    if (!existing.ok()) return existing.error();
    if (*existing)
      return Error{"external_id: there is already an appointment \"" + record.external_id +
                       "\", made with another request; change it with PATCH",
                   ErrorCode::kNameTaken, "external_id"};
    auto q = db.query(
        "INSERT INTO appointments (external_id, recipient, at, state, state_at, text, template, "
        "variables, language, reminders, request, created_at, updated_at) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?12)");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(record.external_id, record.to, record.at,
                             appointment_state_name(record.state), record.state_at, record.text,
                             record.template_name, record.variables, record.language,
                             reminders_json(record.reminders), record.request, now)
                     .run();
        !s.ok())
      return s;
    record.id = db.last_insert_rowid();
    auto inserted = insert_linked(db, record.id, messages, links, now);
    if (!inserted.ok()) return inserted.error();
    submitted = std::move(*inserted);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return std::pair{std::move(record), std::move(submitted)};
}

Result<AppointmentChange> Appointments::change_appointment(
    AppointmentRecord record, const std::vector<int64_t>& cancel, const std::string& cancel_reason,
    const std::vector<NewMessage>& messages, const std::vector<AppointmentLink>& links,
    int64_t now) {
  AppointmentChange change;
  Status written = engine_.write([&](Connection& db) -> Status {
    change = AppointmentChange{};
    auto stored = appointment_where(db, kById, record.id);
    if (!stored.ok()) return stored.error();
    if (!*stored)
      return Error{"no appointment \"" + record.external_id + "\"", ErrorCode::kNotFound, ""};
    record.created_at = (*stored)->created_at;
    record.state_at = record.state == (*stored)->state ? (*stored)->state_at : now;
    record.updated_at = now;
    auto q = db.query(
        "UPDATE appointments SET recipient = ?2, at = ?3, state = ?4, state_at = ?5, text = ?6, "
        "template = ?7, variables = ?8, language = ?9, reminders = ?10, request = ?11, "
        "updated_at = ?12 WHERE id = ?1");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(record.id, record.to, record.at, appointment_state_name(record.state),
                             record.state_at, record.text, record.template_name, record.variables,
                             record.language, reminders_json(record.reminders), record.request, now)
                     .run();
        !s.ok())
      return s;
    // The outbound cancel path: only what no modem holds yet, as DELETE /messages/{id}.
    for (int64_t id : cancel) {
      auto message = detail::load_message(db, id);
      if (!message.ok()) return message.error();
      const bool waiting = *message && ((*message)->status == MessageStatus::kQueued ||
                                        (*message)->status == MessageStatus::kScheduled);
      if (!waiting) {
        change.left.push_back(id);
        continue;
      }
      if (auto s =
              detail::change_status(db, id, MessageStatus::kCancelled, cancel_reason, now, false);
          !s.ok())
        return s;
      change.cancelled.push_back(id);
    }
    auto inserted = insert_linked(db, record.id, messages, links, now);
    if (!inserted.ok()) return inserted.error();
    change.submitted = std::move(*inserted);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  change.appointment = std::move(record);
  return change;
}

Result<std::optional<AppointmentRecord>> Appointments::answer_appointment(
    int64_t id, AppointmentState state, std::string_view event, int64_t inbound_id,
    int64_t message_id, int64_t now) {
  std::optional<AppointmentRecord> answered;
  Status written = engine_.write([&](Connection& db) -> Status {
    answered.reset();
    auto stored = appointment_where(db, kById, id);
    if (!stored.ok()) return stored.error();
    if (!*stored || (*stored)->state == AppointmentState::kCancelled) return ok_status();
    AppointmentRecord record = std::move(**stored);
    record.state = state;
    record.state_at = record.updated_at = now;
    auto q = db.query(
        "UPDATE appointments SET state = ?2, state_at = ?3, updated_at = ?3 WHERE id = ?1");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(id, appointment_state_name(state), now).run(); !s.ok()) return s;
    std::string body =
        event_body(event, now, appointment_event_data(record, inbound_id, message_id));
    if (auto s = detail::enqueue_event(db, event, body, now); !s.ok()) return s;
    answered = std::move(record);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return answered;
}

Result<std::optional<AppointmentDetail>> Appointments::find_appointment(
    const std::string& external_id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto snapshot = detail::ReadSnapshot::begin(**db);
  if (!snapshot.ok()) return snapshot.error();
  auto found = appointment_where(**db, kByExternalId, external_id);
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<AppointmentDetail>();
  auto q = (*db)->query(
      "SELECT l.message_id, l.role, l.offset_ms, m.status, m.send_at, m.sent_at, m.created_at "
      "FROM appointment_messages l JOIN messages m ON m.id = l.message_id "
      "WHERE l.appointment_id = ?1 ORDER BY l.message_id");
  if (!q.ok()) return q.error();
  q->bind_all((*found)->id);
  auto messages = read_rows(*q, [](const Query& row) {
    AppointmentMessage message;
    message.message_id = row.int64(0);
    const std::string role = row.text(1);
    for (size_t i = 0; i < std::size(kRoleNames); ++i)
      if (kRoleNames[i] == role) message.role = static_cast<AppointmentRole>(i);
    message.offset_ms = row.optional_int64(2);
    message.status = parse_message_status(row.text(3)).value_or(MessageStatus::kQueued);
    message.send_at = row.optional_int64(4);
    message.sent_at = row.optional_int64(5);
    message.created_at = row.int64(6);
    return message;
  });
  if (!messages) return messages.error();
  return std::optional<AppointmentDetail>(
      AppointmentDetail{std::move(**found), std::move(*messages)});
}

Result<std::optional<AppointmentRecord>> Appointments::appointment_for_message(int64_t message_id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  return appointment_where(**db, kByMessage, message_id);
}

Result<Page<AppointmentRecord>> Appointments::list_appointments(const AppointmentFilter& filter) {
  auto below = detail::page_start(kCursorTag, filter.cursor, filter.limit);
  if (!below) return below.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT " SMSGATE_APPOINTMENT_COLUMNS
      " FROM appointments WHERE id < ?1 AND (?2 IS NULL OR state = ?2) "
      "AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4) ORDER BY id DESC LIMIT ?5");
  if (!q.ok()) return q.error();
  std::optional<std::string> state;
  if (filter.state) state = std::string(appointment_state_name(*filter.state));
  q->bind_all(*below, state, filter.from, filter.until, filter.limit + 1);
  auto rows = read_rows(*q, appointment_from);
  if (!rows) return rows.error();
  return detail::make_page(std::move(*rows), filter.limit, kCursorTag,
                           [](const AppointmentRecord& record) { return record.id; });
}

}  // namespace smsgate::store

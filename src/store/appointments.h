// Appointments: an appointment book's appointments (/api/v1/appointments) and the
// messages sent for each, with their roles. Implemented in store/appointments.cpp.
//
// The messages themselves are ordinary messages (store/outbound.h): they are composed
// and checked by the intake (dispatch/intake.h) and inserted here, in the transaction
// that writes the appointment and the links to them, so an appointment never exists
// without its reminders nor a reminder without its appointment. A reminder that is
// moved or cancelled is cancelled through the outbound cancel path (only while nothing
// of it has reached a modem) and, when moved, submitted anew.
//
// A reply that confirms or declines writes appointment.confirmed or
// appointment.declined to the event log and the webhook outbox in its transaction.
//
// Thread safety: every method may be called from any thread at the same time.
// create_appointment, change_appointment and answer_appointment are writes: they
// return once their group commit is fsync'd (store/engine.h). find_appointment,
// appointment_for_message and list_appointments are reads from one snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

enum class AppointmentState { kScheduled, kConfirmed, kDeclined, kCancelled };
std::string_view appointment_state_name(AppointmentState state);  // "scheduled", ...
std::optional<AppointmentState> parse_appointment_state(std::string_view name);

// What a message is to its appointment.
enum class AppointmentRole { kConfirmation, kReminder, kMoved, kCancelled };
std::string_view appointment_role_name(AppointmentRole role);  // "confirmation", ...

struct AppointmentRecord {
  int64_t id = 0;  // the store's; the API names an appointment by external_id
  std::string external_id;
  std::string to;  // E.164
  int64_t at = 0;
  AppointmentState state = AppointmentState::kScheduled;
  int64_t state_at = 0;
  std::optional<std::string> text;           // the reminders' text, or
  std::optional<std::string> template_name;  // the template they are written from
  std::string variables = "{}";              // JSON object
  std::optional<std::string> language;
  std::vector<int64_t> reminders;  // offsets in ms, as asked
  std::string request;             // the accepted body, normalised JSON
  int64_t created_at = 0;
  int64_t updated_at = 0;
  friend bool operator==(const AppointmentRecord&, const AppointmentRecord&) = default;
};

// A message sent (or to be sent) for an appointment, as it is now.
struct AppointmentMessage {
  int64_t message_id = 0;
  AppointmentRole role = AppointmentRole::kReminder;
  std::optional<int64_t> offset_ms;  // reminders
  MessageStatus status = MessageStatus::kQueued;
  std::optional<int64_t> send_at;
  std::optional<int64_t> sent_at;
  int64_t created_at = 0;
  friend bool operator==(const AppointmentMessage&, const AppointmentMessage&) = default;
};

struct AppointmentDetail {
  AppointmentRecord appointment;
  std::vector<AppointmentMessage> messages;  // oldest first
};

// How a new message is linked to its appointment.
struct AppointmentLink {
  AppointmentRole role = AppointmentRole::kReminder;
  std::optional<int64_t> offset_ms;
};

struct AppointmentFilter {
  std::optional<AppointmentState> state;
  std::optional<int64_t> from;   // at >= from
  std::optional<int64_t> until;  // at < until
  int limit = 50;
  std::string cursor;
};

// What a change did to the messages it was asked to cancel.
struct AppointmentChange {
  AppointmentRecord appointment;
  std::vector<SubmitResult> submitted;  // the new messages, in order
  std::vector<int64_t> cancelled;       // messages cancelled
  std::vector<int64_t> left;            // already on a modem or final: left as they are
};

class Appointments {
 public:
  explicit Appointments(Engine& engine) : engine_(engine) {}

  // Inserts the appointment (id, created_at, updated_at and state_at are set here)
  // and `messages`, each linked as `links` says (one link per message). An
  // appointment with its external_id already stored: kNameTaken, nothing changes.
  Result<std::pair<AppointmentRecord, std::vector<SubmitResult>>> create_appointment(
      AppointmentRecord record, const std::vector<NewMessage>& messages,
      const std::vector<AppointmentLink>& links, int64_t now);

  // Writes `record` over the stored one of its id (state_at kept unless the state
  // changes; updated_at is now), cancels each message of `cancel` that still waits
  // (queued or scheduled) and leaves the others, and inserts `messages` linked as
  // `links` says. Errors: no such appointment (kNotFound).
  Result<AppointmentChange> change_appointment(AppointmentRecord record,
                                               const std::vector<int64_t>& cancel,
                                               const std::string& cancel_reason,
                                               const std::vector<NewMessage>& messages,
                                               const std::vector<AppointmentLink>& links,
                                               int64_t now);

  // A reply confirmed (kConfirmed) or declined (kDeclined) the appointment `id`: its
  // state and state_at change, and `event` ("appointment.confirmed", ...) is written
  // with its data (appointment_event_data plus `extra`). None when the appointment is
  // cancelled (nothing changes) or gone; the appointment as it is now otherwise.
  Result<std::optional<AppointmentRecord>> answer_appointment(int64_t id, AppointmentState state,
                                                              std::string_view event,
                                                              int64_t inbound_id,
                                                              int64_t message_id, int64_t now);

  Result<std::optional<AppointmentDetail>> find_appointment(const std::string& external_id);
  // The appointment a message was sent for, if any.
  Result<std::optional<AppointmentRecord>> appointment_for_message(int64_t message_id);
  // Newest first (by id), keyset-paged like the other lists.
  Result<Page<AppointmentRecord>> list_appointments(const AppointmentFilter& filter);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

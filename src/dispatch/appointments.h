// AppointmentBook: appointments told once by an appointment book, and everything the
// gateway sends for them (POST|PATCH|DELETE /api/v1/appointments, http/api_appointments.cpp),
// and what a patient's yes or no does to them.
//
//   create  a booking confirmation now (when asked: `confirm`), and one reminder per
//           offset at `at + offset`, pulled out of quiet hours to the minute before
//           them, skipped when that time has passed (policy/appointment_schedule.h).
//           Each reminder expires at the appointment: it never arrives after it.
//           The same external_id again with the same request is a replay (the
//           appointment as it is); with another request it is refused (kNameTaken).
//   change  a new time, number or text: every reminder that still waits is cancelled
//           and the offsets are planned again for the new time (quiet hours again);
//           what was sent stays. With `notify`, a "moved" text goes now. A new time
//           makes a confirmed or declined appointment scheduled again.
//   cancel  every message that still waits is cancelled (only while no modem holds
//           it, as DELETE /api/v1/messages/{id}); with `notify`, a cancellation text.
//   reply   a reply to one of its messages (the store links it within the reply
//           window: store/inbound.h) from its number that means yes or no
//           (policy/appointment_reply.h) makes it confirmed or declined and writes
//           appointment.confirmed or appointment.declined. Anything else changes
//           nothing, nor does a reply about a cancelled appointment. answers() says
//           beforehand whether a reply is such a yes or no, so that the Inbox takes
//           "CANCEL", an opt-out word and a no word, as the no it answers and not as
//           an opt-out (dispatch/inbox.h).
//
// Every message goes in through the Intake (normalised, planned, opt-outs applied),
// stored with the appointment in one transaction (store/appointments.h). Errors name
// the field at fault; nothing changes when there is one.
//
// Thread safety: every method may be called from any thread at the same time. Each
// call works with the settings as they were when it began (set_settings, a reload,
// takes effect from the next call); the store serialises the writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/thread_annotations.h"
#include "dispatch/intake.h"
#include "policy/appointment_reply.h"
#include "policy/message_template.h"
#include "policy/quiet_hours.h"
#include "policy/time_zone.h"
#include "store/store.h"

namespace smsgate::dispatch {

struct AppointmentSettings {
  std::vector<int64_t> default_reminders = {-24LL * 3600 * 1000};
  std::string confirmation_text;
  std::string moved_text;
  std::string cancelled_text;
  policy::ReplyWords reply_words;
  std::optional<policy::QuietWindow> quiet_hours;
  policy::TimeZone zone = policy::TimeZone::utc();
};

struct AppointmentRequest {
  std::string external_id;
  std::string to;
  int64_t at = 0;
  // One of the two: the reminders' text (with {date}, {time}, {weekday} and the
  // variables), or a template's name.
  std::optional<std::string> text;
  std::optional<std::string> template_name;
  policy::TemplateVariables variables;
  std::optional<std::string> language;
  std::optional<std::vector<int64_t>> reminders;  // none: the configured default
  bool confirm = false;
  std::string canonical;  // the request normalised, to tell a replay from a conflict
};

// PATCH: what changes; the rest stays.
struct AppointmentUpdate {
  std::optional<int64_t> at;
  std::optional<std::string> to;
  std::optional<std::string> text;
  std::optional<std::string> template_name;
  std::optional<policy::TemplateVariables> variables;
  std::optional<std::string> language;
  std::optional<std::vector<int64_t>> reminders;
  bool notify = false;
};

struct SkippedReminder {
  int64_t offset_ms = 0;
  int64_t due_at = 0;
  std::string reason;
};

struct AppointmentOutcome {
  store::AppointmentDetail detail;
  std::vector<SkippedReminder> skipped;
  std::vector<int64_t> left;  // messages a modem already held: not cancelled
  bool replayed = false;      // create: the same request again
};

class AppointmentBook {
 public:
  AppointmentBook(store::Store& store, Intake& intake, AppointmentSettings settings)
      : store_(store), intake_(intake), settings_(std::move(settings)) {}

  // New texts, default reminders, reply words, quiet hours or zone (a reload): for
  // appointments booked, changed or answered from now on; what is already planned
  // stays as it was planned.
  void set_settings(AppointmentSettings settings);

  Result<AppointmentOutcome> create(const AppointmentRequest& request, int64_t now);
  // kNotFound for an unknown id; kNotCancellable for a cancelled appointment.
  Result<AppointmentOutcome> change(const std::string& external_id, const AppointmentUpdate& update,
                                    int64_t now);
  // kNotFound for an unknown id. A cancelled appointment stays as it is.
  Result<AppointmentOutcome> cancel(const std::string& external_id, bool notify, int64_t now);
  // A completed inbound message (the inbox's observer): confirms or declines the
  // appointment it answers, if it is one and says yes or no. Errors are logged.
  void take_reply(const store::InboundMessage& reply, int64_t now);
  // Whether take_reply would confirm or decline an appointment with `reply`: a reply
  // from its number to one of its messages, not cancelled, that means yes or no in its
  // language. False when the store cannot say (logged).
  bool answers(const store::InboundMessage& reply);

 private:
  struct Answer {
    store::AppointmentRecord appointment;
    bool yes = false;
  };
  // The appointment `reply` confirms or declines, if any (see answers()).
  Result<std::optional<Answer>> answer_of(const store::InboundMessage& reply);
  struct Reminders {
    std::vector<Result<OutgoingRequest>> requests;
    std::vector<store::AppointmentLink> links;
    std::vector<SkippedReminder> skipped;
  };
  // The reminders of `record` for its offsets, those in `already_sent` left out.
  Result<Reminders> plan_reminders(const store::AppointmentRecord& record,
                                   const std::vector<int64_t>& already_sent,
                                   const AppointmentSettings& settings, int64_t now);
  // A text of the settings' ("moved", ...) for the appointment, sent now.
  Result<OutgoingRequest> notice(const store::AppointmentRecord& record, const std::string& text,
                                 const policy::TimeZone& zone, bool expect_reply);
  // A copy: a call keeps the settings it began with while a reload replaces them.
  AppointmentSettings settings() const;
  // The language the appointment's texts and replies are in.
  Result<std::string> language_of(const std::optional<std::string>& language,
                                  const std::optional<std::string>& template_name);
  Result<AppointmentOutcome> outcome_of(const std::string& external_id);

  store::Store& store_;
  Intake& intake_;
  mutable Mutex mutex_;
  AppointmentSettings settings_ GUARDED_BY(mutex_);
};

}  // namespace smsgate::dispatch

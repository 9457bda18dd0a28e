// /api/v1/appointments: an appointment book tells the gateway of an appointment once
// (POST), moves or changes it (PATCH), cancels it (DELETE) and reads it back (GET);
// the gateway sends the confirmation and the reminders (dispatch/appointments.h). All
// of it needs the appointments scope; the changes are audited.
//
// A second POST with an external_id already stored is a replay when its body is the
// same (200 and the appointment as it is now: a client that lost the first answer may
// ask again), and 409 name_taken in words when it differs.
#include <algorithm>

#include "dispatch/appointments.h"
#include "http/api.h"
#include "http/json_input.h"
#include "http/message_request.h"
#include "pdu/utf.h"
#include "policy/appointment_schedule.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

constexpr size_t kMaxExternalIdBytes = 128;
constexpr size_t kMaxReminders = 10;

nlohmann::json appointment_json(const dispatch::AppointmentOutcome& outcome) {
  const store::AppointmentRecord& record = outcome.detail.appointment;
  nlohmann::json reminders = nlohmann::json::array();
  for (int64_t offset : record.reminders)
    reminders.push_back(policy::format_reminder_offset(offset));
  nlohmann::json variables = nlohmann::json::parse(record.variables, nullptr, false);
  nlohmann::json body = {
      {"external_id", record.external_id},
      {"to", record.to},
      {"at", store::iso8601_utc(record.at)},
      {"state", store::appointment_state_name(record.state)},
      {"state_at", store::iso8601_utc(record.state_at)},
      {"reminders", std::move(reminders)},
      {"variables", variables.is_object() ? variables : nlohmann::json::object()},
      {"language", record.language.value_or("en")},
      {"created_at", store::iso8601_utc(record.created_at)},
      {"updated_at", store::iso8601_utc(record.updated_at)}};
  if (record.text) body["text"] = *record.text;
  if (record.template_name) body["template"] = *record.template_name;
  nlohmann::json messages = nlohmann::json::array();
  for (const store::AppointmentMessage& message : outcome.detail.messages) {
    nlohmann::json item = {{"id", message.message_id},
                           {"role", store::appointment_role_name(message.role)},
                           {"status", store::message_status_name(message.status)},
                           {"created_at", store::iso8601_utc(message.created_at)}};
    if (message.offset_ms) item["offset"] = policy::format_reminder_offset(*message.offset_ms);
    if (message.send_at) item["send_at"] = store::iso8601_utc(*message.send_at);
    if (message.sent_at) item["sent_at"] = store::iso8601_utc(*message.sent_at);
    messages.push_back(std::move(item));
  }
  body["messages"] = std::move(messages);
  return body;
}

// What a change did besides the appointment: reminders skipped and messages left.
nlohmann::json outcome_json(const dispatch::AppointmentOutcome& outcome) {
  nlohmann::json body = appointment_json(outcome);
  nlohmann::json skipped = nlohmann::json::array();
  for (const dispatch::SkippedReminder& reminder : outcome.skipped)
    skipped.push_back({{"offset", policy::format_reminder_offset(reminder.offset_ms)},
                       {"due_at", store::iso8601_utc(reminder.due_at)},
                       {"reason", reminder.reason}});
  body["skipped"] = std::move(skipped);
  if (!outcome.left.empty()) body["not_cancelled"] = outcome.left;
  return body;
}

Result<std::vector<int64_t>> read_reminders(Fields& fields) {
  auto array = fields.array("reminders", kMaxReminders);
  if (!array) return array.error();
  std::vector<int64_t> offsets;
  if (!*array) return offsets;
  for (size_t i = 0; i < (*array)->size(); ++i) {
    const std::string field = fields.field_name("reminders[" + std::to_string(i) + "]");
    const nlohmann::json& item = (**array)[i];
    if (!item.is_string()) return invalid(field, "must be an offset such as \"-24h\"");
    auto offset = policy::parse_reminder_offset(item.get<std::string>());
    if (!offset) return invalid(field, offset.error().message);
    if (std::find(offsets.begin(), offsets.end(), *offset) != offsets.end())
      return invalid(field, "\"" + item.get<std::string>() + "\" is there twice");
    offsets.push_back(*offset);
  }
  return offsets;
}

Status check_text(const std::string& text) {
  if (text.empty()) return invalid("text", "is empty", ErrorCode::kInvalidText);
  if (auto code_points = pdu::utf8_to_code_points(text); !code_points)
    return invalid("text", code_points.error().message, ErrorCode::kInvalidText);
  if (auto parsed = policy::parse_template(text); !parsed) return parsed.error();
  return ok_status();
}

Result<dispatch::AppointmentRequest> read_appointment(const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return body.error();
  Fields fields(*body);
  dispatch::AppointmentRequest appointment;
  appointment.canonical = body->dump();
  auto external_id = fields.required_string("external_id", kMaxExternalIdBytes);
  if (!external_id) return external_id.error();
  if (external_id->empty() || external_id->find('/') != std::string::npos)
    return invalid("external_id", "must be 1 to 128 bytes without /");
  appointment.external_id = std::move(*external_id);
  auto to = fields.required_string("to", 64);
  if (!to) return to.error();
  appointment.to = std::move(*to);
  auto at = fields.time("at");
  if (!at) return at.error();
  if (!*at) return missing("at");
  appointment.at = **at;
  auto text = fields.string("text", kMaxTextBytes);
  if (!text) return text.error();
  auto template_name = fields.string("template", kMaxTemplateNameBytes);
  if (!template_name) return template_name.error();
  if (*text && *template_name) return invalid("template", "give either text or template, not both");
  if (!*text && !*template_name)
    return Error{"text: give the reminders' text, or a template", ErrorCode::kMissingField, "text"};
  if (*text) {
    if (Status checked = check_text(**text); !checked) return checked.error();
    appointment.text = std::move(**text);
  }
  appointment.template_name = std::move(*template_name);
  auto variables = read_template_variables(fields);
  if (!variables) return variables.error();
  appointment.variables = std::move(*variables);
  auto language = read_template_language(fields);
  if (!language) return language.error();
  if (*language) appointment.language = std::move(**language);
  if (body->contains("reminders")) {
    auto reminders = read_reminders(fields);
    if (!reminders) return reminders.error();
    appointment.reminders = std::move(*reminders);
  }
  auto confirm = fields.boolean("confirm");
  if (!confirm) return confirm.error();
  appointment.confirm = confirm->value_or(false);
  if (Status done = fields.finish(); !done) return done.error();
  return appointment;
}

Result<dispatch::AppointmentUpdate> read_update(const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return body.error();
  Fields fields(*body);
  dispatch::AppointmentUpdate update;
  auto at = fields.time("at");
  if (!at) return at.error();
  update.at = *at;
  auto to = fields.string("to", 64);
  if (!to) return to.error();
  update.to = std::move(*to);
  auto text = fields.string("text", kMaxTextBytes);
  if (!text) return text.error();
  auto template_name = fields.string("template", kMaxTemplateNameBytes);
  if (!template_name) return template_name.error();
  if (*text && *template_name) return invalid("template", "give either text or template, not both");
  if (*text) {
    if (Status checked = check_text(**text); !checked) return checked.error();
    update.text = std::move(*text);
  }
  update.template_name = std::move(*template_name);
  if (body->contains("variables")) {
    auto variables = read_template_variables(fields);
    if (!variables) return variables.error();
    update.variables = std::move(*variables);
  }
  auto language = read_template_language(fields);
  if (!language) return language.error();
  if (*language) update.language = std::move(*language);
  if (body->contains("reminders")) {
    auto reminders = read_reminders(fields);
    if (!reminders) return reminders.error();
    update.reminders = std::move(*reminders);
  }
  auto notify = fields.boolean("notify");
  if (!notify) return notify.error();
  update.notify = notify->value_or(false);
  if (Status done = fields.finish(); !done) return done.error();
  return update;
}

Response appointment_error(const Error& error, const std::string& external_id) {
  if (error.code == ErrorCode::kNotFound) return not_found("appointment", external_id);
  if (error.code == ErrorCode::kStorage || error.code == ErrorCode::kStorageUnavailable ||
      error.code == ErrorCode::kInternal)
    return server_error(error);
  return error_from(error);
}

Response book_appointment(ApiContext& context, const Request& request, const Caller& caller) {
  auto appointment = read_appointment(request);
  if (!appointment) return error_from(appointment.error());
  auto outcome = context.appointments->create(*appointment, context.clock.now());
  if (!outcome) return appointment_error(outcome.error(), appointment->external_id);
  if (!outcome->replayed)
    audit(context, request, caller.name, auth::action::kAppointmentAdd, appointment->external_id);
  return json_response(outcome->replayed ? 200 : 201, outcome_json(*outcome));
}

Response change_appointment(ApiContext& context, const Request& request, const Caller& caller) {
  const std::string& external_id = request.params.at(0);
  auto update = read_update(request);
  if (!update) return error_from(update.error());
  auto outcome = context.appointments->change(external_id, *update, context.clock.now());
  if (!outcome) return appointment_error(outcome.error(), external_id);
  audit(context, request, caller.name, auth::action::kAppointmentChange, external_id);
  return json_response(200, outcome_json(*outcome));
}

Response cancel_appointment(ApiContext& context, const Request& request, const Caller& caller) {
  const std::string& external_id = request.params.at(0);
  bool notify = false;
  if (auto given = query_param(request, "notify")) {
    if (*given != "true" && *given != "false")
      return error_from(invalid("notify", "must be true or false"));
    notify = *given == "true";
  }
  auto outcome = context.appointments->cancel(external_id, notify, context.clock.now());
  if (!outcome) return appointment_error(outcome.error(), external_id);
  audit(context, request, caller.name, auth::action::kAppointmentCancel, external_id);
  return json_response(200, outcome_json(*outcome));
}

Response get_appointment(ApiContext& context, const Request& request) {
  auto found = context.store.find_appointment(request.params.at(0));
  if (!found) return server_error(found.error());
  if (!*found) return not_found("appointment", request.params.at(0));
  return json_response(200, appointment_json({std::move(**found), {}, {}, false}));
}

Response list_appointments(ApiContext& context, const Request& request) {
  auto page = page_params(request);
  if (!page) return error_from(page.error());
  store::AppointmentFilter filter;
  filter.limit = page->limit;
  filter.cursor = page->cursor;
  if (auto state = query_param(request, "state")) {
    filter.state = store::parse_appointment_state(*state);
    if (!filter.state)
      return error_from(invalid("state", "must be scheduled, confirmed, declined or cancelled"));
  }
  auto from = query_time(query_param(request, "from"), "from");
  if (!from) return error_from(from.error());
  filter.from = *from;
  auto until = query_time(query_param(request, "until"), "until");
  if (!until) return error_from(until.error());
  filter.until = *until;
  auto listed = context.store.list_appointments(filter);
  if (!listed) return error_from(listed.error());
  return page_response(*listed, [](const store::AppointmentRecord& record) {
    return appointment_json({store::AppointmentDetail{record, {}}, {}, {}, false});
  });
}

}  // namespace

void add_appointment_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/appointments", Scope::kAppointments, list_appointments},
      {"POST", "/api/v1/appointments", Scope::kAppointments, book_appointment},
      {"GET", "/api/v1/appointments/{external_id}", Scope::kAppointments, get_appointment},
      {"PATCH", "/api/v1/appointments/{external_id}", Scope::kAppointments, change_appointment},
      {"DELETE", "/api/v1/appointments/{external_id}", Scope::kAppointments, cancel_appointment},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

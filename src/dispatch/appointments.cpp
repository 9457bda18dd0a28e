#include "dispatch/appointments.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "policy/appointment_schedule.h"
#include "policy/phone.h"
#include "store/event_json.h"

namespace smsgate::dispatch {
namespace {

using store::AppointmentRecord;
using store::AppointmentRole;
using store::AppointmentState;

std::string variables_json(const policy::TemplateVariables& variables) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : variables) object[name] = value;
  return object.dump();
}

policy::TemplateVariables variables_from(const std::string& json) {
  policy::TemplateVariables variables;
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_object()) return variables;
  for (const auto& [name, value] : parsed.items())
    if (value.is_string()) variables[name] = value.get<std::string>();
  return variables;
}

// The variables a text of the appointment is filled from: the caller's, and `at`, the
// appointment's time, which {date}, {time} and {weekday} write.
policy::TemplateVariables filled_variables(const AppointmentRecord& record) {
  policy::TemplateVariables variables = variables_from(record.variables);
  variables["at"] = store::iso8601_utc(record.at);
  return variables;
}

bool waiting(store::MessageStatus status) {
  return status == store::MessageStatus::kQueued || status == store::MessageStatus::kScheduled;
}

// Sent, or on its way: a reminder that is not to be sent again for the same time.
bool gone_out(store::MessageStatus status) {
  return status == store::MessageStatus::kSending || status == store::MessageStatus::kSent ||
         status == store::MessageStatus::kDelivered;
}

std::string no_prefix(size_t) { return {}; }

}  // namespace

void AppointmentBook::set_settings(AppointmentSettings settings) {
  MutexLock lock(mutex_);
  settings_ = std::move(settings);
}

AppointmentSettings AppointmentBook::settings() const {
  MutexLock lock(mutex_);
  return settings_;
}

Result<std::string> AppointmentBook::language_of(const std::optional<std::string>& language,
                                                 const std::optional<std::string>& template_name) {
  if (language) return *language;
  if (template_name) {
    auto found = store_.find_template(*template_name);
    if (!found) return found.error();
    if (!*found)
      return Error{"template: no template called \"" + *template_name + "\"",
                   ErrorCode::kInvalidField, "template"};
    if ((*found)->language) return *(*found)->language;
  }
  return std::string("en");
}

Result<AppointmentBook::Reminders> AppointmentBook::plan_reminders(
    const AppointmentRecord& record, const std::vector<int64_t>& already_sent,
    const AppointmentSettings& settings, int64_t now) {
  Reminders planned;
  const policy::TemplateVariables variables = filled_variables(record);
  std::optional<std::string> text;
  if (record.text) {
    auto rendered = policy::render_template(*record.text, variables, record.language.value_or("en"),
                                            settings.zone);
    if (!rendered) return rendered.error();
    text = std::move(*rendered);
  }
  for (int64_t offset : record.reminders) {
    if (std::find(already_sent.begin(), already_sent.end(), offset) != already_sent.end()) continue;
    policy::PlannedReminder plan =
        policy::plan_reminder(record.at, offset, now, settings.quiet_hours, settings.zone);
    if (!plan.send_at) {
      planned.skipped.push_back({offset, plan.due_at, plan.skipped});
      continue;
    }
    OutgoingRequest request;
    request.to = record.to;
    if (text) {
      request.text = *text;
    } else {
      request.template_name = record.template_name;
      request.variables = variables;
    }
    request.category = policy::Category::kReminder;
    request.category_given = true;
    request.send_at = *plan.send_at;
    // Gone stale at the appointment: the dispatcher expires it rather than send it
    // later, and the network keeps it no longer either.
    request.ttl_ms = record.at - *plan.send_at;
    request.expect_reply = true;
    request.external_id = record.external_id;
    planned.requests.emplace_back(std::move(request));
    planned.links.push_back({AppointmentRole::kReminder, offset});
  }
  return planned;
}

Result<OutgoingRequest> AppointmentBook::notice(const AppointmentRecord& record,
                                                const std::string& text,
                                                const policy::TimeZone& zone, bool expect_reply) {
  auto rendered =
      policy::render_template(text, filled_variables(record), record.language.value_or("en"), zone);
  if (!rendered) return rendered.error();
  OutgoingRequest request;
  request.to = record.to;
  request.text = std::move(*rendered);
  request.category = policy::Category::kTransactional;
  request.category_given = true;
  request.expect_reply = expect_reply;
  request.external_id = record.external_id;
  return request;
}

Result<AppointmentOutcome> AppointmentBook::outcome_of(const std::string& external_id) {
  auto found = store_.find_appointment(external_id);
  if (!found) return found.error();
  if (!*found) return Error{"no appointment \"" + external_id + "\"", ErrorCode::kNotFound, ""};
  return AppointmentOutcome{std::move(**found), {}, {}, false};
}

Result<AppointmentOutcome> AppointmentBook::create(const AppointmentRequest& request, int64_t now) {
  auto existing = store_.find_appointment(request.external_id);
  if (!existing) return existing.error();
  if (*existing) {
    if ((*existing)->appointment.request != request.canonical)
      return Error{"external_id: there is already an appointment \"" + request.external_id +
                       "\", made with another request; change it with PATCH",
                   ErrorCode::kNameTaken, "external_id"};
    return AppointmentOutcome{std::move(**existing), {}, {}, true};
  }
  auto to = policy::normalize_number(request.to, intake_.defaults().default_region);
  if (!to) return Error{"to: " + to.error().message, ErrorCode::kInvalidNumber, "to"};
  if (request.at <= now)
    return Error{"at: the appointment's time has passed", ErrorCode::kInvalidField, "at"};
  auto language = language_of(request.language, request.template_name);
  if (!language) return language.error();

  AppointmentRecord record;
  record.external_id = request.external_id;
  record.to = *to;
  record.at = request.at;
  record.text = request.text;
  record.template_name = request.template_name;
  record.variables = variables_json(request.variables);
  record.language = *language;
  const AppointmentSettings settings = this->settings();
  record.reminders = request.reminders.value_or(settings.default_reminders);
  record.request = request.canonical;

  std::vector<Result<OutgoingRequest>> items;
  std::vector<store::AppointmentLink> links;
  if (request.confirm) {
    items.push_back(notice(record, settings.confirmation_text, settings.zone, true));
    links.push_back({AppointmentRole::kConfirmation, std::nullopt});
  }
  auto reminders = plan_reminders(record, {}, settings, now);
  if (!reminders) return reminders.error();
  for (auto& item : reminders->requests) items.push_back(std::move(item));
  links.insert(links.end(), reminders->links.begin(), reminders->links.end());

  auto accepted = intake_.submit_with(
      std::move(items), now, no_prefix, [&](std::vector<store::NewMessage> messages) {
        auto created = store_.create_appointment(record, messages, links, now);
        if (!created) return Result<std::vector<store::SubmitResult>>(created.error());
        return Result<std::vector<store::SubmitResult>>(std::move(created->second));
      });
  if (!accepted) return accepted.error();
  auto outcome = outcome_of(record.external_id);
  if (outcome) outcome->skipped = std::move(reminders->skipped);
  return outcome;
}

Result<AppointmentOutcome> AppointmentBook::change(const std::string& external_id,
                                                   const AppointmentUpdate& update, int64_t now) {
  auto found = store_.find_appointment(external_id);
  if (!found) return found.error();
  if (!*found) return Error{"no appointment \"" + external_id + "\"", ErrorCode::kNotFound, ""};
  const store::AppointmentDetail& stored = **found;
  if (stored.appointment.state == AppointmentState::kCancelled)
    return Error{"appointment \"" + external_id + "\" is cancelled; book it again with POST",
                 ErrorCode::kNotCancellable, ""};

  AppointmentRecord record = stored.appointment;
  if (update.to) {
    auto to = policy::normalize_number(*update.to, intake_.defaults().default_region);
    if (!to) return Error{"to: " + to.error().message, ErrorCode::kInvalidNumber, "to"};
    record.to = *to;
  }
  const bool moved = update.at && *update.at != record.at;
  if (update.at) {
    if (*update.at <= now)
      return Error{"at: the appointment's time has passed", ErrorCode::kInvalidField, "at"};
    record.at = *update.at;
  }
  if (update.text) {
    record.text = update.text;
    record.template_name.reset();
  }
  if (update.template_name) {
    record.template_name = update.template_name;
    record.text.reset();
  }
  if (update.variables) record.variables = variables_json(*update.variables);
  if (update.reminders) record.reminders = *update.reminders;
  if (update.language || update.template_name) {
    auto language = language_of(update.language, record.template_name);
    if (!language) return language.error();
    record.language = *language;
  }
  if (moved) record.state = AppointmentState::kScheduled;

  // Every reminder that still waits goes; those sent for this very time stay, and their
  // offsets are not sent again.
  std::vector<int64_t> cancel;
  std::vector<int64_t> already_sent;
  for (const store::AppointmentMessage& message : stored.messages) {
    if (message.role != AppointmentRole::kReminder) continue;
    if (waiting(message.status)) cancel.push_back(message.message_id);
    if (!moved && gone_out(message.status) && message.offset_ms)
      already_sent.push_back(*message.offset_ms);
  }
  const AppointmentSettings settings = this->settings();
  auto reminders = plan_reminders(record, already_sent, settings, now);
  if (!reminders) return reminders.error();
  std::vector<Result<OutgoingRequest>> items;
  std::vector<store::AppointmentLink> links;
  if (update.notify) {
    items.push_back(notice(record, settings.moved_text, settings.zone, true));
    links.push_back({AppointmentRole::kMoved, std::nullopt});
  }
  for (auto& item : reminders->requests) items.push_back(std::move(item));
  links.insert(links.end(), reminders->links.begin(), reminders->links.end());

  std::vector<int64_t> left;
  auto accepted = intake_.submit_with(
      std::move(items), now, no_prefix, [&](std::vector<store::NewMessage> messages) {
        auto changed =
            store_.change_appointment(record, cancel, "appointment changed", messages, links, now);
        if (!changed) return Result<std::vector<store::SubmitResult>>(changed.error());
        left = std::move(changed->left);
        return Result<std::vector<store::SubmitResult>>(std::move(changed->submitted));
      });
  if (!accepted) return accepted.error();
  auto outcome = outcome_of(external_id);
  if (!outcome) return outcome;
  outcome->skipped = std::move(reminders->skipped);
  outcome->left = std::move(left);
  return outcome;
}

Result<AppointmentOutcome> AppointmentBook::cancel(const std::string& external_id, bool notify,
                                                   int64_t now) {
  auto found = store_.find_appointment(external_id);
  if (!found) return found.error();
  if (!*found) return Error{"no appointment \"" + external_id + "\"", ErrorCode::kNotFound, ""};
  const store::AppointmentDetail& stored = **found;
  if (stored.appointment.state == AppointmentState::kCancelled)
    return AppointmentOutcome{stored, {}, {}, false};

  AppointmentRecord record = stored.appointment;
  record.state = AppointmentState::kCancelled;
  std::vector<int64_t> cancel;
  for (const store::AppointmentMessage& message : stored.messages)
    if (waiting(message.status)) cancel.push_back(message.message_id);
  std::vector<Result<OutgoingRequest>> items;
  std::vector<store::AppointmentLink> links;
  if (notify) {
    const AppointmentSettings settings = this->settings();
    items.push_back(notice(record, settings.cancelled_text, settings.zone, false));
    links.push_back({AppointmentRole::kCancelled, std::nullopt});
  }
  std::vector<int64_t> left;
  auto accepted = intake_.submit_with(
      std::move(items), now, no_prefix, [&](std::vector<store::NewMessage> messages) {
        auto changed = store_.change_appointment(record, cancel, "appointment cancelled", messages,
                                                 links, now);
        if (!changed) return Result<std::vector<store::SubmitResult>>(changed.error());
        left = std::move(changed->left);
        return Result<std::vector<store::SubmitResult>>(std::move(changed->submitted));
      });
  if (!accepted) return accepted.error();
  auto outcome = outcome_of(external_id);
  if (outcome) outcome->left = std::move(left);
  return outcome;
}

Result<std::optional<AppointmentBook::Answer>> AppointmentBook::answer_of(
    const store::InboundMessage& reply) {
  if (!reply.in_reply_to) return std::optional<Answer>();
  auto appointment = store_.appointment_for_message(reply.in_reply_to->id);
  if (!appointment) return appointment.error();
  if (!*appointment || (*appointment)->to != reply.from ||
      (*appointment)->state == AppointmentState::kCancelled)
    return std::optional<Answer>();
  const policy::ReplyMeaning meaning =
      settings().reply_words.meaning(reply.text, (*appointment)->language.value_or("en"));
  if (meaning == policy::ReplyMeaning::kNeither) return std::optional<Answer>();
  return std::optional<Answer>(
      Answer{std::move(**appointment), meaning == policy::ReplyMeaning::kYes});
}

bool AppointmentBook::answers(const store::InboundMessage& reply) {
  auto answer = answer_of(reply);
  if (!answer) {
    spdlog::error("appointments: reply {} not looked at: {}", reply.id, answer.error().message);
    return false;
  }
  return answer->has_value();
}

void AppointmentBook::take_reply(const store::InboundMessage& reply, int64_t now) {
  auto answer = answer_of(reply);
  if (!answer) {
    spdlog::error("appointments: reply {} not looked at: {}", reply.id, answer.error().message);
    return;
  }
  if (!*answer) return;
  const bool yes = (*answer)->yes;
  const AppointmentRecord& appointment = (*answer)->appointment;
  auto answered = store_.answer_appointment(
      appointment.id, yes ? AppointmentState::kConfirmed : AppointmentState::kDeclined,
      yes ? "appointment.confirmed" : "appointment.declined", reply.id, reply.in_reply_to->id, now);
  if (!answered) {
    spdlog::error("appointments: reply {} to appointment {} not recorded: {}", reply.id,
                  appointment.external_id, answered.error().message);
    return;
  }
  if (*answered)
    spdlog::info("appointments: {} {} by reply {}", (*answered)->external_id,
                 yes ? "confirmed" : "declined", reply.id);
}

}  // namespace smsgate::dispatch

#include "email/mail_back.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>

#include "email/mail_compose.h"

namespace smsgate::email {
namespace {

using nlohmann::json;

constexpr int kPageSize = 100;
// The place in the log is written with the mail; events that make none move it in
// memory and are written this often, so a restart reads at most these again.
constexpr int kEventsBetweenCursorWrites = 256;
// How long the thread sleeps when no commit logs an event (errors are retried then).
constexpr auto kIdleWait = std::chrono::seconds(5);

std::optional<int64_t> integer_at(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number_integer()) return std::nullopt;
  return found->get<int64_t>();
}

std::optional<std::string> string_at(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

std::optional<store::InboundMessage> inbound_from(const json& data, int64_t received_at) {
  auto id = integer_at(data, "id");
  auto from = string_at(data, "from");
  auto text = string_at(data, "text");
  if (!id || !from || !text) return std::nullopt;
  store::InboundMessage message;
  message.id = *id;
  message.from = std::move(*from);
  message.text = std::move(*text);
  message.modem = string_at(data, "modem").value_or("");
  message.received_at = received_at;
  message.parts = static_cast<int>(integer_at(data, "parts").value_or(1));
  auto answered = data.find("in_reply_to");
  if (answered != data.end() && answered->is_object()) {
    if (auto answered_id = integer_at(*answered, "id")) {
      store::ReplyTo reply;
      reply.id = *answered_id;
      reply.external_id = string_at(*answered, "external_id");
      if (auto name = string_at(*answered, "category"))
        reply.category = policy::parse_category(*name).value_or(reply.category);
      message.in_reply_to = reply;
    }
  }
  return message;
}

bool same_domain(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The mail back's envelope and thread: an empty address when nobody is to get it.
store::NewMail mail_back(const store::EmailOrigin& origin, std::string_view number,
                         const MailBackSettings& settings, std::string message_id) {
  store::NewMail mail;
  mail.to_address = settings.reports_to.value_or(origin.envelope_from);
  auto bare = mailbox_address(mail.to_address);
  if (bare && !settings.sms_domain.empty() &&
      same_domain(address_domain(*bare), settings.sms_domain))
    mail.to_address.clear();
  mail.subject = reply_subject(origin.subject, number);
  mail.message_id = std::move(message_id);
  if (origin.mail_message_id) {
    mail.in_reply_to = *origin.mail_message_id;
    mail.references = {*origin.mail_message_id};
  }
  return mail;
}

}  // namespace

const std::vector<std::string>& mail_event_names() {
  static const std::vector<std::string> names{"message.delivered", "message.failed",
                                              "message.expired", "inbound.received"};
  return names;
}

std::optional<MailEvent> parse_mail_event(const store::LoggedEvent& event) {
  json envelope = json::parse(event.body, nullptr, false);
  if (!envelope.is_object()) return std::nullopt;
  auto data = envelope.find("data");
  if (data == envelope.end() || !data->is_object()) return std::nullopt;
  if (event.event == "inbound.received") {
    auto message = inbound_from(*data, event.created_at);
    if (!message) return std::nullopt;
    return MailEvent(std::move(*message));
  }
  if (event.event != "message.delivered" && event.event != "message.failed" &&
      event.event != "message.expired")
    return std::nullopt;
  auto id = integer_at(*data, "id");
  auto to = string_at(*data, "to");
  if (!id || !to) return std::nullopt;
  return MailEvent(FinalStatus{*id, std::move(*to), event.event == "message.delivered",
                               string_at(*data, "reason").value_or(""), event.created_at});
}

std::optional<int64_t> origin_message(const MailEvent& event) {
  if (const auto* status = std::get_if<FinalStatus>(&event)) return status->message_id;
  const auto& reply = std::get<store::InboundMessage>(event);
  if (!reply.in_reply_to) return std::nullopt;
  return reply.in_reply_to->id;
}

std::string reply_subject(const std::optional<std::string>& subject, std::string_view to) {
  if (!subject || subject->empty()) return "Re: SMS to " + std::string(to);
  const std::string& text = *subject;
  const bool is_reply = text.size() >= 3 &&
                        std::tolower(static_cast<unsigned char>(text[0])) == 'r' &&
                        std::tolower(static_cast<unsigned char>(text[1])) == 'e' && text[2] == ':';
  return is_reply ? text : "Re: " + text;
}

std::vector<store::NewMail> mails_for_event(const MailEvent& event,
                                            const std::optional<store::EmailOrigin>& origin,
                                            const std::vector<ForwardRule>& forwards,
                                            const MailBackSettings& settings,
                                            const std::function<std::string()>& new_message_id) {
  std::vector<store::NewMail> mails;
  if (const auto* status = std::get_if<FinalStatus>(&event)) {
    const bool wanted = status->delivered ? settings.report_delivered : settings.report_failed;
    if (!origin || !wanted) return mails;
    store::NewMail mail = mail_back(*origin, status->to, settings, new_message_id());
    if (mail.to_address.empty()) return mails;
    if (status->delivered) {
      mail.body = "Your text to " + status->to + " was delivered on " +
                  local_time_text(status->at, settings.zone) + ".\n";
    } else {
      mail.body =
          "Your text to " + status->to + " was not delivered.\nReason: " + status->reason + "\n";
    }
    mail.outbound_id = status->message_id;
    mails.push_back(std::move(mail));
    return mails;
  }
  const auto& text = std::get<store::InboundMessage>(event);
  for (const ForwardRule& rule : forwards)
    if (forward_matches(rule, text.from))
      mails.push_back(forward_mail(rule, text, settings.zone, new_message_id()));
  if (!origin || !settings.report_replies || !text.in_reply_to) return mails;
  store::NewMail mail = mail_back(*origin, text.from, settings, new_message_id());
  if (mail.to_address.empty()) return mails;
  mail.body = inbound_mail_body(text, settings.zone);
  mail.inbound_id = text.id;
  mail.outbound_id = text.in_reply_to->id;
  mails.push_back(std::move(mail));
  return mails;
}

Result<std::unique_ptr<MailBack>> MailBack::start(store::Store& store, const Clock& clock,
                                                  MailBackSettings settings,
                                                  std::function<void()> mail_written) {
  auto cursor = store.start_mail_event_cursor();
  if (!cursor) return make_error("mail: " + cursor.error().message);
  return std::unique_ptr<MailBack>(
      new MailBack(store, clock, std::move(settings), std::move(mail_written), *cursor));
}

MailBack::MailBack(store::Store& store, const Clock& clock, MailBackSettings settings,
                   std::function<void()> mail_written, int64_t cursor)
    : store_(store),
      clock_(clock),
      mail_written_(std::move(mail_written)),
      settings_(std::move(settings)),
      cursor_(cursor),
      persisted_cursor_(cursor) {
  thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

MailBack::~MailBack() { stop(); }

void MailBack::set_settings(MailBackSettings settings) {
  MutexLock lock(settings_mutex_);
  settings_ = std::move(settings);
}

std::vector<ForwardRule> MailBack::configured_forwards() {
  MutexLock lock(settings_mutex_);
  return settings_.forwards;
}

void MailBack::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  // What the thread read without making mail, so a restart need not read it again.
  MutexLock lock(turn_mutex_);
  if (cursor_ != persisted_cursor_) {
    if (auto written = store_.enqueue_mails_from_events({}, cursor_, clock_.now()); written)
      persisted_cursor_ = cursor_;
  }
}

void MailBack::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const uint64_t seen = store_.event_generation();
    if (auto made = catch_up(); !made)
      spdlog::error("mail: the event log could not be turned into mail: {}", made.error().message);
    store_.wait_for_events(seen, MonotonicClock::now() + kIdleWait, stop);
  }
}

Result<int> MailBack::catch_up() {
  MutexLock lock(turn_mutex_);
  int made = 0;
  for (;;) {
    auto page = take_page(clock_.now());
    if (!page) return page.error();
    if (!*page) return made;
    made += **page;
  }
}

Result<std::optional<int>> MailBack::take_page(int64_t now) {
  auto events = store_.events_after(cursor_, mail_event_names(), kPageSize);
  if (!events) return events.error();
  if (events->empty()) return std::optional<int>();
  MailBackSettings settings;
  {
    MutexLock lock(settings_mutex_);
    settings = settings_;
  }
  std::vector<ForwardRule> forwards = settings.forwards;
  auto stored = store_.list_forwards();
  if (!stored) return stored.error();
  for (store::ForwardRecord& record : *stored)
    forwards.push_back({record.id, std::move(record.to_address), std::move(record.from_numbers),
                        std::move(record.subject)});
  const auto new_message_id = [&] { return make_message_id(settings.message_domain); };

  std::vector<store::NewMail> mails;
  for (const store::LoggedEvent& logged : *events) {
    auto event = parse_mail_event(logged);
    if (!event) {
      spdlog::warn("mail: event {} ({}) is not understood; nothing is mailed for it", logged.id,
                   logged.event);
      continue;
    }
    std::optional<store::EmailOrigin> origin;
    if (auto message = origin_message(*event)) {
      auto found = store_.email_origin(*message);
      if (!found) return found.error();
      origin = std::move(*found);
    }
    for (store::NewMail& mail : mails_for_event(*event, origin, forwards, settings, new_message_id))
      mails.push_back(std::move(mail));
  }
  const int64_t last = events->back().id;
  if (mails.empty() && last - persisted_cursor_ < kEventsBetweenCursorWrites) {
    cursor_ = last;
    return std::optional<int>(0);
  }
  auto written = store_.enqueue_mails_from_events(mails, last, now);
  if (!written) return written.error();
  cursor_ = persisted_cursor_ = last;
  if (*written > 0 && mail_written_) mail_written_();
  return std::optional<int>(*written);
}

}  // namespace smsgate::email

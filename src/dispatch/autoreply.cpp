#include "dispatch/autoreply.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "policy/phone.h"
#include "store/event_json.h"

namespace smsgate::dispatch {
namespace {

constexpr const char* kKindRule = "rule";
constexpr const char* kKindHelp = "help";
constexpr const char* kKindOptOut = "optout";
constexpr const char* kKindOptIn = "optin";
constexpr const char* kKindOutOfHours = "out_of_hours";

OutgoingRequest reply_to(const std::string& number, std::string text) {
  OutgoingRequest request;
  request.to = number;
  request.text = std::move(text);
  request.category = policy::Category::kTransactional;
  // An answer asks nothing: a text back is not a reply to it.
  request.expect_reply = false;
  return request;
}

bool is_help(const std::string& text, const std::vector<std::string>& keywords) {
  return std::any_of(keywords.begin(), keywords.end(), [&](const std::string& keyword) {
    auto matcher = policy::RuleMatcher::create(policy::MatchKind::kKeyword, keyword);
    return matcher && matcher->matches(text);
  });
}

policy::TimeZone zone_named(const std::string& name) {
  auto zone = policy::TimeZone::create(name);
  return zone ? *zone : policy::TimeZone::utc();
}

}  // namespace

AutoReplier::AutoReplier(store::Store& store, Intake& intake, AutoReplySettings settings)
    : store_(store), intake_(intake), settings_(std::move(settings)) {}

void AutoReplier::set_settings(AutoReplySettings settings) {
  MutexLock lock(mutex_);
  settings_ = std::move(settings);
}

AutoReplyCounters AutoReplier::counters() const {
  MutexLock lock(mutex_);
  return counters_;
}

void AutoReplier::count(uint64_t AutoReplyCounters::*counter) {
  MutexLock lock(mutex_);
  ++(counters_.*counter);
}

void AutoReplier::answer(const store::InboundMessage& message, policy::KeywordKind keyword,
                         int64_t now) {
  AutoReplySettings settings;
  {
    MutexLock lock(mutex_);
    settings = settings_;
  }
  if (!settings.enabled) return;
  auto number = policy::normalize_number(message.from, settings.default_region);
  std::optional<Reply> reply =
      choose(message, keyword, number ? *number : message.from, settings, now);
  if (!reply) return;
  if (!number || !policy::answerable_sender(message.from, settings.default_region)) {
    count(&AutoReplyCounters::unanswerable);
    spdlog::info("inbound message {}: no automatic reply to a sender that is no phone number",
                 message.id);
    return;
  }
  auto recent = store_.count_auto_replies(*number, now - kReplyWindowMs);
  if (!recent) {
    count(&AutoReplyCounters::failed);
    spdlog::error("inbound message {}: automatic reply not sent: {}", message.id,
                  recent.error().message);
    return;
  }
  if (*recent >= kMaxRepliesPerNumber) {
    count(&AutoReplyCounters::capped);
    spdlog::warn(
        "inbound message {}: no automatic reply ({}): the number got {} in the last {} minutes "
        "already",
        message.id, reply->kind, *recent, kReplyWindowMs / 60000);
    return;
  }
  auto accepted = intake_.submit(reply->request, now);
  if (!accepted) {
    count(&AutoReplyCounters::failed);
    spdlog::warn("inbound message {}: automatic reply ({}) refused: {}", message.id, reply->kind,
                 accepted.error().message);
    return;
  }
  store::AutoReplyRecord record{message.id,  accepted->stored.id, *number,
                                reply->kind, reply->rule_id,      now};
  if (Status recorded = store_.record_auto_reply(record); !recorded) {
    spdlog::error("inbound message {}: automatic reply {} sent but not recorded: {}", message.id,
                  accepted->stored.id, recorded.error().message);
  }
  count(&AutoReplyCounters::sent);
  spdlog::info("inbound message {}: automatic reply ({}) is message {}", message.id, reply->kind,
               accepted->stored.id);
}

std::optional<AutoReplier::Reply> AutoReplier::choose(const store::InboundMessage& message,
                                                      policy::KeywordKind keyword,
                                                      const std::string& number,
                                                      const AutoReplySettings& settings,
                                                      int64_t now) {
  switch (keyword) {
    case policy::KeywordKind::kOptOut: {
      // Once per opt-out: STOP sent again is not confirmed again.
      auto since = store_.opted_out_at(number);
      if (!since || !*since) return std::nullopt;
      auto confirmed = store_.count_auto_replies(number, **since, kKindOptOut);
      if (!confirmed || *confirmed > 0) return std::nullopt;
      auto text = config_text(settings.optout_text, number, settings);
      if (!text) return std::nullopt;
      Reply reply{kKindOptOut, std::nullopt, reply_to(number, std::move(*text))};
      reply.request.confirms_optout = true;
      return reply;
    }
    case policy::KeywordKind::kOptIn: {
      auto text = config_text(settings.optin_text, number, settings);
      if (!text) return std::nullopt;
      return Reply{kKindOptIn, std::nullopt, reply_to(number, std::move(*text))};
    }
    case policy::KeywordKind::kNone:
      break;
  }
  if (is_help(message.text, settings.help_keywords)) {
    auto text = config_text(settings.help_text, number, settings);
    if (!text) return std::nullopt;
    return Reply{kKindHelp, std::nullopt, reply_to(number, std::move(*text))};
  }
  if (auto reply = from_rules(message, number)) return reply;
  return out_of_hours(message, number, settings, now);
}

std::optional<AutoReplier::Reply> AutoReplier::from_rules(const store::InboundMessage& message,
                                                          const std::string& number) {
  auto rules = store_.list_rules();
  if (!rules) {
    spdlog::error("auto-reply rules: {}", rules.error().message);
    return std::nullopt;
  }
  std::map<int64_t, Compiled> still_there;
  std::optional<Reply> chosen;
  for (const store::RuleRecord& rule : *rules) {
    Compiled& compiled = compiled_[rule.id];
    if (compiled.updated_at != rule.updated_at) {
      auto kind =
          rule.match_kind == "regex" ? policy::MatchKind::kRegex : policy::MatchKind::kKeyword;
      auto matcher = policy::RuleMatcher::create(kind, rule.pattern);
      if (!matcher) spdlog::error("auto-reply rule {}: {}", rule.id, matcher.error().message);
      compiled.matcher = matcher ? std::optional(std::move(*matcher)) : std::nullopt;
      compiled.updated_at = rule.updated_at;
    }
    still_there.emplace(rule.id, compiled);
    if (chosen || !rule.enabled || !compiled.matcher || !compiled.matcher->matches(message.text))
      continue;
    if (rule.reply_template) {
      OutgoingRequest request = reply_to(number, "");
      request.template_name = rule.reply_template;
      // The intake adds the sender's contact, if there is one: {name}, {language}, fields.
      request.variables = rule.reply_variables;
      request.variables["number"] = number;
      request.variables["text"] = message.text;
      chosen = Reply{kKindRule, rule.id, std::move(request)};
    } else if (rule.reply_text) {
      chosen = Reply{kKindRule, rule.id, reply_to(number, *rule.reply_text)};
    }
  }
  compiled_ = std::move(still_there);
  return chosen;
}

std::optional<AutoReplier::Reply> AutoReplier::out_of_hours(const store::InboundMessage& message,
                                                            const std::string& number,
                                                            const AutoReplySettings& settings,
                                                            int64_t now) {
  // A reply to something the gateway asked (a rating, a confirmation) is no question.
  if (settings.out_of_hours_text.empty() || message.in_reply_to) return std::nullopt;
  policy::OpeningHours hours(settings.hours, zone_named(settings.timezone));
  if (!hours.any() || hours.open_at(now)) return std::nullopt;
  const int64_t closed_since = hours.last_closing(now).value_or(now - 7 * policy::kMillisPerDay);
  auto answered = store_.count_auto_replies(number, closed_since, kKindOutOfHours);
  if (!answered) {
    spdlog::error("inbound message {}: {}", message.id, answered.error().message);
    return std::nullopt;
  }
  if (*answered > 0) return std::nullopt;  // once per closed period
  policy::TemplateVariables opens;
  if (auto opening = hours.next_opening(now)) {
    auto written = policy::render_template("{opens:weekday} {opens:time}",
                                           {{"opens", store::iso8601_utc(*opening)}},
                                           settings.language, hours.zone());
    if (written) opens["opens"] = *written;
  }
  auto text = config_text(settings.out_of_hours_text, number, settings, opens);
  if (!text) return std::nullopt;
  return Reply{kKindOutOfHours, std::nullopt, reply_to(number, std::move(*text))};
}

std::optional<std::string> AutoReplier::config_text(const std::string& text,
                                                    const std::string& number,
                                                    const AutoReplySettings& settings,
                                                    const policy::TemplateVariables& more) {
  if (text.empty()) return std::nullopt;
  policy::TemplateVariables variables = more;
  variables["sender_name"] = settings.sender_name;
  variables["number"] = number;
  auto rendered =
      policy::render_template(text, variables, settings.language, zone_named(settings.timezone));
  if (!rendered) {
    spdlog::error("[autoreply]: a text does not render: {}", rendered.error().message);
    return std::nullopt;
  }
  return *rendered;
}

}  // namespace smsgate::dispatch

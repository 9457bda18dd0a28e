#include "dispatch/intake.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <utility>

#include "policy/phone.h"

namespace smsgate::dispatch {
namespace {

// Concatenation references only need to differ between messages to one phone; a
// seeded generator per thread spares a system call per message.
uint16_t random_reference() {
  thread_local std::mt19937 generator(std::random_device{}());
  return static_cast<uint16_t>(generator() & 0xFFFF);
}

Error named(Error error, const std::string& name) {
  if (name.empty()) return error;
  error.message = name + error.message;
  if (!error.field.empty()) error.field = name + error.field;
  return error;
}

}  // namespace

Error opted_out_error(const std::string& to) {
  return Error{"to: " + to + " has opted out of messages", ErrorCode::kRecipientOptedOut, "to"};
}

namespace {

// The configuration was checked at start; a zone it named that ICU no longer knows
// writes times in UTC rather than refusing every templated send.
policy::TimeZone zone_named(const std::string& name) {
  if (name.empty()) return policy::TimeZone::utc();
  auto zone = policy::TimeZone::create(name);
  return zone ? *zone : policy::TimeZone::utc();
}

}  // namespace

Intake::Intake(store::Store& store, ComposeDefaults defaults, std::function<void()> wake_dispatcher)
    : store_(store),
      defaults_(std::move(defaults)),
      zone_(zone_named(defaults_.timezone)),
      wake_dispatcher_(std::move(wake_dispatcher)) {}

Result<Intake::Rendered> Intake::render(const std::string& template_name,
                                        const policy::TemplateVariables& variables) {
  auto found = store_.find_template(template_name);
  if (!found) return found.error();
  if (!*found)
    return Error{"template: no template called \"" + template_name + "\"", ErrorCode::kInvalidField,
                 "template"};
  const store::TemplateRecord& stored = **found;
  auto text = policy::render_template(stored.text, variables, stored.language.value_or(""), zone_);
  if (!text) return text.error();
  Rendered rendered{std::move(*text), std::nullopt};
  if (stored.category) rendered.category = policy::parse_category(*stored.category);
  return rendered;
}

namespace {

// A contact's values as template variables, over `defaults`.
policy::TemplateVariables contact_variables(policy::TemplateVariables defaults,
                                            const store::ContactRecord& contact) {
  for (const auto& [name, value] : contact.fields) defaults.insert_or_assign(name, value);
  defaults.insert_or_assign("name", contact.name);
  defaults.insert_or_assign("number", contact.number);
  if (contact.language) defaults.insert_or_assign("language", *contact.language);
  return defaults;
}

}  // namespace

Result<store::NewMessage> Intake::compose(const OutgoingRequest& given, int64_t now,
                                          const store::ContactRecord* contact) {
  OutgoingRequest filled;
  if (given.template_name) {
    std::optional<store::ContactRecord> found;
    if (!contact) {
      // A number that does not normalise is refused below, by compose_message.
      if (auto number = policy::normalize_number(given.to, defaults_.default_region)) {
        auto looked_up = store_.find_contact_by_number(*number);
        if (!looked_up) return looked_up.error();
        found = std::move(*looked_up);
        if (found) contact = &*found;
      }
    }
    const policy::TemplateVariables& variables =
        contact ? contact_variables(given.variables, *contact) : given.variables;
    auto rendered = render(*given.template_name, variables);
    if (!rendered) return rendered.error();
    filled = given;
    filled.text = std::move(rendered->text);
    if (!given.category_given && rendered->category) filled.category = *rendered->category;
  }
  const OutgoingRequest& request = given.template_name ? filled : given;
  if (request.modem) {
    auto modems = store_.list_modems();
    if (!modems) return modems.error();
    bool known = std::any_of(modems->begin(), modems->end(), [&](const store::ModemRecord& m) {
      return m.identity.imei == *request.modem;
    });
    if (!known)
      return Error{"modem: no modem \"" + *request.modem + "\"", ErrorCode::kUnknownModem, "modem"};
  }
  return compose_message(request, now, random_reference(), defaults_);
}

Result<std::optional<size_t>> Intake::first_opted_out(
    const std::vector<store::NewMessage>& messages, const std::vector<bool>& confirms,
    int64_t now) {
  std::vector<std::string> numbers;
  std::vector<size_t> indexes;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (!policy::blocked_by_optout(messages[i].category)) continue;
    numbers.push_back(messages[i].to);
    indexes.push_back(i);
  }
  if (numbers.empty()) return std::optional<size_t>();
  auto opted_out = store_.are_opted_out(numbers);
  if (!opted_out) return opted_out.error();
  for (size_t j = 0; j < indexes.size(); ++j) {
    if (!(*opted_out)[j]) continue;
    const size_t i = indexes[j];
    if (i < confirms.size() && confirms[i]) {
      auto since = store_.opted_out_at(messages[i].to);
      if (!since) return since.error();
      if (*since && now - **since <= kOptOutConfirmationMs) {
        spdlog::info("the confirmation of an opt-out goes to the number that opted out");
        continue;
      }
    }
    return std::optional<size_t>(i);
  }
  return std::optional<size_t>();
}

void Intake::wake_if_due(const std::vector<store::SubmitResult>& stored) {
  bool due = std::any_of(stored.begin(), stored.end(), [](const store::SubmitResult& result) {
    return result.status == store::MessageStatus::kQueued && !result.existing;
  });
  if (due && wake_dispatcher_) wake_dispatcher_();
}

Result<Accepted> Intake::submit(const OutgoingRequest& request, int64_t now) {
  std::vector<Result<OutgoingRequest>> items;
  items.emplace_back(request);
  auto accepted = submit_batch(std::move(items), now, [](size_t) { return std::string(); });
  if (!accepted) return accepted.error();
  return std::move(accepted->front());
}

Result<std::vector<Accepted>> Intake::submit_batch(
    std::vector<Result<OutgoingRequest>> items, int64_t now,
    const std::function<std::string(size_t)>& item_name) {
  return submit_with(std::move(items), now, item_name,
                     [this, now](std::vector<store::NewMessage> messages) {
                       return store_.submit(std::move(messages), now);
                     });
}

Result<std::vector<Accepted>> Intake::submit_with(
    std::vector<Result<OutgoingRequest>> items, int64_t now,
    const std::function<std::string(size_t)>& item_name, const StoreMessages& store_them) {
  std::vector<store::NewMessage> messages;
  messages.reserve(items.size());
  std::vector<bool> confirms;
  std::optional<Error> invalid_item;  // the first; the messages before it are composed
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i]) {
      invalid_item = items[i].error();
      break;
    }
    auto message = compose(*items[i], now);
    if (!message) {
      invalid_item = named(message.error(), item_name(i));
      break;
    }
    messages.push_back(std::move(*message));
    confirms.push_back(items[i]->confirms_optout);
  }
  auto opted_out = first_opted_out(messages, confirms, now);
  if (!opted_out) return opted_out.error();
  if (*opted_out) return named(opted_out_error(messages[**opted_out].to), item_name(**opted_out));
  if (invalid_item) return *invalid_item;

  std::vector<Accepted> accepted(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) accepted[i].to = messages[i].to;
  auto stored = store_them(std::move(messages));
  if (!stored) return stored.error();
  wake_if_due(*stored);
  for (size_t i = 0; i < stored->size(); ++i) accepted[i].stored = std::move((*stored)[i]);
  return accepted;
}

Result<GroupAccepted> Intake::submit_to_group(const std::string& group,
                                              const OutgoingRequest& request, int64_t now) {
  auto members = store_.group_members(group);
  if (!members) return members.error();
  if (!*members)
    return Error{"group: there is no group called \"" + group + "\"", ErrorCode::kNotFound,
                 "group"};
  if ((*members)->empty())
    return Error{"group: \"" + group + "\" has no members", ErrorCode::kInvalidField, "group"};
  std::vector<std::string> numbers;
  for (const store::ContactRecord& member : **members) numbers.push_back(member.number);
  // A group send is never a one-time password: every opt-out applies.
  auto opted_out = store_.are_opted_out(numbers);
  if (!opted_out) return opted_out.error();

  GroupAccepted accepted;
  std::vector<store::NewMessage> messages;
  std::vector<Accepted> taken;
  for (size_t i = 0; i < (*members)->size(); ++i) {
    const store::ContactRecord& member = (**members)[i];
    if ((*opted_out)[i]) {
      ++accepted.skipped_opted_out;
      continue;
    }
    OutgoingRequest one = request;
    one.to = member.number;
    if (request.idempotency_key)
      one.idempotency_key = *request.idempotency_key + "#" + member.number;
    auto message = compose(one, now, &member);
    if (!message) {
      Error error = message.error();
      error.message += " for the member " + member.number;
      return error;
    }
    taken.push_back(Accepted{{}, message->to});
    messages.push_back(std::move(*message));
  }
  if (messages.empty()) return accepted;
  auto stored = store_.submit(std::move(messages), now);
  if (!stored) return stored.error();
  wake_if_due(*stored);
  for (size_t i = 0; i < stored->size(); ++i) taken[i].stored = std::move((*stored)[i]);
  accepted.messages = std::move(taken);
  return accepted;
}

Result<auth::OtpIssued> Intake::send_code(const auth::OtpMessage& code, int64_t now) {
  OutgoingRequest request;
  request.to = code.to;
  request.text = code.text;
  request.category = policy::Category::kOtp;
  request.ttl_ms = code.ttl_ms;
  request.idempotency_key = code.idempotency_key;
  auto message = compose(request, now);
  if (!message) {
    // The template is the only text here: name it rather than a "text" the caller never sent.
    const std::string& error = message.error().message;
    if (error.starts_with("text: ")) return make_error("template: " + error.substr(6));
    return message.error();
  }
  std::string to = message->to;
  int64_t expires_at = now + code.ttl_ms;
  auto submitted =
      store_.submit_otp(std::move(*message), code.code_hash, expires_at, now, code.limit);
  if (!submitted) return submitted.error();
  auth::OtpIssued issued;
  issued.to = std::move(to);
  if (submitted->refused_until) {
    issued.refused_until = submitted->refused_until;
    return issued;
  }
  issued.message_id = submitted->message.id;
  issued.expires_at = submitted->expires_at;
  issued.parts = submitted->message.parts;
  issued.encoding = submitted->message.encoding;
  issued.existing = submitted->message.existing;
  wake_if_due({submitted->message});
  return issued;
}

}  // namespace smsgate::dispatch

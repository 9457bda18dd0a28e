// SMS to email: /api/v1/forwards (the forwarding rules: the [[forward]] tables of the
// configuration, read-only here, and the API's own, added and deleted with the rules
// scope) and GET /api/v1/mail (the mail outbox, newest first, with each mail's state
// and the smarthost's last answer). Nothing about the smarthost's login is shown.
#include "email/mail_back.h"
#include "email/mail_compose.h"
#include "email/outbox.h"
#include "http/api.h"
#include "http/json_input.h"
#include "policy/phone.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

constexpr size_t kMaxAddressBytes = 320;  // RFC 5321 section 4.5.3.1: 64 + @ + 255
constexpr size_t kMaxSubjectBytes = 200;
constexpr size_t kMaxForwardNumbers = 100;

nlohmann::json forward_json(std::optional<int64_t> id, const std::string& to,
                            const std::vector<std::string>& from_numbers,
                            const std::string& subject) {
  return {{"id", id ? nlohmann::json(*id) : nlohmann::json(nullptr)},
          {"source", id ? "api" : "config"},
          {"to", to},
          {"from_numbers", from_numbers},
          {"subject", subject}};
}

// A mail about a message that came by email is mailed back: its reply when it carries
// an inbound text, else its delivery report; any other is a forwarded text.
std::string_view mail_kind(const store::NewMail& mail) {
  if (!mail.outbound_id) return "forward";
  return mail.inbound_id ? "reply" : "report";
}

nlohmann::json mail_json(const store::MailRecord& record) {
  auto optional_time = [](const std::optional<int64_t>& at) {
    return at ? nlohmann::json(store::iso8601_utc(*at)) : nlohmann::json(nullptr);
  };
  auto optional_id = [](const std::optional<int64_t>& id) {
    return id ? nlohmann::json(*id) : nlohmann::json(nullptr);
  };
  const bool waiting = record.state == store::MailState::kWaiting;
  return {{"id", record.id},
          {"to", record.mail.to_address},
          {"subject", record.mail.subject},
          {"message_id", record.mail.message_id},
          {"state", std::string(store::mail_state_name(record.state))},
          {"attempts", record.attempts},
          {"last_error", record.last_error ? nlohmann::json(*record.last_error) : nullptr},
          {"created_at", store::iso8601_utc(record.created_at)},
          {"next_attempt_at",
           optional_time(waiting ? std::optional(record.next_attempt_at) : std::nullopt)},
          {"sent_at", optional_time(record.sent_at)},
          {"kind", mail_kind(record.mail)},
          {"inbound_id", optional_id(record.mail.inbound_id)},
          {"forward_id", optional_id(record.mail.forward_id)},
          {"outbound_id", optional_id(record.mail.outbound_id)}};
}

// {subject} checked as [[forward]] subject is: one line, {number} and {modem} only.
Status check_subject(const std::string& subject) {
  if (subject.find_first_of("\r\n") != subject.npos)
    return invalid("subject", "holds a line break");
  for (size_t open = subject.find('{'); open != subject.npos; open = subject.find('{', open + 1)) {
    const size_t close = subject.find('}', open);
    if (close == subject.npos) return invalid("subject", "has a '{' that is not closed");
    const std::string name = subject.substr(open + 1, close - open - 1);
    if (name != "number" && name != "modem")
      return invalid("subject",
                     "has the unknown placeholder {" + name + "} (known: {number}, {modem})");
  }
  return ok_status();
}

Result<store::ForwardRecord> read_forward(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return body.error();
  Fields fields(*body);
  store::ForwardRecord record;
  auto to = fields.required_string("to", kMaxAddressBytes);
  if (!to) return to.error();
  if (auto address = email::mailbox_address(*to); !address)
    return invalid("to", address.error().message);
  record.to_address = std::move(*to);
  auto numbers = fields.array("from_numbers", kMaxForwardNumbers);
  if (!numbers) return numbers.error();
  const std::string region =
      context.settings ? context.settings->get().sending.default_region : std::string();
  if (*numbers) {
    for (size_t i = 0; i < (*numbers)->size(); ++i) {
      const nlohmann::json& number = (**numbers)[i];
      const std::string field = "from_numbers[" + std::to_string(i) + "]";
      if (!number.is_string()) return invalid(field, "must be a string");
      auto normalized = policy::normalize_number(number.get<std::string>(), region);
      if (!normalized) return invalid(field, normalized.error().message, ErrorCode::kInvalidNumber);
      record.from_numbers.push_back(std::move(*normalized));
    }
  }
  auto subject = fields.string("subject", kMaxSubjectBytes);
  if (!subject) return subject.error();
  record.subject = subject->value_or("SMS from {number}");
  if (Status checked = check_subject(record.subject); !checked) return checked.error();
  if (Status done = fields.finish(); !done) return done.error();
  return record;
}

Response list_forwards(ApiContext& context, const Request&) {
  auto stored = context.store.list_forwards();
  if (!stored) return server_error(stored.error());
  nlohmann::json items = nlohmann::json::array();
  if (context.mail_back) {
    for (const email::ForwardRule& rule : context.mail_back->configured_forwards())
      items.push_back(forward_json(std::nullopt, rule.to, rule.from_numbers, rule.subject));
  }
  for (const store::ForwardRecord& record : *stored)
    items.push_back(
        forward_json(record.id, record.to_address, record.from_numbers, record.subject));
  return json_response(200,
                       {{"items", std::move(items)}, {"mail", context.mail_outbox != nullptr}});
}

Response add_forward(ApiContext& context, const Request& request) {
  if (!context.mail_outbox)
    return error_from(
        Error{"mail is off: set [email] smarthost and from in the configuration first, or nothing "
              "would be forwarded",
              ErrorCode::kInvalidRequest});
  auto record = read_forward(context, request);
  if (!record) return error_from(record.error());
  auto stored = context.store.add_forward(std::move(*record), context.clock.now());
  if (!stored) return error_from(stored.error());
  return json_response(
      201, forward_json(stored->id, stored->to_address, stored->from_numbers, stored->subject));
}

Response remove_forward(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("forward", request.params.at(0));
  return removal_response(context.store.remove_forward(*id), "forward", request.params.at(0));
}

Response list_mail(ApiContext& context, const Request& request) {
  auto page = page_params(request);
  if (!page) return error_from(page.error());
  store::MailFilter filter;
  filter.limit = page->limit;
  filter.cursor = page->cursor;
  if (auto state = query_param(request, "state")) {
    filter.state = store::parse_mail_state(*state);
    if (!filter.state) return error_from(invalid("state", "must be waiting, sent or set_aside"));
  }
  auto mail = context.store.list_mail(filter);
  if (!mail) return error_from(mail.error());
  return page_response(*mail, mail_json);
}

}  // namespace

void add_mail_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/forwards", Scope::kRead, list_forwards},
      {"POST", "/api/v1/forwards", Scope::kRules, add_forward, action::kForwardAdd},
      {"DELETE", "/api/v1/forwards/{id}", Scope::kRules, remove_forward, action::kForwardRemove},
      {"GET", "/api/v1/mail", Scope::kRead, list_mail},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

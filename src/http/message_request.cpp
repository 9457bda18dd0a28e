#include "http/message_request.h"

#include <limits>

#include "pdu/gsm7_tables.h"
#include "policy/category.h"
#include "policy/message_template.h"

namespace smsgate::http {

int max_client_priority() { return policy::default_priority(policy::Category::kOtp) - 1; }

Result<pdu::PlanOptions> read_plan_options(Fields& fields) {
  pdu::PlanOptions plan;
  auto options = fields.object("options");
  if (!options) return options.error();
  if (!*options) return plan;
  Fields inner(**options, fields.field_name("options."));
  auto encoding = inner.string("encoding", 16);
  if (!encoding) return encoding.error();
  if (*encoding) {
    if (**encoding == "auto") {
      plan.encoding = pdu::EncodingChoice::kAuto;
    } else if (**encoding == "gsm7") {
      plan.encoding = pdu::EncodingChoice::kGsm7;
    } else if (**encoding == "ucs2") {
      plan.encoding = pdu::EncodingChoice::kUcs2;
    } else {
      return invalid(inner.field_name("encoding"), "must be auto, gsm7 or ucs2");
    }
  }
  auto transliterate = inner.boolean("transliterate");
  if (!transliterate) return transliterate.error();
  plan.transliterate = transliterate->value_or(false);
  auto languages = inner.array("languages", 13);
  if (!languages) return languages.error();
  if (*languages) {
    for (size_t i = 0; i < (*languages)->size(); ++i) {
      const nlohmann::json& code = (**languages)[i];
      std::string field = inner.field_name("languages[" + std::to_string(i) + "]");
      std::optional<pdu::Language> language;
      if (code.is_string()) language = pdu::language_from_code(code.get<std::string>());
      if (!language)
        return invalid(field, "must be one of tr, es, pt, bn, gu, hi, kn, ml, or, pa, ta, te, ur");
      plan.languages.push_back(*language);
    }
  }
  if (Status done = inner.finish(); !done) return done.error();
  return plan;
}

Result<policy::TemplateVariables> read_template_variables(Fields& fields) {
  policy::TemplateVariables variables;
  auto object = fields.object("variables");
  if (!object) return object.error();
  if (!*object) return variables;
  if ((*object)->size() > kMaxTemplateVariables)
    return invalid(fields.field_name("variables"),
                   "at most " + std::to_string(kMaxTemplateVariables) + " variables");
  for (const auto& [name, value] : (*object)->items()) {
    std::string field = fields.field_name("variables." + name);
    if (!policy::valid_variable_name(name))
      return invalid(field, "a variable's name is letters, digits and _, starting with a letter");
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number()) {
      text = value.dump();
    } else {
      return invalid(field, "must be a string or a number");
    }
    if (text.size() > kMaxVariableBytes)
      return invalid(field, "longer than " + std::to_string(kMaxVariableBytes) + " bytes");
    variables.emplace(name, std::move(text));
  }
  return variables;
}

Result<std::optional<std::string>> read_template_language(Fields& fields) {
  // 35 bytes: the longest tag BCP 47 implementations must take (RFC 5646 4.4.1).
  auto language = fields.string("language", 35);
  if (!language) return language.error();
  if (*language && !policy::valid_template_language(**language))
    return invalid(fields.field_name("language"),
                   "\"" + **language + "\" is no language tag ICU knows (en, de, id, pt-BR, ...)");
  return language;
}

namespace {

// What a message says besides its recipient, into `request`; then no field may be left.
Status read_message_fields(Fields& fields, dispatch::OutgoingRequest& request) {
  auto text = fields.string("text", kMaxTextBytes);
  if (!text) return text.error();
  auto template_name = fields.string("template", kMaxTemplateNameBytes);
  if (!template_name) return template_name.error();
  auto variables = read_template_variables(fields);
  if (!variables) return variables.error();
  if (*text && *template_name)
    return invalid(fields.field_name("template"), "give a text or a template, not both");
  if (*template_name) {
    request.template_name = std::move(**template_name);
    request.variables = std::move(*variables);
  } else if (!*text) {
    return Error{fields.field_name("text") + ": missing (or give a template)",
                 ErrorCode::kMissingField, fields.field_name("text")};
  } else if ((*text)->empty()) {
    return invalid(fields.field_name("text"), "is empty", ErrorCode::kInvalidText);
  } else if (!variables->empty()) {
    return invalid(fields.field_name("variables"), "are for a template; this message has a text");
  } else {
    request.text = std::move(**text);
  }
  auto category = fields.string("category", 32);
  if (!category) return category.error();
  request.category_given = category->has_value();
  if (*category) {
    auto parsed = policy::parse_category(**category);
    if (!parsed)
      return invalid(fields.field_name("category"),
                     "must be " + std::string(policy::category_choices()));
    // Only POST /api/v1/otp makes the code, hashes it and applies the per-number limit.
    if (*parsed == policy::Category::kOtp)
      return invalid(fields.field_name("category"),
                     "otp is not accepted here: one-time passwords go through POST /api/v1/otp");
    request.category = *parsed;
  }
  auto send_at = fields.time("send_at");
  if (!send_at) return send_at.error();
  request.send_at = *send_at;
  auto ttl = fields.integer("ttl", 1, kMaxTtlSeconds);
  if (!ttl) return ttl.error();
  if (*ttl) request.ttl_ms = **ttl * 1000;
  // Read unbounded, so that the one range check below names the allowed range.
  auto priority = fields.integer("priority", std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max());
  if (!priority) return priority.error();
  if (*priority) {
    if (**priority < kMinClientPriority || **priority > max_client_priority())
      return invalid(fields.field_name("priority"),
                     "must be " + std::to_string(kMinClientPriority) + " to " +
                         std::to_string(max_client_priority()) + ", not " +
                         std::to_string(**priority) + "; " +
                         std::to_string(max_client_priority() + 1) +
                         " and above are kept for one-time passwords");
    request.priority = static_cast<int>(**priority);
  }
  auto status_report = fields.boolean("status_report");
  if (!status_report) return status_report.error();
  request.status_report = status_report->value_or(false);
  auto expect_reply = fields.boolean("expect_reply");
  if (!expect_reply) return expect_reply.error();
  request.expect_reply = *expect_reply;
  auto external_id = fields.string("external_id", 255);
  if (!external_id) return external_id.error();
  request.external_id = *external_id;
  auto modem = fields.string("modem", 64);
  if (!modem) return modem.error();
  request.modem = *modem;
  auto plan = read_plan_options(fields);
  if (!plan) return plan.error();
  request.plan = std::move(*plan);
  return fields.finish();
}

}  // namespace

// One message of a submission, as the client wrote it.
Result<dispatch::OutgoingRequest> read_message_request(const nlohmann::json& object,
                                                       const std::string& prefix) {
  Fields fields(object, prefix);
  dispatch::OutgoingRequest request;
  auto to = fields.required_string("to", 64);
  if (!to) return to.error();
  request.to = std::move(*to);
  if (Status read = read_message_fields(fields, request); !read.ok()) return read.error();
  return request;
}

Result<GroupSendRequest> read_group_send_request(const nlohmann::json& object) {
  Fields fields(object);
  GroupSendRequest request;
  auto group = fields.required_string("group", 64);
  if (!group) return group.error();
  request.group = std::move(*group);
  auto to = fields.string("to", 64);
  if (!to) return to.error();
  if (*to) return invalid("to", "give to or group, not both");
  if (Status read = read_message_fields(fields, request.message); !read.ok()) return read.error();
  return request;
}

}  // namespace smsgate::http

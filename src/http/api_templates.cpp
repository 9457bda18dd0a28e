// /api/v1/templates: message templates by name. Anyone who may send reads them (a
// send names one); adding, changing and removing them needs the templates scope.
#include <set>

#include "http/api.h"
#include "http/json_input.h"
#include "http/message_request.h"
#include "pdu/utf.h"
#include "policy/category.h"
#include "policy/message_template.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

bool valid_template_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxTemplateNameBytes) return false;
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  if (name[0] == '-' || name[0] == '_') return false;
  for (char c : name)
    if (!allowed(c)) return false;
  return true;
}

nlohmann::json template_json(const store::TemplateRecord& stored) {
  nlohmann::json variables = nlohmann::json::array();
  if (auto placeholders = policy::parse_template(stored.text)) {
    std::set<std::string> seen;
    for (const policy::Placeholder& placeholder : *placeholders)
      if (seen.insert(placeholder.variable).second) variables.push_back(placeholder.variable);
  }
  nlohmann::json body = {{"name", stored.name},
                         {"text", stored.text},
                         {"variables", std::move(variables)},
                         {"created_at", store::iso8601_utc(stored.created_at)},
                         {"updated_at", store::iso8601_utc(stored.updated_at)}};
  body["category"] = stored.category ? nlohmann::json(*stored.category) : nlohmann::json();
  body["language"] = stored.language ? nlohmann::json(*stored.language) : nlohmann::json();
  return body;
}

// {text, category?, language?} (and the name, for POST), checked as a send would use it.
Result<store::TemplateRecord> read_template(const Request& request,
                                            std::optional<std::string> name_from_path) {
  auto body = parse_object(request.body);
  if (!body) return body.error();
  Fields fields(*body);
  store::TemplateRecord record;
  if (name_from_path) {
    record.name = std::move(*name_from_path);
  } else {
    auto name = fields.required_string("name", kMaxTemplateNameBytes);
    if (!name) return name.error();
    record.name = std::move(*name);
  }
  if (!valid_template_name(record.name))
    return invalid("name",
                   "must be 1 to 64 lower-case letters, digits, - and _, starting with a "
                   "letter or digit");
  auto text = fields.required_string("text", kMaxTextBytes);
  if (!text) return text.error();
  if (text->empty()) return invalid("text", "is empty", ErrorCode::kInvalidText);
  if (auto code_points = pdu::utf8_to_code_points(*text); !code_points)
    return invalid("text", code_points.error().message, ErrorCode::kInvalidText);
  if (auto parsed = policy::parse_template(*text); !parsed) return parsed.error();
  record.text = std::move(*text);
  auto category = fields.string("category", 32);
  if (!category) return category.error();
  if (*category) {
    auto parsed = policy::parse_category(**category);
    if (!parsed || *parsed == policy::Category::kOtp)
      return invalid("category", "must be transactional, reminder, feedback or marketing");
    record.category = std::string(policy::category_name(*parsed));
  }
  auto language = read_template_language(fields);
  if (!language) return language.error();
  record.language = std::move(*language);
  if (Status done = fields.finish(); !done) return done.error();
  return record;
}

Response list_templates(ApiContext& context, const Request&) {
  return list_response(context.store.list_templates(), template_json);
}

Response get_template(ApiContext& context, const Request& request) {
  auto found = context.store.find_template(request.params.at(0));
  if (!found) return server_error(found.error());
  if (!*found) return not_found("template", request.params.at(0));
  return json_response(200, template_json(**found));
}

Response add_template(ApiContext& context, const Request& request) {
  auto record = read_template(request, std::nullopt);
  if (!record) return error_from(record.error());
  auto stored = context.store.put_template(std::move(*record), context.clock.now(), true);
  if (!stored) return error_from(stored.error());
  return json_response(201, template_json(stored->first));
}

Response put_template(ApiContext& context, const Request& request) {
  auto record = read_template(request, request.params.at(0));
  if (!record) return error_from(record.error());
  auto stored = context.store.put_template(std::move(*record), context.clock.now(), false);
  if (!stored) return error_from(stored.error());
  return json_response(stored->second ? 201 : 200, template_json(stored->first));
}

Response remove_template(ApiContext& context, const Request& request) {
  return removal_response(context.store.remove_template(request.params.at(0)), "template",
                          request.params.at(0));
}

}  // namespace

void add_template_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/templates", Scope::kSend, list_templates},
      {"POST", "/api/v1/templates", Scope::kTemplates, add_template, action::kTemplateAdd},
      {"GET", "/api/v1/templates/{name}", Scope::kSend, get_template},
      {"PUT", "/api/v1/templates/{name}", Scope::kTemplates, put_template, action::kTemplatePut},
      {"DELETE", "/api/v1/templates/{name}", Scope::kTemplates, remove_template,
       action::kTemplateRemove},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

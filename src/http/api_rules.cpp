// /api/v1/rules: the auto-reply rules (dispatch/autoreply.h). Anyone who may read
// messages reads them; adding, changing and removing them needs the rules scope.
//
// A rule is {name, match: {keyword} | {regex}, reply: {template, variables?} | {text},
// enabled?, priority?}: checked here as the inbox will use it (the regex compiled, the
// template present), so a rule that is stored can answer.
#include "http/api.h"
#include "http/json_input.h"
#include "http/message_request.h"
#include "pdu/utf.h"
#include "policy/autoreply.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

constexpr size_t kMaxRuleNameBytes = 100;

nlohmann::json rule_json(const store::RuleRecord& rule) {
  nlohmann::json reply;
  if (rule.reply_template) {
    nlohmann::json variables = nlohmann::json::object();
    for (const auto& [name, value] : rule.reply_variables) variables[name] = value;
    reply = {{"template", *rule.reply_template}, {"variables", std::move(variables)}};
  } else {
    reply = {{"text", rule.reply_text.value_or("")}};
  }
  return {{"id", rule.id},
          {"name", rule.name},
          {"match", {{rule.match_kind, rule.pattern}}},
          {"reply", std::move(reply)},
          {"enabled", rule.enabled},
          {"priority", rule.priority},
          {"created_at", store::iso8601_utc(rule.created_at)},
          {"updated_at", store::iso8601_utc(rule.updated_at)}};
}

Status read_match(Fields& fields, store::RuleRecord& rule) {
  auto match = fields.object("match");
  if (!match) return match.error();
  if (!*match) return missing("match");
  Fields inner(**match, "match.");
  auto keyword = inner.string("keyword", policy::kMaxRulePatternBytes);
  if (!keyword) return keyword.error();
  auto regex = inner.string("regex", policy::kMaxRulePatternBytes);
  if (!regex) return regex.error();
  if (Status done = inner.finish(); !done) return done.error();
  if (keyword->has_value() == regex->has_value())
    return invalid("match", "give either keyword or regex");
  const policy::MatchKind kind = *keyword ? policy::MatchKind::kKeyword : policy::MatchKind::kRegex;
  const std::string& pattern = *keyword ? **keyword : **regex;
  if (auto matcher = policy::RuleMatcher::create(kind, pattern); !matcher) return matcher.error();
  rule.match_kind = std::string(policy::match_kind_name(kind));
  rule.pattern = pattern;
  return ok_status();
}

Status read_reply(ApiContext& context, Fields& fields, store::RuleRecord& rule) {
  auto reply = fields.object("reply");
  if (!reply) return reply.error();
  if (!*reply) return missing("reply");
  Fields inner(**reply, "reply.");
  auto template_name = inner.string("template", kMaxTemplateNameBytes);
  if (!template_name) return template_name.error();
  auto text = inner.string("text", kMaxTextBytes);
  if (!text) return text.error();
  auto variables = read_template_variables(inner);
  if (!variables) return variables.error();
  if (Status done = inner.finish(); !done) return done.error();
  if (template_name->has_value() == text->has_value())
    return invalid("reply", "give either template or text");
  if (*template_name) {
    auto found = context.store.find_template(**template_name);
    if (!found) return found.error();
    if (!*found) return invalid("reply.template", "no template called \"" + **template_name + "\"");
    rule.reply_template = **template_name;
    rule.reply_variables = std::move(*variables);
    return ok_status();
  }
  if (!variables->empty())
    return invalid("reply.variables", "are for a template; this reply has a text");
  if ((*text)->empty()) return invalid("reply.text", "is empty", ErrorCode::kInvalidText);
  if (auto code_points = pdu::utf8_to_code_points(**text); !code_points)
    return invalid("reply.text", code_points.error().message, ErrorCode::kInvalidText);
  rule.reply_text = std::move(**text);
  return ok_status();
}

Result<store::RuleRecord> read_rule(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return body.error();
  Fields fields(*body);
  store::RuleRecord rule;
  auto name = fields.required_string("name", kMaxRuleNameBytes);
  if (!name) return name.error();
  if (name->empty()) return invalid("name", "is empty");
  rule.name = std::move(*name);
  if (Status match = read_match(fields, rule); !match) return match.error();
  if (Status reply = read_reply(context, fields, rule); !reply) return reply.error();
  auto enabled = fields.boolean("enabled");
  if (!enabled) return enabled.error();
  rule.enabled = enabled->value_or(true);
  auto priority = fields.integer("priority", 0, 1000000);
  if (!priority) return priority.error();
  rule.priority = static_cast<int>(priority->value_or(100));
  if (Status done = fields.finish(); !done) return done.error();
  return rule;
}

std::optional<int64_t> rule_id(const Request& request) { return parse_id(request.params.at(0)); }

Response list_rules(ApiContext& context, const Request&) {
  return list_response(context.store.list_rules(), rule_json);
}

Response get_rule(ApiContext& context, const Request& request) {
  auto id = rule_id(request);
  if (!id) return not_found("rule", request.params.at(0));
  auto found = context.store.find_rule(*id);
  if (!found) return server_error(found.error());
  if (!*found) return not_found("rule", request.params.at(0));
  return json_response(200, rule_json(**found));
}

Response add_rule(ApiContext& context, const Request& request) {
  auto rule = read_rule(context, request);
  if (!rule) return error_from(rule.error());
  auto stored = context.store.add_rule(std::move(*rule), context.clock.now());
  if (!stored) return error_from(stored.error());
  return json_response(201, rule_json(*stored));
}

Response put_rule(ApiContext& context, const Request& request) {
  auto id = rule_id(request);
  if (!id) return not_found("rule", request.params.at(0));
  auto rule = read_rule(context, request);
  if (!rule) return error_from(rule.error());
  rule->id = *id;
  auto stored = context.store.put_rule(std::move(*rule), context.clock.now());
  if (!stored) return error_from(stored.error());
  if (!*stored) return not_found("rule", request.params.at(0));
  return json_response(200, rule_json(**stored));
}

Response remove_rule(ApiContext& context, const Request& request) {
  auto id = rule_id(request);
  if (!id) return not_found("rule", request.params.at(0));
  return removal_response(context.store.remove_rule(*id), "rule", request.params.at(0));
}

}  // namespace

void add_rule_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/rules", Scope::kRead, list_rules},
      {"POST", "/api/v1/rules", Scope::kRules, add_rule, action::kRuleAdd},
      {"GET", "/api/v1/rules/{id}", Scope::kRead, get_rule},
      {"PUT", "/api/v1/rules/{id}", Scope::kRules, put_rule, action::kRulePut},
      {"DELETE", "/api/v1/rules/{id}", Scope::kRules, remove_rule, action::kRuleRemove},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

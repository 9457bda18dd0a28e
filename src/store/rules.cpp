// Rules (rules.h): auto-reply rules and the replies they sent.
#include "store/rules.h"

#include <nlohmann/json.hpp>

#include "store/internal.h"

namespace smsgate::store {

using detail::read_first;
using detail::read_rows;

namespace {

// The columns rule_from() reads, in its order.
#define SMSGATE_RULE_COLUMNS                                                              \
  "id, name, match_kind, pattern, reply_template, reply_variables, reply_text, enabled, " \
  "priority, created_at, updated_at"

std::string variables_to_json(const policy::TemplateVariables& variables) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : variables) object[name] = value;
  return object.dump();
}

policy::TemplateVariables variables_from_json(const std::optional<std::string>& text) {
  policy::TemplateVariables variables;
  if (!text) return variables;
  auto object = nlohmann::json::parse(*text, nullptr, false);
  if (!object.is_object()) return variables;
  for (const auto& [name, value] : object.items())
    if (value.is_string()) variables.emplace(name, value.get<std::string>());
  return variables;
}

RuleRecord rule_from(const Query& row) {
  RuleRecord rule;
  rule.id = row.int64(0);
  rule.name = row.text(1);
  rule.match_kind = row.text(2);
  rule.pattern = row.text(3);
  rule.reply_template = row.optional_text(4);
  rule.reply_variables = variables_from_json(row.optional_text(5));
  rule.reply_text = row.optional_text(6);
  rule.enabled = row.boolean(7);
  rule.priority = static_cast<int>(row.int64(8));
  rule.created_at = row.int64(9);
  rule.updated_at = row.int64(10);
  return rule;
}

AutoReplyRecord auto_reply_from(const Query& row) {
  return AutoReplyRecord{row.int64(0), row.optional_int64(1), row.text(2),
                         row.text(3),  row.optional_int64(4), row.int64(5)};
}

Result<std::optional<RuleRecord>> rule_with_id(Connection& db, int64_t id) {
  auto q = db.query("SELECT " SMSGATE_RULE_COLUMNS " FROM rules WHERE id = ?1");
  if (!q.ok()) return q.error();
  q->bind_all(id);
  return read_first(*q, rule_from);
}

std::optional<std::string> stored_variables(const RuleRecord& record) {
  if (!record.reply_template) return std::nullopt;
  return variables_to_json(record.reply_variables);
}

}  // namespace

Result<RuleRecord> Rules::add_rule(RuleRecord record, int64_t now) {
  if (record.name.empty()) return make_error("name: empty");
  record.created_at = now;
  record.updated_at = now;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "INSERT INTO rules (name, match_kind, pattern, reply_template, reply_variables, "
        "reply_text, enabled, priority, created_at, updated_at) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
    if (!q.ok()) return q.error();
    Status run = q->bind_all(record.name, record.match_kind, record.pattern, record.reply_template,
                             stored_variables(record), record.reply_text, record.enabled,
                             record.priority, record.created_at, record.updated_at)
                     .run();
    if (!run.ok()) return run;
    record.id = db.last_insert_rowid();
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return record;
}

Result<std::optional<RuleRecord>> Rules::put_rule(RuleRecord record, int64_t now) {
  bool found = false;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto existing = rule_with_id(db, record.id);
    if (!existing.ok()) return existing.error();
    if (!*existing) return ok_status();
    found = true;
    record.created_at = (*existing)->created_at;
    record.updated_at = now;
    auto q = db.query(
        "UPDATE rules SET name = ?2, match_kind = ?3, pattern = ?4, reply_template = ?5, "
        "reply_variables = ?6, reply_text = ?7, enabled = ?8, priority = ?9, updated_at = ?10 "
        "WHERE id = ?1");
    if (!q.ok()) return q.error();
    return q
        ->bind_all(record.id, record.name, record.match_kind, record.pattern, record.reply_template,
                   stored_variables(record), record.reply_text, record.enabled, record.priority,
                   record.updated_at)
        .run();
  });
  if (!written.ok()) return written.error();
  if (!found) return std::optional<RuleRecord>();
  return std::optional<RuleRecord>(std::move(record));
}

Result<std::optional<RuleRecord>> Rules::find_rule(int64_t id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  return rule_with_id(**db, id);
}

Result<std::vector<RuleRecord>> Rules::list_rules() {
  return detail::read_all(
      engine_, "SELECT " SMSGATE_RULE_COLUMNS " FROM rules ORDER BY priority, id", rule_from);
}

Result<bool> Rules::remove_rule(int64_t id) {
  return detail::change_rows(engine_, "DELETE FROM rules WHERE id = ?1", id);
}

Status Rules::record_auto_reply(const AutoReplyRecord& reply) {
  return engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "INSERT INTO auto_replies (inbound_id, message_id, number, kind, rule_id, created_at) "
        "VALUES (?1,?2,?3,?4,?5,?6)");
    if (!q.ok()) return q.error();
    return q
        ->bind_all(reply.inbound_id, reply.message_id, reply.number, reply.kind, reply.rule_id,
                   reply.created_at)
        .run();
  });
}

Result<int64_t> Rules::count_auto_replies(const std::string& number, int64_t since,
                                          const std::optional<std::string>& kind) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT count(*) FROM auto_replies WHERE number = ?1 AND created_at >= ?2 "
      "AND (?3 IS NULL OR kind = ?3)");
  if (!q.ok()) return q.error();
  q->bind_all(number, since, kind);
  auto row = q->step();
  if (!row.ok()) return row.error();
  return *row ? q->int64(0) : 0;
}

Result<std::optional<Rules::AnsweredInbound>> Rules::find_answered_inbound(int64_t id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT " SMSGATE_INBOUND_COLUMNS
                        " FROM inbound_messages i LEFT JOIN messages m ON m.id = i.in_reply_to "
                        "WHERE i.id = ?1");
  if (!q.ok()) return q.error();
  q->bind_all(id);
  auto inbound = read_first(*q, [](const Query& row) { return detail::read_inbound(row); });
  if (!inbound.ok()) return inbound.error();
  if (!*inbound) return std::optional<AnsweredInbound>();
  AnsweredInbound answered{std::move(**inbound), {}};
  auto replies = (*db)->query(
      "SELECT inbound_id, message_id, number, kind, rule_id, created_at FROM auto_replies "
      "WHERE inbound_id = ?1 ORDER BY id");
  if (!replies.ok()) return replies.error();
  replies->bind_all(id);
  auto read = read_rows(*replies, auto_reply_from);
  if (!read.ok()) return read.error();
  answered.auto_replies = std::move(*read);
  return std::optional<AnsweredInbound>(std::move(answered));
}

Result<std::optional<int64_t>> Rules::opted_out_at(const std::string& number) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query("SELECT at FROM optouts WHERE number = ?1");
  if (!q.ok()) return q.error();
  q->bind_all(number);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(q->int64(0));
}

}  // namespace smsgate::store

// Rules: the auto-reply rules (/api/v1/rules) and the replies sent automatically, each
// linked to the inbound text it answers. Their patterns and replies are checked by the
// caller (policy/autoreply.h, the HTTP layer) before they get here. Implemented in
// store/rules.cpp.
//
// The replies are what dispatch/autoreply.h counts to cap automatic replies to one
// number, so the count survives a restart.
//
// Thread safety: every method may be called from any thread at the same time.
// add_rule, put_rule, remove_rule and record_auto_reply are writes: they return once
// their group commit is fsync'd (store/engine.h). The others are reads from one
// snapshot that never wait for the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/message_template.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

struct RuleRecord {
  int64_t id = 0;
  std::string name;
  std::string match_kind;  // "keyword" or "regex"
  std::string pattern;
  // The reply: a stored template's name and its fixed variables, or a text.
  std::optional<std::string> reply_template;
  policy::TemplateVariables reply_variables;
  std::optional<std::string> reply_text;
  bool enabled = true;
  int priority = 100;  // rules are tried lowest first, then by id
  int64_t created_at = 0;
  int64_t updated_at = 0;
  friend bool operator==(const RuleRecord&, const RuleRecord&) = default;
};

// An automatic reply as sent: to `number`, answering inbound `inbound_id`.
struct AutoReplyRecord {
  int64_t inbound_id = 0;
  std::optional<int64_t> message_id;  // none once retention removed the message
  std::string number;
  std::string kind;  // "rule", "help", "optout", "optin", "out_of_hours"
  std::optional<int64_t> rule_id;
  int64_t created_at = 0;
  friend bool operator==(const AutoReplyRecord&, const AutoReplyRecord&) = default;
};

class Rules {
 public:
  explicit Rules(Engine& engine) : engine_(engine) {}

  // The record as stored, with its new id.
  Result<RuleRecord> add_rule(RuleRecord record, int64_t now);
  // Replaces rule `record.id` (created_at kept); none: no such rule.
  Result<std::optional<RuleRecord>> put_rule(RuleRecord record, int64_t now);
  Result<std::optional<RuleRecord>> find_rule(int64_t id);
  // In the order they are tried: priority, then id.
  Result<std::vector<RuleRecord>> list_rules();
  // False: no such rule.
  Result<bool> remove_rule(int64_t id);

  Status record_auto_reply(const AutoReplyRecord& reply);
  // Automatic replies sent to `number` at or after `since`, of `kind` when given.
  Result<int64_t> count_auto_replies(const std::string& number, int64_t since,
                                     const std::optional<std::string>& kind = std::nullopt);
  // The inbound text `id` (none: no such text) and the automatic replies it got.
  struct AnsweredInbound {
    InboundMessage message;
    std::vector<AutoReplyRecord> auto_replies;
  };
  Result<std::optional<AnsweredInbound>> find_answered_inbound(int64_t id);
  // When `number` opted out; none when it has not.
  Result<std::optional<int64_t>> opted_out_at(const std::string& number);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

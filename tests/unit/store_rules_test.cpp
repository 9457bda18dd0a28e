// store::Rules: auto-reply rules kept in order of priority, replaced with their
// creation time, removed; automatic replies counted per number and kind since a time,
// shown with the inbound text they answer, and gone when the number is erased.
#include <doctest/doctest.h>

#include "store_test_support.h"

namespace smsgate::store {
namespace {

using testing::open_store;
using testing::record_text;
using testing::TempDir;

constexpr int64_t kT0 = 1'800'000'000'000;

RuleRecord keyword_rule(std::string name, std::string keyword, int priority = 100) {
  RuleRecord rule;
  rule.name = std::move(name);
  rule.match_kind = "keyword";
  rule.pattern = std::move(keyword);
  rule.reply_text = "We are open 08:00-17:00.";
  rule.priority = priority;
  return rule;
}

TEST_CASE("store: rules are kept in the order they are tried, replaced and removed") {
  TempDir dir;
  auto store = open_store(dir);
  auto hours = store->add_rule(keyword_rule("Hours", "HOURS"), kT0);
  REQUIRE(hours.ok());
  CHECK(hours->id > 0);
  RuleRecord templated = keyword_rule("Jam", "^jam\\b", 5);
  templated.match_kind = "regex";
  templated.reply_text.reset();
  templated.reply_template = "opening";
  templated.reply_variables = {{"clinic", "Klinik Sehat"}};
  auto jam = store->add_rule(templated, kT0 + 1);
  REQUIRE(jam.ok());

  auto listed = store->list_rules();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK(listed->at(0) == *jam);  // priority 5 before 100
  CHECK(listed->at(1) == *hours);
  CHECK(listed->at(0).reply_variables == policy::TemplateVariables{{"clinic", "Klinik Sehat"}});

  RuleRecord off = *hours;
  off.enabled = false;
  off.reply_text = "Open 08:00-18:00.";
  auto replaced = store->put_rule(off, kT0 + 10);
  REQUIRE(replaced.ok());
  REQUIRE(replaced->has_value());
  CHECK((*replaced)->created_at == kT0);
  CHECK((*replaced)->updated_at == kT0 + 10);
  CHECK(*store->find_rule(hours->id) == *replaced);
  off.id = 9999;
  CHECK_FALSE(store->put_rule(off, kT0)->has_value());

  CHECK(*store->remove_rule(hours->id));
  CHECK_FALSE(*store->remove_rule(hours->id));
  CHECK_FALSE(store->find_rule(hours->id)->has_value());
  CHECK(store->list_rules()->size() == 1);
}

TEST_CASE(
    "store: automatic replies are counted per number since a time, and shown with "
    "their inbound text") {
  TempDir dir;
  auto store = open_store(dir);
  const std::string number = "+491701234567";
  auto rule = store->add_rule(keyword_rule("Hours", "HOURS"), kT0);
  REQUIRE(rule.ok());
  const int64_t first = record_text(*store, "AA01", number, "hours", kT0);
  const int64_t second = record_text(*store, "AA02", number, "anyone there?", kT0 + 60'000);
  REQUIRE(store->record_auto_reply({first, std::nullopt, number, "rule", rule->id, kT0}).ok());
  REQUIRE(store
              ->record_auto_reply(
                  {second, std::nullopt, number, "out_of_hours", std::nullopt, kT0 + 60'000})
              .ok());
  CHECK(*store->count_auto_replies(number, kT0) == 2);
  CHECK(*store->count_auto_replies(number, kT0 + 1) == 1);
  CHECK(*store->count_auto_replies(number, kT0, "out_of_hours") == 1);
  CHECK(*store->count_auto_replies(number, kT0, "help") == 0);
  CHECK(*store->count_auto_replies("+491709999999", kT0) == 0);

  auto answered = store->find_answered_inbound(first);
  REQUIRE(answered.ok());
  REQUIRE(answered->has_value());
  CHECK((*answered)->message.text == "hours");
  REQUIRE((*answered)->auto_replies.size() == 1);
  CHECK((*answered)->auto_replies[0].rule_id == rule->id);
  CHECK(store->find_answered_inbound(first + 100)->has_value() == false);

  // A removed rule leaves the reply, without it.
  REQUIRE(store->remove_rule(rule->id).ok());
  CHECK_FALSE((*store->find_answered_inbound(first))->auto_replies[0].rule_id.has_value());
  // Erasing the number takes its replies' rows with its inbound texts.
  REQUIRE(store->erase_number(number, kT0 + 120'000).ok());
  CHECK(*store->count_auto_replies(number, kT0) == 0);
}

TEST_CASE("store: when a number opted out") {
  TempDir dir;
  auto store = open_store(dir);
  CHECK_FALSE(store->opted_out_at("+491701234567")->has_value());
  REQUIRE(store->add_optout("+491701234567", "stop", kT0).ok());
  CHECK(*store->opted_out_at("+491701234567") == kT0);
}

}  // namespace
}  // namespace smsgate::store

// What a client may not ask for in a submission: the otp category (codes are made by
// POST /api/v1/otp only) and a priority that would outrank one-time passwords; and a
// template named with its variables instead of a text, and the language it is written in.
#include <doctest/doctest.h>

#include <string>

#include "http/message_request.h"
#include "policy/category.h"

namespace smsgate::http {
namespace {

using nlohmann::json;

json message(json extra = json::object()) {
  json body = {{"to", "+4917012345678"}, {"text", "Your code is 123456"}};
  body.update(extra);
  return body;
}

TEST_CASE("message request: category otp is refused, pointing to /api/v1/otp") {
  auto refused = read_message_request(message({{"category", "otp"}}), "");
  REQUIRE(!refused.ok());
  CHECK(refused.error().code == ErrorCode::kInvalidField);
  CHECK(refused.error().field == "category");
  CHECK(refused.error().message.find("/api/v1/otp") != std::string::npos);

  auto in_batch = read_message_request(message({{"category", "otp"}}), "messages[2].");
  REQUIRE(!in_batch.ok());
  CHECK(in_batch.error().field == "messages[2].category");

  for (const char* name : {"transactional", "reminder", "feedback", "marketing"}) {
    CAPTURE(name);
    auto accepted = read_message_request(message({{"category", name}}), "");
    REQUIRE(accepted.ok());
    CHECK(accepted->category == *policy::parse_category(name));
  }
}

TEST_CASE("message request: a client's priority stays below a one-time password's") {
  const int otp_priority = policy::default_priority(policy::Category::kOtp);
  CHECK(max_client_priority() == otp_priority - 1);
  for (int64_t allowed : {int64_t{kMinClientPriority}, int64_t{0}, int64_t{otp_priority - 1}}) {
    CAPTURE(allowed);
    auto accepted = read_message_request(message({{"priority", allowed}}), "");
    REQUIRE(accepted.ok());
    CHECK(accepted->priority == allowed);
  }
  const std::string range =
      std::to_string(kMinClientPriority) + " to " + std::to_string(otp_priority - 1);
  for (int64_t refused_priority : {int64_t{otp_priority}, int64_t{5000},
                                   int64_t{kMinClientPriority} - 1, int64_t{9'000'000'000'000}}) {
    CAPTURE(refused_priority);
    auto refused = read_message_request(message({{"priority", refused_priority}}), "messages[0].");
    REQUIRE(!refused.ok());
    CHECK(refused.error().code == ErrorCode::kInvalidField);
    CHECK(refused.error().field == "messages[0].priority");
    CHECK(refused.error().message.find(range) != std::string::npos);
  }
  auto not_a_number = read_message_request(message({{"priority", "high"}}), "");
  REQUIRE(!not_a_number.ok());
  CHECK(not_a_number.error().field == "priority");
}

TEST_CASE("message request: a template and its variables instead of a text") {
  json by_template = {{"to", "+4917012345678"},
                      {"template", "visit"},
                      {"variables", {{"name", "Anna"}, {"room", 3}, {"fee", 12.5}}}};
  auto read = read_message_request(by_template, "");
  REQUIRE(read.ok());
  CHECK(read->template_name == "visit");
  CHECK(read->text.empty());
  CHECK(read->variables ==
        policy::TemplateVariables{{"name", "Anna"}, {"room", "3"}, {"fee", "12.5"}});
  CHECK(!read->category_given);
  by_template["category"] = "feedback";
  CHECK(read_message_request(by_template, "")->category_given);
  CHECK(read_message_request({{"to", "+4917012345678"}, {"template", "visit"}}, "")
            ->variables.empty());

  struct Case {
    json body;
    const char* field;
    ErrorCode code;
  };
  const json to = "+4917012345678";
  for (const Case& bad : {
           Case{{{"to", to}, {"template", "visit"}, {"text", "x"}},
                "messages[1].template",
                ErrorCode::kInvalidField},
           Case{{{"to", to}}, "messages[1].text", ErrorCode::kMissingField},
           Case{{{"to", to}, {"text", "x"}, {"variables", {{"a", "b"}}}},
                "messages[1].variables",
                ErrorCode::kInvalidField},
           Case{{{"to", to}, {"template", "visit"}, {"variables", {{"a", true}}}},
                "messages[1].variables.a",
                ErrorCode::kInvalidField},
           Case{{{"to", to}, {"template", "visit"}, {"variables", {{"_a", "x"}}}},
                "messages[1].variables._a",
                ErrorCode::kInvalidField},
           Case{{{"to", to}, {"template", "visit"}, {"variables", {{"a", std::string(1001, 'x')}}}},
                "messages[1].variables.a",
                ErrorCode::kInvalidField},
           Case{{{"to", to}, {"template", "visit"}, {"variables", "Anna"}},
                "messages[1].variables",
                ErrorCode::kInvalidField},
       }) {
    CAPTURE(bad.body.dump());
    auto refused = read_message_request(bad.body, "messages[1].");
    REQUIRE(!refused.ok());
    CHECK(refused.error().field == bad.field);
    CHECK(refused.error().code == bad.code);
  }
}

TEST_CASE("message request: a template's language is a tag ICU knows, or none") {
  const json given = {{"language", "pt-BR"}};
  Fields with_language(given, "items[0].");
  auto read = read_template_language(with_language);
  REQUIRE(read.ok());
  CHECK(*read == "pt-BR");

  const json none = json::object();
  Fields without(none);
  auto absent = read_template_language(without);
  REQUIRE(absent.ok());
  CHECK(!absent->has_value());

  for (const json& bad : {json{{"language", "klingonish"}}, json{{"language", 7}},
                          json{{"language", std::string(36, 'a')}}}) {
    CAPTURE(bad.dump());
    Fields fields(bad, "items[0].");
    auto refused = read_template_language(fields);
    REQUIRE(!refused.ok());
    CHECK(refused.error().field == "items[0].language");
  }
  const json klingon = {{"language", "klingonish"}};
  Fields fields(klingon);
  CHECK(read_template_language(fields).error().message ==
        "language: \"klingonish\" is no language tag ICU knows (en, de, id, pt-BR, ...)");
}

}  // namespace
}  // namespace smsgate::http

// Reading request bodies and times: every refusal names its field and code.
#include <doctest/doctest.h>

#include "http/json_input.h"
#include "http/message_request.h"
#include "store/event_json.h"

namespace smsgate::http {
namespace {

using nlohmann::json;

TEST_CASE("json input: only a JSON object is a body") {
  CHECK(parse_object(R"({"a":1})").ok());
  for (const char* body : {"", " ", "null", "[]", "1", "\"x\"", "{", "{\"a\":}", "{} {}"}) {
    CAPTURE(body);
    auto parsed = parse_object(body);
    REQUIRE(!parsed.ok());
    CHECK(parsed.error().code == ErrorCode::kInvalidJson);
  }
}

TEST_CASE("json input: fields are checked for type and range, and unknown ones refused") {
  json body = {{"name", "x"},
               {"count", 5},
               {"big", 18446744073709551615ULL},
               {"flag", true},
               {"when", "2026-11-23T10:15:00+01:00"},
               {"nothing", nullptr}};
  Fields fields(body, "outer.");
  CHECK(*fields.required_string("name") == "x");
  CHECK(fields.integer("count", 0, 10)->value() == 5);
  auto big = fields.integer("big", 0, 100);
  REQUIRE(!big.ok());
  CHECK(big.error().field == "outer.big");
  CHECK(fields.boolean("flag")->value());
  CHECK(fields.time("when")->value() == 1795425300000);
  CHECK(!fields.string("nothing")->has_value());  // null is absent
  CHECK(!fields.string("absent")->has_value());
  CHECK(fields.finish().ok());

  json extra = {{"name", "x"}, {"nmae", "y"}};
  Fields typo(extra);
  (void)typo.string("name");
  auto finished = typo.finish();
  REQUIRE(!finished.ok());
  CHECK(finished.error().code == ErrorCode::kUnknownField);
  CHECK(finished.error().field == "nmae");

  json wrong = {{"count", "5"}, {"flag", 1}, {"name", 3}, {"ratio", 0.5}};
  Fields types(wrong);
  CHECK(types.integer("count", 0, 10).error().field == "count");
  CHECK(types.boolean("flag").error().field == "flag");
  CHECK(types.string("name").error().field == "name");
  CHECK(types.integer("ratio", 0, 10).error().message.find("whole number") != std::string::npos);
  CHECK(types.required_string("missing").error().code == ErrorCode::kMissingField);
}

TEST_CASE("json input: ISO 8601 times with a zone, and nothing else") {
  CHECK(parse_iso8601("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_iso8601("2026-11-23T10:15:00Z") == 1795428900000);
  CHECK(parse_iso8601("2026-11-23T11:15:00+01:00") == 1795428900000);
  CHECK(parse_iso8601("2026-11-23T05:15:00-05:00") == 1795428900000);
  CHECK(parse_iso8601("2026-11-23T10:15:00.250Z") == 1795428900250);
  CHECK(parse_iso8601("2026-11-23T10:15:00.2Z") == 1795428900200);
  CHECK(parse_iso8601("2026-11-23T10:15:00.123456789Z") == 1795428900123);
  CHECK(parse_iso8601("2024-02-29T00:00:00Z").has_value());
  for (const char* bad :
       {"", "2026-11-23", "2026-11-23T10:15:00", "2026-11-23 10:15:00Z", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-23T24:00:00Z",
        "2026-11-23T10:60:00Z", "2026-11-23T10:15:00+1:00", "2026-11-23T10:15:00+24:00",
        "2026-11-23T10:15:00.Z", "2026-11-23T10:15:00ZZ", "20261-1-23T10:15:00Z", "tomorrow at ten",
        "2026-11-23T10:15:00.1234567890Z"}) {
    CAPTURE(bad);
    CHECK(!parse_iso8601(bad).has_value());
  }
  CHECK(store::iso8601_utc(1795428900250) == "2026-11-23T10:15:00.250Z");
  CHECK(store::iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(store::iso8601_utc(-1) == "1969-12-31T23:59:59.999Z");
  for (int64_t ms : {int64_t{0}, int64_t{1795428900250}, int64_t{4102444800000}}) {
    CHECK(parse_iso8601(store::iso8601_utc(ms)) == ms);
  }
}

TEST_CASE("message request: every field reaches the composer") {
  json body = {
      {"to", "+4917012345678"},
      {"text", "Hello"},
      {"category", "feedback"},
      {"send_at", "2026-11-23T10:15:00Z"},
      {"ttl", 3600},
      {"priority", -5},
      {"status_report", true},
      {"expect_reply", false},
      {"external_id", "visit-1"},
      {"modem", "356938035643809"},
      {"options", {{"encoding", "ucs2"}, {"transliterate", true}, {"languages", {"tr", "es"}}}}};
  auto request = read_message_request(body, "");
  REQUIRE_MESSAGE(request.ok(), (request.ok() ? "" : request.error().message));
  CHECK(request->to == "+4917012345678");
  CHECK(request->category == policy::Category::kFeedback);
  CHECK(request->send_at == 1795428900000);
  CHECK(request->ttl_ms == 3600000);
  CHECK(request->priority == -5);
  CHECK(request->status_report);
  CHECK(request->expect_reply == false);
  CHECK(request->external_id == "visit-1");
  CHECK(request->modem == "356938035643809");
  CHECK(request->plan.encoding == pdu::EncodingChoice::kUcs2);
  CHECK(request->plan.transliterate);
  CHECK(request->plan.languages.size() == 2);

  auto minimal = read_message_request({{"to", "+4917012345678"}, {"text", "x"}}, "");
  REQUIRE(minimal.ok());
  CHECK(minimal->category == policy::Category::kTransactional);
  CHECK(!minimal->expect_reply.has_value());  // the composer decides by category
  CHECK(!minimal->ttl_ms.has_value());
}

TEST_CASE("message request: errors carry the batch prefix") {
  auto bad =
      read_message_request({{"to", "+4917012345678"}, {"text", "x"}, {"ttl", -1}}, "messages[4].");
  REQUIRE(!bad.ok());
  CHECK(bad.error().field == "messages[4].ttl");
  CHECK(bad.error().message.starts_with("messages[4].ttl: "));
  auto option = read_message_request(
      {{"to", "+4917012345678"}, {"text", "x"}, {"options", {{"languages", {"tr", 5}}}}}, "m.");
  CHECK(option.error().field == "m.options.languages[1]");
}

}  // namespace
}  // namespace smsgate::http

// The event stream's pure parts (http/event_stream.h): an event framed as SSE, a body
// with line breaks that cannot break the framing, and the request's resume point and
// filter read with errors in words.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http/event_stream.h"

namespace {

using namespace smsgate;
using namespace smsgate::http;

// The events a client following the standard's parsing rules would dispatch from
// `stream` (WHATWG HTML 9.2.6): id, event type and data, with data lines joined by LF.
struct Dispatched {
  std::string id;
  std::string event;
  std::string data;
  bool operator==(const Dispatched&) const = default;
};
std::vector<Dispatched> parse_stream(const std::string& stream) {
  std::vector<Dispatched> events;
  Dispatched current;
  std::string data;
  bool has_data = false;
  size_t start = 0;
  while (start < stream.size()) {
    size_t end = stream.find('\n', start);
    if (end == std::string::npos) break;  // an unfinished line is not parsed
    std::string line = stream.substr(start, end - start);
    start = end + 1;
    if (line.empty()) {
      if (has_data) {
        current.data = data;
        events.push_back(current);
      }
      current.event.clear();
      data.clear();
      has_data = false;
      continue;
    }
    if (line[0] == ':') continue;
    size_t colon = line.find(':');
    std::string field = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (field == "id") current.id = value;
    if (field == "event") current.event = value;
    if (field == "data") {
      data += (has_data ? "\n" : "") + value;
      has_data = true;
    }
  }
  return events;
}

}  // namespace

TEST_CASE("sse: an event is its id, its name and its body on a data line, then an empty line") {
  std::string body = R"({"event":"message.sent","data":{"id":42}})";
  CHECK(sse_event(17, "message.sent", body) ==
        "id: 17\nevent: message.sent\ndata: " + body + "\n\n");
  CHECK(parse_stream(sse_event(17, "message.sent", body)) ==
        std::vector<Dispatched>{{"17", "message.sent", body}});
}

TEST_CASE("sse: line breaks in a body become data lines, so a body cannot forge an event") {
  std::string hostile = "first\n\nid: 999\nevent: modem.state\ndata: forged\r\nsecond\rthird";
  std::string framed = sse_event(5, "inbound.received", hostile);
  // Every line of the body stays behind "data: "; no empty line ends the event early.
  CHECK(framed.find("\n\n") == framed.size() - 2);
  CHECK(framed.find('\r') == std::string::npos);
  auto events = parse_stream(framed + sse_event(6, "message.sent", "{}"));
  REQUIRE(events.size() == 2);
  CHECK(events[0].id == "5");
  CHECK(events[0].event == "inbound.received");
  CHECK(events[0].data == "first\n\nid: 999\nevent: modem.state\ndata: forged\nsecond\nthird");
  CHECK(events[1] == Dispatched{"6", "message.sent", "{}"});
  // An event name cannot carry a line break either.
  CHECK(sse_event(1, "a\nb", "x") == "id: 1\nevent: a b\ndata: x\n\n");
}

TEST_CASE("sse: comments and the retry field dispatch nothing") {
  CHECK(sse_comment("heartbeat") == ": heartbeat\n\n");
  CHECK(sse_comment("two\nlines") == ": two lines\n\n");
  CHECK(parse_stream(std::string(kSseRetry) + sse_comment("heartbeat")).empty());
  CHECK(kSseRetry == "retry: 3000\n\n");
}

TEST_CASE("sse: ?events= names known events; all when absent or *") {
  CHECK(parse_event_filter(std::nullopt)->empty());
  CHECK(parse_event_filter("*")->empty());
  CHECK(*parse_event_filter("message.sent,inbound.received") ==
        std::vector<std::string>{"message.sent", "inbound.received"});
  CHECK(*parse_event_filter(" modem.state , message.sent,modem.state") ==
        std::vector<std::string>{"modem.state", "message.sent"});
  CHECK(parse_event_filter("message.sent,*")->empty());

  auto unknown = parse_event_filter("message.sent,message.exploded");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == ErrorCode::kInvalidField);
  CHECK(unknown.error().field == "events");
  CHECK(unknown.error().message.starts_with("events: unknown event \"message.exploded\" (known: "));
  CHECK(unknown.error().message.find("modem.state") != std::string::npos);
  for (const char* empty :
       {"", "message.sent,", ",message.sent", "message.sent,,inbound.received"}) {
    auto refused = parse_event_filter(std::string_view(empty));
    REQUIRE_FALSE_MESSAGE(refused.ok(), empty);
    CHECK(refused.error().message.starts_with("events: an empty name in"));
    CHECK(refused.error().field == "events");
  }
}

TEST_CASE("sse: the resume point: Last-Event-ID, else since_id, else none") {
  CHECK_FALSE(parse_resume_point(std::nullopt, std::nullopt)->has_value());
  CHECK(**parse_resume_point("42", std::nullopt) == 42);
  CHECK(**parse_resume_point(std::nullopt, "7") == 7);
  CHECK(**parse_resume_point(std::nullopt, "0") == 0);
  // The header is what a reconnecting browser sends: newer than the URL's since_id.
  CHECK(**parse_resume_point("42", "7") == 42);
  CHECK(**parse_resume_point(" 42 ", std::nullopt) == 42);

  struct Bad {
    std::optional<std::string_view> header, query;
    std::string field;
  };
  for (const Bad& bad :
       {Bad{"abc", std::nullopt, "Last-Event-ID"}, Bad{"-1", std::nullopt, "Last-Event-ID"},
        Bad{"", std::nullopt, "Last-Event-ID"}, Bad{"1.5", "3", "Last-Event-ID"},
        Bad{std::nullopt, "12x", "since_id"},
        Bad{std::nullopt, "99999999999999999999", "since_id"}}) {
    auto refused = parse_resume_point(bad.header, bad.query);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kInvalidField);
    CHECK(refused.error().field == bad.field);
    CHECK(refused.error().message.find("is not an event id") != std::string::npos);
  }
}

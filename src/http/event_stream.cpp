#include "http/event_stream.h"

#include <algorithm>
#include <charconv>

#include "common/strings.h"
#include "store/types.h"

namespace smsgate::http {

namespace {

// A field's value on one line: CR and LF (which would end it) become spaces.
std::string one_line(std::string_view text) {
  std::string line(text);
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return line;
}

Error invalid(std::string_view field, const std::string& reason) {
  return Error{std::string(field) + ": " + reason, ErrorCode::kInvalidField, std::string(field)};
}

std::string known_names() {
  std::string known;
  for (std::string_view name : store::kWebhookEventNames) known += std::string(name) + ", ";
  for (std::string_view name : store::kStreamOnlyEventNames) known += std::string(name) + ", ";
  return known + "*";
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

Result<int64_t> event_id(std::string_view field, std::string_view text) {
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || id < 0)
    return invalid(field, "\"" + std::string(text) +
                              "\" is not an event id (the whole number an event's \"id:\" gave)");
  return id;
}

}  // namespace

std::string sse_event(int64_t id, std::string_view event, std::string_view data) {
  std::string framed = "id: " + std::to_string(id) + "\nevent: " + one_line(event) + "\n";
  // Every line break the standard knows (CRLF, CR, LF) starts another data line.
  size_t start = 0;
  for (size_t i = 0; i <= data.size(); ++i) {
    if (i < data.size() && data[i] != '\r' && data[i] != '\n') continue;
    framed += "data: ";
    framed.append(data.substr(start, i - start));
    framed += '\n';
    if (i + 1 < data.size() && data[i] == '\r' && data[i + 1] == '\n') ++i;
    start = i + 1;
  }
  return framed + "\n";
}

std::string sse_comment(std::string_view text) { return ": " + one_line(text) + "\n\n"; }

Result<std::vector<std::string>> parse_event_filter(std::optional<std::string_view> events) {
  std::vector<std::string> names;
  if (!events) return names;
  bool all = false;
  std::string_view rest = *events;
  for (;;) {
    size_t comma = rest.find(',');
    std::string_view name = trimmed(rest.substr(0, comma));
    if (name.empty())
      return invalid("events", "an empty name in \"" + std::string(*events) +
                                   "\" (name events separated by commas, such as "
                                   "message.sent,inbound.received)");
    if (name == "*") {
      all = true;
    } else if (!store::is_event_name(name)) {
      return invalid("events",
                     "unknown event \"" + std::string(name) + "\" (known: " + known_names() + ")");
    } else if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.emplace_back(name);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (all) names.clear();
  return names;
}

Result<std::optional<int64_t>> parse_resume_point(std::optional<std::string_view> last_event_id,
                                                  std::optional<std::string_view> since_id) {
  if (last_event_id) {
    auto id = event_id("Last-Event-ID", trimmed(*last_event_id));
    if (!id) return id.error();
    return std::optional<int64_t>(*id);
  }
  if (since_id) {
    auto id = event_id("since_id", *since_id);
    if (!id) return id.error();
    return std::optional<int64_t>(*id);
  }
  return std::optional<int64_t>();
}

}  // namespace smsgate::http

#include "config/config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <span>

#include "at/ussd.h"
#include "common/strings.h"
#include "config/networks.h"
#include "config/suggest.h"
#include "policy/appointment_schedule.h"
#include "policy/keywords.h"
#include "policy/message_template.h"
#include "policy/opening_hours.h"
#include "policy/phone.h"

namespace smsgate::config {
namespace {

using Keys = std::span<const std::string_view>;

// The schema: each table and the keys it may hold. Anything else in a file is a
// mistake (most often a typo, which would otherwise silently leave a default in place).
constexpr std::string_view kHttpKeys[] = {"listen", "tls_certificate", "tls_key",
                                          "max_connections_per_client", "max_event_streams"};
constexpr std::string_view kStorageKeys[] = {"path"};
constexpr std::string_view kModemsKeys[] = {"ports",
                                            "baud",
                                            "flow_control",
                                            "health_interval_seconds",
                                            "rate_per_minute",
                                            "daily_limit",
                                            "balance_ussd",
                                            "balance_check_hours",
                                            "balance_alarm_below"};
constexpr std::string_view kModemKeys[] = {"port",
                                           "name",
                                           "pin",
                                           "rate_per_minute",
                                           "daily_limit",
                                           "enabled",
                                           "balance_ussd",
                                           "balance_check_hours",
                                           "balance_alarm_below",
                                           "sim_expires"};
constexpr std::string_view kSendingKeys[] = {"default_region",
                                             "quiet_hours",
                                             "timezone",
                                             "max_attempts",
                                             "retry_backoff_seconds",
                                             "retry_backoff_max_seconds",
                                             "default_ttl_minutes",
                                             "default_reply_window_hours"};
constexpr std::string_view kRouteKeys[] = {"prefix", "modem"};
constexpr std::string_view kOptOutKeys[] = {"keywords", "optin_keywords"};
constexpr std::string_view kAutoReplyKeys[] = {
    "enabled",     "sender_name", "language", "help_keywords", "help_text",
    "optout_text", "optin_text",  "mon",      "tue",           "wed",
    "thu",         "fri",         "sat",      "sun",           "out_of_hours_text"};
constexpr std::string_view kOtpKeys[] = {"max_sends_per_number", "send_window_minutes"};
constexpr std::string_view kAppointmentsKeys[] = {"default_reminders", "confirmation_text",
                                                  "moved_text",        "cancelled_text",
                                                  "yes_words",         "no_words"};
constexpr std::string_view kWebhooksKeys[] = {"timeout_seconds", "max_age_hours",
                                              "set_aside_after_minutes"};
constexpr std::string_view kEmailKeys[] = {"listen",
                                           "domain",
                                           "allow_networks",
                                           "subject_prefix",
                                           "max_parts",
                                           "max_message_kb",
                                           "max_connections",
                                           "max_connections_per_client",
                                           "tls_certificate",
                                           "tls_key",
                                           "smarthost",
                                           "smarthost_user",
                                           "smarthost_password",
                                           "smarthost_ca_file",
                                           "from",
                                           "mail_max_attempts",
                                           "smarthost_timeout_seconds",
                                           "reports_to",
                                           "reports"};
constexpr std::string_view kForwardKeys[] = {"to", "from_numbers", "subject"};
constexpr std::string_view kRetentionKeys[] = {"messages_days", "inbound_days"};
constexpr std::string_view kLogKeys[] = {"level", "at_trace"};

struct TableSchema {
  std::string_view name;
  bool array;  // [[name]]: one table per entry
  Keys keys;
};
constexpr TableSchema kSchema[] = {
    {"http", false, kHttpKeys},
    {"storage", false, kStorageKeys},
    {"modems", false, kModemsKeys},
    {"modem", true, kModemKeys},
    {"sending", false, kSendingKeys},
    {"route", true, kRouteKeys},
    {"optout", false, kOptOutKeys},
    {"otp", false, kOtpKeys},
    {"webhooks", false, kWebhooksKeys},
    {"email", false, kEmailKeys},
    {"forward", true, kForwardKeys},
    {"log", false, kLogKeys},
    {"retention", false, kRetentionKeys},
    {"autoreply", false, kAutoReplyKeys},
    {"appointments", false, kAppointmentsKeys},
};

const TableSchema* find_schema(std::string_view name) {
  for (const TableSchema& schema : kSchema) {
    if (schema.name == name) return &schema;
  }
  return nullptr;
}

std::string header(const TableSchema& schema) {
  return schema.array ? "[[" + std::string(schema.name) + "]]"
                      : "[" + std::string(schema.name) + "]";
}

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "something else";
}

std::string quote(std::string_view text) { return "'" + std::string(text) + "'"; }

// The first `limit` + 1 bytes of the file at `path` (the one more tells a caller that
// it is larger), or why not: "cannot open: ..." or "cannot read: ...".
Result<std::string> read_at_most(const std::string& path, size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  char buffer[8192];
  while (text.size() <= limit) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return make_error(std::string("cannot read: ") + std::strerror(error));
    }
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  if (text.size() > limit + 1) text.resize(limit + 1);
  return text;
}

// Collects what is wrong with a file, each with its position; the file is refused if
// anything was collected.
class Problems {
 public:
  explicit Problems(std::string_view source) : source_(source) {}

  void add(const toml::source_region& where, std::string message) {
    problems_.push_back({where.begin.line, where.begin.column, std::move(message)});
  }
  bool empty() const { return problems_.empty(); }

  // The first problem in file order, and how many more there are.
  Error error() const {
    const Problem& first = *std::min_element(problems_.begin(), problems_.end());
    std::string message = source_ + ":" + std::to_string(first.line) + ":" +
                          std::to_string(first.column) + ": " + first.message;
    if (problems_.size() > 1) {
      const size_t more = problems_.size() - 1;
      message += " (and " + std::to_string(more) + " more problem" + (more == 1 ? ")" : "s)");
    }
    return make_error(std::move(message));
  }

 private:
  struct Problem {
    uint32_t line;
    uint32_t column;
    std::string message;
    bool operator<(const Problem& other) const {
      return std::tie(line, column) < std::tie(other.line, other.column);
    }
  };
  std::string source_;
  std::vector<Problem> problems_;
};

template <class T>
struct Located {
  T value;
  toml::source_region where;
};

// One table of the file, read key by key against its schema. A missing table reads
// as an empty one, so every getter leaves its default in place.
class Section {
 public:
  Section(Problems& problems, const toml::table* table, const TableSchema& schema)
      : problems_(problems), table_(table), name_(header(schema)) {
    if (table_ == nullptr) return;
    for (auto&& [key, node] : *table_) {
      if (std::find(schema.keys.begin(), schema.keys.end(), key.str()) != schema.keys.end())
        continue;
      std::string message = "unknown key " + quote(key.str()) + " in " + name_;
      if (auto close = closest_match(key.str(), schema.keys))
        message += "; did you mean " + quote(*close) + "?";
      problems_.add(key.source(), std::move(message));
    }
  }

  const std::string& name() const { return name_; }
  const toml::table* table() const { return table_; }

  const toml::node* node(std::string_view key) const {
    return table_ == nullptr ? nullptr : table_->get(key);
  }

  // "[http] listen must be ...", or "[http] listen: ..." when `message` starts with ':'.
  void error(const toml::source_region& where, std::string_view key, std::string_view message) {
    const char* joint = message.starts_with(':') ? "" : " ";
    problems_.add(where, name_ + " " + std::string(key) + joint + std::string(message));
  }
  void error(const toml::node& at, std::string_view key, std::string_view message) {
    error(at.source(), key, message);
  }

  std::optional<Located<std::string>> string(std::string_view key, std::string_view hint = {}) {
    const toml::node* found = node(key);
    if (found == nullptr) return std::nullopt;
    if (const auto* value = found->as_string())
      return Located<std::string>{value->get(), found->source()};
    wrong_type(*found, key, "a string", hint);
    return std::nullopt;
  }

  std::optional<Located<int64_t>> integer(std::string_view key, int64_t min, int64_t max) {
    const toml::node* found = node(key);
    if (found == nullptr) return std::nullopt;
    const auto* value = found->as_integer();
    if (value == nullptr) {
      wrong_type(*found, key, "an integer");
      return std::nullopt;
    }
    if (value->get() < min || value->get() > max) {
      error(*found, key,
            "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                std::to_string(value->get()));
      return std::nullopt;
    }
    return Located<int64_t>{value->get(), found->source()};
  }

  // An integer or a floating-point number, at least `min`.
  std::optional<double> number(std::string_view key, double min) {
    const toml::node* found = node(key);
    if (found == nullptr) return std::nullopt;
    std::optional<double> value;
    if (const auto* integer = found->as_integer()) value = static_cast<double>(integer->get());
    if (const auto* floating = found->as_floating_point()) value = floating->get();
    if (!value) {
      wrong_type(*found, key, "a number");
      return std::nullopt;
    }
    if (!std::isfinite(*value) || *value < min) {
      error(*found, key, "must be a number of at least " + std::to_string(static_cast<int>(min)));
      return std::nullopt;
    }
    return value;
  }

  // A date, written as a TOML date (2027-01-31) or a string ("2027-01-31"): "YYYY-MM-DD".
  std::optional<std::string> date(std::string_view key) {
    const toml::node* found = node(key);
    if (found == nullptr) return std::nullopt;
    std::optional<toml::date> value;
    if (const auto* date = found->as_date()) value = date->get();
    if (const auto* text = found->as_string()) {
      const std::string& written = text->get();
      unsigned year = 0, month = 0, day = 0;
      char tail = 0;
      if (written.size() == 10 &&
          std::sscanf(written.c_str(), "%4u-%2u-%2u%c", &year, &month, &day, &tail) == 3) {
        value = toml::date{static_cast<uint16_t>(year), static_cast<uint8_t>(month),
                           static_cast<uint8_t>(day)};
      }
    }
    if (!value) {
      error(*found, key, "must be a date such as 2027-01-31");
      return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year(value->year),
                                          std::chrono::month(value->month),
                                          std::chrono::day(value->day)};
    if (!ymd.ok() || value->year < 2000) {
      error(*found, key, "is not a date (expected YYYY-MM-DD such as 2027-01-31)");
      return std::nullopt;
    }
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04u-%02u-%02u", unsigned{value->year},
                  unsigned{value->month}, unsigned{value->day});
    return std::string(buffer);
  }

  std::optional<bool> boolean(std::string_view key) {
    const toml::node* found = node(key);
    if (found == nullptr) return std::nullopt;
    if (const auto* value = found->as_boolean()) return value->get();
    wrong_type(*found, key, "true or false");
    return std::nullopt;
  }

  // An array of strings; elements of another type are reported one by one.
  std::optional<std::vector<Located<std::string>>> strings(std::string_view key) {
    const toml::node* found = node(key);
    if (found == nullptr) return std::nullopt;
    const auto* array = found->as_array();
    if (array == nullptr) {
      wrong_type(*found, key, "an array of strings");
      return std::nullopt;
    }
    std::vector<Located<std::string>> out;
    bool all_strings = true;
    for (const toml::node& element : *array) {
      if (const auto* value = element.as_string()) {
        out.push_back({value->get(), element.source()});
      } else {
        error(element, key,
              "must hold strings only, not " + std::string(type_name(element.type())));
        all_strings = false;
      }
    }
    if (!all_strings) return std::nullopt;
    return out;
  }

 private:
  void wrong_type(const toml::node& found, std::string_view key, std::string_view expected,
                  std::string_view hint = {}) {
    std::string message =
        "must be " + std::string(expected) + ", not " + std::string(type_name(found.type()));
    if (!hint.empty()) message += " (" + std::string(hint) + ")";
    error(found, key, message);
  }

  Problems& problems_;
  const toml::table* table_;
  std::string name_;
};

// ---------------------------------------------------------------------------------
// Value checks shared by several keys. Each returns an empty string when the value is
// fine, else what is wrong with it.

// "127.0.0.1:8080", "[::1]:8080": an IP literal, because that is what CivetWeb and
// the SMTP listener bind to (a host name could resolve to several addresses).
std::string check_listen(std::string_view text) {
  const std::string expected =
      " (expected ADDRESS:PORT such as \"127.0.0.1:8080\" or \"[::]:8080\")";
  std::string host;
  std::string_view port;
  int family = AF_INET;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return quote(text) + " is not an address and port" + expected;
    }
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    family = AF_INET6;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return quote(text) + " has no port" + expected;
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  unsigned char address[16];
  if (inet_pton(family, host.c_str(), address) != 1) {
    return quote(host) + " is not an IP address" + expected;
  }
  int number = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || number > 65535) return quote(port) + " is not a port" + expected;
    number = number * 10 + (c - '0');
  }
  // 0: any free port, which the log names (tests run daemons side by side).
  if (port.empty() || number > 65535) return quote(port) + " is not a port (0-65535)";
  return {};
}

// A glob(7) pattern for serial ports: absolute, brackets closed, no dangling escape.
std::string check_glob(std::string_view pattern) {
  if (pattern.empty()) return "is empty";
  if (pattern.front() != '/') return "is not an absolute path";
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (i + 1 == pattern.size()) return "ends in an escaping '\\'";
      ++i;
    } else if (pattern[i] == '[') {
      size_t j = i + 1;
      if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^')) ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;  // a leading ']' is literal
      while (j < pattern.size() && pattern[j] != ']' && pattern[j] != '/') ++j;
      if (j >= pattern.size() || pattern[j] != ']') return "has a '[' that is not closed";
      i = j;
    }
  }
  return {};
}

bool has_glob_characters(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253 || domain.front() == '.' || domain.back() == '.')
    return false;
  size_t label = 0;
  for (size_t i = 0; i < domain.size(); ++i) {
    const char c = domain[i];
    if (c == '.') {
      if (label == 0 || domain[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) || (c == '-' && label > 0);
    if (!allowed || ++label > 63) return false;
  }
  return domain.back() != '-';
}

// ---------------------------------------------------------------------------------
// The sections.

void read_http(Section section, HttpConfig& http) {
  if (auto listen = section.string("listen")) {
    if (std::string why = check_listen(listen->value); !why.empty()) {
      section.error(*section.node("listen"), "listen", ": " + why);
    } else {
      http.listen = listen->value;
    }
  }
  auto certificate = section.string("tls_certificate");
  auto key = section.string("tls_key");
  if (certificate) http.tls_certificate = certificate->value;
  if (key) http.tls_key = key->value;
  if (http.tls_certificate.empty() != http.tls_key.empty()) {
    const char* present = http.tls_certificate.empty() ? "tls_key" : "tls_certificate";
    const char* missing = http.tls_certificate.empty() ? "tls_certificate" : "tls_key";
    section.error(*section.node(present), present, std::string("needs ") + missing + " too");
  }
  if (auto cap = section.integer("max_connections_per_client", 1, 1024))
    http.max_connections_per_client = static_cast<int>(cap->value);
  // Each open stream holds one of the server's 64 threads: at most half of them.
  if (auto streams = section.integer("max_event_streams", 1, 32))
    http.max_event_streams = static_cast<int>(streams->value);
}

void read_storage(Section section, StorageConfig& storage) {
  if (auto path = section.string("path")) {
    if (path->value.empty()) {
      section.error(*section.node("path"), "path", "is empty");
    } else {
      storage.path = path->value;
    }
  }
}

// balance_ussd, balance_check_hours and balance_alarm_below, in [modems] or a [[modem]].
template <class Target>
void read_balance_keys(Section& section, Target& target) {
  if (auto code = section.string("balance_ussd")) {
    if (!code->value.empty() && !at::is_ussd_code(code->value)) {
      section.error(
          *section.node("balance_ussd"), "balance_ussd",
          quote(code->value) + " is not a USSD code (1 to 160 of 0-9 * # +, such as \"*123#\")");
    } else {
      target.balance_ussd = code->value;
    }
  }
  // Up to a year: a balance looked at less often than that tells nothing.
  if (auto hours = section.integer("balance_check_hours", 0, 24 * 366))
    target.balance_check_hours = static_cast<int>(hours->value);
  if (auto below = section.number("balance_alarm_below", 0)) target.balance_alarm_below = below;
}

void read_modems(Section section, ModemsConfig& modems) {
  if (auto ports = section.strings("ports")) {
    modems.ports.clear();
    for (const auto& port : *ports) {
      if (std::string why = check_glob(port.value); !why.empty()) {
        section.error(port.where, "ports", ": " + quote(port.value) + " " + why);
      } else {
        modems.ports.push_back(port.value);
      }
    }
  }
  if (const toml::node* node = section.node("baud")) {
    // The rates serial drivers offer (termios); anything else is a typo.
    constexpr int kRates[] = {1200,  2400,   4800,   9600,   19200, 38400,
                              57600, 115200, 230400, 460800, 921600};
    if (auto baud = section.integer("baud", 1, 4'000'000)) {
      if (std::find(std::begin(kRates), std::end(kRates), baud->value) == std::end(kRates)) {
        section.error(
            *node, "baud",
            std::to_string(baud->value) +
                " is not a standard rate (9600, 19200, 38400, 57600, 115200, 230400, ...)");
      } else {
        modems.baud = static_cast<int>(baud->value);
      }
    }
  }
  if (auto flow = section.string("flow_control")) {
    static const std::map<std::string, at::FlowControl, std::less<>> kFlows = {
        {"none", at::FlowControl::kNone},
        {"rtscts", at::FlowControl::kRtsCts},
        {"xonxoff", at::FlowControl::kXonXoff}};
    if (auto found = kFlows.find(flow->value); found != kFlows.end()) {
      modems.flow_control = found->second;
    } else {
      section.error(*section.node("flow_control"), "flow_control",
                    quote(flow->value) + " is not one of 'none', 'rtscts', 'xonxoff'");
    }
  }
  // Under a second keeps a modem busy answering; over an hour hides a hung one.
  if (auto interval = section.integer("health_interval_seconds", 1, 3600)) {
    modems.health_interval = std::chrono::seconds(interval->value);
  }
  if (auto rate = section.integer("rate_per_minute", 0, 600))
    modems.rate_per_minute = static_cast<int>(rate->value);
  if (auto daily = section.integer("daily_limit", 0, 1'000'000))
    modems.daily_limit = static_cast<int>(daily->value);
  read_balance_keys(section, modems);
}

// The element tables of [[name]]; a plain [name] or `name = ...` is reported.
std::vector<const toml::table*> array_tables(Problems& problems, const toml::table& root,
                                             const TableSchema& schema) {
  std::vector<const toml::table*> tables;
  const toml::node* node = root.get(schema.name);
  if (node == nullptr) return tables;
  const toml::array* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    problems.add(node->source(), std::string(schema.name) + " must be written " + header(schema) +
                                     ", one table per entry");
    return tables;
  }
  for (const toml::node& element : *array) tables.push_back(element.as_table());
  return tables;
}

void read_modem_entries(Problems& problems, const toml::table& root, const ModemsConfig& defaults,
                        std::vector<ModemConfig>& modems) {
  const TableSchema& schema = *find_schema("modem");
  std::map<std::string, uint32_t> ports;  // port -> line of its first entry
  std::map<std::string, uint32_t> names;
  for (const toml::table* table : array_tables(problems, root, schema)) {
    Section section(problems, table, schema);
    ModemConfig modem;
    modem.rate_per_minute = defaults.rate_per_minute;
    modem.daily_limit = defaults.daily_limit;
    modem.balance_ussd = defaults.balance_ussd;
    modem.balance_check_hours = defaults.balance_check_hours;
    modem.balance_alarm_below = defaults.balance_alarm_below;
    bool good = true;
    auto port = section.string("port");
    if (!port) {
      if (section.node("port") == nullptr) {
        problems.add(table->source(), "[[modem]] needs a port (the path of its serial port)");
      }
      good = false;
    } else if (port->value.empty() || port->value.front() != '/' ||
               has_glob_characters(port->value)) {
      section.error(
          *section.node("port"), "port",
          quote(port->value) + " is not an absolute path (globs belong in [modems] ports)");
      good = false;
    } else if (auto [it, inserted] = ports.emplace(port->value, port->where.begin.line);
               !inserted) {
      section.error(*section.node("port"), "port",
                    quote(port->value) + " is already used by the [[modem]] at line " +
                        std::to_string(it->second));
      good = false;
    } else {
      modem.port = port->value;
    }
    modem.name = modem.port;
    if (auto name = section.string("name")) {
      const bool printable = std::none_of(name->value.begin(), name->value.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20;
      });
      if (name->value.empty() || name->value.size() > 64 || !printable) {
        section.error(*section.node("name"), "name", "must be 1 to 64 printable characters");
        good = false;
      } else {
        modem.name = name->value;
      }
    }
    if (good) {
      const uint32_t line =
          (section.node("name") ? section.node("name") : section.node("port"))->source().begin.line;
      if (auto [it, inserted] = names.emplace(modem.name, line); !inserted) {
        const char* key = section.node("name") ? "name" : "port";
        section.error(*section.node(key), key,
                      "gives the name " + quote(modem.name) + " of the [[modem]] at line " +
                          std::to_string(it->second) + " again");
      }
    }
    // A SIM PIN is 4 to 8 digits (ETSI TS 102 221, 9.5.1).
    if (auto pin = section.string("pin", "quote it: pin = \"1234\"")) {
      if (!is_digits(pin->value) || pin->value.size() < 4 || pin->value.size() > 8) {
        section.error(*section.node("pin"), "pin", "must be 4 to 8 digits");
      } else {
        modem.pin = pin->value;
      }
    }
    if (auto rate = section.integer("rate_per_minute", 0, 600))
      modem.rate_per_minute = static_cast<int>(rate->value);
    if (auto daily = section.integer("daily_limit", 0, 1'000'000))
      modem.daily_limit = static_cast<int>(daily->value);
    if (auto enabled = section.boolean("enabled")) modem.enabled = *enabled;
    read_balance_keys(section, modem);
    modem.sim_expires = section.date("sim_expires");
    modems.push_back(std::move(modem));
  }
}

void read_sending(Section section, SendingConfig& sending) {
  if (auto region = section.string("default_region")) {
    const std::string code = upper(region->value);
    if (!code.empty() && !policy::is_supported_region(code)) {
      section.error(
          *section.node("default_region"), "default_region",
          quote(region->value) +
              " is not a region libphonenumber knows (an ISO 3166-1 alpha-2 code such as \"DE\")");
    } else {
      sending.default_region = code;
    }
  }
  if (auto quiet = section.string("quiet_hours")) {
    if (quiet->value.empty()) {
      sending.quiet_hours.reset();
    } else if (auto window = policy::parse_quiet_hours(quiet->value)) {
      sending.quiet_hours = *window;
    } else {
      section.error(*section.node("quiet_hours"), "quiet_hours", ": " + window.error().message);
    }
  }
  if (auto zone = section.string("timezone")) {
    if (zone->value.empty() || policy::is_valid_timezone(zone->value)) {
      sending.timezone = zone->value;
    } else {
      std::string message = quote(zone->value) + " is not a time zone of the tz database";
      const std::vector<std::string> ids = policy::timezone_ids();
      std::vector<std::string_view> candidates(ids.begin(), ids.end());
      if (auto close = closest_match(zone->value, candidates)) {
        message += "; did you mean " + quote(*close) + "?";
      } else {
        message += " (an IANA name such as \"Europe/Berlin\")";
      }
      section.error(*section.node("timezone"), "timezone", message);
    }
  }
  if (auto attempts = section.integer("max_attempts", 1, 100))
    sending.max_attempts = static_cast<int>(attempts->value);
  if (auto backoff = section.integer("retry_backoff_seconds", 1, 86400)) {
    sending.retry_backoff = std::chrono::seconds(backoff->value);
  }
  if (auto cap = section.integer("retry_backoff_max_seconds", 1, 7 * 86400)) {
    sending.retry_backoff_max = std::chrono::seconds(cap->value);
  }
  if (sending.retry_backoff_max < sending.retry_backoff) {
    const char* key = section.node("retry_backoff_max_seconds") ? "retry_backoff_max_seconds"
                                                                : "retry_backoff_seconds";
    section.error(*section.node(key), key,
                  "leaves retry_backoff_max_seconds (" +
                      std::to_string(sending.retry_backoff_max.count()) +
                      ") below retry_backoff_seconds (" +
                      std::to_string(sending.retry_backoff.count()) + ")");
  }
  // Up to 30 days: a message older than that is no longer transactional.
  if (auto ttl = section.integer("default_ttl_minutes", 1, 30 * 24 * 60)) {
    sending.default_ttl = std::chrono::minutes(ttl->value);
  }
  if (auto window = section.integer("default_reply_window_hours", 0, 30 * 24)) {
    sending.default_reply_window = std::chrono::hours(window->value);
  }
}

void read_routes(Problems& problems, const toml::table& root,
                 const std::vector<ModemConfig>& modems, std::vector<policy::Route>& routes) {
  const TableSchema& schema = *find_schema("route");
  std::map<std::string, uint32_t> prefixes;
  for (const toml::table* table : array_tables(problems, root, schema)) {
    Section section(problems, table, schema);
    auto prefix = section.string("prefix");
    auto modem = section.string("modem");
    if (section.node("prefix") == nullptr || section.node("modem") == nullptr) {
      problems.add(table->source(), "[[route]] needs a prefix and a modem");
      continue;
    }
    if (!prefix || !modem) continue;
    // E.164: '+' and at most 15 digits; routes compare against normalised numbers.
    if (!prefix->value.starts_with('+') || !is_digits(prefix->value.substr(1)) ||
        prefix->value.size() > 16) {
      section.error(*section.node("prefix"), "prefix",
                    quote(prefix->value) + " is not a number prefix such as \"+49\" or \"+4915\"");
      continue;
    }
    if (auto [it, inserted] = prefixes.emplace(prefix->value, prefix->where.begin.line);
        !inserted) {
      section.error(
          *section.node("prefix"), "prefix",
          quote(prefix->value) + " is already routed at line " + std::to_string(it->second));
      continue;
    }
    const bool known = std::any_of(modems.begin(), modems.end(), [&](const ModemConfig& entry) {
      return entry.name == modem->value;
    });
    if (!known) {
      std::vector<std::string_view> names;
      for (const ModemConfig& entry : modems) names.push_back(entry.name);
      std::string message = quote(modem->value) + " is not the name of a [[modem]]";
      if (auto close = closest_match(modem->value, names))
        message += "; did you mean " + quote(*close) + "?";
      section.error(*section.node("modem"), "modem", message);
      continue;
    }
    routes.push_back({prefix->value, modem->value});
  }
}

void read_optout(Section section, OptOutConfig& optout) {
  auto read_words = [&](std::string_view key,
                        std::vector<std::string>& into) -> std::vector<std::string> {
    std::vector<std::string> folded;
    auto words = section.strings(key);
    if (!words) {
      for (const std::string& word : into) folded.push_back(policy::fold_keyword(word));
      return folded;
    }
    into.clear();
    for (const auto& word : *words) {
      std::string form = policy::fold_keyword(word.value);
      if (form.empty()) {
        section.error(word.where, key, ": " + quote(word.value) + " has no letters or digits");
        continue;
      }
      into.push_back(word.value);
      folded.push_back(std::move(form));
    }
    return folded;
  };
  const std::vector<std::string> opt_out = read_words("keywords", optout.keywords);
  const std::vector<std::string> opt_in = read_words("optin_keywords", optout.optin_keywords);
  // STOP is what carriers and regulators tell people to send; it must always work.
  if (std::find(opt_out.begin(), opt_out.end(), policy::fold_keyword("STOP")) == opt_out.end()) {
    section.error(*section.node("keywords"), "keywords", "must include \"STOP\"");
  }
  for (size_t i = 0; i < opt_in.size(); ++i) {
    if (std::find(opt_out.begin(), opt_out.end(), opt_in[i]) != opt_out.end()) {
      const char* key = section.node("optin_keywords") ? "optin_keywords" : "keywords";
      section.error(
          *section.node(key), key,
          ": " + quote(optout.optin_keywords[i]) + " is both an opt-out and an opt-in keyword");
    }
  }
}

void read_autoreply(Section section, const OptOutConfig& optout, AutoReplyConfig& autoreply) {
  if (auto enabled = section.boolean("enabled")) autoreply.enabled = *enabled;
  if (auto name = section.string("sender_name")) {
    if (name->value.size() > 60)
      section.error(*section.node("sender_name"), "sender_name", "is longer than 60 bytes");
    else
      autoreply.sender_name = name->value;
  }
  if (auto language = section.string("language")) {
    if (!policy::valid_template_language(language->value))
      section.error(*section.node("language"), "language",
                    quote(language->value) + " is no language tag ICU knows (en, de, id, pt-BR)");
    else
      autoreply.language = language->value;
  }
  if (auto words = section.strings("help_keywords")) {
    autoreply.help_keywords.clear();
    std::vector<std::string> taken;
    for (const std::string& word : optout.keywords) taken.push_back(policy::fold_keyword(word));
    for (const std::string& word : optout.optin_keywords)
      taken.push_back(policy::fold_keyword(word));
    for (const auto& word : *words) {
      const std::string form = policy::fold_keyword(word.value);
      if (form.empty()) {
        section.error(word.where, "help_keywords",
                      ": " + quote(word.value) + " has no letters or digits");
      } else if (std::find(taken.begin(), taken.end(), form) != taken.end()) {
        section.error(word.where, "help_keywords",
                      ": " + quote(word.value) + " is already an [optout] keyword");
      } else {
        autoreply.help_keywords.push_back(word.value);
      }
    }
  }
  auto read_text = [&](std::string_view key, std::string& into, bool opens) {
    auto text = section.string(key);
    if (!text) return;
    auto placeholders = policy::parse_template(text->value);
    if (!placeholders) {
      std::string why = placeholders.error().message;
      if (why.starts_with("text: ")) why.erase(0, 6);
      section.error(*section.node(key), key, ": " + why);
      return;
    }
    for (const policy::Placeholder& placeholder : *placeholders) {
      const std::string& name = placeholder.variable;
      const bool known = name == "sender_name" || name == "number" || (opens && name == "opens");
      if (!known || placeholder.field != policy::TimeField::kNone) {
        section.error(*section.node(key), key,
                      ": {" + name + "} is not known here (" +
                          (opens ? "{sender_name}, {number} and {opens} are"
                                 : "{sender_name} and {number} are") +
                          ")");
        return;
      }
    }
    into = text->value;
  };
  read_text("help_text", autoreply.help_text, false);
  read_text("optout_text", autoreply.optout_text, false);
  read_text("optin_text", autoreply.optin_text, false);
  read_text("out_of_hours_text", autoreply.out_of_hours_text, true);
  for (size_t day = 0; day < policy::kWeekdayKeys.size(); ++day) {
    const std::string_view key = policy::kWeekdayKeys[day];
    auto hours = section.string(key, "such as \"08:00-17:00\" or \"closed\"");
    if (!hours) continue;
    auto parsed = policy::parse_day_hours(hours->value);
    if (!parsed)
      section.error(*section.node(key), key, ": " + parsed.error().message);
    else
      autoreply.hours[day] = std::move(*parsed);
  }
}

void read_otp(Section section, OtpConfig& otp) {
  if (auto sends = section.integer("max_sends_per_number", 0, 1000))
    otp.max_sends_per_number = static_cast<int>(sends->value);
  // At most a day: used and expired codes are purged a day after they expire, so a
  // longer window would count codes that are no longer there.
  if (auto window = section.integer("send_window_minutes", 1, 24 * 60))
    otp.send_window = std::chrono::minutes(window->value);
}

void read_appointments(Section section, AppointmentsConfig& appointments) {
  if (auto offsets = section.strings("default_reminders")) {
    appointments.default_reminders.clear();
    for (const auto& offset : *offsets) {
      if (auto parsed = policy::parse_reminder_offset(offset.value); !parsed) {
        section.error(offset.where, "default_reminders", ": " + parsed.error().message);
        continue;
      }
      appointments.default_reminders.push_back(offset.value);
    }
  }
  for (auto [key, text] : {std::pair{"confirmation_text", &appointments.confirmation_text},
                           std::pair{"moved_text", &appointments.moved_text},
                           std::pair{"cancelled_text", &appointments.cancelled_text}}) {
    auto given = section.string(key);
    if (!given) continue;
    if (given->value.empty()) {
      section.error(given->where, key, "is empty");
      continue;
    }
    auto placeholders = policy::parse_template(given->value);
    if (!placeholders) {
      section.error(given->where, key, ": " + placeholders.error().message);
      continue;
    }
    // Only the appointment's own time is there to fill in.
    auto other = std::find_if(placeholders->begin(), placeholders->end(),
                              [](const policy::Placeholder& p) { return p.variable != "at"; });
    if (other != placeholders->end()) {
      section.error(
          given->where, key,
          ": {" + other->variable + "} is not known here; use {date}, {time} and {weekday}");
      continue;
    }
    *text = given->value;
  }
  auto read_words = [&](std::string_view key,
                        std::map<std::string, std::vector<std::string>>& into) {
    const toml::node* found = section.node(key);
    if (found == nullptr) return;
    const toml::table* languages = found->as_table();
    if (languages == nullptr) {
      section.error(*found, key,
                    "must be a table of languages, such as { en = [\"YES\"], de = [\"JA\"] }");
      return;
    }
    into.clear();
    for (auto&& [language, words] : *languages) {
      const std::string name(language.str());
      const std::string where = std::string(key) + "." + name;
      if (!policy::valid_template_language(name)) {
        section.error(language.source(), where, "is no language tag ICU knows (en, de, id, ...)");
        continue;
      }
      const toml::array* list = words.as_array();
      if (list == nullptr) {
        section.error(words, where, "must be an array of strings");
        continue;
      }
      std::vector<std::string>& kept = into[name];
      for (const toml::node& word : *list) {
        const auto* text = word.as_string();
        if (text == nullptr) {
          section.error(word, where, "must hold strings only");
          continue;
        }
        if (policy::fold_reply(text->get()).empty()) {
          section.error(word, where, ": " + quote(text->get()) + " has no letters or digits");
          continue;
        }
        kept.push_back(text->get());
      }
    }
  };
  read_words("yes_words", appointments.reply_words.yes);
  read_words("no_words", appointments.reply_words.no);
  if (auto words = policy::ReplyWords::create(appointments.reply_words); !words) {
    const char* key = section.node("no_words") ? "no_words" : "yes_words";
    if (const toml::node* found = section.node(key))
      section.error(*found, words.error().message.substr(0, words.error().message.find(':')),
                    words.error().message.substr(words.error().message.find(':')));
  }
}

void read_webhooks(Section section, WebhooksConfig& webhooks) {
  if (auto timeout = section.integer("timeout_seconds", 1, 300))
    webhooks.timeout = std::chrono::seconds(timeout->value);
  if (auto age = section.integer("max_age_hours", 1, 30 * 24))
    webhooks.max_age = std::chrono::hours(age->value);
  // At most a day: longer, one refused event would again hold up the rest for days.
  if (auto hold = section.integer("set_aside_after_minutes", 1, 24 * 60)) {
    webhooks.set_aside_after = std::chrono::minutes(hold->value);
    if (webhooks.set_aside_after > webhooks.max_age)
      section.error(
          hold->where, "set_aside_after_minutes",
          ": longer than max_age_hours (" + std::to_string(webhooks.max_age.count()) + " h)");
  }
}

// An address as a person writes it, "user@example.org" or "Name <user@example.org>";
// the daemon reads it with GMime at start (email/mail_compose.h), this catches typos.
std::string check_address(std::string_view address) {
  if (address.find_first_of("\r\n") != address.npos) return "holds a line break";
  std::string_view bare = address;
  if (const size_t open = address.rfind('<'); open != address.npos) {
    const size_t close = address.find('>', open);
    if (close == address.npos) return quote(address) + " has a '<' that is not closed";
    bare = address.substr(open + 1, close - open - 1);
  }
  const size_t at = bare.rfind('@');
  if (at == bare.npos || at == 0 || !is_domain(bare.substr(at + 1)) ||
      bare.find_first_of(" \t,;") != bare.npos)
    return quote(address) + " is not an email address such as \"frontdesk@klinik.example\"";
  return {};
}

// Read now rather than at the first mail, which would fail every try, quietly, until
// someone looked at the outbox.
std::string check_ca_file(const std::string& path) {
  if (path.empty()) return "is empty (leave it out for the system's CA certificates)";
  // A bundle of every public CA is about 200 KiB; the first certificate is near the top.
  auto text = read_at_most(path, 1u << 20);
  if (!text) return quote(path) + ": " + text.error().message;
  if (text->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return quote(path) + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
  return {};
}

// `key` as one email address; none when absent or refused.
std::optional<std::string> read_address(Section& section, std::string_view key) {
  auto address = section.string(key);
  if (!address) return std::nullopt;
  if (std::string why = check_address(address->value); !why.empty()) {
    section.error(*section.node(key), key, why);
    return std::nullopt;
  }
  return address->value;
}

void read_smarthost(Section& section, EmailConfig& email) {
  if (auto from = read_address(section, "from")) email.from = *from;
  if (auto user = section.string("smarthost_user")) email.smarthost_user = user->value;
  if (auto password = section.string("smarthost_password"))
    email.smarthost_password = password->value;
  if (email.smarthost_user.empty() != email.smarthost_password.empty()) {
    const char* present = email.smarthost_user.empty() ? "smarthost_password" : "smarthost_user";
    const char* missing = email.smarthost_user.empty() ? "smarthost_user" : "smarthost_password";
    section.error(*section.node(present), present, std::string("needs ") + missing + " too");
  }
  if (auto ca_file = section.string("smarthost_ca_file")) {
    if (std::string why = check_ca_file(ca_file->value); !why.empty()) {
      section.error(ca_file->where, "smarthost_ca_file", why);
    } else {
      email.smarthost_ca_file = ca_file->value;
    }
  }
  if (auto attempts = section.integer("mail_max_attempts", 1, 100))
    email.mail_max_attempts = static_cast<int>(attempts->value);
  if (auto timeout = section.integer("smarthost_timeout_seconds", 1, 600))
    email.smarthost_timeout = std::chrono::seconds(timeout->value);
  auto smarthost = section.string("smarthost");
  if (!smarthost) return;
  const std::string& url = smarthost->value;
  const toml::node& where = *section.node("smarthost");
  const std::string expected =
      " (expected smtp://HOST:587 for STARTTLS or smtps://HOST:465 for TLS)";
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == url.npos ? "" : url.substr(0, scheme_end);
  if (scheme != "smtp" && scheme != "smtps") {
    section.error(where, "smarthost", quote(url) + " is not an smtp:// or smtps:// URL" + expected);
    return;
  }
  const std::string rest = url.substr(scheme_end + 3);
  const std::string authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != authority.npos) {
    // Kept out of the URL so that the URL can be logged and shown.
    section.error(where, "smarthost",
                  ": the user and password go in smarthost_user and smarthost_password, not in "
                  "the URL");
    return;
  }
  if (authority.empty() || authority.front() == ':') {
    section.error(where, "smarthost", quote(url) + " has no host" + expected);
    return;
  }
  if (email.from.empty()) {
    section.error(where, "smarthost",
                  "needs [email] from: the address mail from the gateway comes from");
    return;
  }
  email.smarthost = url;
}

void read_reports(Section& section, EmailConfig& email) {
  email.reports_to = read_address(section, "reports_to");
  auto reports = section.strings("reports");
  if (!reports) return;
  email.report_delivered = email.report_failed = email.report_replies = false;
  for (const Located<std::string>& report : *reports) {
    if (report.value == "delivered") {
      email.report_delivered = true;
    } else if (report.value == "failed") {
      email.report_failed = true;
    } else if (report.value == "replies") {
      email.report_replies = true;
    } else {
      section.error(report.where, "reports",
                    quote(report.value) + " is not one of 'delivered', 'failed', 'replies'");
    }
  }
}

void read_email(Section section, EmailConfig& email) {
  if (auto domain = section.string("domain")) {
    if (!domain->value.empty() && !is_domain(domain->value)) {
      section.error(*section.node("domain"), "domain",
                    quote(domain->value) + " is not a domain name");
    } else {
      email.domain = to_lower(domain->value);
    }
  }
  if (auto listen = section.string("listen")) {
    if (std::string why = check_listen(listen->value); !why.empty()) {
      section.error(*section.node("listen"), "listen", ": " + why);
    } else if (email.domain.empty()) {
      section.error(*section.node("listen"), "listen",
                    "needs [email] domain: mail to <number>@<domain> becomes an SMS");
    } else {
      email.listen = listen->value;
    }
  }
  if (auto networks = section.strings("allow_networks")) {
    std::vector<std::string> allowed;
    for (const auto& network : *networks) {
      if (auto parsed = parse_network(network.value); !parsed) {
        section.error(network.where, "allow_networks", ": " + parsed.error().message);
      } else {
        allowed.push_back(network.value);
      }
    }
    email.allow_networks = std::move(allowed);
  }
  if (auto prefix = section.boolean("subject_prefix")) email.subject_prefix = *prefix;
  if (auto parts = section.integer("max_parts", 1, 10))
    email.max_parts = static_cast<int>(parts->value);
  if (auto size = section.integer("max_message_kb", 16, 65536))
    email.max_message_kb = static_cast<int>(size->value);
  if (auto cap = section.integer("max_connections", 1, 1024))
    email.max_connections = static_cast<int>(cap->value);
  if (auto cap = section.integer("max_connections_per_client", 1, 1024))
    email.max_connections_per_client = static_cast<int>(cap->value);
  auto certificate = section.string("tls_certificate");
  auto key = section.string("tls_key");
  if (certificate) email.tls_certificate = certificate->value;
  if (key) email.tls_key = key->value;
  if (email.tls_certificate.empty() != email.tls_key.empty()) {
    const char* present = email.tls_certificate.empty() ? "tls_key" : "tls_certificate";
    const char* missing = email.tls_certificate.empty() ? "tls_certificate" : "tls_key";
    section.error(*section.node(present), present, std::string("needs ") + missing + " too");
  }
  read_smarthost(section, email);
  read_reports(section, email);
}

// The placeholders a [[forward]] subject may hold (email/forward.h fills them in).
std::string check_forward_subject(std::string_view subject) {
  if (subject.find_first_of("\r\n") != subject.npos) return "holds a line break";
  for (size_t open = subject.find('{'); open != subject.npos; open = subject.find('{', open + 1)) {
    const size_t close = subject.find('}', open);
    if (close == subject.npos) return "has a '{' that is not closed";
    const std::string_view name = subject.substr(open + 1, close - open - 1);
    if (name != "number" && name != "modem")
      return "has the unknown placeholder {" + std::string(name) + "} (known: {number}, {modem})";
  }
  return {};
}

void read_forwards(Problems& problems, const toml::table& root, const EmailConfig& email,
                   const std::string& default_region, std::vector<ForwardConfig>& forwards) {
  const TableSchema& schema = *find_schema("forward");
  for (const toml::table* table : array_tables(problems, root, schema)) {
    Section section(problems, table, schema);
    if (!email.smarthost) {
      problems.add(table->source(),
                   "[[forward]] needs [email] smarthost: without it no mail is sent");
      continue;
    }
    ForwardConfig forward;
    if (section.node("to") == nullptr) {
      problems.add(table->source(), "[[forward]] needs to (the address texts are mailed to)");
      continue;
    }
    auto to = read_address(section, "to");
    if (!to) continue;
    forward.to = *to;
    if (auto numbers = section.strings("from_numbers")) {
      for (const Located<std::string>& number : *numbers) {
        auto normalized = policy::normalize_number(number.value, default_region);
        if (!normalized) {
          section.error(number.where, "from_numbers",
                        ": " + quote(number.value) + ": " + normalized.error().message);
          continue;
        }
        forward.from_numbers.push_back(*normalized);
      }
    }
    if (auto subject = section.string("subject")) {
      if (std::string why = check_forward_subject(subject->value); !why.empty()) {
        section.error(*section.node("subject"), "subject", why);
      } else {
        forward.subject = subject->value;
      }
    }
    forwards.push_back(std::move(forward));
  }
}

void read_retention(Section section, RetentionConfig& retention) {
  // Ten years at most: a longer number is a typo, and forever is 0.
  constexpr int64_t kMaxDays = 3650;
  if (auto days = section.integer("messages_days", 0, kMaxDays))
    retention.messages_days = static_cast<int>(days->value);
  if (auto days = section.integer("inbound_days", 0, kMaxDays))
    retention.inbound_days = static_cast<int>(days->value);
}

void read_log(Section section, LogConfig& log) {
  // spdlog's level names.
  constexpr std::string_view kLevels[] = {"trace", "debug",    "info", "warn",
                                          "error", "critical", "off"};
  if (auto level = section.string("level")) {
    if (std::find(std::begin(kLevels), std::end(kLevels), level->value) != std::end(kLevels)) {
      log.level = level->value;
    } else {
      std::string message =
          quote(level->value) + " is not one of trace, debug, info, warn, error, critical, off";
      if (auto close = closest_match(level->value, kLevels))
        message += "; did you mean " + quote(*close) + "?";
      section.error(*section.node("level"), "level", message);
    }
  }
  if (auto trace = section.boolean("at_trace")) log.at_trace = *trace;
}

// The table for [name], or nullptr when absent or not a table (reported).
const toml::table* plain_table(Problems& problems, const toml::table& root, std::string_view name) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  if (const toml::table* table = node->as_table()) return table;
  std::string message =
      "[" + std::string(name) + "] must be a table, not " + std::string(type_name(node->type()));
  if (name == "modems" && node->is_array_of_tables())
    message += "; per-modem settings go in [[modem]]";
  problems.add(node->source(), std::move(message));
  return nullptr;
}

void check_top_level(Problems& problems, const toml::table& root) {
  std::vector<std::string_view> tables;
  for (const TableSchema& schema : kSchema) tables.push_back(schema.name);
  for (auto&& [key, node] : root) {
    if (find_schema(key.str()) != nullptr) continue;
    std::string message;
    if (node.is_table() || node.is_array_of_tables()) {
      message = "unknown table [" + std::string(key.str()) + "]";
      if (auto close = closest_match(key.str(), tables)) {
        message += "; did you mean " + header(*find_schema(*close)) + "?";
      }
    } else {
      message = "unknown key " + quote(key.str()) + " outside any table";
      for (const TableSchema& schema : kSchema) {
        if (std::find(schema.keys.begin(), schema.keys.end(), key.str()) != schema.keys.end()) {
          message += "; it belongs under " + header(schema);
          break;
        }
      }
    }
    problems.add(key.source(), std::move(message));
  }
}

}  // namespace

policy::RetryPolicy SendingConfig::retry_policy() const {
  policy::RetryPolicy policy;
  policy.max_attempts = max_attempts;
  policy.base_delay_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(retry_backoff).count();
  policy.max_delay_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(retry_backoff_max).count();
  return policy;
}

Result<Config> parse_config(std::string_view text, std::string_view source_name) {
  toml::table root;
  // toml++ as Debian builds it reports syntax errors by exception; they stop here.
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    return make_error(std::string(source_name) + ":" + std::to_string(error.source().begin.line) +
                      ":" + std::to_string(error.source().begin.column) + ": " +
                      std::string(error.description()));
  }

  Problems problems(source_name);
  Config config;
  check_top_level(problems, root);
  read_http(Section(problems, plain_table(problems, root, "http"), *find_schema("http")),
            config.http);
  read_storage(Section(problems, plain_table(problems, root, "storage"), *find_schema("storage")),
               config.storage);
  read_modems(Section(problems, plain_table(problems, root, "modems"), *find_schema("modems")),
              config.modems);
  read_modem_entries(problems, root, config.modems, config.modem);
  read_sending(Section(problems, plain_table(problems, root, "sending"), *find_schema("sending")),
               config.sending);
  read_routes(problems, root, config.modem, config.sending.routes);
  read_optout(Section(problems, plain_table(problems, root, "optout"), *find_schema("optout")),
              config.optout);
  read_autoreply(
      Section(problems, plain_table(problems, root, "autoreply"), *find_schema("autoreply")),
      config.optout, config.autoreply);
  read_otp(Section(problems, plain_table(problems, root, "otp"), *find_schema("otp")), config.otp);
  read_appointments(
      Section(problems, plain_table(problems, root, "appointments"), *find_schema("appointments")),
      config.appointments);
  read_webhooks(
      Section(problems, plain_table(problems, root, "webhooks"), *find_schema("webhooks")),
      config.webhooks);
  read_email(Section(problems, plain_table(problems, root, "email"), *find_schema("email")),
             config.email);
  read_forwards(problems, root, config.email, config.sending.default_region, config.forward);
  read_retention(
      Section(problems, plain_table(problems, root, "retention"), *find_schema("retention")),
      config.retention);
  read_log(Section(problems, plain_table(problems, root, "log"), *find_schema("log")), config.log);
  if (!problems.empty()) return problems.error();
  return config;
}

Result<Config> load_config(const std::string& path) {
  // A configuration file is a few kilobytes; anything over 1 MiB is the wrong file.
  constexpr size_t kLimit = 1u << 20;
  auto text = read_at_most(path, kLimit);
  if (!text) return make_error(path + ": " + text.error().message);
  if (text->size() > kLimit)
    return make_error(path + ": larger than 1 MiB; is this the configuration file?");
  auto config = parse_config(*text, path);
  if (config) config->file = path;
  return config;
}

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> all;
    for (const TableSchema& schema : kSchema) {
      for (std::string_view key : schema.keys)
        all.push_back(std::string(schema.name) + "." + std::string(key));
    }
    return all;
  }();
  return keys;
}

}  // namespace smsgate::config

// The configuration file: the shipped example is the defaults, every key is read, and
// every kind of mistake is refused whole with "file:line:column: reason".
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"
#include "config/suggest.h"
#include "config_test_support.h"

namespace smsgate::config {
namespace {

using testing::parsed;
using testing::refusal;

const std::string kExample = std::string(SMSGATE_TEST_DATA) + "/../etc/smsgate.toml";

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST_CASE("config: an empty file is the defaults") {
  CHECK(parsed("") == Config{});
  CHECK(parsed("# nothing but a comment\n\n") == Config{});
  const Config defaults;
  CHECK(defaults.http.listen == "127.0.0.1:8080");
  CHECK(defaults.http.max_connections_per_client == 16);
  CHECK(defaults.http.max_event_streams == 8);
  CHECK(defaults.storage.path == "/var/lib/smsgate/smsgate.db");
  CHECK(defaults.modems.ports == std::vector<std::string>{"/dev/smsgate/*"});
  CHECK(defaults.modems.serial().baud == 115200);
  CHECK(defaults.sending.quiet_hours == policy::QuietWindow{21 * 60, 8 * 60});
  CHECK(defaults.optout.keywords == std::vector<std::string>{"STOP", "UNSUBSCRIBE", "CANCEL"});
  CHECK(defaults.optout.optin_keywords == std::vector<std::string>{"START"});
  CHECK(defaults.otp.max_sends_per_number == 5);
  CHECK(defaults.otp.send_window == std::chrono::minutes(60));
  CHECK_FALSE(defaults.email.listen.has_value());
  CHECK(defaults.email.allow_networks == std::vector<std::string>{"127.0.0.0/8", "::1/128"});
  CHECK_FALSE(defaults.email.subject_prefix);
  CHECK(defaults.email.max_parts == 3);
  CHECK(defaults.email.max_message_kb == 1024);
  CHECK(defaults.log.level == "info");
  CHECK_FALSE(defaults.log.at_trace);
}

TEST_CASE("config: the shipped example parses and equals the defaults") {
  Result<Config> example = load_config(kExample);
  REQUIRE_MESSAGE(example.ok(), example.error().message);
  CHECK(example->file == kExample);  // where it was read from, shown by /api/v1/settings
  Config defaults;
  defaults.file = kExample;
  CHECK(*example == defaults);
}

TEST_CASE("config: the shipped example documents every key") {
  const std::string text = read_file(kExample);
  REQUIRE_FALSE(text.empty());
  for (const std::string& dotted : known_keys()) {
    const std::string table = dotted.substr(0, dotted.find('.'));
    const std::string key = dotted.substr(dotted.find('.') + 1);
    CAPTURE(dotted);
    const bool array = table == "modem" || table == "route" || table == "forward";
    const size_t section = text.find(array ? "[[" + table + "]]" : "[" + table + "]");
    REQUIRE(section != std::string::npos);
    // Set (or shown commented out) after its table header, with a comment line above.
    const size_t at = text.find(key + " = ", section);
    REQUIRE(at != std::string::npos);
    const size_t line_start = text.rfind('\n', at);
    const size_t previous_line = text.rfind('\n', line_start - 1);
    CHECK(text[previous_line + 1] == '#');
  }
}

TEST_CASE("config: every key is read") {
  const Config config = parsed(R"(
[http]
listen = "0.0.0.0:8443"
tls_certificate = "/etc/smsgate/cert.pem"
tls_key = "/etc/smsgate/key.pem"
max_connections_per_client = 4
max_event_streams = 3

[storage]
path = "/srv/smsgate.db"

[modems]
ports = ["/dev/ttyUSB*", "/dev/serial/by-id/usb-Huawei*-if00-port0"]
baud = 9600
flow_control = "rtscts"
health_interval_seconds = 30
rate_per_minute = 4
daily_limit = 900

[[modem]]
port = "/dev/ttyUSB2"
name = "office"
pin = "0000"
rate_per_minute = 8

[[modem]]
port = "/dev/ttyUSB5"
enabled = false
daily_limit = 10

[sending]
default_region = "de"
quiet_hours = "22:30-07:00"
timezone = "Europe/Berlin"
max_attempts = 3
retry_backoff_seconds = 10
retry_backoff_max_seconds = 600
default_ttl_minutes = 60
default_reply_window_hours = 0

[[route]]
prefix = "+49"
modem = "office"

[[route]]
prefix = "+4915"
modem = "/dev/ttyUSB5"

[optout]
keywords = ["STOP", "ABMELDEN"]
optin_keywords = ["START", "ANMELDEN"]

[otp]
max_sends_per_number = 3
send_window_minutes = 30

[webhooks]
timeout_seconds = 5
max_age_hours = 24
set_aside_after_minutes = 30

[email]
listen = "[::1]:2525"
domain = "SMS.Example.org"

[log]
level = "debug"
at_trace = true
)");
  CHECK(config.http.listen == "0.0.0.0:8443");
  CHECK(config.http.tls_certificate == "/etc/smsgate/cert.pem");
  CHECK(config.http.tls_key == "/etc/smsgate/key.pem");
  CHECK(config.http.max_connections_per_client == 4);
  CHECK(config.http.max_event_streams == 3);
  CHECK(config.storage.path == "/srv/smsgate.db");
  CHECK(config.modems.ports ==
        std::vector<std::string>{"/dev/ttyUSB*", "/dev/serial/by-id/usb-Huawei*-if00-port0"});
  CHECK(config.modems.baud == 9600);
  CHECK(config.modems.flow_control == at::FlowControl::kRtsCts);
  CHECK(config.modems.serial().flow_control == at::FlowControl::kRtsCts);
  CHECK(config.modems.health_interval == std::chrono::seconds(30));
  CHECK(config.modems.rate_per_minute == 4);
  CHECK(config.modems.daily_limit == 900);
  REQUIRE(config.modem.size() == 2);
  CHECK(config.modem[0] ==
        ModemConfig{"/dev/ttyUSB2", "office", "0000", 8, 900, true, "", 0, {}, {}});
  // Unset values come from [modems]; the name defaults to the port.
  CHECK(config.modem[1] ==
        ModemConfig{"/dev/ttyUSB5", "/dev/ttyUSB5", std::nullopt, 4, 10, false, "", 0, {}, {}});
  CHECK(config.sending.default_region == "DE");
  CHECK(config.sending.quiet_hours == policy::QuietWindow{22 * 60 + 30, 7 * 60});
  CHECK(config.sending.timezone == "Europe/Berlin");
  CHECK(config.sending.max_attempts == 3);
  CHECK(config.sending.retry_backoff == std::chrono::seconds(10));
  CHECK(config.sending.retry_backoff_max == std::chrono::seconds(600));
  CHECK(config.sending.retry_policy().base_delay_ms == 10'000);
  CHECK(config.sending.retry_policy().max_delay_ms == 600'000);
  CHECK(config.sending.retry_policy().max_attempts == 3);
  CHECK(config.sending.default_ttl == std::chrono::minutes(60));
  CHECK(config.sending.default_reply_window == std::chrono::hours(0));
  CHECK(config.sending.routes ==
        std::vector<policy::Route>{{"+49", "office"}, {"+4915", "/dev/ttyUSB5"}});
  CHECK(config.optout.keywords == std::vector<std::string>{"STOP", "ABMELDEN"});
  CHECK(config.optout.optin_keywords == std::vector<std::string>{"START", "ANMELDEN"});
  CHECK(config.otp.max_sends_per_number == 3);
  CHECK(config.otp.send_window == std::chrono::minutes(30));
  CHECK(config.webhooks.timeout == std::chrono::seconds(5));
  CHECK(config.webhooks.max_age == std::chrono::hours(24));
  CHECK(config.webhooks.set_aside_after == std::chrono::minutes(30));
  CHECK(config.email.listen == "[::1]:2525");
  CHECK(config.email.domain == "sms.example.org");
  CHECK(config.log.level == "debug");
  CHECK(config.log.at_trace);
}

TEST_CASE("config: quiet hours can be turned off, ports emptied") {
  const Config config = parsed("[sending]\nquiet_hours = \"\"\n[modems]\nports = []\n");
  CHECK_FALSE(config.sending.quiet_hours.has_value());
  CHECK(config.modems.ports.empty());
}

TEST_CASE("config: syntax errors carry toml++'s position") {
  const std::string message = refusal("[http]\nlisten = \"127.0.0.1:8080\n");
  CHECK(message.starts_with("test.toml:2:"));
  CHECK(refusal("[http\n").starts_with("test.toml:1:"));
  CHECK(refusal("\n\n[sending]\nmax_attempts = = 3\n").starts_with("test.toml:4:"));
  // A key given twice is a TOML error, too.
  CHECK(refusal("[log]\nlevel = \"info\"\nlevel = \"debug\"\n").starts_with("test.toml:3:"));
  CHECK(refusal("[log]\n[log]\n").starts_with("test.toml:2:"));
  CHECK(refusal("level = \"\xff\"\n").starts_with("test.toml:1:"));
}

TEST_CASE("config: unknown keys and tables, with did-you-mean") {
  CHECK(refusal("[http]\nlistn = \"127.0.0.1:8080\"\n") ==
        "test.toml:2:1: unknown key 'listn' in [http]; did you mean 'listen'?");
  CHECK(refusal("[modems]\n  flowcontrol = \"none\"\n") ==
        "test.toml:2:3: unknown key 'flowcontrol' in [modems]; did you mean 'flow_control'?");
  CHECK(refusal("[modems]\nhealth_interval = 5\n") ==
        "test.toml:2:1: unknown key 'health_interval' in [modems]; did you mean "
        "'health_interval_seconds'?");
  CHECK(refusal("[sending]\ncolour = \"blue\"\n") ==
        "test.toml:2:1: unknown key 'colour' in [sending]");
  CHECK(refusal("[htpp]\nlisten = \"x\"\n") ==
        "test.toml:1:2: unknown table [htpp]; did you mean [http]?");
  CHECK(refusal("[[modme]]\nport = \"/dev/x\"\n") ==
        "test.toml:1:3: unknown table [modme]; did you mean [[modem]]?");
  CHECK(refusal("[frobnicate]\n") == "test.toml:1:2: unknown table [frobnicate]");
  CHECK(refusal("listen = \"127.0.0.1:8080\"\n") ==
        "test.toml:1:1: unknown key 'listen' outside any table; it belongs under [http]");
  CHECK(refusal("[[modem]]\nport = \"/dev/ttyUSB0\"\npn = \"1234\"\n") ==
        "test.toml:3:1: unknown key 'pn' in [[modem]]; did you mean 'pin'?");
}

TEST_CASE("config: wrong types") {
  CHECK(refusal("[modems]\nbaud = \"115200\"\n") ==
        "test.toml:2:8: [modems] baud must be an integer, not a string");
  CHECK(refusal("[modems]\nbaud = 115200.0\n") ==
        "test.toml:2:8: [modems] baud must be an integer, not a floating-point number");
  CHECK(refusal("[log]\nat_trace = \"yes\"\n") ==
        "test.toml:2:12: [log] at_trace must be true or false, not a string");
  CHECK(refusal("[modems]\nports = \"/dev/ttyUSB*\"\n") ==
        "test.toml:2:9: [modems] ports must be an array of strings, not a string");
  CHECK(refusal("[modems]\nports = [\"/dev/a\", 2]\n") ==
        "test.toml:2:20: [modems] ports must hold strings only, not an integer");
  CHECK(refusal("[[modem]]\nport = \"/dev/ttyUSB0\"\npin = 1234\n") ==
        "test.toml:3:7: [[modem]] pin must be a string, not an integer (quote it: pin = \"1234\")");
  CHECK(refusal("http = 1\n") == "test.toml:1:8: [http] must be a table, not an integer");
  CHECK(
      refusal("[[modems]]\nbaud = 9600\n") ==
      "test.toml:1:1: [modems] must be a table, not an array; per-modem settings go in [[modem]]");
  CHECK(refusal("[modem]\nport = \"/dev/ttyUSB0\"\n") ==
        "test.toml:1:1: modem must be written [[modem]], one table per entry");
}

TEST_CASE("config: numbers out of range") {
  CHECK(refusal("[sending]\nmax_attempts = 0\n") ==
        "test.toml:2:16: [sending] max_attempts must be between 1 and 100, not 0");
  CHECK(refusal("[modems]\nhealth_interval_seconds = -5\n") ==
        "test.toml:2:27: [modems] health_interval_seconds must be between 1 and 3600, not -5");
  CHECK(refusal("[modems]\nbaud = 115201\n") ==
        "test.toml:2:8: [modems] baud 115201 is not a standard rate (9600, 19200, 38400, 57600, "
        "115200, 230400, ...)");
  CHECK(refusal("[webhooks]\ntimeout_seconds = 100000\n") ==
        "test.toml:2:19: [webhooks] timeout_seconds must be between 1 and 300, not 100000");
  CHECK(refusal("[sending]\nretry_backoff_seconds = 600\nretry_backoff_max_seconds = 60\n") ==
        "test.toml:3:29: [sending] retry_backoff_max_seconds leaves retry_backoff_max_seconds (60) "
        "below "
        "retry_backoff_seconds (600)");
}

TEST_CASE("config: [otp] send limit per number") {
  Config config = parsed("[otp]\nmax_sends_per_number = 0\n");
  CHECK(config.otp.max_sends_per_number == 0);  // no limit
  CHECK(config.otp.send_window == std::chrono::minutes(60));
  config = parsed("[otp]\nsend_window_minutes = 1440\nmax_sends_per_number = 1000\n");
  CHECK(config.otp.send_window == std::chrono::minutes(1440));
  CHECK(config.otp.max_sends_per_number == 1000);
  CHECK(parsed("[otp]\nsend_window_minutes = 1\n").otp.send_window == std::chrono::minutes(1));

  CHECK(refusal("[otp]\nmax_sends_per_number = -1\n") ==
        "test.toml:2:24: [otp] max_sends_per_number must be between 0 and 1000, not -1");
  CHECK(refusal("[otp]\nmax_sends_per_number = 1001\n") ==
        "test.toml:2:24: [otp] max_sends_per_number must be between 0 and 1000, not 1001");
  CHECK(refusal("[otp]\nsend_window_minutes = 0\n") ==
        "test.toml:2:23: [otp] send_window_minutes must be between 1 and 1440, not 0");
  CHECK(refusal("[otp]\nsend_window_minutes = 1441\n") ==
        "test.toml:2:23: [otp] send_window_minutes must be between 1 and 1440, not 1441");
  CHECK(refusal("[otp]\nsend_window_minutes = \"1h\"\n") ==
        "test.toml:2:23: [otp] send_window_minutes must be an integer, not a string");
  CHECK(refusal("[otp]\nmax_sends_per_number = 5.5\n") ==
        "test.toml:2:24: [otp] max_sends_per_number must be an integer, not a floating-point "
        "number");
  CHECK(refusal("[otp]\nsend_window = 60\n") ==
        "test.toml:2:1: unknown key 'send_window' in [otp]; did you mean 'send_window_minutes'?");
  CHECK(refusal("[otp]\nmax_sends_per_numbr = 5\n") ==
        "test.toml:2:1: unknown key 'max_sends_per_numbr' in [otp]; did you mean "
        "'max_sends_per_number'?");
  CHECK(refusal("[opt]\nmax_sends_per_number = 5\n") ==
        "test.toml:1:2: unknown table [opt]; did you mean [otp]?");
  CHECK(refusal("max_sends_per_number = 5\n") ==
        "test.toml:1:1: unknown key 'max_sends_per_number' outside any table; it belongs under "
        "[otp]");
}

TEST_CASE("config: [webhooks] how long one failing event may hold up the rest") {
  CHECK(parsed("").webhooks.set_aside_after == std::chrono::minutes(10));
  CHECK(parsed("[webhooks]\nset_aside_after_minutes = 1\n").webhooks.set_aside_after ==
        std::chrono::minutes(1));
  // Up to max_age, whichever order the keys come in.
  Config config = parsed("[webhooks]\nset_aside_after_minutes = 120\nmax_age_hours = 2\n");
  CHECK(config.webhooks.set_aside_after == std::chrono::minutes(120));

  CHECK(refusal("[webhooks]\nset_aside_after_minutes = 0\n") ==
        "test.toml:2:27: [webhooks] set_aside_after_minutes must be between 1 and 1440, not 0");
  CHECK(refusal("[webhooks]\nset_aside_after_minutes = 1441\n") ==
        "test.toml:2:27: [webhooks] set_aside_after_minutes must be between 1 and 1440, not 1441");
  CHECK(refusal("[webhooks]\nmax_age_hours = 1\nset_aside_after_minutes = 61\n") ==
        "test.toml:3:27: [webhooks] set_aside_after_minutes: longer than max_age_hours (1 h)");
  CHECK(refusal("[webhooks]\nset_aside_after = 10\n") ==
        "test.toml:2:1: unknown key 'set_aside_after' in [webhooks]; did you mean "
        "'set_aside_after_minutes'?");
}

TEST_CASE("config: bad values") {
  CHECK(refusal("[modems]\nports = [\"/dev/ttyUSB[0-3\"]\n") ==
        "test.toml:2:10: [modems] ports: '/dev/ttyUSB[0-3' has a '[' that is not closed");
  CHECK(refusal("[modems]\nports = [\"ttyUSB*\"]\n") ==
        "test.toml:2:10: [modems] ports: 'ttyUSB*' is not an absolute path");
  CHECK(
      refusal("[modems]\nflow_control = \"hardware\"\n") ==
      "test.toml:2:16: [modems] flow_control 'hardware' is not one of 'none', 'rtscts', 'xonxoff'");
  CHECK(refusal("[http]\nlisten = \"localhost:8080\"\n") ==
        "test.toml:2:10: [http] listen: 'localhost' is not an IP address (expected ADDRESS:PORT "
        "such as "
        "\"127.0.0.1:8080\" or \"[::]:8080\")");
  CHECK(refusal("[http]\nlisten = \"127.0.0.1:80800\"\n")
            .starts_with("test.toml:2:10: [http] listen: '80800' is not a port"));
  CHECK(refusal("[http]\nlisten = \"127.0.0.1\"\n")
            .starts_with("test.toml:2:10: [http] listen: '127.0.0.1' has no port"));
  CHECK(refusal("[http]\ntls_key = \"/k.pem\"\n") ==
        "test.toml:2:11: [http] tls_key needs tls_certificate too");
  CHECK(refusal("[http]\nmax_connections_per_client = 0\n") ==
        "test.toml:2:30: [http] max_connections_per_client must be between 1 and 1024, not 0");
  CHECK(refusal("[http]\nmax_event_streams = 33\n") ==
        "test.toml:2:21: [http] max_event_streams must be between 1 and 32, not 33");
  CHECK(refusal("[storage]\npath = \"\"\n") == "test.toml:2:8: [storage] path is empty");
  CHECK(refusal("[log]\nlevel = \"verbose\"\n") ==
        "test.toml:2:9: [log] level 'verbose' is not one of trace, debug, info, warn, error, "
        "critical, off");
  CHECK(refusal("[log]\nlevel = \"warning\"\n") ==
        "test.toml:2:9: [log] level 'warning' is not one of trace, debug, info, warn, error, "
        "critical, off; "
        "did you mean 'warn'?");
  CHECK(refusal("[email]\nlisten = \"127.0.0.1:25\"\n") ==
        "test.toml:2:10: [email] listen needs [email] domain: mail to <number>@<domain> becomes an "
        "SMS");
  CHECK(refusal("[email]\nlisten = \"127.0.0.1:25\"\ndomain = \"\"\n") ==
        "test.toml:2:10: [email] listen needs [email] domain: mail to <number>@<domain> becomes an "
        "SMS");
  CHECK(refusal("[email]\ndomain = \"sms..example\"\n") ==
        "test.toml:2:10: [email] domain 'sms..example' is not a domain name");
}

TEST_CASE("config: [email]'s receiving keys are read and checked") {
  auto config = parse_config(
      "[email]\ndomain = \"sms.example\"\nallow_networks = [\"192.168.1.0/24\", \"fd00::1\"]\n"
      "subject_prefix = true\nmax_parts = 5\nmax_message_kb = 64\nmax_connections = 8\n"
      "max_connections_per_client = 2\ntls_certificate = \"/etc/c.pem\"\ntls_key = "
      "\"/etc/k.pem\"\n",
      "test.toml");
  REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
  CHECK(config->email.allow_networks == std::vector<std::string>{"192.168.1.0/24", "fd00::1"});
  CHECK(config->email.subject_prefix);
  CHECK(config->email.max_parts == 5);
  CHECK(config->email.max_message_kb == 64);
  CHECK(config->email.max_connections == 8);
  CHECK(config->email.max_connections_per_client == 2);
  CHECK(config->email.tls_certificate == "/etc/c.pem");
  CHECK(config->email.tls_key == "/etc/k.pem");
  // An empty list trusts no one: every client signs in.
  auto none = parse_config("[email]\nallow_networks = []\n", "test.toml");
  REQUIRE(none.ok());
  CHECK(none->email.allow_networks.empty());

  CHECK(refusal("[email]\nallow_networks = [\"10.0.0.0/33\"]\n") ==
        "test.toml:2:19: [email] allow_networks: \"10.0.0.0/33\": a prefix of at most 32 bits");
  CHECK(refusal("[email]\nallow_networks = [\"lan\"]\n") ==
        "test.toml:2:19: [email] allow_networks: \"lan\": not an IPv4 or IPv6 address or network");
  CHECK(refusal("[email]\nmax_parts = 11\n") ==
        "test.toml:2:13: [email] max_parts must be between 1 and 10, not 11");
  CHECK(refusal("[email]\ntls_key = \"/k.pem\"\n") ==
        "test.toml:2:11: [email] tls_key needs tls_certificate too");
}

TEST_CASE("config: region, time zone and quiet hours are checked with their owners' rules") {
  CHECK(refusal("[sending]\ndefault_region = \"XX\"\n") ==
        "test.toml:2:18: [sending] default_region 'XX' is not a region libphonenumber knows (an "
        "ISO 3166-1 "
        "alpha-2 code such as \"DE\")");
  CHECK(refusal("[sending]\ndefault_region = \"DEU\"\n")
            .starts_with("test.toml:2:18: [sending] default_region 'DEU'"));
  CHECK(refusal("[sending]\ntimezone = \"Europe/Berln\"\n") ==
        "test.toml:2:12: [sending] timezone 'Europe/Berln' is not a time zone of the tz database; "
        "did you mean "
        "'Europe/Berlin'?");
  CHECK(
      refusal("[sending]\ntimezone = \"GMT+1\"\n")
          .starts_with(
              "test.toml:2:12: [sending] timezone 'GMT+1' is not a time zone of the tz database"));
  CHECK(refusal("[sending]\ntimezone = \"Middle/Earth\"\n") ==
        "test.toml:2:12: [sending] timezone 'Middle/Earth' is not a time zone of the tz database "
        "(an IANA name "
        "such as \"Europe/Berlin\")");
  CHECK(refusal("[sending]\nquiet_hours = \"21:00-25:00\"\n") ==
        "test.toml:2:15: [sending] quiet_hours: '25:00' is not a time of day (expected a window "
        "such as "
        "\"21:00-08:00\")");
  CHECK(refusal("[sending]\nquiet_hours = \"late\"\n") ==
        "test.toml:2:15: [sending] quiet_hours: 'late' is not a window such as \"21:00-08:00\"");
}

TEST_CASE("config: modems and routes") {
  CHECK(refusal("[[modem]]\nport = \"/dev/ttyUSB0\"\n\n[[modem]]\nport = \"/dev/ttyUSB0\"\n") ==
        "test.toml:5:8: [[modem]] port '/dev/ttyUSB0' is already used by the [[modem]] at line 2");
  CHECK(refusal("[[modem]]\nname = \"office\"\n") ==
        "test.toml:1:1: [[modem]] needs a port (the path of its serial port)");
  CHECK(refusal("[[modem]]\nport = \"/dev/ttyUSB*\"\n") ==
        "test.toml:2:8: [[modem]] port '/dev/ttyUSB*' is not an absolute path (globs belong in "
        "[modems] ports)");
  CHECK(refusal("[[modem]]\nport = \"/dev/a\"\nname = \"x\"\n[[modem]]\nport = \"/dev/b\"\nname = "
                "\"x\"\n") ==
        "test.toml:6:8: [[modem]] name gives the name 'x' of the [[modem]] at line 3 again");
  CHECK(refusal("[[modem]]\nport = \"/dev/a\"\npin = \"12\"\n") ==
        "test.toml:3:7: [[modem]] pin must be 4 to 8 digits");
  CHECK(refusal("[[modem]]\nport = \"/dev/a\"\nname = \"office\"\n[[route]]\nprefix = "
                "\"+49\"\nmodem = \"ofice\"\n") ==
        "test.toml:6:9: [[route]] modem 'ofice' is not the name of a [[modem]]; did you mean "
        "'office'?");
  CHECK(
      refusal("[[modem]]\nport = \"/dev/a\"\n[[route]]\nprefix = \"49\"\nmodem = \"/dev/a\"\n") ==
      "test.toml:4:10: [[route]] prefix '49' is not a number prefix such as \"+49\" or \"+4915\"");
  CHECK(refusal("[[modem]]\nport = \"/dev/a\"\n[[route]]\nprefix = \"+49\"\nmodem = \"/dev/a\"\n"
                "[[route]]\nprefix = \"+49\"\nmodem = \"/dev/a\"\n") ==
        "test.toml:7:10: [[route]] prefix '+49' is already routed at line 4");
  CHECK(refusal("[[route]]\nprefix = \"+49\"\n") ==
        "test.toml:1:1: [[route]] needs a prefix and a modem");
}

TEST_CASE("config: balance checks and SIM expiry, for every modem and per modem") {
  Config config = parsed(
      "[modems]\nbalance_ussd = \"*100#\"\nbalance_check_hours = 12\n"
      "balance_alarm_below = 2.5\n"
      "[[modem]]\nport = \"/dev/ttyUSB0\"\nsim_expires = 2027-01-31\n"
      "[[modem]]\nport = \"/dev/ttyUSB1\"\nbalance_ussd = \"*123#\"\n"
      "balance_alarm_below = 5\nsim_expires = \"2027-02-28\"\n");
  CHECK(config.modems.balance_ussd == "*100#");
  CHECK(config.modems.balance_check_hours == 12);
  CHECK(config.modems.balance_alarm_below == 2.5);
  REQUIRE(config.modem.size() == 2);
  CHECK(config.modem[0].balance_ussd == "*100#");  // from [modems]
  CHECK(config.modem[0].balance_check_hours == 12);
  CHECK(config.modem[0].sim_expires == "2027-01-31");
  CHECK(config.modem[1].balance_ussd == "*123#");
  CHECK(config.modem[1].balance_alarm_below == 5.0);
  CHECK(config.modem[1].sim_expires == "2027-02-28");
  CHECK_FALSE(parsed("").modems.balance_alarm_below.has_value());

  CHECK(refusal("[modems]\nbalance_ussd = \"balance please\"\n") ==
        "test.toml:2:16: [modems] balance_ussd 'balance please' is not a USSD code (1 to 160 of "
        "0-9 * # +, such as \"*123#\")");
  CHECK(refusal("[modems]\nbalance_check_hours = -1\n") ==
        "test.toml:2:23: [modems] balance_check_hours must be between 0 and 8784, not -1");
  CHECK(refusal("[modems]\nbalance_alarm_below = \"5 EUR\"\n") ==
        "test.toml:2:23: [modems] balance_alarm_below must be a number, not a string");
  CHECK(refusal("[modems]\nbalance_alarm_below = -2\n") ==
        "test.toml:2:23: [modems] balance_alarm_below must be a number of at least 0");
  CHECK(refusal("[[modem]]\nport = \"/dev/ttyUSB0\"\nsim_expires = \"31.01.2027\"\n") ==
        "test.toml:3:15: [[modem]] sim_expires must be a date such as 2027-01-31");
  CHECK(refusal("[[modem]]\nport = \"/dev/ttyUSB0\"\nsim_expires = \"2027-02-30\"\n") ==
        "test.toml:3:15: [[modem]] sim_expires is not a date (expected YYYY-MM-DD such as "
        "2027-01-31)");
  CHECK(refusal("[modems]\nsim_expires = 2027-01-31\n").find("unknown key 'sim_expires'") !=
        std::string::npos);
}

TEST_CASE("config: keywords") {
  CHECK(refusal("[optout]\nkeywords = [\"ABMELDEN\"]\n") ==
        "test.toml:2:12: [optout] keywords must include \"STOP\"");
  CHECK(refusal("[optout]\nkeywords = [\"STOP\", \"...\"]\n") ==
        "test.toml:2:21: [optout] keywords: '...' has no letters or digits");
  CHECK(refusal("[optout]\noptin_keywords = [\"Stop\"]\n") ==
        "test.toml:2:18: [optout] optin_keywords: 'Stop' is both an opt-out and an opt-in keyword");
  CHECK(parsed("[optout]\nkeywords = [\"stop\", \"Arrêt\"]\n").optout.keywords ==
        std::vector<std::string>{"stop", "Arrêt"});
}

TEST_CASE("config: [autoreply] texts, keywords and opening hours") {
  const Config config = parsed(R"([autoreply]
sender_name = "Klinik Sehat"
language = "id"
help_keywords = ["HELP", "Bantuan"]
help_text = "{sender_name}: balas STOP untuk berhenti."
optout_text = ""
mon = "08:00-12:00, 13:00-17:00"
sat = "09:00-12:00"
sun = "closed"
out_of_hours_text = "Kami buka {opens}."
)");
  const AutoReplyConfig& autoreply = config.autoreply;
  CHECK(autoreply.sender_name == "Klinik Sehat");
  CHECK(autoreply.language == "id");
  CHECK(autoreply.help_keywords == std::vector<std::string>{"HELP", "Bantuan"});
  CHECK(autoreply.help_text == "{sender_name}: balas STOP untuk berhenti.");
  CHECK(autoreply.optout_text.empty());  // not sent
  CHECK(autoreply.optin_text == AutoReplyConfig{}.optin_text);
  CHECK(policy::format_day_hours(autoreply.hours[0]) == "08:00-12:00, 13:00-17:00");
  CHECK(autoreply.hours[1].empty());
  CHECK(policy::format_day_hours(autoreply.hours[5]) == "09:00-12:00");
  CHECK(autoreply.hours[6].empty());
  CHECK(autoreply.out_of_hours_text == "Kami buka {opens}.");

  CHECK(refusal("[autoreply]\nmon = \"17:00-08:00\"\n") ==
        "test.toml:2:7: [autoreply] mon: \"17:00-08:00\" ends before it starts; hours past "
        "midnight go on the next day (\"00:00-02:00\")");
  CHECK(refusal("[autoreply]\nhelp_text = \"Hi {name}\"\n") ==
        "test.toml:2:13: [autoreply] help_text: {name} is not known here ({sender_name} and "
        "{number} are)");
  CHECK(refusal("[autoreply]\noptin_text = \"Open {opens}\"\n") ==
        "test.toml:2:14: [autoreply] optin_text: {opens} is not known here ({sender_name} and "
        "{number} are)");
  CHECK(refusal("[autoreply]\nout_of_hours_text = \"Open {opens\"\n")
            .starts_with("test.toml:2:21: [autoreply] out_of_hours_text: "));
  CHECK(refusal("[autoreply]\nhelp_keywords = [\"STOP\"]\n") ==
        "test.toml:2:18: [autoreply] help_keywords: 'STOP' is already an [optout] keyword");
  CHECK(refusal("[autoreply]\nlanguage = \"no such tag\"\n") ==
        "test.toml:2:12: [autoreply] language 'no such tag' is no language tag ICU knows (en, "
        "de, id, pt-BR)");
  CHECK(refusal("[autoreply]\nfri = 8\n") ==
        "test.toml:2:7: [autoreply] fri must be a string, not an integer (such as "
        "\"08:00-17:00\" or \"closed\")");
}

TEST_CASE("config: the first mistake in the file is named, the rest counted") {
  CHECK(refusal("[log]\nlevel = \"loud\"\n[http]\nlistn = \"x\"\n[sending]\nmax_attempts = 0\n") ==
        "test.toml:2:9: [log] level 'loud' is not one of trace, debug, info, warn, error, "
        "critical, off "
        "(and 2 more problems)");
}

TEST_CASE("config: a refused file changes nothing") {
  Config running = parsed("[modems]\nbaud = 9600\n");
  Result<Config> reloaded = parse_config(
      "[modems]\nbaud = 19200\nrate_per_minute = 5\nflow_control = \"bad\"\n", "test.toml");
  REQUIRE_FALSE(reloaded.ok());
  // The caller keeps what it had; nothing of the good keys leaked anywhere.
  CHECK(running.modems.baud == 9600);
  CHECK(running.modems.rate_per_minute == Config{}.modems.rate_per_minute);
}

TEST_CASE("config: files that cannot be read") {
  CHECK(load_config("/nonexistent/smsgate.toml").error().message ==
        "/nonexistent/smsgate.toml: cannot open: No such file or directory");
  CHECK(load_config("/").error().message == "/: cannot read: Is a directory");
}

TEST_CASE("config: suggestions") {
  constexpr std::string_view kWords[] = {"listen", "tls_key", "tls_certificate"};
  CHECK(closest_match("listn", kWords) == "listen");
  CHECK(closest_match("LISTEN", kWords) == "listen");
  CHECK(closest_match("tlskey", kWords) == "tls_key");
  CHECK(closest_match("tls_cert", kWords) == "tls_certificate");
  CHECK(closest_match("port", kWords) == std::nullopt);
  CHECK(closest_match("", kWords) == std::nullopt);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

}  // namespace
}  // namespace smsgate::config

namespace smsgate::config {
namespace {

TEST_CASE("config: [appointments] reminders, texts and reply words") {
  Config config = parsed(R"([appointments]
default_reminders = ["-2d", "-90m"]
confirmation_text = "Booked: {weekday} {date}, {time}"
yes_words = { en = ["Sure"], id = ["YA"] }
no_words = { en = ["Nope"] }
)");
  CHECK(config.appointments.default_reminders == std::vector<std::string>{"-2d", "-90m"});
  CHECK(config.appointments.confirmation_text == "Booked: {weekday} {date}, {time}");
  CHECK(config.appointments.moved_text == AppointmentsConfig{}.moved_text);
  CHECK(config.appointments.reply_words.yes ==
        std::map<std::string, std::vector<std::string>>{{"en", {"Sure"}}, {"id", {"YA"}}});
  CHECK(config.appointments.reply_words.no ==
        std::map<std::string, std::vector<std::string>>{{"en", {"Nope"}}});

  CHECK(refusal("[appointments]\ndefault_reminders = [\"24h\"]\n") ==
        "test.toml:2:22: [appointments] default_reminders: \"24h\" is not before the "
        "appointment; write it with a minus, as \"-24h\"");
  CHECK(refusal("[appointments]\nmoved_text = \"See you {when}\"\n") ==
        "test.toml:2:14: [appointments] moved_text: {when} is not known here; use {date}, "
        "{time} and {weekday}");
  CHECK(refusal("[appointments]\ncancelled_text = \"\"\n") ==
        "test.toml:2:18: [appointments] cancelled_text is empty");
  CHECK(refusal("[appointments]\nyes_words = [\"YES\"]\n") ==
        "test.toml:2:13: [appointments] yes_words must be a table of languages, such as { en = "
        "[\"YES\"], de = [\"JA\"] }");
  CHECK(refusal("[appointments]\nno_words = { xx_bad = [\"NO\"] }\n") ==
        "test.toml:2:14: [appointments] no_words.xx_bad is no language tag ICU knows (en, de, id, "
        "...)");
  CHECK(refusal("[appointments]\nno_words = { en = [\"?\"] }\n") ==
        "test.toml:2:20: [appointments] no_words.en: '?' has no letters or digits");
  CHECK(refusal("[appointments]\nno_words = { en = [\"yes\"] }\n") ==
        "test.toml:2:12: [appointments] no_words.en: \"yes\" would mean both yes and no");
  CHECK(refusal("[appointment]\ndefault_reminders = []\n") ==
        "test.toml:1:2: unknown table [appointment]; did you mean [appointments]?");
}

}  // namespace
}  // namespace smsgate::config

// Configuration: /etc/smsgate/smsgate.toml, read once at start with toml++.
//
// One struct per component ([http], [storage], [modems] and [[modem]], [sending] and
// [[route]], [optout], [autoreply], [otp], [appointments], [webhooks], [email] and
// [[forward]], [log]); each
// component is handed its own section and nothing else. Every key has a default, so an
// empty file is a valid configuration, and the shipped etc/smsgate.toml spells out each default
// with a comment.
//
// A file is accepted whole or refused whole: load_config() returns a complete Config
// or an Error of the form "path:line:column: reason" (toml++'s own position for a
// syntax error; the offending key or value for anything else: an unknown key, with
// "did you mean" when one is close, a wrong type, a number out of range, a bad glob,
// an unknown region or time zone, bad quiet hours, a port used twice, ...). When a file
// has several mistakes the first in the file is named and the rest counted.
//
// Values that another component will interpret are checked here with that component's
// own rules (the region with libphonenumber, the time zone with the tz database, the
// quiet hours with the policy's parser), so a typo stops the daemon at start instead of
// surfacing at the first national number or the first evening.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "at/transport.h"
#include "common/result.h"
#include "policy/appointment_reply.h"
#include "policy/limits.h"
#include "policy/opening_hours.h"
#include "policy/quiet_hours.h"
#include "policy/routes.h"

namespace smsgate::config {

// [http]
struct HttpConfig {
  // ADDRESS:PORT, an IP literal ("127.0.0.1:8080", "0.0.0.0:8080", "[::]:8080").
  std::string listen = "127.0.0.1:8080";
  // PEM files; both or neither. With them the API is served over HTTPS.
  std::string tls_certificate;
  std::string tls_key;
  // Connections one client address may have open at once (1-1024); more are refused,
  // so that one program or scanner cannot take every HTTP thread.
  int max_connections_per_client = 16;
  // Event streams (GET /api/v1/events) open at once (1-32); each holds an HTTP thread
  // while it is open, so more are refused (503) rather than starve the API.
  int max_event_streams = 8;
  friend bool operator==(const HttpConfig&, const HttpConfig&) = default;
};

// [storage]
struct StorageConfig {
  std::string path = "/var/lib/smsgate/smsgate.db";
  friend bool operator==(const StorageConfig&, const StorageConfig&) = default;
};

// [modems]: how to find modems, and what applies to each unless its [[modem]] says
// otherwise.
struct ModemsConfig {
  // Absolute paths and glob(7) patterns of serial ports to use.
  std::vector<std::string> ports = {"/dev/smsgate/*"};
  int baud = 115200;
  at::FlowControl flow_control = at::FlowControl::kNone;
  std::chrono::seconds health_interval{10};
  int rate_per_minute = 10;  // 0: no limit
  int daily_limit = 0;       // 0: no limit
  // The SIM's balance: the USSD code that asks for it ("*123#"; empty: never asked),
  // every how many hours (0: never, as when the code is empty), and the amount in the
  // SIM's currency below which a low_balance alarm is raised (none: no alarm).
  std::string balance_ussd;
  int balance_check_hours = 0;
  std::optional<double> balance_alarm_below;

  at::SerialSettings serial() const { return at::SerialSettings{baud, flow_control}; }
  friend bool operator==(const ModemsConfig&, const ModemsConfig&) = default;
};

// [[modem]]: one known port. Unset values come from [modems].
struct ModemConfig {
  std::string port;                // an absolute path, no glob
  std::string name;                // unique; defaults to the port
  std::optional<std::string> pin;  // SIM PIN, 4 to 8 digits
  int rate_per_minute = 0;
  int daily_limit = 0;
  bool enabled = true;  // false: leave this port alone even when a glob matches it
  std::string balance_ussd;
  int balance_check_hours = 0;
  std::optional<double> balance_alarm_below;
  // The SIM's last valid day, "YYYY-MM-DD"; a sim_expiring alarm 14 days before.
  std::optional<std::string> sim_expires;
  friend bool operator==(const ModemConfig&, const ModemConfig&) = default;
};

// [sending] and [[route]]
struct SendingConfig {
  // ISO 3166-1 alpha-2 region for numbers written without a country code; empty: such
  // numbers are refused.
  std::string default_region;
  // Reminder, feedback and marketing wait while it lasts; nullopt: no quiet hours.
  std::optional<policy::QuietWindow> quiet_hours = policy::QuietWindow{21 * 60, 8 * 60};
  // IANA id; empty: the host's own zone.
  std::string timezone;
  int max_attempts = 5;
  std::chrono::seconds retry_backoff{30};
  std::chrono::seconds retry_backoff_max{3600};
  std::chrono::minutes default_ttl{24 * 60};
  std::chrono::hours default_reply_window{48};
  std::vector<policy::Route> routes;

  policy::RetryPolicy retry_policy() const;
  friend bool operator==(const SendingConfig&, const SendingConfig&) = default;
};

// [optout]
struct OptOutConfig {
  std::vector<std::string> keywords = {"STOP", "UNSUBSCRIBE", "CANCEL"};
  std::vector<std::string> optin_keywords = {"START"};
  friend bool operator==(const OptOutConfig&, const OptOutConfig&) = default;
};

// [autoreply]: the answers the gateway gives by itself (dispatch/autoreply.h). Each
// text is a template (policy/message_template.h) that may use {sender_name} and
// {number}; out_of_hours_text also {opens}, the next opening in `language`. An empty
// text: that answer is not given.
struct AutoReplyConfig {
  bool enabled = true;
  std::string sender_name = "us";
  std::string language = "en";  // BCP 47, for {opens}
  std::vector<std::string> help_keywords = {"HELP"};
  std::string help_text =
      "Messages from {sender_name}. Reply STOP to get no more, START to resume.";
  std::string optout_text =
      "You will get no more messages from {sender_name}. Reply START to resume.";
  std::string optin_text = "You will get messages from {sender_name} again. Reply STOP to stop.";
  // Per weekday, Monday first; all closed: no out-of-hours answer.
  policy::WeeklyHours hours;
  std::string out_of_hours_text = "{sender_name}: we are closed now and answer from {opens}.";
  friend bool operator==(const AutoReplyConfig&, const AutoReplyConfig&) = default;
};

// [otp]: one-time passwords (POST /api/v1/otp).
struct OtpConfig {
  // Codes one number may be sent within send_window; more are refused with 429 (SMS
  // pumping: a login form that texts any number typed in is a way to send paid SMS to
  // premium-rate numbers). 0: no limit.
  int max_sends_per_number = 5;
  std::chrono::minutes send_window{60};
  friend bool operator==(const OtpConfig&, const OtpConfig&) = default;
};

// [appointments]: what POST /api/v1/appointments sends besides the reminders, and what
// a reply means (dispatch/appointments.h).
struct AppointmentsConfig {
  // Offsets ("-24h", "-90m", "-2d") for an appointment that names none.
  std::vector<std::string> default_reminders = {"-24h"};
  // Texts with {date}, {time} and {weekday} of the appointment, written in its
  // language and the [sending] timezone.
  std::string confirmation_text =
      "Your appointment on {date} at {time} is booked. Reply YES to confirm or NO to cancel.";
  std::string moved_text =
      "Your appointment has moved to {date} at {time}. Reply YES to confirm or NO to cancel.";
  std::string cancelled_text = "Your appointment on {date} at {time} is cancelled.";
  // Replies that confirm or decline, by language.
  policy::ReplyWordLists reply_words = policy::default_reply_words();
  friend bool operator==(const AppointmentsConfig&, const AppointmentsConfig&) = default;
};

// [webhooks]
struct WebhooksConfig {
  std::chrono::seconds timeout{10};
  // An event not delivered within this long is given up (and logged).
  std::chrono::hours max_age{72};
  // An event still failing this long after its first try stops holding up its
  // subscription's later events: it is set aside and retried beside them until max_age.
  std::chrono::minutes set_aside_after{10};
  friend bool operator==(const WebhooksConfig&, const WebhooksConfig&) = default;
};

// [email]
struct EmailConfig {
  std::optional<std::string> listen;  // ADDRESS:PORT of the SMTP listener; nullopt: off
  std::string domain;                 // mail to <number>@<domain> becomes an SMS
  // Receiving mail (email/smtp_server.h, smsgated mail2sms).
  // Clients that may send without AUTH, as CIDR networks ("192.168.1.20/32"). Only
  // this machine by default: on a shared LAN anyone else must sign in.
  std::vector<std::string> allow_networks = {"127.0.0.0/8", "::1/128"};
  bool subject_prefix = false;         // the subject, on its own line, before the text
  int max_parts = 3;                   // a mail whose text needs more SMS parts is refused (1-10)
  int max_message_kb = 1024;           // the largest mail taken (SIZE), in KiB (16-65536)
  int max_connections = 32;            // SMTP connections at once (1-1024)
  int max_connections_per_client = 4;  // from one address (1-1024)
  // PEM files for STARTTLS; both or neither. Empty: [http]'s, if it has them.
  std::string tls_certificate;
  std::string tls_key;
  // Mail out (email/outbox.h): no smarthost, no mail is sent and [[forward]] is refused.
  // smtp://host[:587] (STARTTLS required but on loopback) or smtps://host[:465].
  std::optional<std::string> smarthost;
  std::string smarthost_user;
  std::string smarthost_password;  // never shown back, never logged
  // PEM CA certificates the smarthost's certificate is checked against instead of the
  // system's (a site's own CA); empty: the system's.
  std::string smarthost_ca_file;
  std::string from;            // every mail's From; needed with smarthost
  int mail_max_attempts = 10;  // tries of one mail before it is set aside
  std::chrono::seconds smarthost_timeout{30};
  // Mail back (email/mail_back.h): for a message that came by email, what is mailed to
  // the mail's sender, or to reports_to when set. "reports" in the file.
  std::optional<std::string> reports_to;
  bool report_delivered = true;
  bool report_failed = true;  // failed or expired
  bool report_replies = true;
  friend bool operator==(const EmailConfig&, const EmailConfig&) = default;
};

// [[forward]]: inbound texts mailed on (email/forward.h); the API adds more.
struct ForwardConfig {
  std::string to;                             // an email address
  std::vector<std::string> from_numbers;      // E.164; empty: every sender
  std::string subject = "SMS from {number}";  // {number} and {modem} filled in
  friend bool operator==(const ForwardConfig&, const ForwardConfig&) = default;
};

// [retention]: how long the store keeps what it holds about people (store/retention.h).
// 0: forever.
struct RetentionConfig {
  int messages_days = 90;  // final outbound messages, from their last change
  int inbound_days = 90;   // inbound messages, from their arrival
  friend bool operator==(const RetentionConfig&, const RetentionConfig&) = default;
};

// [log]
struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  bool at_trace = false;       // every AT byte in the log (PDUs carry message content)
  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct Config {
  // Where it was read from (load_config); empty when made in code (the demo, tests).
  std::string file;
  HttpConfig http;
  StorageConfig storage;
  ModemsConfig modems;
  std::vector<ModemConfig> modem;
  SendingConfig sending;
  OptOutConfig optout;
  AutoReplyConfig autoreply;
  OtpConfig otp;
  AppointmentsConfig appointments;
  WebhooksConfig webhooks;
  EmailConfig email;
  std::vector<ForwardConfig> forward;
  RetentionConfig retention;
  LogConfig log;
  friend bool operator==(const Config&, const Config&) = default;
};

// Reads and validates the file at `path`.
Result<Config> load_config(const std::string& path);
// Parses `text`; `source_name` stands for the file in messages.
Result<Config> parse_config(std::string_view text, std::string_view source_name);

// Every key the file may hold, as "table.key" ("http.listen", "modem.port"), for tests
// and tools that check the shipped example documents each one.
const std::vector<std::string>& known_keys();

}  // namespace smsgate::config

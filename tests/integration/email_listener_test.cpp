// The daemon's SMTP listener over a real loopback socket: a whole conversation queues
// the message with its origin; a daemon stopped while a mail's data is arriving closes
// the connection at once and keeps nothing of the mail it never acknowledged.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "integration/api_harness.h"
#include "integration/smtp_client.h"

namespace smsgate::testing {
namespace {

void with_email(config::Config& config) {
  config.email.listen = "127.0.0.1:0";
  config.email.domain = "sms.example";
  config.sending.default_region = "DE";
}

TEST_CASE("email listener: a conversation queues the message with its origin") {
  ApiDaemon gateway(1, with_email);
  REQUIRE(gateway.daemon().smtp_port() > 0);
  SmtpClient client(gateway.daemon().smtp_port());
  CHECK(client.reply() == "220 sms.example ESMTP smsgate");
  CHECK(client.say("EHLO test.example") == "250 AUTH PLAIN LOGIN");
  CHECK(client.say("MAIL FROM:<desk@practice.example>") == "250 2.1.0 OK");
  CHECK(client.say("RCPT TO:<01701234567@sms.example>") == "250 2.1.5 OK +491701234567");
  CHECK(client.say("DATA").starts_with("354 "));
  std::string queued = client.say(
      "Subject: Check-up\r\nMessage-ID: <m1@practice.example>\r\n\r\nTime for your "
      "check-up.\r\n.");
  REQUIRE(queued.starts_with("250 2.0.0 Queued as message "));
  int64_t id = std::stoll(queued.substr(queued.rfind(' ') + 1));
  CHECK(client.say("QUIT") == "221 2.0.0 Bye");

  auto detail = gateway.daemon().store().get_message(id);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  CHECK((*detail)->message.to == "+491701234567");
  CHECK((*detail)->message.text == "Time for your check-up.");
  auto origin = gateway.daemon().store().email_origin(id);
  REQUIRE(origin.ok());
  CHECK(*origin == store::EmailOrigin{"desk@practice.example", "m1@practice.example", "Check-up"});
}

TEST_CASE("email listener: stopping the daemon mid-DATA closes the client and keeps nothing") {
  ApiDaemon gateway(1, with_email);
  SmtpClient client(gateway.daemon().smtp_port());
  CHECK(client.reply().starts_with("220 "));
  client.send_raw("EHLO t\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<+491701234567@sms.example>\r\n");
  CHECK(client.reply() == "250 AUTH PLAIN LOGIN");
  CHECK(client.reply() == "250 2.1.0 OK");
  CHECK(client.reply() == "250 2.1.5 OK +491701234567");
  CHECK(client.say("DATA").starts_with("354 "));
  client.send_raw("Subject: half\r\n\r\nThis mail never ends");
  std::string db = gateway.db_path();
  gateway.daemon().stop();
  CHECK(client.reply().empty());  // closed, no acknowledgement
  auto store = store::Store::open(db);
  REQUIRE(store.ok());
  auto counts = (*store)->count_by_status();
  REQUIRE(counts.ok());
  int64_t total = 0;
  for (const auto& [status, count] : *counts) total += count;
  CHECK(total == 0);
}

}  // namespace
}  // namespace smsgate::testing

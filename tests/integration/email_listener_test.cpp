// The daemon's SMTP listener over a real loopback socket: a whole conversation queues
// the message with its origin; a daemon stopped while a mail's data is arriving closes
// the connection at once and keeps nothing of the mail it never acknowledged.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

#include "integration/api_harness.h"

namespace smsgate::testing {
namespace {

// A plain SMTP client: connects, reads replies up to a final line, writes raw bytes.
class SmtpClient {
 public:
  explicit SmtpClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~SmtpClient() { close(fd_); }

  void send_raw(const std::string& bytes) {
    REQUIRE(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size()));
  }
  // The next reply's last line ("250 2.1.0 OK"); empty when the server closed.
  std::string reply() {
    while (true) {
      size_t end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        if (line.size() >= 4 && line[3] == '-') continue;
        return line;
      }
      char chunk[1024];
      ssize_t got = recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) return "";
      buffer_.append(chunk, static_cast<size_t>(got));
    }
  }
  std::string say(const std::string& line) {
    send_raw(line + "\r\n");
    return reply();
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

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

// SmtpServer: the SMTP listener of email to SMS ([email] listen). One thread accepts;
// each connection gets its own thread running an SmtpSession (email/smtp_session.h)
// until QUIT, an error, a deadline or stop(). The mail goes in through the intake
// (email/mail_delivery.h), its origin with it.
//
// Limits: at most max_connections at once and max_connections_per_client from one
// address (more are told 421 and closed at once); a deadline per command and per data
// block (RFC 5321 §4.5.3.2's minutes scaled down to what a LAN client needs): a client
// that says nothing for that long is told 421 and closed. STARTTLS (OpenSSL, TLS 1.2
// or later) with [email] tls_certificate/tls_key, else [http]'s, when either is set.
//
// Who may send: clients in allow_networks, and those that sign in with an API key that
// has the send scope or a console user's password (auth::AdminSessions'
// confirm_password: the same limit of wrong passwords per address as the console).
//
// Thread safety: start and stop from one thread; stop() returns once every
// connection's thread has ended. The services must outlive the server.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/admin_sessions.h"
#include "auth/api_keys.h"
#include "common/clock.h"
#include "common/result.h"
#include "dispatch/intake.h"
#include "email/mail_delivery.h"
#include "email/smtp_session.h"
#include "store/store.h"

namespace smsgate::email {

struct SmtpServerOptions {
  std::string listen;  // ADDRESS:PORT (port 0: any free one, see port())
  SmtpSettings session;
  MailDeliveryOptions delivery;
  std::vector<std::string> allow_networks;  // CIDR (config/networks.h)
  int max_connections = 32;
  int max_connections_per_client = 4;
  std::string tls_certificate;  // PEM; empty: no STARTTLS
  std::string tls_key;
  std::chrono::milliseconds command_timeout{60'000};  // RFC 5321: 5 minutes
  std::chrono::milliseconds data_timeout{60'000};     // RFC 5321: 3 minutes a block
};

// What the listener works with.
struct SmtpServices {
  dispatch::Intake& intake;
  store::Store& store;
  auth::ApiKeys& api_keys;
  auth::AdminSessions& sessions;
  const Clock& clock;
  // A mail accepted ("accepted") or a refusal's reason, for /metrics.
  std::function<void(std::string_view)> count;
};

// The name /metrics gives a refusal: "relay", "auth_required", ...
std::string_view refusal_name(SmtpRefusal why);

class SmtpServer {
 public:
  // Binds and starts accepting. Errors: the address cannot be bound, the certificate
  // or key cannot be loaded, a network in allow_networks does not parse.
  static Result<std::unique_ptr<SmtpServer>> start(SmtpServerOptions options,
                                                   SmtpServices services);
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Stops accepting, closes every connection (a mail being read is dropped: it was
  // not acknowledged) and joins the threads. Idempotent.
  void stop();
  int port() const { return port_; }
  bool tls() const;

 private:
  struct State;
  explicit SmtpServer(std::unique_ptr<State> state, int port);
  std::unique_ptr<State> state_;
  int port_ = 0;
};

}  // namespace smsgate::email

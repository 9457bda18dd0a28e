// `smsgated mail2sms --sender S --recipient R [--recipient R2] [--config FILE] < mail`:
// email to SMS for a mail server's pipe transport (Postfix's pipe(8), Exim's pipe
// transport). The mail on standard input is read and checked by the same rules as the
// SMTP listener (email/mail_delivery.h) and submitted through the intake into the
// daemon's database, which the running daemon picks up at its next look at the queue.
//
// The exit status is what mail servers understand (<sysexits.h>), with one line on
// stderr saying why: 0 queued; EX_DATAERR bad mail or too many parts (bounced);
// EX_NOUSER a recipient that is no phone number; EX_NOPERM a recipient outside
// [email] domain or one who opted out; EX_TEMPFAIL the database cannot take it now
// (the mail server tries again later); EX_CONFIG a bad configuration or no [email]
// domain.
#include <sysexits.h>
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/database_option.h"
#include "common/clock.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "email/mail_delivery.h"
#include "email/recipient.h"

namespace smsgate::cli {
namespace {

struct Mail2SmsArgs {
  std::string config = "/etc/smsgate/smsgate.toml";
  std::string sender;
  std::vector<std::string> recipients;
};

// How the command ends: a status from <sysexits.h> and the line that says why.
struct Exit {
  int status = EX_OK;
  std::string line;
};

Exit run_mail2sms(const Mail2SmsArgs& args) {
  auto config = config::load_config(args.config);
  if (!config) return {EX_CONFIG, config.error().message};
  if (config->email.domain.empty())
    return {EX_CONFIG, args.config +
                           ": [email] domain is not set: mail to <number>@<domain> "
                           "becomes an SMS"};

  std::vector<std::string> numbers;
  for (const std::string& recipient : args.recipients) {
    auto number =
        email::recipient_number(recipient, config->email.domain, config->sending.default_region);
    if (!number) {
      return {number.error().code == ErrorCode::kForbidden ? EX_NOPERM : EX_NOUSER,
              recipient + ": " + number.error().message};
    }
    numbers.push_back(*number);
  }

  const size_t max_bytes = static_cast<size_t>(config->email.max_message_kb) * 1024;
  std::string mail;
  char buffer[65536];
  ssize_t got = 0;
  while ((got = read(STDIN_FILENO, buffer, sizeof buffer)) > 0) {
    mail.append(buffer, static_cast<size_t>(got));
    if (mail.size() > max_bytes)
      return {EX_DATAERR, "the mail is larger than [email] max_message_kb (" +
                              std::to_string(config->email.max_message_kb) + " KiB)"};
  }
  if (got < 0) return {EX_IOERR, "cannot read the mail from standard input"};

  DatabaseArgs database;
  database.config = args.config;
  auto store = store::Store::open(database_path_as_owner(database, "mail2sms"));
  if (!store) return {EX_TEMPFAIL, "the database cannot be opened: " + store.error().message};
  // The running daemon's dispatcher finds the messages at its next look at the queue.
  dispatch::Intake intake(**store, daemon::compose_defaults(*config), {});
  email::MailDeliveryOptions options;
  options.text.subject_prefix = config->email.subject_prefix;
  options.max_parts = config->email.max_parts;
  email::MailOutcome outcome = email::deliver_mail(intake, **store, options, args.sender, numbers,
                                                   mail, SystemClock().now());
  if (outcome.kind != email::MailOutcomeKind::kAccepted)
    return {email::exit_status(outcome), outcome.reason};
  std::string ids;
  for (int64_t id : outcome.message_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  return {EX_OK, "queued as message " + ids};
}

}  // namespace

void add_mail2sms_command(CLI::App& app) {
  auto args = std::make_shared<Mail2SmsArgs>();
  CLI::App* command = app.add_subcommand(
      "mail2sms", "Email to SMS from a mail server's pipe: the mail on standard input");
  command->add_option("--config", args->config, "Configuration file")->capture_default_str();
  command->add_option("--sender", args->sender, "The envelope sender (MAIL FROM)")->required();
  command
      ->add_option("--recipient", args->recipients,
                   "An envelope recipient, <number>@<[email] domain>; repeat for several")
      ->required();
  command->callback([args] {
    Exit exit = run_mail2sms(*args);  // the store closed before the process ends
    if (exit.status == EX_OK) {
      std::cout << exit.line << std::endl;
      return;
    }
    std::cerr << "mail2sms: " << exit.line << std::endl;
    std::exit(exit.status);
  });
}

}  // namespace smsgate::cli

// `smsgated user add|list|passwd|remove`: the console's people from the command line,
// next to a running daemon or before its first start (the database is created when
// missing). A running daemon sees every change at its next request: a new password or
// a removed user ends that user's sessions at once.
//
// A password is read from standard input when it is not a terminal (one line:
// `echo "$PW" | smsgated user add anna --role operator`), else asked for twice
// without echo. Each change is written to the audit log as done by "command line".
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth/users.h"
#include "cli/commands.h"
#include "cli/database_option.h"
#include "cli/table.h"
#include "common/clock.h"
#include "store/event_json.h"

namespace smsgate::cli {
namespace {

struct UserArgs {
  DatabaseArgs database;
  std::string name;
  std::string role;
  bool json = false;
};

// Turns echo off on the terminal for its life.
class EchoOff {
 public:
  EchoOff() : saved_ok_(tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (!saved_ok_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~EchoOff() {
    if (saved_ok_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool saved_ok_;
};

std::string ask(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  std::string line;
  {
    EchoOff quiet;
    std::getline(std::cin, line);
  }
  std::cerr << "\n";
  return line;
}

// The new password: one line of standard input, or asked twice on a terminal. Checked
// before the database is opened.
std::string read_new_password(const std::string& command, const std::string& name) {
  std::string password;
  if (isatty(STDIN_FILENO)) {
    password = ask("New password for " + name + ": ");
    if (ask("The same again: ") != password)
      throw UsageError(command + ": the two passwords differ; nothing was changed");
  } else if (!std::getline(std::cin, password)) {
    throw UsageError(command + ": no password on standard input (one line is expected)");
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (Status s = auth::check_new_password(password); !s.ok())
    throw UsageError(command + ": " + s.error().message);
  return password;
}

void run_add(const UserArgs& args) {
  auto role = auth::role_named(args.role);
  if (!role)
    throw UsageError("user add: --role: \"" + args.role + "\" is not a role (admin, operator)");
  if (Status s = auth::check_user_name(args.name); !s.ok())
    throw UsageError("user add: " + s.error().message);
  std::string password = read_new_password("user add", args.name);
  auto store = open_store(args.database, "user add");
  auth::Users users(*store);
  auto added =
      users.add(args.name, *role, password, SystemClock().now(), auth::Actor::command_line());
  if (!added) throw UsageError("user add: " + added.error().message);
  std::cout << "Added " << added->name << " (" << auth::role_name(added->role) << ")." << std::endl;
}

void run_list(const UserArgs& args) {
  auto store = open_store(args.database, "user list");
  auth::Users users(*store);
  auto listed = users.list();
  if (!listed) throw UsageError("user list: " + listed.error().message);
  if (args.json) {
    auto items = nlohmann::json::array();
    for (const auth::User& user : *listed) {
      items.push_back({{"name", user.name},
                       {"role", auth::role_name(user.role)},
                       {"created_at", store::iso8601_utc(user.created_at)},
                       {"password_changed_at", store::iso8601_utc(user.password_changed_at)}});
    }
    std::cout << items.dump() << std::endl;
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "ROLE", "CREATED", "PASSWORD CHANGED"}};
  for (const auth::User& user : *listed)
    rows.push_back({user.name, std::string(auth::role_name(user.role)),
                    store::iso8601_utc(user.created_at),
                    store::iso8601_utc(user.password_changed_at)});
  print_table(rows);
}

void run_passwd(const UserArgs& args) {
  std::string password = read_new_password("user passwd", args.name);
  auto store = open_store(args.database, "user passwd");
  auth::Users users(*store);
  auto changed =
      users.set_password(args.name, password, SystemClock().now(), auth::Actor::command_line());
  if (!changed) throw UsageError("user passwd: " + changed.error().message);
  if (!*changed) throw UsageError("user passwd: no user called \"" + args.name + "\"");
  std::cout << "New password set for " << args.name << "; its sessions are signed out."
            << std::endl;
}

void run_remove(const UserArgs& args) {
  auto store = open_store(args.database, "user remove");
  auth::Users users(*store);
  auto removed = users.remove(args.name, SystemClock().now(), auth::Actor::command_line());
  if (!removed) throw UsageError("user remove: " + removed.error().message);
  if (!*removed) throw UsageError("user remove: no user called \"" + args.name + "\"");
  std::cout << "Removed " << args.name << "; its sessions are signed out." << std::endl;
}

}  // namespace

void add_user_command(CLI::App& app) {
  auto* user = app.add_subcommand("user", "Add, list, change and remove the console's people");
  user->require_subcommand(1);
  static UserArgs args;

  auto* add = user->add_subcommand(
      "add", "Add a person; the password comes from standard input, or is asked for twice");
  add->add_option("name", args.name, "Their name (1 to 64 characters, unique)")->required();
  add->add_option("--role", args.role,
                  "admin (everything) or operator (send, read, the inbox, see the modems)")
      ->required();
  add_database_options(*add, args.database);
  add->callback([] { run_add(args); });

  auto* list = user->add_subcommand("list", "List the people (never a password)");
  list->add_flag("--json", args.json, "One JSON array");
  add_database_options(*list, args.database);
  list->callback([] { run_list(args); });

  auto* passwd = user->add_subcommand(
      "passwd", "Set a person's password (standard input, or asked for twice); signs them out");
  passwd->add_option("name", args.name, "Their name")->required();
  add_database_options(*passwd, args.database);
  passwd->callback([] { run_passwd(args); });

  auto* remove =
      user->add_subcommand("remove", "Remove a person and end their sessions (not the last admin)");
  remove->add_option("name", args.name, "Their name")->required();
  add_database_options(*remove, args.database);
  remove->callback([] { run_remove(args); });
}

}  // namespace smsgate::cli

// `smsgated apikey create|list|revoke`: API keys from the command line, next to a
// running daemon or before its first start (the database is created when missing).
// The daemon sees a new key at once and a revoked one within seconds (auth/api_keys.h).
//
// Scopes: `--scope send --scope read` or `--scope send,read`, `--scope all` for every
// one. Without --scope a key gets send and read (auth::kDefaultScopes): what most local
// software needs, and a key made in a hurry for a web shop cannot read patients'
// replies, mint one-time passwords or change the gateway (webhooks, opt-outs, modems).
#include <time.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/api_keys.h"
#include "cli/commands.h"
#include "cli/database_option.h"
#include "cli/table.h"
#include "common/clock.h"

namespace smsgate::cli {
namespace {

struct ApiKeyArgs {
  DatabaseArgs database;
  std::string name;
  std::vector<std::string> scopes;
  bool json = false;
  int64_t id = 0;
};

// "2026-11-23T18:50:03Z"
std::string iso_time(int64_t ms) {
  time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

nlohmann::json optional_time(const std::optional<int64_t>& ms) {
  return ms ? nlohmann::json(iso_time(*ms)) : nlohmann::json(nullptr);
}

// --scope's values (already split at commas), "all" for every scope; the default
// when none was given.
auth::Scopes chosen_scopes(const std::vector<std::string>& names) {
  if (names.empty()) return auth::kDefaultScopes;
  std::vector<std::string> named;
  bool all = false;
  for (const std::string& name : names) {
    if (name == "all") {
      all = true;
    } else {
      named.push_back(name);
    }
  }
  auto scopes = auth::parse_scopes(named);
  if (!scopes) throw UsageError("apikey create: " + scopes.error().message + ", or all");
  return all ? auth::Scopes::all() : *scopes;
}

void run_create(const ApiKeyArgs& args) {
  // Checked before the database is opened: a typo creates nothing.
  auth::Scopes scopes = chosen_scopes(args.scopes);
  auto store = open_store(args.database, "apikey create");
  auth::ApiKeys keys(*store);
  auto created = keys.create(args.name, scopes, SystemClock().now());
  if (!created) throw UsageError("apikey create: " + created.error().message);
  // The key alone on the last line, so that `| tail -n1` takes it.
  std::cout << "Created API key " << created->info.id << " (" << created->info.name
            << ") with scopes " << auth::join_scopes(created->info.scopes)
            << ". It is shown only this once; keep it now:\n"
            << created->key << std::endl;
}

void run_list(const ApiKeyArgs& args) {
  auto store = open_store(args.database, "apikey list");
  auth::ApiKeys keys(*store);
  auto listed = keys.list();
  if (!listed) throw UsageError("apikey list: " + listed.error().message);
  if (args.json) {
    auto items = nlohmann::json::array();
    for (const auth::ApiKeyInfo& key : *listed) {
      items.push_back({{"id", key.id},
                       {"name", key.name},
                       {"scopes", auth::scope_names(key.scopes)},
                       {"created_at", iso_time(key.created_at)},
                       {"last_used_at", optional_time(key.last_used_at)},
                       {"revoked_at", optional_time(key.revoked_at)}});
    }
    std::cout << items.dump() << std::endl;
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED"}};
  for (const auth::ApiKeyInfo& key : *listed) {
    rows.push_back({std::to_string(key.id), key.name, auth::join_scopes(key.scopes),
                    iso_time(key.created_at),
                    key.last_used_at ? iso_time(*key.last_used_at) : "never",
                    key.revoked_at ? iso_time(*key.revoked_at) : "-"});
  }
  print_table(rows);
}

void run_revoke(const ApiKeyArgs& args) {
  auto store = open_store(args.database, "apikey revoke");
  auth::ApiKeys keys(*store);
  auto revoked = keys.revoke(args.id, SystemClock().now());
  if (!revoked) throw UsageError("apikey revoke: " + revoked.error().message);
  if (!*revoked)
    throw UsageError("apikey revoke: no live API key " + std::to_string(args.id) +
                     " (unknown or already revoked)");
  std::cout << "Revoked API key " << args.id << "." << std::endl;
}

}  // namespace

void add_apikey_command(CLI::App& app) {
  auto* apikey = app.add_subcommand("apikey", "Create, list and revoke API keys");
  apikey->require_subcommand(1);
  static ApiKeyArgs args;

  auto* create =
      apikey->add_subcommand("create", "Create an API key; prints it once, alone on the last line");
  create->add_option("--name", args.name, "What the key is for (1 to 100 characters)")->required();
  create
      ->add_option("--scope", args.scopes,
                   "What the key may do: send, read, inbound, otp, webhooks, optouts, modems, "
                   "metrics, templates, rules, appointments, contacts, or all. Repeat it (--scope send --scope read) or "
                   "give a comma list (--scope send,read). Default: send,read (send messages "
                   "and follow their status; nothing else)")
      ->delimiter(',')
      ->type_name("SCOPE");
  add_database_options(*create, args.database);
  create->callback([] { run_create(args); });

  auto* list = apikey->add_subcommand("list", "List the API keys (never the keys themselves)");
  list->add_flag("--json", args.json, "One JSON array");
  add_database_options(*list, args.database);
  list->callback([] { run_list(args); });

  auto* revoke = apikey->add_subcommand("revoke", "Revoke an API key by its id");
  revoke->add_option("id", args.id, "The key's id (from apikey list)")->required();
  add_database_options(*revoke, args.database);
  revoke->callback([] { run_revoke(args); });
}

}  // namespace smsgate::cli

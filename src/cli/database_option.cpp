#include "cli/database_option.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "cli/commands.h"
#include "config/config.h"

namespace smsgate::cli {
namespace {

// Root becomes the owner of the database's directory (user, primary group and that
// user's groups), for good: the command never needs root again. Anyone else, or a
// directory root owns or that cannot be looked at, changes nothing (opening the
// database then says what is wrong).
void become_directory_owner(const std::string& database, const std::string& command) {
  if (geteuid() != 0) return;
  std::filesystem::path directory = std::filesystem::path(database).parent_path();
  if (directory.empty()) directory = ".";
  struct stat info {};
  if (stat(directory.c_str(), &info) != 0 || info.st_uid == 0) return;

  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  getpwuid_r(info.st_uid, &entry, buffer.data(), buffer.size(), &found);
  std::string user = found ? found->pw_name : "uid " + std::to_string(info.st_uid);
  gid_t group = found ? found->pw_gid : info.st_gid;

  auto fail = [&](const char* step) {
    throw UsageError(command + ": cannot become " + user + ", the owner of " + directory.string() +
                     " (" + step + "): " + std::strerror(errno));
  };
  // Supplementary groups first, while still allowed to set them.
  if (found ? initgroups(found->pw_name, group) != 0 : setgroups(0, nullptr) != 0) fail("groups");
  if (setgid(group) != 0) fail("setgid");
  if (setuid(info.st_uid) != 0) fail("setuid");
}

}  // namespace

void add_database_options(CLI::App& command, DatabaseArgs& args) {
  command.add_option("--config", args.config, "Configuration file (its [storage] path)")
      ->capture_default_str();
  command.add_option("--db", args.db, "Database file, instead of the configuration's");
}

std::string database_path(const DatabaseArgs& args, const std::string& command) {
  if (args.db) return *args.db;
  auto config = config::load_config(args.config);
  if (!config) throw UsageError(command + ": " + config.error().message);
  return config->storage.path;
}

std::string database_path_as_owner(const DatabaseArgs& args, const std::string& command) {
  std::string path = database_path(args, command);
  become_directory_owner(path, command);
  return path;
}

std::unique_ptr<store::Store> open_store(const DatabaseArgs& args, const std::string& command) {
  auto store = store::Store::open(database_path_as_owner(args, command));
  if (!store) throw UsageError(command + ": " + store.error().message);
  return std::move(*store);
}

}  // namespace smsgate::cli

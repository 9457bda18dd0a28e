// Private files (files.h): the database, its companions and their directory.
#include "store/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

namespace smsgate::store {

namespace {

constexpr mode_t kPrivateFile = 0600;
constexpr mode_t kPrivateDirectory = 0700;
constexpr mode_t kOthersBits = 077;

// The disk's own faults say "not now", not "wrong path": the caller may retry later.
ErrorCode code_for_errno(int error) {
  switch (error) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EROFS:
      return ErrorCode::kStorageUnavailable;
    default:
      return ErrorCode::kNone;
  }
}

Error system_error(const std::string& what, int error) {
  return Error{what + ": " + std::strerror(error), code_for_errno(error)};
}

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

bool names_a_file(const std::string& path) {
  return !path.empty() && path != ":memory:" && !path.starts_with("file:");
}

// A new empty database, 0600 from its first moment (O_EXCL: never someone else's file).
Status create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kPrivateFile);
  if (fd < 0) {
    if (errno == EEXIST) return ok_status();  // made by another process just now
    return system_error("cannot create database " + path, errno);
  }
  // The umask may have taken bits the owner needs (umask 0277).
  int changed = ::fchmod(fd, kPrivateFile);
  int error = errno;
  ::close(fd);
  if (changed != 0) return system_error("cannot set the mode of " + path, error);
  return ok_status();
}

// One line for the log when `path` was open to others; nothing when it is private or
// does not exist.
std::optional<std::string> make_private(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
  if ((status.st_mode & kOthersBits) == 0) return std::nullopt;
  std::string was = path + " was open to group or others (mode " + octal(status.st_mode) + ")";
  mode_t fixed = (status.st_mode & 0700) | kPrivateFile;
  if (::chmod(path.c_str(), fixed) != 0)
    return was + " and cannot be made private: " + std::strerror(errno);
  return was + "; now " + octal(fixed);
}

}  // namespace

std::vector<std::string> companion_files(const std::string& path) {
  return {path + "-wal", path + "-shm", path + "-journal"};
}

Status create_private_directories(const std::filesystem::path& dir) {
  if (dir.empty()) return ok_status();
  std::error_code error;
  if (std::filesystem::is_directory(dir, error)) return ok_status();
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    if (Status parent = create_private_directories(dir.parent_path()); !parent.ok()) return parent;
  }
  if (::mkdir(dir.c_str(), kPrivateDirectory) != 0) {
    if (errno == EEXIST && std::filesystem::is_directory(dir, error)) return ok_status();
    return system_error("cannot create directory " + dir.string(), errno);
  }
  if (::chmod(dir.c_str(), kPrivateDirectory) != 0)
    return system_error("cannot set the mode of " + dir.string(), errno);
  return ok_status();
}

Result<std::vector<std::string>> make_database_private(const std::string& path) {
  std::vector<std::string> fixed;
  if (!names_a_file(path)) return fixed;
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    if (errno != ENOENT) return system_error("cannot read the mode of " + path, errno);
    if (Status created = create_private_file(path); !created.ok()) return created.error();
  }
  if (auto line = make_private(path)) fixed.push_back(std::move(*line));
  for (const std::string& companion : companion_files(path)) {
    if (auto line = make_private(companion)) fixed.push_back(std::move(*line));
  }
  return fixed;
}

}  // namespace smsgate::store

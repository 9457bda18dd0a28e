// The store's files on disk are their owner's alone (DESIGN.md: "The database, its WAL
// and backups are readable by their owner only"): they hold every text, the webhook
// secrets and the key that hashes one-time passwords.
//
// SQLite gives the -wal and -shm files it creates the mode of the database file (and
// fixes it with fchmod, so the umask does not matter), so a database created 0600
// before SQLite first opens it keeps all three private. Files that exist already keep
// whatever mode they had, hence make_database_private() below: Engine::open calls it
// before every open, and says what it had to fix.
//
// Thread safety: plain functions on the filesystem; no shared state.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace smsgate::store {

// The files SQLite keeps beside the database at `path` (-wal, -shm, -journal).
std::vector<std::string> companion_files(const std::string& path);

// Creates `dir` and any missing parents with mode 0700, whatever the umask. A directory
// that exists already keeps its mode: its owner chose it (/var/lib, a home directory).
Status create_private_directories(const std::filesystem::path& dir);

// Makes the database at `path` and its companion files private (mode 0600): creates the
// database, empty, with that mode when it does not exist, and takes the group's and
// others' bits off each file that has them. Gives one line per file that was readable
// or writable by others, saying what was done about it (for the log). Names that are
// not files (":memory:", "", "file:" URIs) are left alone.
// Errors: the file cannot be created (a missing directory, a full disk: code
// kStorageUnavailable for the disk's own faults).
Result<std::vector<std::string>> make_database_private(const std::string& path);

}  // namespace smsgate::store

// The store's files are private (store/files.h): the database, its -wal and -shm are
// made 0600 whatever the umask, a database found open to others is fixed when it is
// opened, and missing directories are made 0700.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "store/files.h"
#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate;
using namespace smsgate::store;
using namespace smsgate::store::testing;

mode_t mode_of(const std::string& path) {
  struct stat status {};
  REQUIRE_MESSAGE(::stat(path.c_str(), &status) == 0, path);
  return status.st_mode & 07777;
}

// Sets the process's umask for one test and puts the old one back.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

}  // namespace

TEST_CASE("store files: the database, its WAL and shared memory are 0600 whatever the umask") {
  for (mode_t mask : {mode_t{022}, mode_t{0}, mode_t{0277}}) {
    CAPTURE(mask);
    Umask umask(mask);
    TempDir dir;
    auto store = open_store(dir);
    // A committed write: the WAL has frames and the shared memory is in use.
    REQUIRE(store->check_writable().ok());
    CHECK(mode_of(dir.db()) == 0600);
    CHECK(mode_of(dir.db() + "-wal") == 0600);
    CHECK(mode_of(dir.db() + "-shm") == 0600);
    CHECK(store->file_notes().empty());
  }
}

TEST_CASE("store files: a database open to others is made private when it is opened") {
  Umask umask(022);
  TempDir dir;
  { open_store(dir); }
  REQUIRE(::chmod(dir.db().c_str(), 0644) == 0);
  // A WAL left behind (a crash) was made with the database's mode back then.
  {
    FILE* wal = std::fopen((dir.db() + "-wal").c_str(), "w");
    REQUIRE(wal);
    std::fclose(wal);
  }
  REQUIRE(::chmod((dir.db() + "-wal").c_str(), 0664) == 0);

  auto store = open_store(dir);
  CHECK(mode_of(dir.db()) == 0600);
  CHECK(mode_of(dir.db() + "-wal") == 0600);
  REQUIRE(store->file_notes().size() == 2);
  CHECK(store->file_notes()[0] == dir.db() + " was open to group or others (mode 0644); now 0600");
  CHECK(store->file_notes()[1] ==
        dir.db() + "-wal was open to group or others (mode 0664); now 0600");
  REQUIRE(store->check_writable().ok());
  CHECK(mode_of(dir.db() + "-shm") == 0600);

  // Once private, opening again has nothing to say.
  store.reset();
  CHECK(open_store(dir)->file_notes().empty());
}

TEST_CASE("store files: missing directories are made 0700; existing ones keep their mode") {
  Umask umask(022);
  TempDir dir;
  REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
  auto nested = dir.path / "var" / "lib" / "smsgate";
  REQUIRE(create_private_directories(nested).ok());
  CHECK(mode_of((dir.path / "var").string()) == 0700);
  CHECK(mode_of((dir.path / "var" / "lib").string()) == 0700);
  CHECK(mode_of(nested.string()) == 0700);
  CHECK(mode_of(dir.path.string()) == 0755);
  // Again: nothing to do, no error.
  CHECK(create_private_directories(nested).ok());

  // A file in the way is an error that names it.
  FILE* file = std::fopen((dir.path / "plain").c_str(), "w");
  REQUIRE(file);
  std::fclose(file);
  auto blocked = create_private_directories(dir.path / "plain" / "db");
  REQUIRE_FALSE(blocked.ok());
  CHECK(blocked.error().message.find((dir.path / "plain").string()) != std::string::npos);
}

TEST_CASE("store files: names that are not files are left alone; a missing directory is an error") {
  auto memory = make_database_private(":memory:");
  REQUIRE(memory.ok());
  CHECK(memory->empty());
  auto uri = make_database_private("file:whatever.db?mode=memory");
  REQUIRE(uri.ok());
  CHECK(uri->empty());

  TempDir dir;
  auto missing = make_database_private((dir.path / "no" / "such" / "smsgate.db").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("cannot create database") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path / "no"));
}

// Console users (auth/users.h): which names and passwords are accepted, passwords kept
// as argon2id only, a change ending sessions and written to the audit log, the last
// admin kept.
#include <doctest/doctest.h>

#include <string>

#include "auth/users.h"
#include "store_test_support.h"

namespace smsgate::auth {

using store::testing::open_store;
using store::testing::TempDir;

namespace {

constexpr int64_t kNow = 1'800'000'000'000;

}  // namespace

TEST_CASE("users: names are 1 to 64 printable characters, without / or spaces at the ends") {
  std::string accented_64;  // 64 characters in 128 bytes
  for (int i = 0; i < 64; ++i) accented_64 += "\xC3\xA9";
  for (const std::string& name :
       {std::string("anna"), std::string("Dr. Weber"), std::string("Zo\xC3\xAB"),
        std::string("front-desk 2"), std::string(64, 'x'), accented_64}) {
    CAPTURE(name);
    CHECK(check_user_name(name).ok());
  }
  std::string long_accented;
  for (int i = 0; i < 65; ++i) long_accented += "\xC3\xA9";
  for (const std::string& name :
       {std::string(), std::string(" anna"), std::string("anna "), std::string("a/b"),
        std::string("tab\there"), std::string("del\x7f"),
        std::string("\xC2\x85"
                    "c1"),
        std::string("\xC3"), std::string(65, 'x'), long_accented}) {
    CAPTURE(name);
    Status checked = check_user_name(name);
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.error().code == ErrorCode::kInvalidName);
    CHECK(checked.error().field == "name");
  }
}

TEST_CASE("users: a password has at least 12 characters") {
  CHECK(check_new_password("twelve chars").ok());
  CHECK(
      check_new_password("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                         "\xC3\xA9\xC3\xA9\xC3\xA9")
          .ok());
  Status short_one = check_new_password("eleven char");
  REQUIRE_FALSE(short_one.ok());
  CHECK(short_one.error().code == ErrorCode::kInvalidField);
  CHECK(short_one.error().field == "password");
  CHECK(short_one.error().message.find("12") != std::string::npos);
  CHECK_FALSE(check_new_password(std::string(kMaxPasswordBytes + 1, 'x')).ok());
}

TEST_CASE("users: added with a role, listed without a hash, the password only as argon2id") {
  TempDir dir;
  auto store = open_store(dir);
  Users users(*store);
  Actor anna{"anna", "192.0.2.1"};
  auto ben = users.add("Ben", Role::kOperator, "ben's long password", kNow, anna);
  REQUIRE(ben.ok());
  CHECK(ben->name == "Ben");
  CHECK(ben->role == Role::kOperator);
  CHECK(ben->created_at == kNow);

  auto taken = users.add("BEN", Role::kAdmin, "another long password", kNow, anna);
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().code == ErrorCode::kNameTaken);
  auto weak = users.add("carl", Role::kAdmin, "short", kNow, anna);
  REQUIRE_FALSE(weak.ok());
  CHECK(weak.error().field == "password");
  auto bad_name = users.add("a/b", Role::kAdmin, "a long enough password", kNow, anna);
  REQUIRE_FALSE(bad_name.ok());
  CHECK(bad_name.error().field == "name");

  auto record = store->find_user("ben");
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  CHECK((*record)->password_hash.rfind("$argon2id$", 0) == 0);
  CHECK(password_matches((*record)->password_hash, "ben's long password"));
  CHECK_FALSE(password_matches((*record)->password_hash, "ben's long passwore"));

  auto listed = users.list();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().name == "Ben");

  auto audit = store->list_audit({});
  REQUIRE(audit.ok());
  REQUIRE(audit->items.size() == 1);  // the refused ones wrote nothing
  CHECK(audit->items[0].action == "user.add");
  CHECK(audit->items[0].actor == "anna");
  CHECK(audit->items[0].client == "192.0.2.1");
  CHECK(audit->items[0].target == "Ben");
  CHECK(audit->items[0].detail == "role operator");
}

TEST_CASE("users: a new password replaces the old; the last admin cannot be removed") {
  TempDir dir;
  auto store = open_store(dir);
  Users users(*store);
  REQUIRE(
      users.add("anna", Role::kAdmin, "anna's first password", kNow, Actor::command_line()).ok());
  auto changed =
      users.set_password("Anna", "anna's second password", kNow + 1, Actor::command_line());
  REQUIRE(changed.ok());
  CHECK(*changed);
  auto record = store->find_user("anna");
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  CHECK(password_matches((*record)->password_hash, "anna's second password"));
  CHECK((*record)->password_changed_at == kNow + 1);
  auto nobody = users.set_password("nobody", "a long enough password", kNow, Actor::command_line());
  REQUIRE(nobody.ok());
  CHECK_FALSE(*nobody);
  CHECK_FALSE(users.set_password("anna", "short", kNow, Actor::command_line()).ok());

  auto last = users.remove("anna", kNow + 2, Actor::command_line());
  REQUIRE_FALSE(last.ok());
  CHECK(last.error().code == ErrorCode::kLastAdmin);
  auto found = users.find("ANNA");
  REQUIRE(found.ok());
  CHECK(found->has_value());
}

}  // namespace smsgate::auth

// The admin password: generated, the user admin's, stored as argon2id, verified.
#include <doctest/doctest.h>

#include <regex>

#include "auth/admin_password.h"
#include "store_test_support.h"

namespace smsgate::auth {

using store::testing::open_store;
using store::testing::TempDir;

TEST_CASE("admin password: reset, verify, replace") {
  TempDir dir;
  auto store = open_store(dir);
  auto set = admin_password_set(*store);
  REQUIRE(set.ok());
  CHECK_FALSE(*set);
  auto nothing = verify_admin_password(*store, "");
  REQUIRE(nothing.ok());
  CHECK_FALSE(*nothing);

  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  CHECK(std::regex_match(*password, std::regex("[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){3}")));
  set = admin_password_set(*store);
  REQUIRE(set.ok());
  CHECK(*set);

  // The user admin's password, kept as argon2id only.
  auto stored = store->find_user("admin");
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->role == "admin");
  CHECK((*stored)->password_hash.rfind("$argon2id$", 0) == 0);
  CHECK((*stored)->password_hash.find(*password) == std::string::npos);
  auto audit = store->list_audit({});
  REQUIRE(audit.ok());
  REQUIRE(audit->items.size() == 1);
  CHECK(audit->items[0].action == "admin_password.reset");
  CHECK(audit->items[0].actor == "command line");
  CHECK(audit->items[0].detail.find(*password) == std::string::npos);

  auto right = verify_admin_password(*store, *password);
  REQUIRE(right.ok());
  CHECK(*right);
  auto wrong = verify_admin_password(*store, *password + "x");
  REQUIRE(wrong.ok());
  CHECK_FALSE(*wrong);

  auto replaced = reset_admin_password(*store);
  REQUIRE(replaced.ok());
  CHECK(*replaced != *password);
  auto old = verify_admin_password(*store, *password);
  REQUIRE(old.ok());
  CHECK_FALSE(*old);
  auto current = verify_admin_password(*store, *replaced);
  REQUIRE(current.ok());
  CHECK(*current);
  auto users = store->list_users();
  REQUIRE(users.ok());
  CHECK(users->size() == 1);
}

TEST_CASE("settings: put, get, get_or_put") {
  TempDir dir;
  auto store = open_store(dir);
  auto missing = store->get_setting("colour");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  REQUIRE(store->put_setting("colour", "blue").ok());
  REQUIRE(store->put_setting("colour", "green").ok());
  auto got = store->get_setting("colour");
  REQUIRE(got.ok());
  CHECK(*got == std::optional<std::string>("green"));
  auto kept = store->get_or_put_setting("colour", "red");
  REQUIRE(kept.ok());
  CHECK(*kept == "green");
  auto made = store->get_or_put_setting("shape", "round");
  REQUIRE(made.ok());
  CHECK(*made == "round");
}

}  // namespace smsgate::auth

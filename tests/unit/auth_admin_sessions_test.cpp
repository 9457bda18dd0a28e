// Console sessions: signing in by name and password, their end (signed out, idle, seven
// days after sign-in, a new password from another process, the user removed), kept in
// the database across a restart, last_seen written at most once a minute, and wrong
// passwords limited per address and tallied in the audit log.
#include <doctest/doctest.h>

#include "auth/admin_password.h"
#include "auth/admin_sessions.h"
#include "auth/users.h"
#include "store_test_support.h"

namespace smsgate::auth {

using store::testing::open_store;
using store::testing::TempDir;

namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kStart = 1'800'000'000'000;

std::string signed_in(AdminSessions& sessions, std::string_view password, int64_t now,
                      std::string_view client = "192.0.2.1", std::string_view name = "") {
  auto result = sessions.sign_in(name, password, client, now);
  REQUIRE(result.ok());
  REQUIRE(result->outcome == SignInResult::Outcome::kSignedIn);
  REQUIRE(result->user.has_value());
  return result->token;
}

}  // namespace

TEST_CASE("admin sessions: open with the password, end when signed out") {
  TempDir dir;
  auto store = open_store(dir);
  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  AdminSessions sessions(*store);

  auto wrong = sessions.sign_in("", "not-it", "192.0.2.1", kStart);
  REQUIRE(wrong.ok());
  CHECK(wrong->outcome == SignInResult::Outcome::kWrongPassword);
  CHECK(wrong->token.empty());

  std::string token = signed_in(sessions, *password, kStart);
  auto open = sessions.check(token, kStart + 1000);
  REQUIRE(open.has_value());
  CHECK(open->user.name == "admin");
  CHECK(open->user.role == Role::kAdmin);
  CHECK_FALSE(sessions.check(token + "x", kStart + 1000));
  CHECK(sessions.sign_out(token).ok());
  CHECK_FALSE(sessions.check(token, kStart + 2000));
}

TEST_CASE("admin sessions: each person signs in with their own name and password") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(reset_admin_password(*store).ok());
  Users users(*store);
  REQUIRE(users.add("Anna", Role::kOperator, "correct horse battery", kStart, Actor::command_line())
              .ok());
  AdminSessions sessions(*store);

  // The name is found whatever its case; the admin's password does not open Anna's.
  std::string token = signed_in(sessions, "correct horse battery", kStart, "192.0.2.1", "anna");
  auto open = sessions.check(token, kStart + 1);
  REQUIRE(open.has_value());
  CHECK(open->user.name == "Anna");
  CHECK(open->user.role == Role::kOperator);
  // A name nobody has is answered as a wrong password.
  auto nobody = sessions.sign_in("nobody", "correct horse battery", "192.0.2.1", kStart + 2);
  REQUIRE(nobody.ok());
  CHECK(nobody->outcome == SignInResult::Outcome::kWrongPassword);

  auto audit = store->list_audit({});
  REQUIRE(audit.ok());
  REQUIRE(audit->items.size() >= 2);
  CHECK(audit->items[0].action == "session.sign_in_refused");
  CHECK(audit->items[0].target == "nobody");
  CHECK(audit->items[1].action == "session.sign_in");
  CHECK(audit->items[1].actor == "Anna");
  CHECK(audit->items[1].client == "192.0.2.1");
}

TEST_CASE("admin sessions: a session ends seven days after sign-in, however busy") {
  TempDir dir;
  auto store = open_store(dir);
  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  AdminSessions sessions(*store);
  std::string token = signed_in(sessions, *password, kStart);
  int64_t now = kStart;
  // A request every 11 hours keeps it from idling out, up to the seven days.
  while (now + 11 * kHour < kStart + AdminSessions::kMaxLifetimeMs) {
    now += 11 * kHour;
    REQUIRE(sessions.check(token, now));
  }
  CHECK(sessions.check(token, kStart + AdminSessions::kMaxLifetimeMs - 1));
  CHECK_FALSE(sessions.check(token, kStart + AdminSessions::kMaxLifetimeMs));
  // Signing in again opens a new one.
  std::string again = signed_in(sessions, *password, kStart + AdminSessions::kMaxLifetimeMs);
  CHECK(sessions.check(again, kStart + AdminSessions::kMaxLifetimeMs + 1));
}

TEST_CASE("admin sessions: idle for the idle time, a session ends") {
  TempDir dir;
  auto store = open_store(dir);
  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  AdminSessions sessions(*store);
  std::string token = signed_in(sessions, *password, kStart);
  CHECK(sessions.check(token, kStart + AdminSessions::kIdleTimeoutMs - 1));
  std::string other = signed_in(sessions, *password, kStart, "192.0.2.2");
  CHECK_FALSE(sessions.check(other, kStart + AdminSessions::kIdleTimeoutMs));
  // And it is gone from the database, not only refused.
  CHECK_FALSE(sessions.check(other, kStart + 1));
}

TEST_CASE("admin sessions: last_seen is written at most once a minute") {
  TempDir dir;
  auto store = open_store(dir);
  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  AdminSessions sessions(*store);
  std::string token = signed_in(sessions, *password, kStart);
  uint64_t writes = store->write_operations();
  for (int64_t at = kStart + 1000; at < kStart + kMinute; at += 1000)
    REQUIRE(sessions.check(token, at));
  CHECK(store->write_operations() == writes);
  REQUIRE(sessions.check(token, kStart + kMinute));
  CHECK(store->write_operations() == writes + 1);
  // What was written counts for the idle time: idle from the minute on, not from sign-in.
  CHECK(sessions.check(token, kStart + kMinute + AdminSessions::kIdleTimeoutMs - 1));
}

TEST_CASE("admin sessions: they survive a restart, and end from another process") {
  TempDir dir;
  std::string token;
  std::string password;
  {
    auto store = open_store(dir);
    auto made = reset_admin_password(*store);
    REQUIRE(made.ok());
    password = *made;
    AdminSessions sessions(*store);
    token = signed_in(sessions, password, kStart);
  }
  auto store = open_store(dir);
  AdminSessions sessions(*store);
  REQUIRE(sessions.check(token, kStart + 1));
  std::string second = signed_in(sessions, password, kStart + 2, "192.0.2.2");

  // `smsgated admin-password reset` writes the new hash through its own connection.
  auto other_process = open_store(dir);
  auto replaced = reset_admin_password(*other_process);
  REQUIRE(replaced.ok());
  CHECK_FALSE(sessions.check(token, kStart + 3));
  CHECK_FALSE(sessions.check(second, kStart + 3));
  auto old = sessions.sign_in("", password, "192.0.2.1", kStart + 4);
  REQUIRE(old.ok());
  CHECK(old->outcome == SignInResult::Outcome::kWrongPassword);
  std::string fresh = signed_in(sessions, *replaced, kStart + 5);
  CHECK(sessions.check(fresh, kStart + 6));
}

TEST_CASE("admin sessions: a new password ends the other sessions; removal ends them all") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(reset_admin_password(*store).ok());
  Users users(*store);
  REQUIRE(
      users.add("anna", Role::kOperator, "first password 1", kStart, Actor::command_line()).ok());
  AdminSessions sessions(*store);
  std::string here = signed_in(sessions, "first password 1", kStart, "192.0.2.1", "anna");
  std::string there = signed_in(sessions, "first password 1", kStart, "192.0.2.2", "anna");

  auto open = sessions.check(here, kStart + 1);
  REQUIRE(open.has_value());
  auto changed = users.set_password("anna", "second password 2", kStart + 2,
                                    Actor{"anna", "192.0.2.1"}, open->token_hash);
  REQUIRE(changed.ok());
  CHECK(*changed);
  CHECK(sessions.check(here, kStart + 3));
  CHECK_FALSE(sessions.check(there, kStart + 3));

  auto removed = users.remove("anna", kStart + 4, Actor::command_line());
  REQUIRE(removed.ok());
  CHECK(*removed);
  CHECK_FALSE(sessions.check(here, kStart + 5));
}

TEST_CASE("admin sessions: wrong passwords from one address make it wait, not the others") {
  TempDir dir;
  auto store = open_store(dir);
  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  AdminSessions sessions(*store);
  for (int i = 0; i < 5; ++i) {
    auto wrong = sessions.sign_in("", "guess" + std::to_string(i), "198.51.100.9", kStart + i);
    REQUIRE(wrong.ok());
    CHECK(wrong->outcome == SignInResult::Outcome::kWrongPassword);
  }
  // Even the right password is not checked while it waits.
  auto refused = sessions.sign_in("", *password, "198.51.100.9", kStart + 10);
  REQUIRE(refused.ok());
  CHECK(refused->outcome == SignInResult::Outcome::kTooManyFailures);
  CHECK(refused->retry_after_ms == 60'000 - 6);
  CHECK(refused->token.empty());
  signed_in(sessions, *password, kStart + 10, "192.0.2.1");
  signed_in(sessions, *password, kStart + 4 + 60'000, "198.51.100.9");

  // The five wrong ones are one row of the audit log, counted.
  auto refusals = store->list_audit({std::nullopt, std::string("session.sign_in_refused"), 50, ""});
  REQUIRE(refusals.ok());
  REQUIRE(refusals->items.size() == 1);
  CHECK(refusals->items[0].count == 5);
  CHECK(refusals->items[0].client == "198.51.100.9");
  CHECK(refusals->items[0].target == "admin");
}

}  // namespace smsgate::auth

// Admin sessions: signing in, their end (idle, seven days after sign-in, a password
// reset from another process), and wrong passwords limited per address.
#include <doctest/doctest.h>

#include "auth/admin_password.h"
#include "auth/admin_sessions.h"
#include "store_test_support.h"

namespace smsgate::auth {

using store::testing::open_store;
using store::testing::TempDir;

namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kStart = 1'800'000'000'000;

std::string signed_in(AdminSessions& sessions, std::string_view password, int64_t now,
                      std::string_view client = "192.0.2.1") {
  auto result = sessions.sign_in(password, client, now);
  REQUIRE(result.ok());
  REQUIRE(result->outcome == SignInResult::Outcome::kSignedIn);
  return result->token;
}

}  // namespace

TEST_CASE("admin sessions: open with the password, end when signed out") {
  TempDir dir;
  auto store = open_store(dir);
  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  AdminSessions sessions(*store);

  auto wrong = sessions.sign_in("not-it", "192.0.2.1", kStart);
  REQUIRE(wrong.ok());
  CHECK(wrong->outcome == SignInResult::Outcome::kWrongPassword);
  CHECK(wrong->token.empty());

  std::string token = signed_in(sessions, *password, kStart);
  CHECK(sessions.check(token, kStart + 1000));
  CHECK_FALSE(sessions.check(token + "x", kStart + 1000));
  sessions.sign_out(token);
  CHECK_FALSE(sessions.check(token, kStart + 2000));
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

TEST_CASE("admin sessions: a password reset, from any process, ends every session") {
  TempDir dir;
  auto store = open_store(dir);
  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  AdminSessions sessions(*store);
  std::string first = signed_in(sessions, *password, kStart, "192.0.2.1");
  std::string second = signed_in(sessions, *password, kStart, "192.0.2.2");
  REQUIRE(sessions.check(first, kStart + 1));
  REQUIRE(sessions.check(second, kStart + 1));

  // `smsgated admin-password reset` writes the new hash through its own connection.
  auto other_process = open_store(dir);
  auto replaced = reset_admin_password(*other_process);
  REQUIRE(replaced.ok());
  CHECK_FALSE(sessions.check(first, kStart + 2));
  CHECK_FALSE(sessions.check(second, kStart + 2));
  auto old = sessions.sign_in(*password, "192.0.2.1", kStart + 3);
  REQUIRE(old.ok());
  CHECK(old->outcome == SignInResult::Outcome::kWrongPassword);
  std::string fresh = signed_in(sessions, *replaced, kStart + 4);
  CHECK(sessions.check(fresh, kStart + 5));
}

TEST_CASE("admin sessions: wrong passwords from one address make it wait, not the others") {
  TempDir dir;
  auto store = open_store(dir);
  auto password = reset_admin_password(*store);
  REQUIRE(password.ok());
  AdminSessions sessions(*store);
  for (int i = 0; i < 5; ++i) {
    auto wrong = sessions.sign_in("guess" + std::to_string(i), "198.51.100.9", kStart + i);
    REQUIRE(wrong.ok());
    CHECK(wrong->outcome == SignInResult::Outcome::kWrongPassword);
  }
  // Even the right password is not checked while it waits.
  auto refused = sessions.sign_in(*password, "198.51.100.9", kStart + 10);
  REQUIRE(refused.ok());
  CHECK(refused->outcome == SignInResult::Outcome::kTooManyFailures);
  CHECK(refused->retry_after_ms == 60'000 - 6);
  CHECK(refused->token.empty());
  signed_in(sessions, *password, kStart + 10, "192.0.2.1");
  signed_in(sessions, *password, kStart + 4 + 60'000, "198.51.100.9");
}

}  // namespace smsgate::auth

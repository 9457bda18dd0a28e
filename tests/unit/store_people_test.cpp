// People (store/people.h): users unique whatever their case, sessions that end with
// their user or a new password, the last admin kept, the audit log written in the
// change's own transaction and paged newest first; and migration 12 turning the one
// admin password into the user admin.
#include <doctest/doctest.h>

#include <string>

#include "store/schema.h"
#include "store_test_support.h"

namespace smsgate::store {

using testing::open_store;
using testing::TempDir;

namespace {

constexpr int64_t kNow = 1'800'000'000'000;

AuditEntry entry(std::string action, std::string target, int64_t at = kNow) {
  AuditEntry audit;
  audit.at = at;
  audit.actor = "command line";
  audit.action = std::move(action);
  audit.target = std::move(target);
  return audit;
}

std::vector<std::string> actions(Store& store, AuditFilter filter = {}) {
  auto page = store.list_audit(filter);
  REQUIRE(page.ok());
  std::vector<std::string> found;
  for (const AuditEntry& row : page->items) found.push_back(row.action + " " + row.target);
  return found;
}

}  // namespace

TEST_CASE("people: a name is taken whatever its case; each change has its audit row") {
  TempDir dir;
  auto store = open_store(dir);
  auto anna = store->add_user("Anna", "operator", "hash-1", kNow, entry("user.add", "Anna"));
  REQUIRE(anna.ok());
  auto again = store->add_user("anna", "admin", "hash-2", kNow, entry("user.add", "anna"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kNameTaken);
  CHECK(again.error().field == "name");
  // Refused whole: no row for the add that did not happen.
  CHECK(actions(*store) == std::vector<std::string>{"user.add Anna"});

  auto found = store->find_user("ANNA");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->name == "Anna");
  CHECK((*found)->role == "operator");
  CHECK((*found)->password_hash == "hash-1");

  // An audit row the store cannot write undoes the change it belongs to.
  AuditEntry nobody = entry("user.add", "ben");
  nobody.actor.clear();
  CHECK_FALSE(store->add_user("ben", "operator", "hash-3", kNow, nobody).ok());
  auto ben = store->find_user("ben");
  REQUIRE(ben.ok());
  CHECK_FALSE(ben->has_value());
}

TEST_CASE("people: a new password ends the user's sessions but the one kept") {
  TempDir dir;
  auto store = open_store(dir);
  auto anna = store->add_user("anna", "admin", "hash-1", kNow, entry("user.add", "anna"));
  auto ben = store->add_user("ben", "operator", "hash-2", kNow, entry("user.add", "ben"));
  REQUIRE(anna.ok());
  REQUIRE(ben.ok());
  for (const char* token : {"a1", "a2"})
    REQUIRE(
        store->open_session(token, anna->id, kNow, "v1", 0, 0, 64, entry("session.sign_in", "anna"))
            .ok());
  REQUIRE(store->open_session("b1", ben->id, kNow, "v2", 0, 0, 64, entry("session.sign_in", "ben"))
              .ok());

  auto changed =
      store->set_user_password("anna", "hash-3", kNow + 1, entry("user.password", "anna"),
                               std::nullopt, std::string("a1"), "v3");
  REQUIRE(changed.ok());
  CHECK(*changed);
  auto kept = store->find_session("a1");
  REQUIRE(kept.ok());
  REQUIRE(kept->has_value());
  CHECK((*kept)->password_version == "v3");
  CHECK((*kept)->user.password_hash == "hash-3");
  CHECK((*kept)->user.password_changed_at == kNow + 1);
  auto ended = store->find_session("a2");
  REQUIRE(ended.ok());
  CHECK_FALSE(ended->has_value());
  auto other = store->find_session("b1");
  REQUIRE(other.ok());
  CHECK(other->has_value());

  // Nobody called so: nothing written, unless asked to add them.
  auto unknown = store->set_user_password("carl", "hash-4", kNow, entry("user.password", "carl"));
  REQUIRE(unknown.ok());
  CHECK_FALSE(*unknown);
  auto added = store->set_user_password(
      "carl", "hash-4", kNow, entry("admin_password.reset", "carl"), std::string("admin"));
  REQUIRE(added.ok());
  CHECK(*added);
  auto carl = store->find_user("carl");
  REQUIRE(carl.ok());
  REQUIRE(carl->has_value());
  CHECK((*carl)->role == "admin");
  CHECK(actions(*store, {std::nullopt, std::string("user.password"), 50, ""}) ==
        std::vector<std::string>{"user.password anna"});
}

TEST_CASE("people: the last admin stays; a removed user's sessions end") {
  TempDir dir;
  auto store = open_store(dir);
  auto anna = store->add_user("anna", "admin", "h", kNow, entry("user.add", "anna"));
  auto ben = store->add_user("ben", "operator", "h", kNow, entry("user.add", "ben"));
  REQUIRE(anna.ok());
  REQUIRE(ben.ok());
  REQUIRE(store->open_session("b1", ben->id, kNow, "v", 0, 0, 64, entry("session.sign_in", "ben"))
              .ok());

  auto last = store->remove_user("anna", entry("user.remove", "anna"));
  REQUIRE_FALSE(last.ok());
  CHECK(last.error().code == ErrorCode::kLastAdmin);
  CHECK(last.error().message.find("last admin") != std::string::npos);

  auto removed = store->remove_user("BEN", entry("user.remove", "ben"));
  REQUIRE(removed.ok());
  CHECK(*removed);
  auto session = store->find_session("b1");
  REQUIRE(session.ok());
  CHECK_FALSE(session->has_value());
  auto gone = store->remove_user("ben", entry("user.remove", "ben"));
  REQUIRE(gone.ok());
  CHECK_FALSE(*gone);

  // With a second admin the first may go.
  REQUIRE(store->add_user("carl", "admin", "h", kNow, entry("user.add", "carl")).ok());
  auto now_allowed = store->remove_user("anna", entry("user.remove", "anna"));
  REQUIRE(now_allowed.ok());
  CHECK(*now_allowed);
  auto users = store->list_users();
  REQUIRE(users.ok());
  REQUIRE(users->size() == 1);
  CHECK(users->front().name == "carl");
}

TEST_CASE("people: sessions past their age go, and never more than the most allowed") {
  TempDir dir;
  auto store = open_store(dir);
  auto anna = store->add_user("anna", "admin", "h", kNow, entry("user.add", "anna"));
  REQUIRE(anna.ok());
  REQUIRE(store->open_session("old", anna->id, kNow, "v", 0, 0, 3, entry("session.sign_in", "anna"))
              .ok());
  REQUIRE(store->touch_session("old", kNow + 10).ok());
  REQUIRE(store->touch_session("old", kNow + 5).ok());  // never back
  auto touched = store->find_session("old");
  REQUIRE(touched.ok());
  REQUIRE(touched->has_value());
  CHECK((*touched)->last_seen == kNow + 10);

  for (int i = 1; i <= 3; ++i)
    REQUIRE(store
                ->open_session("s" + std::to_string(i), anna->id, kNow + 100 * i, "v", 0, 0, 3,
                               entry("session.sign_in", "anna"))
                .ok());
  // Three at most: the least recently seen ("old") went.
  auto oldest = store->find_session("old");
  REQUIRE(oldest.ok());
  CHECK_FALSE(oldest->has_value());
  auto ended = store->end_expired_sessions(kNow + 200, 0);  // last seen at or before
  REQUIRE(ended.ok());
  CHECK(*ended == 2);
  auto left = store->find_session("s3");
  REQUIRE(left.ok());
  CHECK(left->has_value());
  REQUIRE(store->end_session("s3").ok());
  left = store->find_session("s3");
  REQUIRE(left.ok());
  CHECK_FALSE(left->has_value());
}

TEST_CASE("people: the audit log pages newest first, filters, and tallies refusals") {
  TempDir dir;
  auto store = open_store(dir);
  for (int i = 1; i <= 5; ++i)
    REQUIRE(store->append_audit(entry("key.create", "key " + std::to_string(i), kNow + i)).ok());
  AuditEntry other = entry("modem.reset", "modem-a", kNow + 6);
  other.actor = "anna";
  REQUIRE(store->append_audit(other).ok());

  auto first = store->list_audit({std::nullopt, std::nullopt, 2, ""});
  REQUIRE(first.ok());
  REQUIRE(first->items.size() == 2);
  CHECK(first->items[0].action == "modem.reset");
  CHECK(first->items[1].target == "key 5");
  REQUIRE(first->next_cursor.has_value());
  auto second = store->list_audit({std::nullopt, std::nullopt, 2, *first->next_cursor});
  REQUIRE(second.ok());
  REQUIRE(second->items.size() == 2);
  CHECK(second->items[0].target == "key 4");
  CHECK(actions(*store, {std::string("anna"), std::nullopt, 50, ""}) ==
        std::vector<std::string>{"modem.reset modem-a"});
  CHECK_FALSE(store->list_audit({std::nullopt, std::nullopt, 2, "m3"}).ok());

  AuditEntry refused = entry("session.sign_in_refused", "admin", kNow + 10);
  refused.client = "198.51.100.9";
  for (int i = 0; i < 7; ++i) {
    refused.at = kNow + 10 + i * 1000;
    REQUIRE(store->count_sign_in_refusal(refused, 60'000).ok());
  }
  refused.at = kNow + 10 + 61'000;  // a minute after the row began: a new row
  REQUIRE(store->count_sign_in_refusal(refused, 60'000).ok());
  auto tallied = store->list_audit({std::nullopt, std::string("session.sign_in_refused"), 50, ""});
  REQUIRE(tallied.ok());
  REQUIRE(tallied->items.size() == 2);
  CHECK(tallied->items[0].count == 1);
  CHECK(tallied->items[1].count == 7);
  CHECK(tallied->items[1].client == "198.51.100.9");
}

TEST_CASE("people: migration 12 makes the admin password the user admin's") {
  TempDir dir;
  {
    auto connection = Connection::open(dir.db(), true);
    REQUIRE(connection.ok());
    for (const Migration& migration : kMigrations) {
      if (migration.version > 11) break;
      std::string sql(migration.sql);
      REQUIRE(connection->exec(sql.c_str()).ok());
    }
    REQUIRE(connection
                ->exec("INSERT INTO settings (key, value) VALUES ('admin_password', "
                       "'$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA')")
                .ok());
  }
  auto store = open_store(dir);
  auto admin = store->find_user("admin");
  REQUIRE(admin.ok());
  REQUIRE(admin->has_value());
  CHECK((*admin)->role == "admin");
  CHECK((*admin)->password_hash == "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
  CHECK((*admin)->created_at > 0);
  auto setting = store->get_setting("admin_password");
  REQUIRE(setting.ok());
  CHECK_FALSE(setting->has_value());
}

}  // namespace smsgate::store

// API keys: creation, authentication (with its cache), revocation, listing, and the
// scopes each key carries.
#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "auth/api_keys.h"
#include "auth/sodium_util.h"
#include "store/schema.h"
#include "store_test_support.h"

namespace smsgate::auth {

using store::testing::open_store;
using store::testing::TempDir;

namespace {

constexpr int64_t kT0 = 1'800'000'000'000;

std::optional<int64_t> stored_last_used(store::Store& store, int64_t id) {
  auto keys = store.list_api_keys();
  REQUIRE(keys.ok());
  for (const auto& key : *keys)
    if (key.id == id) return key.last_used_at;
  FAIL("no key " << id);
  return std::nullopt;
}

}  // namespace

TEST_CASE("api keys: a created key authenticates; its shape; only a hash is stored") {
  TempDir dir;
  auto store = open_store(dir);
  ApiKeys keys(*store);
  auto created = keys.create("shop", Scopes::all(), kT0);
  REQUIRE(created.ok());
  CHECK(created->key.size() == kApiKeyLength);
  CHECK(created->key.rfind("sgk_", 0) == 0);
  CHECK(looks_like_api_key(created->key));
  CHECK(created->info.name == "shop");
  CHECK(created->info.created_at == kT0);
  CHECK_FALSE(created->info.revoked_at);

  auto seen = keys.authenticate(created->key, kT0 + 1);
  REQUIRE(seen);
  CHECK(seen->id == created->info.id);
  CHECK(seen->name == "shop");

  auto records = store->list_api_keys();
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK(records->front().hash.size() == 64);  // BLAKE2b-256 in hex
  CHECK(records->front().hash.find(created->key.substr(4)) == std::string::npos);

  // Every key is new.
  std::set<std::string> distinct{created->key};
  for (int i = 0; i < 20; ++i) {
    auto another = keys.create("k" + std::to_string(i), Scopes::all(), kT0);
    REQUIRE(another.ok());
    distinct.insert(another->key);
  }
  CHECK(distinct.size() == 21);
}

TEST_CASE("api keys: malformed and unknown keys are refused") {
  TempDir dir;
  auto store = open_store(dir);
  ApiKeys keys(*store);
  auto created = keys.create("shop", Scopes::all(), kT0);
  REQUIRE(created.ok());
  const std::string& key = created->key;

  CHECK_FALSE(keys.authenticate("", kT0));
  CHECK_FALSE(keys.authenticate("sgk_", kT0));
  CHECK_FALSE(keys.authenticate("xyz_" + key.substr(4), kT0));         // wrong prefix
  CHECK_FALSE(keys.authenticate(key.substr(0, key.size() - 1), kT0));  // too short
  CHECK_FALSE(keys.authenticate(key + "A", kT0));                      // too long
  CHECK_FALSE(keys.authenticate(key.substr(0, 46) + "=", kT0));        // not base64url
  CHECK_FALSE(keys.authenticate(std::string(47, '\0'), kT0));          // garbage
  CHECK_FALSE(keys.authenticate("Bearer " + key, kT0));                // header, not key
  std::string other = key;
  other[10] = other[10] == 'A' ? 'B' : 'A';  // well-formed, unknown
  CHECK_FALSE(keys.authenticate(other, kT0));
  CHECK(keys.authenticate(key, kT0));
}

TEST_CASE("api keys: names are checked") {
  TempDir dir;
  auto store = open_store(dir);
  ApiKeys keys(*store);
  auto expect_name_error = [&](const std::string& name) {
    auto created = keys.create(name, Scopes::all(), kT0);
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().message.rfind("name: ", 0) == 0);
  };
  expect_name_error("");
  expect_name_error("   ");
  expect_name_error(std::string(101, 'x'));
  expect_name_error("line\nbreak");
  expect_name_error("\xff\xfe");
  CHECK(keys.create(std::string(100, 'x'), Scopes::all(), kT0).ok());
  CHECK(keys.create("Praxis Müller – Termine", Scopes::all(), kT0)
            .ok());  // 23 characters, more bytes
  auto listed = keys.list();
  REQUIRE(listed.ok());
  CHECK(listed->size() == 2);
}

TEST_CASE("api keys: revoke, list") {
  TempDir dir;
  auto store = open_store(dir);
  ApiKeys keys(*store);
  auto shop = keys.create("shop", Scopes::all(), kT0);
  auto clinic = keys.create("clinic", Scopes::all(), kT0 + 10);
  REQUIRE(shop.ok());
  REQUIRE(clinic.ok());
  REQUIRE(keys.authenticate(shop->key, kT0 + 20));

  auto revoked = keys.revoke(shop->info.id, kT0 + 30);
  REQUIRE(revoked.ok());
  CHECK(*revoked);
  // At once through the same object, though the cached entry is younger than 5 s.
  CHECK_FALSE(keys.authenticate(shop->key, kT0 + 31));
  CHECK(keys.authenticate(clinic->key, kT0 + 31));

  auto again = keys.revoke(shop->info.id, kT0 + 40);
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
  auto unknown = keys.revoke(9999, kT0 + 40);
  REQUIRE(unknown.ok());
  CHECK_FALSE(*unknown);

  auto listed = keys.list();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].name == "shop");
  CHECK((*listed)[0].revoked_at == kT0 + 30);
  CHECK((*listed)[1].name == "clinic");
  CHECK_FALSE((*listed)[1].revoked_at);
}

TEST_CASE(
    "api keys: another process's keys take effect (a new one at once, a revoked one "
    "within 5 s)") {
  TempDir dir;
  auto daemon_store = open_store(dir);
  auto cli_store = open_store(dir);  // a second Store on the same file, as the CLI has
  ApiKeys daemon(*daemon_store);
  ApiKeys cli(*cli_store);

  auto created = cli.create("shop", Scopes::all(), kT0);
  REQUIRE(created.ok());
  REQUIRE(daemon.authenticate(created->key, kT0));  // a miss reads the database

  auto revoked = cli.revoke(created->info.id, kT0 + 1000);
  REQUIRE(revoked.ok());
  CHECK(*revoked);
  // The daemon's cache trusts its entry for a few seconds ...
  CHECK(daemon.authenticate(created->key, kT0 + 4999));
  // ... and asks the database again after that.
  CHECK_FALSE(daemon.authenticate(created->key, kT0 + 5000));
  CHECK_FALSE(daemon.authenticate(created->key, kT0 + 5001));
  // A clock set back by more than that does not extend an entry's life either.
  auto second = cli.create("clinic", Scopes::all(), kT0);
  REQUIRE(second.ok());
  REQUIRE(daemon.authenticate(second->key, kT0 + 20'000));
  REQUIRE(cli.revoke(second->info.id, kT0 + 20'001).ok());
  CHECK(daemon.authenticate(second->key, kT0 + 19'000));  // threads a moment apart
  CHECK_FALSE(daemon.authenticate(second->key, kT0 + 15'000));
}

TEST_CASE("api keys: last_used_at is written, at most once a minute per key") {
  TempDir dir;
  auto store = open_store(dir);
  ApiKeys keys(*store);
  auto created = keys.create("shop", Scopes::all(), kT0);
  REQUIRE(created.ok());
  int64_t id = created->info.id;
  CHECK_FALSE(stored_last_used(*store, id));

  auto first = keys.authenticate(created->key, kT0 + 1000);
  REQUIRE(first);
  CHECK(first->last_used_at == kT0 + 1000);
  CHECK(stored_last_used(*store, id) == kT0 + 1000);

  uint64_t writes = store->write_operations();
  for (int i = 1; i <= 100; ++i) {
    auto seen = keys.authenticate(created->key, kT0 + 1000 + i * 500);  // 50 s of requests
    REQUIRE(seen);
    CHECK(seen->last_used_at == kT0 + 1000 + i * 500);  // the caller sees the latest use
  }
  CHECK(store->write_operations() == writes);  // nothing written within the minute
  CHECK(stored_last_used(*store, id) == kT0 + 1000);

  REQUIRE(keys.authenticate(created->key, kT0 + 61'000));
  CHECK(stored_last_used(*store, id) == kT0 + 61'000);
  CHECK(store->write_operations() == writes + 1);

  // Another object (a restarted daemon) starts from what the database holds.
  ApiKeys restarted(*store);
  auto listed = restarted.list();
  REQUIRE(listed.ok());
  CHECK(listed->front().last_used_at == kT0 + 61'000);
}

TEST_CASE("api keys: 64 threads authenticate at once; last_used_at still written rarely") {
  TempDir dir;
  auto store = open_store(dir);
  ApiKeys keys(*store);
  auto shop = keys.create("shop", Scopes::all(), kT0);
  auto clinic = keys.create("clinic", Scopes::all(), kT0);
  REQUIRE(shop.ok());
  REQUIRE(clinic.ok());
  uint64_t writes_before = store->write_operations();
  // One clock for all threads, 5 ms a request: 12,800 requests over 64 s, read by the
  // threads slightly out of order, as a real clock is (here a thread may lag by
  // thousands of requests when the scheduler leaves it waiting, still far below the
  // minute that would make a lagging clock count as set back).
  std::atomic<int64_t> clock{kT0};
  std::atomic<int> accepted{0};
  std::atomic<int> wrongly_accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        int64_t now = clock.fetch_add(5);
        if (keys.authenticate(t % 2 ? shop->key : clinic->key, now)) accepted.fetch_add(1);
        if (keys.authenticate("sgk_" + std::string(43, 'A'), now)) wrongly_accepted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(accepted.load() == 64 * 200);
  CHECK(wrongly_accepted.load() == 0);
  // 64 s: two writes per key (at 0 and 60 s), not one per request.
  CHECK(store->write_operations() - writes_before == 4);
}

TEST_CASE("scopes: names, the stored form, and unknown names") {
  CHECK(join_scopes(Scopes::all()) ==
        "send,read,inbound,otp,webhooks,optouts,modems,metrics,templates,rules,appointments,contacts");
  CHECK(join_scopes(kDefaultScopes) == "send,read");
  CHECK(join_scopes(Scopes{}) == "");
  // One order whatever order they were named in; a repeated name counts once.
  auto parsed = parse_scopes({"metrics", "send", "metrics"});
  REQUIRE(parsed.ok());
  CHECK(*parsed == Scopes{Scope::kSend, Scope::kMetrics});
  CHECK(scope_names(*parsed) == std::vector<std::string>{"send", "metrics"});
  for (Scope scope : kAllScopes) {
    CHECK(scope_named(scope_name(scope)) == scope);
    CHECK(scopes_from_stored(join_scopes(Scopes{scope})) == Scopes{scope});
    CHECK_FALSE(Scopes::all().without(scope).has(scope));
    CHECK(Scopes::all().without(scope).with(scope) == Scopes::all());
  }
  CHECK(scopes_from_stored(join_scopes(Scopes::all())) == Scopes::all());

  auto unknown = parse_scopes({"send", "Read"});  // names are lower case
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.starts_with("scopes: unknown scope \"Read\" (known: send,"));
  CHECK_FALSE(parse_scopes({""}).ok());
  CHECK(parse_scopes({}).ok());
  CHECK(parse_scopes({})->empty());
  // A newer version's scope in the database grants nothing here; the known ones stay.
  CHECK(scopes_from_stored("send,teleport,read") == kDefaultScopes);
  CHECK(scopes_from_stored("").empty());
}

TEST_CASE("api keys: a key carries the scopes it was made with, cached or read again") {
  TempDir dir;
  auto store = open_store(dir);
  ApiKeys keys(*store);
  auto metrics = keys.create("prometheus", Scopes{Scope::kMetrics}, kT0);
  auto shop = keys.create("shop", kDefaultScopes, kT0);
  REQUIRE(metrics.ok());
  REQUIRE(shop.ok());
  CHECK(metrics->info.scopes == Scopes{Scope::kMetrics});

  auto seen = keys.authenticate(metrics->key, kT0 + 1);  // read from the database
  REQUIRE(seen);
  CHECK(seen->scopes == Scopes{Scope::kMetrics});
  seen = keys.authenticate(metrics->key, kT0 + 2);  // from the cache
  REQUIRE(seen);
  CHECK(seen->scopes == Scopes{Scope::kMetrics});
  seen = keys.authenticate(shop->key, kT0 + ApiKeys::kRecheckMs + 10);  // read again
  REQUIRE(seen);
  CHECK(seen->scopes == kDefaultScopes);

  // Another object on the same database (the CLI's) sees the same.
  ApiKeys other(*store);
  auto from_other = other.authenticate(metrics->key, kT0 + 3);
  REQUIRE(from_other);
  CHECK(from_other->scopes == Scopes{Scope::kMetrics});
  auto listed = other.list();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].scopes == Scopes{Scope::kMetrics});
  CHECK((*listed)[1].scopes == kDefaultScopes);
  auto records = store->list_api_keys();
  REQUIRE(records.ok());
  CHECK((*records)[0].scopes == "metrics");
  CHECK((*records)[1].scopes == "send,read");
}

TEST_CASE("api keys: a key with no scope is refused, and nothing is stored") {
  TempDir dir;
  auto store = open_store(dir);
  ApiKeys keys(*store);
  auto created = keys.create("nothing", Scopes{}, kT0);
  REQUIRE_FALSE(created.ok());
  CHECK(created.error().message.starts_with("scopes: "));
  auto listed = keys.list();
  REQUIRE(listed.ok());
  CHECK(listed->empty());
}

TEST_CASE("api keys: keys made before scopes existed keep every scope") {
  TempDir dir;
  // The database as the last version without scopes left it, with one key in it.
  constexpr int kScopesMigration = 7;
  {
    auto connection = store::Connection::open(dir.db(), true);
    REQUIRE(connection.ok());
    for (const store::Migration& migration : store::kMigrations) {
      if (migration.version >= kScopesMigration) break;
      auto done = connection->exec(std::string(migration.sql).c_str());
      REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error().message));
    }
  }
  const std::string key = "sgk_" + std::string(43, 'Q');
  REQUIRE(looks_like_api_key(key));
  {
    auto connection = store::Connection::open(dir.db(), true);
    REQUIRE(connection.ok());
    std::string insert = "INSERT INTO api_keys (name, hash, created_at) VALUES ('old shop', '" +
                         detail::blake2b_hex(key) + "', 1)";
    REQUIRE(connection->exec(insert.c_str()).ok());
  }

  auto store = open_store(dir);  // migrates
  ApiKeys keys(*store);
  auto seen = keys.authenticate(key, kT0);
  REQUIRE(seen);
  CHECK(seen->name == "old shop");
  // Every scope there was when keys got scopes; those added since are given by choice.
  CHECK(seen->scopes == Scopes::all().without(Scope::kTemplates).without(Scope::kRules).without(Scope::kAppointments).without(Scope::kContacts));
  // A key made after the migration has what it was given, not the old keys' default.
  auto fresh = keys.create("new shop", Scopes{Scope::kSend}, kT0);
  REQUIRE(fresh.ok());
  auto fresh_seen = keys.authenticate(fresh->key, kT0);
  REQUIRE(fresh_seen);
  CHECK(fresh_seen->scopes == Scopes{Scope::kSend});
}

}  // namespace smsgate::auth

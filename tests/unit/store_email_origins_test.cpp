// EmailOrigins: messages that came by email stored with where they came from, in one
// transaction; an idempotent resubmission keeps the first origin; the origin goes with
// its message when the number is erased or the message deleted.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/sqlite.h"
#include "store_test_support.h"

namespace smsgate::store {
namespace {

using testing::open_store;
using testing::TempDir;

constexpr int64_t kNow = 1'790'000'000'000;
const std::string kAnna = "+420601000001";
const std::string kBoris = "+420601000002";

NewMessage message_to(const std::string& to, std::optional<std::string> key = std::nullopt) {
  NewMessage m;
  m.to = to;
  m.text = "Your order has shipped";
  m.idempotency_key = std::move(key);
  m.parts.push_back(NewPart{"00" + std::string(40, 'C'), 20});
  return m;
}

const EmailOrigin kOrigin{"desk@practice.example", "abc123@practice.example", "Order"};

TEST_CASE("email origins: stored with their messages and read back") {
  TempDir dir;
  auto store = open_store(dir);
  auto submitted = store->submit_from_email({message_to(kAnna), message_to(kBoris)}, kOrigin, kNow);
  REQUIRE_MESSAGE(submitted.ok(), (submitted.ok() ? "" : submitted.error().message));
  REQUIRE(submitted->size() == 2);
  for (const SubmitResult& result : *submitted) {
    auto origin = store->email_origin(result.id);
    REQUIRE(origin.ok());
    CHECK(*origin == kOrigin);
    auto message = store->get_message(result.id);
    REQUIRE(message.ok());
    CHECK(message->has_value());
  }
  // The null sender and a mail without Message-ID or subject.
  auto bounce = store->submit_from_email({message_to(kAnna)}, EmailOrigin{}, kNow);
  REQUIRE(bounce.ok());
  auto origin = store->email_origin((*bounce)[0].id);
  REQUIRE(origin.ok());
  CHECK(*origin == EmailOrigin{"", std::nullopt, std::nullopt});
}

TEST_CASE("email origins: a message from the API has none; a known idempotency key keeps its own") {
  TempDir dir;
  auto store = open_store(dir);
  auto api = store->submit({message_to(kAnna, "k1")}, kNow);
  REQUIRE(api.ok());
  auto none = store->email_origin((*api)[0].id);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  auto again = store->submit_from_email({message_to(kAnna, "k1")}, kOrigin, kNow);
  REQUIRE(again.ok());
  CHECK((*again)[0].existing);
  CHECK((*again)[0].id == (*api)[0].id);
  auto still_none = store->email_origin((*api)[0].id);
  REQUIRE(still_none.ok());
  CHECK_FALSE(still_none->has_value());
}

TEST_CASE("email origins: an invalid message stores nothing, origin included") {
  TempDir dir;
  auto store = open_store(dir);
  NewMessage bad = message_to(kBoris);
  bad.parts.clear();
  auto refused = store->submit_from_email({message_to(kAnna), bad}, kOrigin, kNow);
  CHECK_FALSE(refused.ok());
  auto db = Connection::open(dir.db(), /*create=*/false);
  REQUIRE(db.ok());
  auto q =
      db->query("SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM email_origins)");
  REQUIRE(q.ok());
  auto row = q->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(q->int64(0) == 0);
}

TEST_CASE("email origins: erasing a number deletes its messages' origins") {
  TempDir dir;
  auto store = open_store(dir);
  auto submitted = store->submit_from_email({message_to(kAnna), message_to(kBoris)}, kOrigin, kNow);
  REQUIRE(submitted.ok());
  auto erased = store->erase_number(kAnna, kNow);
  REQUIRE(erased.ok());
  CHECK(erased->messages == 1);
  auto anna = store->email_origin((*submitted)[0].id);
  REQUIRE(anna.ok());
  CHECK_FALSE(anna->has_value());
  auto boris = store->email_origin((*submitted)[1].id);
  REQUIRE(boris.ok());
  CHECK(boris->has_value());
}

}  // namespace
}  // namespace smsgate::store

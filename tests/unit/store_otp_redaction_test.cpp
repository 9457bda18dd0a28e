// A one-time password's text and PDUs in the database: whole while the message may
// still be sent, redacted (digits masked, PDUs emptied) the moment it is final, by
// every road there (sent, failed, expired, cancelled), and for messages that were
// already final when the database was upgraded. Other messages keep theirs.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dispatch/compose.h"
#include "store/event_json.h"
#include "store/schema.h"
#include "store_test_support.h"

namespace smsgate::store {

using testing::open_store;
using testing::TempDir;

namespace {

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr const char* kModem = "356938035643809";
// Long enough for two parts, so that a half-sent message can be looked at.
const std::string kOtpText =
    "Your code is 482916. " + std::string(150, 'x') + " Never share 482916.";

NewMessage composed(policy::Category category, const std::string& text, int64_t now) {
  dispatch::OutgoingRequest request;
  request.to = "+491701234567";
  request.text = text;
  request.category = category;
  request.ttl_ms = 5 * kMinute;
  auto message = dispatch::compose_message(request, now, 1);
  REQUIRE_MESSAGE(message.ok(), (message.ok() ? "" : message.error().message));
  return *message;
}

int64_t submit_otp(Store& store, int64_t now) {
  auto result = store.submit_otp(composed(policy::Category::kOtp, kOtpText, now), "hash",
                                 now + 5 * kMinute, now);
  REQUIRE(result.ok());
  return result->message.id;
}

struct Stored {
  std::string text;
  std::vector<std::string> pdus;
};

// The rows as they are on disk, read past the store.
Stored stored(const TempDir& dir, int64_t id) {
  auto db = Connection::open(dir.db(), false);
  REQUIRE(db.ok());
  Stored rows;
  auto text = db->query("SELECT text FROM messages WHERE id = ?");
  REQUIRE(text.ok());
  text->bind_all(id);
  auto row = text->step();
  REQUIRE((row.ok() && *row));
  rows.text = text->text(0);
  auto pdus = db->query("SELECT pdu_hex FROM parts WHERE message_id = ? ORDER BY number");
  REQUIRE(pdus.ok());
  pdus->bind_all(id);
  for (;;) {
    auto next = pdus->step();
    REQUIRE(next.ok());
    if (!*next) return rows;
    rows.pdus.push_back(pdus->text(0));
  }
}

void check_whole(const Stored& rows) {
  CHECK(rows.text == kOtpText);
  REQUIRE(rows.pdus.size() == 2);
  for (const std::string& pdu : rows.pdus) CHECK(pdu.size() > 20);
}

void check_redacted(const Stored& rows) {
  CHECK(rows.text == mask_digits(kOtpText));
  CHECK(rows.text.find_first_of("0123456789") == std::string::npos);
  CHECK(rows.pdus == std::vector<std::string>{"", ""});
}

Claimed claim(Store& store, int64_t id, int64_t now) {
  auto claimed = store.claim(id, kModem, now);
  REQUIRE((claimed.ok() && claimed->has_value()));
  REQUIRE((*claimed)->parts.size() == 2);
  return std::move(**claimed);
}

void send_part(Store& store, const Part& part, int tp_mr, int64_t now) {
  REQUIRE(store.mark_part_submitting(part.id, kModem, now).ok());
  REQUIRE(store.mark_part_sent(part.id, tp_mr, now).ok());
}

}  // namespace

TEST_CASE("store otp redaction: whole while it is sent, redacted once it is sent") {
  TempDir dir;
  auto store = open_store(dir);
  int64_t id = submit_otp(*store, kT0);
  check_whole(stored(dir, id));

  Claimed claimed = claim(*store, id, kT0 + 1);
  send_part(*store, claimed.parts[0], 1, kT0 + 2);
  // Half sent: the second part's PDU is still needed.
  check_whole(stored(dir, id));

  send_part(*store, claimed.parts[1], 2, kT0 + 3);
  auto detail = store->get_message(id);
  REQUIRE((detail.ok() && detail->has_value()));
  CHECK((*detail)->message.status == MessageStatus::kSent);
  check_redacted(stored(dir, id));
  CHECK((*detail)->message.text == mask_digits(kOtpText));

  // A transactional message beside it keeps its text and PDUs.
  auto other = store->submit({composed(policy::Category::kTransactional, kOtpText, kT0)}, kT0);
  REQUIRE(other.ok());
  int64_t other_id = other->at(0).id;
  Claimed other_claimed = claim(*store, other_id, kT0 + 4);
  for (const Part& part : other_claimed.parts) send_part(*store, part, 3 + part.number, kT0 + 5);
  CHECK(store->get_message(other_id)->value().message.status == MessageStatus::kSent);
  check_whole(stored(dir, other_id));
}

TEST_CASE("store otp redaction: failed, expired and cancelled codes are redacted too") {
  TempDir dir;
  auto store = open_store(dir);

  int64_t failed = submit_otp(*store, kT0);
  Claimed claimed = claim(*store, failed, kT0 + 1);
  REQUIRE(store->mark_part_submitting(claimed.parts[0].id, kModem, kT0 + 2).ok());
  REQUIRE(store->mark_part_failed(claimed.parts[0].id, "+CMS ERROR: 38", kT0 + 3).ok());
  check_redacted(stored(dir, failed));

  int64_t given_up = submit_otp(*store, kT0);
  REQUIRE(store->fail_message(given_up, "no modem", kT0 + 4).ok());
  check_redacted(stored(dir, given_up));

  int64_t expired = submit_otp(*store, kT0);
  REQUIRE(store->expire_message(expired, kT0 + 6 * kMinute).ok());
  check_redacted(stored(dir, expired));

  int64_t cancelled = submit_otp(*store, kT0);
  REQUIRE(store->cancel_message(cancelled, "cancelled", kT0 + 5).ok());
  check_redacted(stored(dir, cancelled));

  // Released for a retry it is not final: kept whole to be sent again.
  int64_t retried = submit_otp(*store, kT0);
  claim(*store, retried, kT0 + 1);
  REQUIRE(store->release_message(retried, kT0 + 2, "modem gone", kT0 + 1).ok());
  check_whole(stored(dir, retried));
}

TEST_CASE("store otp redaction: an upgraded database redacts the codes already sent") {
  TempDir dir;
  {
    auto db = Connection::open(dir.db(), true);
    REQUIRE(db.ok());
    // The schema as it was before redaction.
    for (const Migration& migration : kMigrations) {
      if (migration.version >= 9) break;
      REQUIRE(db->exec(std::string(migration.sql).c_str()).ok());
    }
    REQUIRE(db->exec("INSERT INTO messages (id, recipient, text, category, status, created_at, "
                     "updated_at, encoding, part_count, due_at) VALUES "
                     "(1, '+491701234567', 'Your code is 482916', 'otp', 'delivered', 0, 0, "
                     "'gsm7', 1, 0), "
                     "(2, '+491701234567', 'Your code is 551204', 'otp', 'queued', 0, 0, "
                     "'gsm7', 1, 0), "
                     "(3, '+491701234567', 'Order 4711 shipped', 'transactional', 'sent', 0, 0, "
                     "'gsm7', 1, 0);"
                     "INSERT INTO parts (message_id, number, pdu_hex, tpdu_length, status) VALUES "
                     "(1, 1, '0011AA', 2, 'delivered'), (2, 1, '0011BB', 2, 'queued'), "
                     "(3, 1, '0011CC', 2, 'sent');")
                .ok());
  }
  auto store = open_store(dir);
  Stored sent = stored(dir, 1);
  CHECK(sent.text == "Your code is \u2022\u2022\u2022\u2022\u2022\u2022");
  CHECK(sent.pdus == std::vector<std::string>{""});
  Stored waiting = stored(dir, 2);  // still to be sent: whole
  CHECK(waiting.text == "Your code is 551204");
  CHECK(waiting.pdus == std::vector<std::string>{"0011BB"});
  Stored other = stored(dir, 3);
  CHECK(other.text == "Order 4711 shipped");
  CHECK(other.pdus == std::vector<std::string>{"0011CC"});
}

}  // namespace smsgate::store

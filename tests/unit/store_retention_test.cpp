// Retention and erasure (store/retention.h) remove exactly what they should: rows just
// outside the window go, rows just inside stay, messages that are not final and
// opt-outs are never touched, another number's rows are left alone, and every total
// that /metrics shows (rows left + what was deleted) stays what it was.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "store/sqlite.h"
#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
using namespace smsgate::store::testing;
namespace policy = smsgate::policy;

constexpr int64_t kT0 = 1'790'000'000'000;
constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kNow = kT0 + 200 * kDay;
constexpr int64_t kCutoff = kNow - 90 * kDay;  // what a 90-day window keeps: at or after this

const std::string kAnna = "+420601000001";
const std::string kBoris = "+420601000002";

int64_t submit_to(Store& store, const std::string& to, int64_t at) {
  NewMessage m;
  m.to = to;
  m.text = "Your appointment is tomorrow at 10:00";
  m.status_report = true;
  m.parts.push_back(NewPart{"00" + std::string(40, 'C'), 20});
  auto submitted = store.submit({m}, at);
  REQUIRE(submitted.ok());
  return (*submitted)[0].id;
}

// Claimed by "imei-1" at `at`; its one part is left submitting when `sent` is false.
int64_t send_to(Store& store, const std::string& to, int mr, int64_t at, bool sent = true) {
  int64_t id = submit_to(store, to, at);
  auto claimed = store.claim(id, "imei-1", at);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  int64_t part = (*claimed)->parts[0].id;
  REQUIRE(store.mark_part_submitting(part, "imei-1", at).ok());
  if (sent) REQUIRE(store.mark_part_sent(part, mr, at).ok());
  return id;
}

int64_t part_of(Store& store, int64_t message) {
  auto detail = store.get_message(message);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  return (*detail)->parts[0].id;
}

void report(Store& store, const std::string& to, int mr, int64_t at) {
  REQUIRE(store.record_status_report(StatusReportIn{"imei-1", mr, to, 0, at - 1000, at}).ok());
}

void receive(Store& store, const std::string& pdu, const std::string& from, int64_t at,
             std::optional<InboundPartIn::Concat> concat = std::nullopt) {
  InboundPartIn in;
  in.modem = "imei-1";
  in.pdu_hex = pdu;
  in.sender = from;
  in.text = "Yes";
  in.concat = concat;
  in.received_at = at;
  REQUIRE(store.record_inbound_part(in).ok());
}

// A raw look at the file, beside the store's own connections.
int64_t count(const TempDir& dir, const std::string& sql) {
  auto db = Connection::open(dir.db(), /*create=*/false);
  REQUIRE(db.ok());
  auto query = db->query(sql.c_str());
  REQUIRE_MESSAGE(query.ok(), (query.ok() ? "" : query.error().message));
  auto row = query->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return query->int64(0);
}

void run(const TempDir& dir, const std::string& sql) {
  auto db = Connection::open(dir.db(), /*create=*/false);
  REQUIRE(db.ok());
  auto done = db->exec(sql.c_str());
  REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error().message));
}

bool exists(Store& store, int64_t id) {
  auto detail = store.get_message(id);
  REQUIRE(detail.ok());
  return detail->has_value();
}

// Per status: messages in the store plus those deleted, as /metrics adds them up.
std::map<MessageStatus, int64_t> totals(Store& store) {
  auto counts = store.count_by_status();
  REQUIRE(counts.ok());
  auto deleted = store.deleted_totals();
  REQUIRE(deleted.ok());
  std::map<MessageStatus, int64_t> sum = *counts;
  for (const auto& [status, n] : deleted->messages) sum[status] += n;
  return sum;
}

PurgeCounts purge_all(Store& store, const RetentionCutoffs& cutoffs, int batch) {
  PurgeCounts total;
  for (int i = 0; i < 100; ++i) {
    auto purged = store.purge_old(cutoffs, batch);
    REQUIRE_MESSAGE(purged.ok(), (purged.ok() ? "" : purged.error().message));
    total.messages += purged->messages;
    total.inbound_messages += purged->inbound_messages;
    total.status_reports += purged->status_reports;
    total.webhook_events += purged->webhook_events;
    total.undecodable_pdus += purged->undecodable_pdus;
    total.logged_events += purged->logged_events;
    if (!purged->more) return total;
  }
  FAIL("purge_old never finished");
  return total;
}

}  // namespace

TEST_CASE("store retention: final messages and inbound past the window go, the rest stays") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->create_webhook("http://127.0.0.1:9/hook", {"*"}, "0123456789abcdef", kT0).ok());

  // Outbound: final just outside (deleted) and just inside (kept); old but not final.
  int64_t sent_outside = send_to(*store, kAnna, 1, kCutoff - 1);
  int64_t sent_inside = send_to(*store, kAnna, 2, kCutoff);
  int64_t delivered_outside = send_to(*store, kBoris, 3, kCutoff - 10 * kDay);
  report(*store, kBoris, 3, kCutoff - 10 * kDay + kMinute);
  int64_t delivered_report_inside = send_to(*store, kBoris, 4, kCutoff - 2 * kDay);
  report(*store, kBoris, 4, kCutoff + kMinute);  // delivered inside the window: kept
  int64_t cancelled_outside = submit_to(*store, kAnna, kCutoff - 5 * kDay);
  REQUIRE(store->cancel_message(cancelled_outside, "by staff", kCutoff - 2).ok());
  int64_t queued_ancient = submit_to(*store, kAnna, kT0);
  int64_t sending_ancient = send_to(*store, kBoris, 5, kT0, /*sent=*/false);
  // Status reports that matched nothing, either side of the cutoff.
  report(*store, "+420601999999", 200, kCutoff - 1);
  report(*store, "+420601999999", 201, kCutoff);
  // Inbound: one either side; a reply waiting for its second part stays (its message
  // is not complete, and the partial chore completes it first).
  receive(*store, "0A01", kAnna, kCutoff - 1);
  receive(*store, "0A02", kAnna, kCutoff);
  receive(*store, "0A03", kBoris, kCutoff - 50 * kDay, InboundPartIn::Concat{7, 1, 2});
  REQUIRE(store->record_undecodable_pdu("imei-1", "FF01", "truncated", kCutoff - 1).ok());
  REQUIRE(store->record_undecodable_pdu("imei-1", "FF02", "truncated", kCutoff).ok());
  REQUIRE(store->add_optout(kAnna, "STOP", kT0).ok());
  // Webhook events: delivered long ago, but one old event still waiting to be sent.
  run(dir, "UPDATE webhook_outbox SET delivered_at = created_at");
  run(dir,
      "UPDATE webhook_outbox SET delivered_at = NULL WHERE id = (SELECT max(id) FROM "
      "webhook_outbox WHERE created_at < " +
          std::to_string(kCutoff) + ")");
  int64_t events_before = count(dir, "SELECT count(*) FROM webhook_outbox");
  int64_t old_finished_events = count(
      dir, "SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NOT NULL AND created_at < " +
               std::to_string(kCutoff));
  REQUIRE(old_finished_events > 0);

  auto before = totals(*store);
  auto purged = purge_all(*store, {kCutoff, kCutoff}, /*batch=*/1);
  CHECK(purged.messages == 3);
  CHECK(purged.inbound_messages == 1);
  CHECK(purged.status_reports == 2);  // the old delivered message's, and the old unmatched one
  CHECK(purged.undecodable_pdus == 1);
  CHECK(purged.webhook_events == old_finished_events);

  CHECK_FALSE(exists(*store, sent_outside));
  CHECK_FALSE(exists(*store, delivered_outside));
  CHECK_FALSE(exists(*store, cancelled_outside));
  CHECK(exists(*store, sent_inside));
  CHECK(exists(*store, delivered_report_inside));
  CHECK(exists(*store, queued_ancient));
  CHECK(exists(*store, sending_ancient));
  // Nothing of the deleted messages is left behind.
  std::string gone = "(" + std::to_string(sent_outside) + "," + std::to_string(delivered_outside) +
                     "," + std::to_string(cancelled_outside) + ")";
  CHECK(count(dir, "SELECT count(*) FROM parts WHERE message_id IN " + gone) == 0);
  CHECK(count(dir, "SELECT count(*) FROM status_history WHERE message_id IN " + gone) == 0);
  CHECK(count(dir, "SELECT count(*) FROM status_reports") == 2);
  CHECK(count(dir, "SELECT count(*) FROM status_reports WHERE part_id IS NULL") == 1);
  CHECK(count(dir, "SELECT count(*) FROM inbound_messages") == 1);
  CHECK(count(dir, "SELECT count(*) FROM inbound_messages WHERE received_at = " +
                       std::to_string(kCutoff)) == 1);
  CHECK(count(dir, "SELECT count(*) FROM inbound_parts") == 2);  // the kept one, the waiting one
  CHECK(count(dir, "SELECT count(*) FROM inbound_parts WHERE inbound_message_id IS NULL") == 1);
  CHECK(count(dir, "SELECT count(*) FROM undecodable_pdus") == 1);
  CHECK(count(dir, "SELECT count(*) FROM optouts") == 1);
  CHECK(count(dir, "SELECT count(*) FROM webhook_outbox") == events_before - old_finished_events);
  CHECK(count(dir, "SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NULL") == 1);

  // Every total /metrics shows is what it was, and the tallies say what went.
  CHECK(totals(*store) == before);
  auto deleted = store->deleted_totals();
  REQUIRE(deleted.ok());
  CHECK(deleted->messages == std::map<MessageStatus, int64_t>{{MessageStatus::kSent, 1},
                                                              {MessageStatus::kDelivered, 1},
                                                              {MessageStatus::kCancelled, 1}});
  CHECK(deleted->rows.at("inbound_messages") == 1);
  CHECK(deleted->rows.at("status_reports") == 2);
  CHECK(deleted->rows.at("undecodable_pdus") == 1);

  // Again: nothing more goes.
  CHECK(purge_all(*store, {kCutoff, kCutoff}, 500) == PurgeCounts{});
}

TEST_CASE("store retention: no cutoff keeps everything; each cutoff covers its own kind") {
  TempDir dir;
  auto store = open_store(dir);
  int64_t sent = send_to(*store, kAnna, 1, kT0);
  receive(*store, "0B01", kAnna, kT0);
  CHECK(purge_all(*store, {}, 10) == PurgeCounts{});
  CHECK(exists(*store, sent));

  // Only inbound has a window: the old sent message stays.
  auto purged = purge_all(*store, {std::nullopt, kCutoff}, 10);
  CHECK(purged.inbound_messages == 1);
  CHECK(purged.messages == 0);
  CHECK(exists(*store, sent));
  purged = purge_all(*store, {kCutoff, std::nullopt}, 10);
  CHECK(purged.messages == 1);
  CHECK_FALSE(exists(*store, sent));
}

TEST_CASE("store erasure: everything about one number goes but the opt-out; others untouched") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->create_webhook("http://127.0.0.1:9/hook", {"*"}, "0123456789abcdef", kT0).ok());
  for (const std::string& number : {kAnna, kBoris}) {
    int mr = number == kAnna ? 10 : 20;
    send_to(*store, number, mr, kNow - kDay);
    report(*store, number, mr, kNow - kDay + kMinute);  // delivered
    send_to(*store, number, mr + 1, kNow - kDay);
    submit_to(*store, number, kNow);       // still waiting
    report(*store, number, mr + 5, kNow);  // matches nothing
    // Matches nothing either, the number written nationally by the network.
    report(*store, number == kAnna ? "0601000001" : "0601000002", mr + 6, kNow);
    receive(*store, number == kAnna ? "0C01" : "0D01", number, kNow - kDay);
    receive(*store, number == kAnna ? "0C02" : "0D02", number, kNow,
            InboundPartIn::Concat{9, 1, 2});  // waiting for its second part
    run(dir, "INSERT INTO otp_codes (recipient, code_hash, created_at, expires_at) VALUES ('" +
                 number + "', 'hash', " + std::to_string(kNow) + ", " +
                 std::to_string(kNow + kMinute) + ")");
  }
  REQUIRE(store->add_optout(kAnna, "STOP", kNow).ok());
  auto boris_rows = [&] {
    return std::vector<int64_t>{
        count(dir, "SELECT count(*) FROM messages WHERE recipient = '" + kBoris + "'"),
        count(dir, "SELECT count(*) FROM inbound_parts WHERE sender = '" + kBoris + "'"),
        count(dir, "SELECT count(*) FROM status_reports WHERE recipient = '" + kBoris + "'"),
        count(dir, "SELECT count(*) FROM status_reports WHERE recipient = '0601000002'"),
        count(dir, "SELECT count(*) FROM otp_codes WHERE recipient = '" + kBoris + "'"),
        count(dir, "SELECT count(*) FROM webhook_outbox WHERE body LIKE '%" + kBoris + "%'")};
  };
  auto boris_before = boris_rows();
  CHECK(boris_before == std::vector<int64_t>{3, 2, 2, 1, 1, 4});
  auto before = totals(*store);

  auto erased = store->erase_number(kAnna, kNow);
  REQUIRE_MESSAGE(erased.ok(), (erased.ok() ? "" : erased.error().message));
  CHECK(erased->messages == 3);
  CHECK(erased->cancelled == 1);
  CHECK(erased->inbound_messages == 1);
  CHECK(erased->status_reports == 3);
  CHECK(erased->otp_codes == 1);
  CHECK(erased->webhook_events == 4);  // sent twice, delivered once, inbound.received once
  // The event log's too: sending and sent twice, delivered, inbound.received, and the
  // waiting one cancelled by the erasure itself.
  CHECK(erased->logged_events == 7);
  CHECK(count(dir, "SELECT count(*) FROM event_log WHERE body LIKE '%" + kAnna + "%'") == 0);
  CHECK(count(dir, "SELECT count(*) FROM event_log WHERE body LIKE '%" + kBoris + "%'") == 6);
  CHECK(erased->opted_out);

  for (const char* table_and_column :
       {"messages WHERE recipient", "inbound_messages WHERE sender", "inbound_parts WHERE sender",
        "status_reports WHERE recipient", "otp_codes WHERE recipient"}) {
    CHECK_MESSAGE(count(dir, std::string("SELECT count(*) FROM ") + table_and_column + " = '" +
                                 kAnna + "'") == 0,
                  table_and_column);
  }
  CHECK(count(dir, "SELECT count(*) FROM webhook_outbox WHERE body LIKE '%" + kAnna + "%'") == 0);
  CHECK(count(dir, "SELECT count(*) FROM status_reports WHERE recipient = '0601000001'") == 0);
  CHECK(count(dir,
              "SELECT count(*) FROM status_history h WHERE NOT EXISTS "
              "(SELECT 1 FROM messages m WHERE m.id = h.message_id)") == 0);
  CHECK(count(dir,
              "SELECT count(*) FROM parts p WHERE NOT EXISTS "
              "(SELECT 1 FROM messages m WHERE m.id = p.message_id)") == 0);
  auto opted_out = store->is_opted_out(kAnna);
  REQUIRE(opted_out.ok());
  CHECK(*opted_out);
  CHECK(boris_rows() == boris_before);
  // The cancelled message counts as cancelled, then deleted: totals only grow by it.
  auto after = totals(*store);
  CHECK(after[MessageStatus::kCancelled] == before[MessageStatus::kCancelled] + 1);
  CHECK(after[MessageStatus::kQueued] == before[MessageStatus::kQueued] - 1);
  CHECK(after[MessageStatus::kSent] == before[MessageStatus::kSent]);
  CHECK(after[MessageStatus::kDelivered] == before[MessageStatus::kDelivered]);

  // A number with nothing: all zeros, not an error.
  auto nothing = store->erase_number("+420601000003", kNow);
  REQUIRE(nothing.ok());
  CHECK(*nothing == ErasureCounts{});
}

TEST_CASE("store erasure: a part on a modem right now: what waits is cancelled, the rest kept") {
  TempDir dir;
  auto store = open_store(dir);
  int64_t in_flight = send_to(*store, kAnna, 1, kNow, /*sent=*/false);
  int64_t waiting = submit_to(*store, kAnna, kNow);
  int64_t done = send_to(*store, kAnna, 2, kNow - kDay);

  auto refused = store->erase_number(kAnna, kNow);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == smsgate::ErrorCode::kNotCancellable);
  CHECK(refused.error().message.find("on a modem right now") != std::string::npos);
  CHECK(exists(*store, in_flight));
  CHECK(exists(*store, done));
  auto detail = store->get_message(waiting);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  CHECK((*detail)->message.status == MessageStatus::kCancelled);

  // The modem answers for the part in flight; then erasure takes everything.
  REQUIRE(store->mark_part_sent(part_of(*store, in_flight), 1, kNow + 1).ok());
  auto erased = store->erase_number(kAnna, kNow + 2);
  REQUIRE_MESSAGE(erased.ok(), (erased.ok() ? "" : erased.error().message));
  CHECK(erased->messages == 3);
  CHECK_FALSE(erased->opted_out);
  CHECK(count(dir, "SELECT count(*) FROM messages") == 0);
}

TEST_CASE("store retention: the event log keeps a day, deleted in batches") {
  TempDir dir;
  auto store = open_store(dir);
  const int64_t cutoff = kNow - kEventLogRetentionMs;
  // Five events just outside the day, three on its edge or inside.
  for (int i = 0; i < 5; ++i)
    REQUIRE(store->log_modem_state({"imei-1", "offline", "", ""}, cutoff - kMinute + i).ok());
  REQUIRE(store->log_modem_state({"imei-1", "ready", "", ""}, cutoff).ok());
  send_to(*store, kAnna, 1, kNow);  // message.sending, message.sent
  auto before = store->events_after(0, {}, 100);
  REQUIRE(before.ok());
  REQUIRE(before->size() == 8);

  RetentionCutoffs cutoffs;
  cutoffs.event_log_before = cutoff;
  auto first = store->purge_old(cutoffs, 2);
  REQUIRE(first.ok());
  CHECK(first->logged_events == 2);
  CHECK(first->more);
  PurgeCounts rest = purge_all(*store, cutoffs, 2);
  CHECK(rest.logged_events == 3);
  auto after = store->events_after(0, {}, 100);
  REQUIRE(after.ok());
  REQUIRE(after->size() == 3);
  CHECK(after->front().created_at == cutoff);
  // The newest id is kept, so a stream's ids go on from where they were.
  CHECK(after->back().id == before->back().id);
  // Messages and inbound are left to their own windows.
  CHECK(exists(*store, 1));
}

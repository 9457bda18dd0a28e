// What comes back: status reports matched to parts (multipart delivered and failed,
// unmatched kept), inbound PDUs deduplicated and reassembled across a reopen, partial
// messages after a timeout, reply linking within the window; opt-outs and modems.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"
#include "store_test_support.h"

namespace {

using namespace smsgate::store;
namespace policy = smsgate::policy;
using namespace smsgate::store::testing;

constexpr int64_t kT0 = 1'790'000'000'000;
constexpr int64_t kMinute = 60'000;

// Submits a message to `to` and sends all its parts on `modem`, TP-MR from
// `first_mr` upwards; returns the message id.
int64_t send_message(Store& store, const std::string& to, int parts, const std::string& modem,
                     int first_mr, int64_t at, bool expect_reply = false,
                     int64_t reply_window_ms = 0) {
  NewMessage m;
  m.to = to;
  m.text = "Reply YES to confirm";
  m.status_report = true;
  m.expect_reply = expect_reply;
  m.reply_window_ms = reply_window_ms;
  m.category = expect_reply ? policy::Category::kFeedback : policy::Category::kTransactional;
  for (int i = 0; i < parts; ++i) m.parts.push_back(NewPart{"00" + std::string(40, 'B'), 20});
  auto submitted = store.submit({m}, at);
  REQUIRE(submitted.ok());
  int64_t id = (*submitted)[0].id;
  auto claimed = store.claim(id, modem, at);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  for (size_t i = 0; i < (*claimed)->parts.size(); ++i) {
    int64_t part = (*claimed)->parts[i].id;
    REQUIRE(store.mark_part_submitting(part, modem, at).ok());
    REQUIRE(store.mark_part_sent(part, first_mr + static_cast<int>(i), at).ok());
  }
  return id;
}

MessageStatus status_of(Store& store, int64_t id) {
  auto detail = store.get_message(id);
  REQUIRE(detail.ok());
  REQUIRE(detail->has_value());
  return (*detail)->message.status;
}

StatusReportIn report(const std::string& modem, int mr, const std::string& recipient, int code,
                      int64_t at) {
  return StatusReportIn{modem, mr, recipient, code, at - 1000, at};
}

InboundPartIn inbound_part(const std::string& pdu, const std::string& sender,
                           const std::string& text, int ref, int part, int total, int64_t at) {
  InboundPartIn in = inbound(pdu, sender, text, at);
  in.concat = InboundPartIn::Concat{ref, part, total};
  return in;
}

}  // namespace

TEST_CASE("store: status reports deliver a multipart message when every part is delivered") {
  TempDir dir;
  auto store = open_store(dir);
  auto id = send_message(*store, "+420601000001", 2, "imei-1", 40, kT0);
  CHECK(status_of(*store, id) == MessageStatus::kSent);

  auto first = store->record_status_report(report("imei-1", 40, "+420601000001", 0, kT0 + kMinute));
  REQUIRE(first.ok());
  CHECK(first->part_id.has_value());
  CHECK_FALSE(first->change.has_value());
  CHECK(status_of(*store, id) == MessageStatus::kSent);

  // Pending (0x20..0x3F): noted, nothing changes.
  auto pending =
      store->record_status_report(report("imei-1", 41, "+420601000001", 0x21, kT0 + kMinute));
  REQUIRE(pending.ok());
  CHECK(pending->part_id.has_value());
  CHECK_FALSE(pending->change.has_value());

  // Networks may write the recipient nationally.
  auto second =
      store->record_status_report(report("imei-1", 41, "0601000001", 0, kT0 + 2 * kMinute));
  REQUIRE(second.ok());
  REQUIRE(second->change.has_value());
  CHECK(*second->change == StatusChange{id, MessageStatus::kDelivered, second->change->reason});
  auto detail = store->get_message(id);
  REQUIRE(detail.ok());
  CHECK((*detail)->parts[0].status == PartStatus::kDelivered);
  CHECK((*detail)->parts[1].report_status == 0);
  CHECK((*detail)->history.back().status == MessageStatus::kDelivered);
}

TEST_CASE("store: a permanent failure report fails the message") {
  TempDir dir;
  auto store = open_store(dir);
  auto id = send_message(*store, "+420601000001", 2, "imei-1", 7, kT0);
  auto failed =
      store->record_status_report(report("imei-1", 8, "+420601000001", 0x41, kT0 + kMinute));
  REQUIRE(failed.ok());
  REQUIRE(failed->change.has_value());
  CHECK(failed->change->status == MessageStatus::kFailed);
  CHECK(failed->change->reason.find("0x41") != std::string::npos);
  CHECK(status_of(*store, id) == MessageStatus::kFailed);
  // A later "delivered" for the other part does not bring it back.
  auto late = store->record_status_report(report("imei-1", 7, "+420601000001", 0, kT0 + kMinute));
  REQUIRE(late.ok());
  CHECK_FALSE(late->change.has_value());
  CHECK(status_of(*store, id) == MessageStatus::kFailed);
}

TEST_CASE("store: report matching uses modem, TP-MR, recipient and the time window") {
  TempDir dir;
  auto store = open_store(dir);
  // The same TP-MR twice on one modem (it wraps at 256): the most recent part wins.
  auto old_id = send_message(*store, "+420601000001", 1, "imei-1", 5, kT0);
  auto new_id = send_message(*store, "+420601000001", 1, "imei-1", 5, kT0 + 10 * kMinute);
  auto matched =
      store->record_status_report(report("imei-1", 5, "+420601000001", 0, kT0 + 11 * kMinute));
  REQUIRE(matched.ok());
  REQUIRE(matched->change.has_value());
  CHECK(matched->change->message_id == new_id);
  CHECK(status_of(*store, old_id) == MessageStatus::kSent);

  // Unmatched: another modem, another recipient, another reference, too late. Kept.
  for (auto r :
       {report("imei-2", 5, "+420601000001", 0, kT0 + 11 * kMinute),
        report("imei-1", 5, "+420601999999", 0, kT0 + 11 * kMinute),
        report("imei-1", 6, "+420601000001", 0, kT0 + 11 * kMinute),
        report("imei-1", 5, "+420601000001", 0, kT0 + 11 * kMinute + Store::kReportWindowMs)}) {
    auto unmatched = store->record_status_report(r);
    REQUIRE(unmatched.ok());
    CHECK_FALSE(unmatched->part_id.has_value());
    CHECK(unmatched->report_id > 0);
  }
  CHECK(status_of(*store, old_id) == MessageStatus::kSent);

  CHECK_FALSE(store->record_status_report(report("imei-1", 300, "+4206", 0, kT0)).ok());
  CHECK_FALSE(store->record_status_report(report("", 1, "+4206", 0, kT0)).ok());
}

TEST_CASE("store: an inbound PDU read twice is stored once") {
  TempDir dir;
  auto store = open_store(dir);
  auto first =
      store->record_inbound_part(inbound("07911326040000F0040B91", "+420601000001", "Hello", kT0));
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  REQUIRE(first->completed.has_value());
  CHECK(first->completed->text == "Hello");
  CHECK(first->completed->parts == 1);
  // Same PDU, different hex case: still the same.
  auto again = store->record_inbound_part(
      inbound("07911326040000f0040b91", "+420601000001", "Hello", kT0 + 5000));
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->part_id == first->part_id);
  CHECK_FALSE(again->completed.has_value());
  auto page = store->list_inbound({});
  REQUIRE(page.ok());
  CHECK(page->items.size() == 1);

  CHECK_FALSE(store->record_inbound_part(inbound("XYZ", "+4206", "x", kT0)).ok());
  CHECK_FALSE(store->record_inbound_part(inbound("00", "", "x", kT0)).ok());
  CHECK_FALSE(store->record_inbound_part(inbound_part("0011", "+4206", "x", 1, 3, 2, kT0)).ok());
}

TEST_CASE("store: multipart inbound is reassembled in part order across a reopen") {
  TempDir dir;
  {
    auto store = open_store(dir);
    auto third =
        store->record_inbound_part(inbound_part("AA03", "+420601000001", "three", 9, 3, 3, kT0));
    REQUIRE(third.ok());
    CHECK_FALSE(third->completed.has_value());
    auto first =
        store->record_inbound_part(inbound_part("AA01", "+420601000001", "one ", 9, 1, 3, kT0));
    REQUIRE(first.ok());
    CHECK_FALSE(first->completed.has_value());
    // Another sender's part with the same reference belongs to another message.
    auto other =
        store->record_inbound_part(inbound_part("BB02", "+420601000002", "x", 9, 2, 3, kT0));
    REQUIRE(other.ok());
    CHECK_FALSE(other->completed.has_value());
  }
  auto store = open_store(dir);
  auto second = store->record_inbound_part(
      inbound_part("AA02", "+420601000001", "two ", 9, 2, 3, kT0 + kMinute));
  REQUIRE(second.ok());
  REQUIRE(second->completed.has_value());
  CHECK(second->completed->text == "one two three");
  CHECK(second->completed->parts == 3);
  CHECK_FALSE(second->completed->partial);
  CHECK(second->completed->received_at == kT0 + kMinute);

  // The reference may be reused by a later message.
  auto reused =
      store->record_inbound_part(inbound_part("AA11", "+420601000001", "again", 9, 1, 1, kT0));
  REQUIRE(reused.ok());
  CHECK(reused->completed.has_value());
}

TEST_CASE("store: an incomplete multipart message becomes partial after the timeout") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(
      store->record_inbound_part(inbound_part("CC01", "+420601000001", "one ", 4, 1, 3, kT0)).ok());
  REQUIRE(store
              ->record_inbound_part(
                  inbound_part("CC03", "+420601000001", "three", 4, 3, 3, kT0 + kMinute))
              .ok());
  auto too_early = store->complete_partial_inbound(kT0 + 10 * kMinute, 60 * kMinute);
  REQUIRE(too_early.ok());
  CHECK(too_early->empty());
  auto done = store->complete_partial_inbound(kT0 + 60 * kMinute, 60 * kMinute);
  REQUIRE(done.ok());
  REQUIRE(done->size() == 1);
  CHECK((*done)[0].partial);
  CHECK((*done)[0].parts == 2);
  CHECK((*done)[0].text == "one three");
  auto again = store->complete_partial_inbound(kT0 + 120 * kMinute, 60 * kMinute);
  REQUIRE(again.ok());
  CHECK(again->empty());
  auto page = store->list_inbound({});
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].partial);
}

TEST_CASE("store: a reply links to the latest message expecting one, within its window") {
  TempDir dir;
  auto store = open_store(dir);
  const int64_t window = 24 * 60 * kMinute;
  auto older = send_message(*store, "+420601000001", 1, "imei-1", 1, kT0, true, window);
  auto newer = send_message(*store, "+420601000001", 1, "imei-1", 2, kT0 + kMinute, true, window);
  send_message(*store, "+420601000001", 1, "imei-1", 3, kT0 + 2 * kMinute);  // no reply wanted
  (void)older;

  auto reply = store->record_inbound_part(inbound("D1", "+420601000001", "YES", kT0 + 5 * kMinute));
  REQUIRE(reply.ok());
  REQUIRE(reply->completed.has_value());
  REQUIRE(reply->completed->in_reply_to.has_value());
  CHECK(reply->completed->in_reply_to->id == newer);
  CHECK(reply->completed->in_reply_to->category == policy::Category::kFeedback);

  // After the window: no link. Another number: no link.
  auto late =
      store->record_inbound_part(inbound("D2", "+420601000001", "yes", kT0 + kMinute + window + 1));
  REQUIRE(late.ok());
  CHECK_FALSE(late->completed->in_reply_to.has_value());
  auto stranger =
      store->record_inbound_part(inbound("D3", "+420601000009", "hi", kT0 + 5 * kMinute));
  REQUIRE(stranger.ok());
  CHECK_FALSE(stranger->completed->in_reply_to.has_value());

  InboundFilter filter;
  filter.from = "+420601000001";
  filter.limit = 1;
  auto page = store->list_inbound(filter);
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].text == "yes");
  REQUIRE(page->next_cursor.has_value());
  filter.cursor = *page->next_cursor;
  page = store->list_inbound(filter);
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  REQUIRE(page->items[0].in_reply_to.has_value());
  CHECK(page->items[0].in_reply_to->id == newer);
  CHECK_FALSE(page->next_cursor.has_value());
}

TEST_CASE("store: opt-outs") {
  TempDir dir;
  auto store = open_store(dir);
  CHECK_FALSE(*store->is_opted_out("+420601000001"));
  REQUIRE(store->add_optout("+420601000001", "STOP", kT0).ok());
  REQUIRE(store->add_optout("+420601000002", "api", kT0).ok());
  REQUIRE(store->add_optout("+420601000001", "STOP", kT0 + kMinute).ok());  // again: kept once
  CHECK(*store->is_opted_out("+420601000001"));
  auto list = store->list_optouts("", 10);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].at == kT0);
  auto after = store->list_optouts("+420601000001", 10);
  REQUIRE(after.ok());
  CHECK(after->size() == 1);
  CHECK(*store->remove_optout("+420601000001"));
  CHECK_FALSE(*store->remove_optout("+420601000001"));
  CHECK_FALSE(*store->is_opted_out("+420601000001"));
  CHECK_FALSE(store->add_optout("", "STOP", kT0).ok());
}

TEST_CASE("store: opt-outs of many numbers in one read") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->add_optout("+420601000002", "STOP", kT0).ok());
  REQUIRE(store->add_optout("+420601000004", "api", kT0).ok());
  auto none = store->are_opted_out({});
  REQUIRE(none.ok());
  CHECK(none->empty());
  // In the order asked, a number asked twice answered twice, odd characters harmless.
  auto answers = store->are_opted_out(
      {"+420601000001", "+420601000002", "+420601000004", "+420601000002", "\"'],["});
  REQUIRE(answers.ok());
  CHECK(*answers == std::vector<bool>{false, true, true, true, false});
}

TEST_CASE("store: modems are remembered by IMEI with counters") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->upsert_modem({"imei-1", "imsi", "iccid", "Huawei", "E3372"}, kT0).ok());
  REQUIRE(
      store->upsert_modem({"imei-1", "imsi2", "iccid2", "Huawei", "E3372"}, kT0 + kMinute).ok());
  send_message(*store, "+420601000001", 2, "imei-1", 1, kT0);
  REQUIRE(store->record_inbound_part(inbound("E1", "+420601000001", "hi", kT0)).ok());
  auto modems = store->list_modems();
  REQUIRE(modems.ok());
  REQUIRE(modems->size() == 1);
  const ModemRecord& m = (*modems)[0];
  CHECK(m.identity.imsi == "imsi2");
  CHECK(m.first_seen == kT0);
  CHECK(m.last_seen == kT0 + kMinute);
  CHECK(m.parts_sent == 2);
  CHECK(m.received == 1);
  CHECK_FALSE(store->upsert_modem({}, kT0).ok());
}

// The mail outbox and the forwarding rules in the store: due order, retries and
// setting aside, pages, counts, retention and erasure with the forwarded text.
#include <doctest/doctest.h>

#include "store_test_support.h"

namespace smsgate::store {
namespace {

using testing::open_store;
using testing::record_text;
using testing::TempDir;

constexpr int64_t kNow = 1'764'979'200'000;

NewMail mail_to(const std::string& to, const std::string& subject = "SMS from +628121234567") {
  NewMail mail;
  mail.to_address = to;
  mail.subject = subject;
  mail.body = "Can I come at 10?\n";
  mail.message_id = "id-" + to;
  return mail;
}

TEST_CASE("store mail: queued mail is due oldest first and read back whole") {
  TempDir dir;
  auto store = open_store(dir);
  NewMail threaded = mail_to("a@klinik.example");
  threaded.in_reply_to = "orig@practice.example";
  threaded.references = {"root@practice.example", "orig@practice.example"};
  auto first = store->enqueue_mails({threaded}, kNow);
  REQUIRE(first.ok());
  auto second = store->enqueue_mails({mail_to("b@klinik.example")}, kNow + 10);
  REQUIRE(second.ok());
  CHECK(*store->next_mail_due_at() == kNow);
  CHECK_FALSE(store->next_due_mail(kNow - 1)->has_value());

  auto due = store->next_due_mail(kNow + 10);
  REQUIRE(due.ok());
  REQUIRE(due->has_value());
  const MailRecord& record = **due;
  CHECK(record.id == first->at(0));
  CHECK(record.created_at == kNow);
  CHECK(record.mail.to_address == "a@klinik.example");
  CHECK(record.mail.subject == "SMS from +628121234567");
  CHECK(record.mail.body == "Can I come at 10?\n");
  CHECK(record.mail.message_id == "id-a@klinik.example");
  CHECK(record.mail.in_reply_to == "orig@practice.example");
  CHECK(record.mail.references ==
        std::vector<std::string>{"root@practice.example", "orig@practice.example"});
  CHECK(record.state == MailState::kWaiting);
  CHECK(record.attempts == 0);
  CHECK_FALSE(record.last_error.has_value());
}

TEST_CASE("store mail: a failed try waits for its retry, a refused one is set aside") {
  TempDir dir;
  auto store = open_store(dir);
  auto ids = store->enqueue_mails({mail_to("a@klinik.example"), mail_to("b@klinik.example")}, kNow);
  REQUIRE(ids.ok());
  const int64_t a = ids->at(0), b = ids->at(1);

  REQUIRE(store->record_mail_failure(a, "451 4.3.0 try later", kNow + 30'000, kNow).ok());
  // a waits for its retry; b goes first.
  CHECK((*store->next_due_mail(kNow))->id == b);
  REQUIRE(store->record_mail_failure(b, "550 5.1.1 no such user", std::nullopt, kNow).ok());
  CHECK_FALSE(store->next_due_mail(kNow)->has_value());
  CHECK(*store->next_mail_due_at() == kNow + 30'000);

  REQUIRE(store->record_mail_sent(a, kNow + 30'000).ok());
  auto sent = *store->find_mail(a);
  REQUIRE(sent.has_value());
  CHECK(sent->state == MailState::kSent);
  CHECK(sent->attempts == 2);
  CHECK(sent->sent_at == kNow + 30'000);
  CHECK_FALSE(sent->last_error.has_value());
  auto set_aside = *store->find_mail(b);
  CHECK(set_aside->state == MailState::kSetAside);
  CHECK(set_aside->attempts == 1);
  CHECK(set_aside->last_error == "550 5.1.1 no such user");
  CHECK_FALSE(store->next_mail_due_at()->has_value());
  CHECK(*store->count_mail() == MailCounts{0, 1, 1});

  // Only waiting mail moves on.
  CHECK_FALSE(store->record_mail_sent(b, kNow).ok());
  CHECK_FALSE(store->record_mail_failure(999, "x", std::nullopt, kNow).ok());
}

TEST_CASE("store mail: listed newest first, by state, in pages") {
  TempDir dir;
  auto store = open_store(dir);
  auto ids = store->enqueue_mails(
      {mail_to("a@x.example"), mail_to("b@x.example"), mail_to("c@x.example")}, kNow);
  REQUIRE(ids.ok());
  REQUIRE(store->record_mail_sent(ids->at(1), kNow).ok());
  auto page = store->list_mail({std::nullopt, 2, ""});
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 2);
  CHECK(page->items[0].id == ids->at(2));
  CHECK(page->items[1].id == ids->at(1));
  REQUIRE(page->next_cursor.has_value());
  auto rest = store->list_mail({std::nullopt, 2, *page->next_cursor});
  REQUIRE(rest->items.size() == 1);
  CHECK(rest->items[0].id == ids->at(0));
  CHECK_FALSE(rest->next_cursor.has_value());
  auto sent = store->list_mail({MailState::kSent, 50, ""});
  REQUIRE(sent->items.size() == 1);
  CHECK(sent->items[0].id == ids->at(1));
  CHECK_FALSE(store->list_mail({std::nullopt, 50, "m12"}).ok());
  CHECK(parse_mail_state("set_aside") == MailState::kSetAside);
  CHECK_FALSE(parse_mail_state("lost").has_value());
}

TEST_CASE("store mail: forwarding rules added, listed and removed") {
  TempDir dir;
  auto store = open_store(dir);
  auto added = store->add_forward(
      {0, "frontdesk@klinik.example", {"+628121234567"}, "SMS {number}", 0}, kNow);
  REQUIRE(added.ok());
  auto anyone = store->add_forward({0, "all@klinik.example", {}, "SMS from {number}", 0}, kNow);
  REQUIRE(anyone.ok());
  auto listed = store->list_forwards();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0] ==
        ForwardRecord{
            added->id, "frontdesk@klinik.example", {"+628121234567"}, "SMS {number}", kNow});
  CHECK((*listed)[1].from_numbers.empty());
  CHECK(*store->remove_forward(added->id));
  CHECK_FALSE(*store->remove_forward(added->id));
  CHECK(store->list_forwards()->size() == 1);
}

TEST_CASE("store mail: retention takes sent and set-aside mail, erasure the forwarded text's") {
  TempDir dir;
  auto store = open_store(dir);
  NewMail forwarded = mail_to("a@x.example");
  forwarded.inbound_id = record_text(*store, "00", "+628121234567", "Hello", kNow);
  auto ids =
      store->enqueue_mails({forwarded, mail_to("b@x.example"), mail_to("c@x.example")}, kNow);
  REQUIRE(ids.ok());
  REQUIRE(store->record_mail_sent(ids->at(1), kNow).ok());

  auto purged = store->purge_old({kNow + 1, std::nullopt}, 100);
  REQUIRE(purged.ok());
  CHECK(purged->mails == 1);  // the sent one; waiting mail stays however old
  CHECK(*store->count_mail() == MailCounts{2, 0, 0});

  auto erased = store->erase_number("+628121234567", kNow);
  REQUIRE(erased.ok());
  CHECK_FALSE(store->find_mail(ids->at(0))->has_value());
  CHECK(store->find_mail(ids->at(2))->has_value());
}

TEST_CASE("store mail: mail from the event log keeps the log's place with it") {
  TempDir dir;
  auto store = open_store(dir);
  const int64_t text = record_text(*store, "01", "+628121234567", "Hello", kNow);
  const int64_t logged = *store->latest_event_id();
  REQUIRE(logged > 0);
  // The first place is the newest event, and stays once set.
  CHECK(*store->start_mail_event_cursor() == logged);
  record_text(*store, "02", "+628120000000", "Hello", kNow + 1);
  CHECK(*store->start_mail_event_cursor() == logged);

  NewMail forwarded = mail_to("a@x.example");
  forwarded.inbound_id = text;
  NewMail gone = mail_to("b@x.example");
  gone.inbound_id = text + 100;  // a text no longer kept
  NewMail report = mail_to("c@x.example");
  report.outbound_id = 4242;  // nor is this message
  auto written = store->enqueue_mails_from_events({forwarded, gone, report}, logged + 1, kNow);
  REQUIRE(written.ok());
  CHECK(*written == 1);
  CHECK(*store->start_mail_event_cursor() == logged + 1);
  auto mails = store->list_mail({});
  REQUIRE(mails->items.size() == 1);
  CHECK(mails->items[0].mail.to_address == "a@x.example");
  CHECK(mails->items[0].mail.outbound_id == std::nullopt);
  // Nothing to mail still moves the place.
  REQUIRE(store->enqueue_mails_from_events({}, logged + 7, kNow).ok());
  CHECK(*store->start_mail_event_cursor() == logged + 7);
  // The plain enqueue refuses what it cannot keep, and writes none of the batch.
  auto refused = store->enqueue_mails({mail_to("d@x.example"), gone}, kNow);
  CHECK_FALSE(refused.ok());
  CHECK(store->count_mail()->waiting == 1);
}

}  // namespace
}  // namespace smsgate::store

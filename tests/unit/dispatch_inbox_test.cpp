// The Inbox (src/dispatch/inbox.h) against a real store in a temporary directory, no
// modems: received PDUs recorded or left on the modem, keywords, the observers,
// status reports matched, partial messages completed after their timeout.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dispatch/inbox.h"
#include "drivers/sim/sim_pdu.h"
#include "pdu/hex.h"
#include "pdu/utf.h"
#include "store/sqlite.h"
#include "store_test_support.h"

namespace smsgate::dispatch {
namespace {

using store::testing::open_store;
using store::testing::TempDir;

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int64_t kHour = 3600 * 1000;
const std::string kModem = "860000000000001";
const std::string kCustomer = "+4917012345678";

// As a modem gives them: no SMSC address ("00"), then the TPDU.
std::vector<std::string> deliver_pdus(const std::string& text, uint16_t concat_reference = 0) {
  auto code_points = pdu::utf8_to_code_points(text);
  REQUIRE(code_points.ok());
  sim::DeliverOptions options;
  options.concat_reference = concat_reference;
  auto tpdus =
      sim::encode_deliver_tpdus(kCustomer, *code_points, pdu::Timestamp{2027, 1, 14}, options);
  REQUIRE(tpdus.ok());
  std::vector<std::string> pdus;
  for (const auto& tpdu : *tpdus) pdus.push_back("00" + pdu::to_hex(tpdu));
  return pdus;
}

struct Fixture {
  explicit Fixture(const std::vector<std::string>& opt_out = {"STOP"}) {
    auto keywords = policy::KeywordMatcher::create(opt_out, {"START"});
    REQUIRE(keywords.ok());
    inbox = std::make_unique<Inbox>(
        *store, std::move(*keywords),
        Inbox::Observers{
            [this](const store::StatusChange& change) { changes.push_back(change); },
            [this](const store::InboundMessage& message) { messages.push_back(message); },
            [this](const store::InboundMessage& message, policy::KeywordKind keyword, int64_t) {
              // The opt-out is recorded before the answer is asked for.
              answered.push_back({message.text, keyword, opted_out()});
            },
            [this](const store::InboundMessage& message) {
              asked_appointments.push_back(message.text);
              return answers_appointment;
            }});
  }
  bool opted_out() {
    auto opted = store->is_opted_out(kCustomer);
    REQUIRE(opted.ok());
    return *opted;
  }

  TempDir dir;
  std::unique_ptr<store::Store> store = open_store(dir);
  std::unique_ptr<Inbox> inbox;
  std::vector<store::StatusChange> changes;
  std::vector<store::InboundMessage> messages;
  struct Answered {
    std::string text;
    policy::KeywordKind keyword;
    bool opted_out;
  };
  std::vector<Answered> answered;
  // What the appointments say of every text they are asked about.
  bool answers_appointment = false;
  std::vector<std::string> asked_appointments;
};

TEST_CASE("dispatch inbox: a text is stored, then the observer hears of it") {
  Fixture f;
  CHECK(f.inbox->record(kModem, deliver_pdus("See you at 10")[0], kT0));
  REQUIRE(f.messages.size() == 1);
  CHECK(f.messages[0].text == "See you at 10");
  CHECK(f.messages[0].from == kCustomer);
  CHECK(f.messages[0].modem == kModem);
  CHECK(f.messages[0].received_at == kT0);
  CHECK_FALSE(f.messages[0].partial);
  CHECK(f.inbox->counters().inbound_parts == 1);
  CHECK(f.inbox->counters().inbound_messages == 1);
  CHECK_FALSE(f.opted_out());

  // The same PDU read again (a modem that did not delete it): committed, so the modem
  // may delete it now, but no second message.
  CHECK(f.inbox->record(kModem, deliver_pdus("See you at 10")[0], kT0 + 1000));
  CHECK(f.messages.size() == 1);
  CHECK(f.inbox->counters().inbound_parts == 2);
  CHECK(f.inbox->counters().inbound_messages == 1);
}

TEST_CASE("dispatch inbox: STOP opts the sender out, START back in, new words on reload") {
  Fixture f;
  CHECK(f.inbox->record(kModem, deliver_pdus("Stop.")[0], kT0));
  CHECK(f.opted_out());
  CHECK(f.messages.size() == 1);  // a keyword is still a message staff may read
  CHECK(f.inbox->record(kModem, deliver_pdus("please don't stop")[0], kT0 + 1));
  CHECK(f.opted_out());
  CHECK(f.inbox->record(kModem, deliver_pdus(" start ")[0], kT0 + 2));
  CHECK_FALSE(f.opted_out());
  // Each text is handed to the automatic answer with its keyword, after it applied.
  REQUIRE(f.answered.size() == 3);
  CHECK(f.answered[0].keyword == policy::KeywordKind::kOptOut);
  CHECK(f.answered[0].opted_out);
  CHECK(f.answered[1].keyword == policy::KeywordKind::kNone);
  CHECK(f.answered[2].text == " start ");
  CHECK(f.answered[2].keyword == policy::KeywordKind::kOptIn);
  CHECK_FALSE(f.answered[2].opted_out);

  auto french = policy::KeywordMatcher::create({"ARRÊT"}, {"START"});
  REQUIRE(french.ok());
  f.inbox->set_keywords(std::move(*french));
  CHECK(f.inbox->record(kModem, deliver_pdus("STOP")[0], kT0 + 3));
  CHECK_FALSE(f.opted_out());
  CHECK(f.inbox->record(kModem, deliver_pdus("arrêt")[0], kT0 + 4));
  CHECK(f.opted_out());
}

TEST_CASE("dispatch inbox: CANCEL answering an appointment is that answer, not an opt-out") {
  Fixture f({"STOP", "UNSUBSCRIBE", "CANCEL"});
  f.answers_appointment = true;
  CHECK(f.inbox->record(kModem, deliver_pdus("Cancel")[0], kT0));
  CHECK_FALSE(f.opted_out());
  REQUIRE(f.answered.size() == 1);
  CHECK(f.answered[0].keyword == policy::KeywordKind::kNone);
  CHECK(f.messages.size() == 1);  // the appointments still hear of it, and decline
  // STOP is never taken for an answer, even where it would be one.
  CHECK(f.inbox->record(kModem, deliver_pdus("STOP!")[0], kT0 + 1));
  CHECK(f.opted_out());
  CHECK(f.answered.back().keyword == policy::KeywordKind::kOptOut);
  CHECK(f.asked_appointments == std::vector<std::string>{"Cancel"});
  CHECK(f.inbox->record(kModem, deliver_pdus("START")[0], kT0 + 2));
  // CANCEL that answers no appointment opts out, as any opt-out word.
  f.answers_appointment = false;
  CHECK(f.inbox->record(kModem, deliver_pdus("CANCEL")[0], kT0 + 3));
  CHECK(f.opted_out());
  CHECK(f.answered.back().keyword == policy::KeywordKind::kOptOut);
  // Texts that are no opt-out word are not asked about.
  CHECK(f.inbox->record(kModem, deliver_pdus("yes")[0], kT0 + 4));
  CHECK(f.asked_appointments == std::vector<std::string>{"Cancel", "CANCEL"});
}

TEST_CASE("dispatch inbox: a multipart text waits for its parts, or is kept as partial") {
  Fixture f;
  const std::vector<std::string> whole = deliver_pdus(std::string(300, 'a'), 7);
  REQUIRE(whole.size() == 2);
  CHECK(f.inbox->record(kModem, whole[0], kT0));
  CHECK(f.messages.empty());
  CHECK(f.inbox->record(kModem, whole[1], kT0 + 1000));
  REQUIRE(f.messages.size() == 1);
  CHECK(f.messages[0].text == std::string(300, 'a'));
  CHECK(f.messages[0].parts == 2);

  const std::vector<std::string> torn = deliver_pdus(std::string(300, 'b'), 8);
  CHECK(f.inbox->record(kModem, torn[0], kT0));
  f.inbox->complete_partial(kT0 + 23 * kHour, 24 * kHour);
  CHECK(f.messages.size() == 1);
  f.inbox->complete_partial(kT0 + 25 * kHour, 24 * kHour);
  REQUIRE(f.messages.size() == 2);
  CHECK(f.messages[1].partial);
  CHECK(f.messages[1].parts == 1);
  CHECK(f.messages[1].text == std::string(153, 'b'));
  CHECK(f.inbox->counters().inbound_parts == 3);
  CHECK(f.inbox->counters().inbound_messages == 2);
}

TEST_CASE("dispatch inbox: a status report moves its message; an unmatched one is kept") {
  Fixture f;
  store::NewMessage message;
  message.to = kCustomer;
  message.text = "Your order shipped";
  message.status_report = true;
  message.parts.push_back(store::NewPart{"00" + std::string(40, 'B'), 20});
  auto submitted = f.store->submit({message}, kT0);
  REQUIRE(submitted.ok());
  const int64_t id = (*submitted)[0].id;
  auto claimed = f.store->claim(id, kModem, kT0);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  const int64_t part = (*claimed)->parts[0].id;
  REQUIRE(f.store->mark_part_submitting(part, kModem, kT0).ok());
  REQUIRE(f.store->mark_part_sent(part, 42, kT0).ok());

  auto report = [](uint8_t reference, uint8_t status) {
    const pdu::Timestamp at{2027, 1, 14, 12};
    auto tpdu = sim::encode_status_report_tpdu(reference, kCustomer, at, at, status);
    REQUIRE(tpdu.ok());
    return "00" + pdu::to_hex(*tpdu);
  };
  CHECK(f.inbox->record(kModem, report(99, 0), kT0 + 1000));  // matches nothing
  CHECK(f.changes.empty());
  CHECK(f.inbox->record(kModem, report(42, 0), kT0 + 2000));  // delivered
  REQUIRE(f.changes.size() == 1);
  CHECK(f.changes[0].message_id == id);
  CHECK(f.changes[0].status == store::MessageStatus::kDelivered);
  CHECK(f.inbox->counters().status_reports == 2);
  CHECK(f.messages.empty());
}

TEST_CASE("dispatch inbox: what does not decode is kept as it came and leaves the modem") {
  Fixture f;
  const std::string cut = deliver_pdus("cut short")[0].substr(0, 20);
  CHECK(f.inbox->record(kModem, "not hex", kT0));
  CHECK(f.inbox->record(kModem, cut, kT0 + 1));
  CHECK(f.inbox->counters().undecodable_pdus == 2);
  CHECK(f.inbox->counters().inbound_parts == 0);
  CHECK(f.messages.empty());
  // Kept in the database with the modem, the bytes and why.
  auto db = store::Connection::open(f.dir.db(), false);
  REQUIRE(db.ok());
  auto q = db->query("SELECT modem, pdu_hex, error, received_at FROM undecodable_pdus ORDER BY id");
  REQUIRE(q.ok());
  std::vector<std::string> kept;
  while (true) {
    auto row = q->step();
    REQUIRE(row.ok());
    if (!*row) break;
    CHECK(q->text(0) == kModem);
    CHECK_FALSE(q->text(2).empty());
    kept.push_back(q->text(1));
  }
  CHECK(kept == std::vector<std::string>{"not hex", cut});
}

TEST_CASE("dispatch inbox: a draft saved on the SIM stays on the modem") {
  Fixture f;
  // An SMS-SUBMIT somebody saved on the SIM (TS 23.040 9.2.2.2): not ours to delete.
  CHECK_FALSE(f.inbox->record(kModem, "0011000B916407281553F80000AA0AE8329BFD4697D9EC37", kT0));
  CHECK(f.inbox->counters().undecodable_pdus == 0);
  CHECK(f.inbox->counters().inbound_parts == 0);
  CHECK(f.messages.empty());
}

}  // namespace
}  // namespace smsgate::dispatch

// The queue end to end: store → dispatcher → modem workers → simulated modems on ptys,
// and back (status reports, inbound). Outcomes are asserted in the store and on the
// simulated network; nothing here measures time.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "drivers/sim/sim_pdu.h"
#include "integration/gateway_harness.h"
#include "pdu/decode.h"
#include "pdu/hex.h"
#include "pdu/utf.h"
#include "store/sqlite.h"

namespace smsgate::testing {
namespace {

using store::MessageStatus;

std::string number(int i) { return "+49170" + std::to_string(1000000 + i); }

}  // namespace

TEST_CASE("dispatch: many messages over several modems, each sent exactly once") {
  std::vector<sim::SimConfig> modems(3);
  for (auto& m : modems) m.cmgs_latency = 20ms;
  Gateway gateway(modems);
  std::vector<int64_t> ids;
  for (int i = 0; i < 60; ++i) {
    ids.push_back(gateway.submit(number(i), "Your appointment #" + std::to_string(i)));
  }
  for (int64_t id : ids) REQUIRE(gateway.wait_status(id, MessageStatus::kSent));
  auto sent = gateway.sent();
  CHECK(sent.size() == 60);
  std::multiset<std::string> texts;
  for (const auto& part : sent) texts.insert(part.text);
  for (int i = 0; i < 60; ++i) {
    CHECK(texts.count("Your appointment #" + std::to_string(i)) == 1);
  }
  // The work was spread: every modem sent some.
  for (size_t m = 0; m < 3; ++m) {
    CHECK(gateway.sims().with(m, [](sim::SimModem& s, auto) { return s.sent().size(); }) > 0);
  }
  // Every part records its modem and TP-MR; the history tells the story.
  auto detail = gateway.message(ids[0]);
  REQUIRE(detail.parts.size() == 1);
  CHECK(detail.parts[0].tp_mr.has_value());
  CHECK(detail.parts[0].modem.has_value());
  REQUIRE(detail.history.size() >= 3);
  CHECK(detail.history.front().status == MessageStatus::kQueued);
  CHECK(detail.history.back().status == MessageStatus::kSent);
}

TEST_CASE("dispatch: OTP goes before what was queued earlier") {
  sim::SimConfig slow;
  slow.cmgs_latency = 100ms;
  Gateway gateway({slow});
  std::vector<int64_t> bulk;
  for (int i = 0; i < 8; ++i) {
    bulk.push_back(gateway.submit(number(i), "newsletter " + std::to_string(i),
                                  [](auto& r) { r.category = policy::Category::kMarketing; }));
  }
  int64_t otp = gateway.submit(number(99), "Your code is 123456",
                               [](auto& r) { r.category = policy::Category::kOtp; });
  REQUIRE(gateway.wait_status(otp, MessageStatus::kSent));
  for (int64_t id : bulk) REQUIRE(gateway.wait_status(id, MessageStatus::kSent));
  auto sent = gateway.sent();
  size_t otp_position = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    if (sent[i].text == "Your code is 123456") otp_position = i;
  }
  // At most the part in flight when it arrived (and one claimed) went before it.
  CHECK(otp_position <= 2);
}

TEST_CASE("dispatch: a multipart message goes out in order on one modem and is delivered") {
  Gateway gateway(2);
  for (size_t m = 0; m < 2; ++m) {
    gateway.sims().with(m, [](sim::SimModem& s, auto) {
      s.set_auto_status_reports(sim::SimModem::AutoStatusReports{0, 30ms});
    });
  }
  std::string text(400, 'y');
  int64_t id = gateway.submit(number(1), text, [](auto& r) { r.status_report = true; });
  REQUIRE(gateway.wait_status(id, MessageStatus::kDelivered));
  auto detail = gateway.message(id);
  REQUIRE(detail.parts.size() == 3);
  for (const auto& part : detail.parts) {
    CHECK(part.status == store::PartStatus::kDelivered);
    CHECK(part.modem == detail.parts[0].modem);
  }
  auto sent = gateway.sent();
  REQUIRE(sent.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    REQUIRE(sent[i].concat);
    CHECK(sent[i].concat->part == i + 1);
  }
}

TEST_CASE("dispatch: a failed status report fails the message with its meaning") {
  Gateway gateway(1);
  // TP-ST 0x41: incompatible destination, permanent (TS 23.040 9.2.3.15).
  gateway.sims().with(0, [](sim::SimModem& s, auto) {
    s.set_auto_status_reports(sim::SimModem::AutoStatusReports{0x41, 30ms});
  });
  int64_t id = gateway.submit(number(1), "x", [](auto& r) { r.status_report = true; });
  REQUIRE(gateway.wait_status(id, MessageStatus::kFailed));
  CHECK(gateway.message(id).message.failure_reason.has_value());
}

TEST_CASE("dispatch: temporary errors are retried until the part goes") {
  Gateway gateway(1);
  gateway.sims().with(0, [](sim::SimModem& s, auto) { s.fail_next_sends(2, 38); });
  int64_t id = gateway.submit(number(1), "retry me");
  REQUIRE(gateway.wait_status(id, MessageStatus::kSent));
  auto detail = gateway.message(id);
  CHECK(detail.message.attempts == 2);
  CHECK(gateway.sent().size() == 1);
  int released = 0;
  for (const auto& entry : detail.history) {
    if (entry.status == MessageStatus::kQueued && entry.reason.find("38") != std::string::npos) {
      ++released;
    }
  }
  CHECK(released == 2);
}

TEST_CASE("dispatch: a permanent error fails the message at once") {
  Gateway gateway(2);
  for (size_t m = 0; m < 2; ++m) {
    gateway.sims().with(m, [](sim::SimModem& s, auto) { s.fail_next_sends(1, 1); });
  }
  int64_t id = gateway.submit(number(1), "to nowhere");
  REQUIRE(gateway.wait_status(id, MessageStatus::kFailed));
  auto detail = gateway.message(id);
  CHECK(detail.message.attempts == 0);
  REQUIRE(detail.message.failure_reason);
  CHECK(detail.message.failure_reason->find("unassigned") != std::string::npos);
}

TEST_CASE("dispatch: retries stop after max_attempts") {
  auto options = Gateway::fast_options();
  options.retry.max_attempts = 3;
  Gateway gateway({sim::SimConfig{}}, options);
  gateway.sims().with(0, [](sim::SimModem& s, auto) { s.fail_next_sends(100, 38); });
  int64_t id = gateway.submit(number(1), "never");
  REQUIRE(gateway.wait_status(id, MessageStatus::kFailed));
  CHECK(gateway.message(id).message.failure_reason->find("3 attempts") != std::string::npos);
}

TEST_CASE("dispatch: when a modem hangs mid-queue the others take its work") {
  std::vector<sim::SimConfig> modems(2);
  for (auto& m : modems) m.cmgs_latency = 50ms;
  Gateway gateway(modems);
  std::vector<int64_t> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(gateway.submit(number(i), "m" + std::to_string(i)));
  REQUIRE(gateway.wait_until([&] { return gateway.sent().size() >= 4; }));
  gateway.sims().with(0, [](sim::SimModem& s, auto) { s.set_hung(true); });
  for (int64_t id : ids) REQUIRE(gateway.wait_status(id, MessageStatus::kSent));
  std::map<std::string, int> copies;
  for (const auto& part : gateway.sent()) ++copies[part.text];
  int duplicates = 0;
  for (int i = 0; i < 30; ++i) {
    int n = copies["m" + std::to_string(i)];
    CHECK(n >= 1);
    duplicates += n - 1;
  }
  // At most the one part that was in flight on the hung modem went twice.
  CHECK(duplicates <= 1);
}

TEST_CASE("dispatch: an expired message is not sent") {
  ManualClock clock(1'800'000'000'000);
  Gateway gateway({sim::SimConfig{}}, Gateway::fast_options(), &clock);
  gateway.dispatcher().stop(false);  // hold the queue while time passes
  int64_t late =
      gateway.submit(number(1), "Your table is ready", [](auto& r) { r.ttl_ms = 60'000; });
  int64_t fine =
      gateway.submit(number(2), "Your order shipped", [](auto& r) { r.ttl_ms = 3'600'000; });
  clock.advance(120'000);
  gateway.stop();
  gateway.start();
  REQUIRE(gateway.wait_status(late, MessageStatus::kExpired));
  REQUIRE(gateway.wait_status(fine, MessageStatus::kSent));
  CHECK(gateway.sent().size() == 1);
}

TEST_CASE("dispatch: a part sent late carries what is left of its TTL as validity") {
  ManualClock clock(1'800'000'000'000);
  Gateway gateway({sim::SimConfig{}}, Gateway::fast_options(), &clock);
  gateway.dispatcher().stop(false);
  int64_t id = gateway.submit("+4917012345678", "see you at noon",
                              [](auto& r) { r.ttl_ms = 3 * 3600 * 1000; });
  clock.advance(2 * 3600 * 1000 + 30 * 60 * 1000);  // 30 minutes of the TTL left
  gateway.stop();
  gateway.start();
  REQUIRE(gateway.wait_status(id, MessageStatus::kSent));
  auto sent = gateway.sent();
  REQUIRE(sent.size() == 1);
  auto octets = pdu::from_hex(sent[0].pdu_hex);
  REQUIRE(octets.ok());
  auto decoded = pdu::decode_pdu(*octets, true);
  REQUIRE(decoded.ok());
  CHECK(std::get<pdu::Submit>(decoded->tpdu).validity_minutes == 30);
}

TEST_CASE("dispatch: quiet hours hold reminders, not transactional messages") {
  // 22:00 UTC (day 20834 since the epoch); quiet 21:00-08:00 in UTC.
  ManualClock clock(1'800'136'800'000);
  auto options = Gateway::fast_options();
  options.quiet_hours = policy::QuietWindow{21 * 60, 8 * 60};
  Gateway gateway({sim::SimConfig{}}, options, &clock);
  int64_t reminder = gateway.submit(number(1), "Reminder: dentist tomorrow",
                                    [](auto& r) { r.category = policy::Category::kReminder; });
  int64_t shipped = gateway.submit(number(2), "Your order shipped");
  REQUIRE(gateway.wait_status(shipped, MessageStatus::kSent));
  REQUIRE(gateway.wait_status(reminder, MessageStatus::kScheduled));
  auto held = gateway.message(reminder).message;
  REQUIRE(held.send_at);
  auto local = policy::TimeZone::utc().local(*held.send_at);
  CHECK(local.millis_of_day == 8 * 3600 * 1000);
  CHECK(gateway.sent().size() == 1);
  clock.set(*held.send_at + 1000);
  gateway.dispatcher().wake();
  REQUIRE(gateway.wait_status(reminder, MessageStatus::kSent));
}

TEST_CASE("dispatch: STOP opts the sender out of everything but OTP; START back in") {
  Gateway gateway(1);
  const std::string customer = "+491709999999";
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    REQUIRE(s.deliver({.from = customer, .text = "Stop."}, now).ok());
  });
  REQUIRE(gateway.wait_until([&] { return *gateway.store().is_opted_out(customer); }));
  int64_t marketing =
      gateway.submit(customer, "Sale!", [](auto& r) { r.category = policy::Category::kMarketing; });
  int64_t otp =
      gateway.submit(customer, "Code 4711", [](auto& r) { r.category = policy::Category::kOtp; });
  REQUIRE(gateway.wait_status(marketing, MessageStatus::kFailed));
  CHECK(gateway.message(marketing).message.failure_reason == "recipient opted out");
  REQUIRE(gateway.wait_status(otp, MessageStatus::kSent));
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    REQUIRE(s.deliver({.from = customer, .text = "START"}, now).ok());
  });
  REQUIRE(gateway.wait_until([&] { return !*gateway.store().is_opted_out(customer); }));
  // Stored inbound messages were deleted from the SIM once committed.
  REQUIRE(gateway.wait_until([&] {
    return gateway.sims().with(0, [](sim::SimModem& s, auto) { return s.stored("SM").empty(); });
  }));
}

TEST_CASE("dispatch: a multipart inbound message is reassembled across a restart") {
  Gateway gateway(1);
  std::string text = std::string(200, 'a') + std::string(100, 'b');
  auto code_points = pdu::utf8_to_code_points(text);
  REQUIRE(code_points.ok());
  sim::DeliverOptions options;
  options.concat_reference = 42;
  auto tpdus =
      sim::encode_deliver_tpdus("+4917055555", *code_points, pdu::Timestamp{2026, 11, 23}, options);
  REQUIRE(tpdus.ok());
  REQUIRE(tpdus->size() == 2);
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    REQUIRE(s.deliver_tpdu((*tpdus)[0], sim::Routing::kPerCnmi, now).ok());
  });
  // Read (perhaps twice: the start-up listing and the +CMTI), stored, deleted.
  REQUIRE(gateway.wait_until([&] {
    return gateway.dispatcher().counters().inbound_parts >= 1 &&
           gateway.sims().with(0, [](sim::SimModem& s, auto) { return s.stored("SM").empty(); });
  }));
  gateway.stop();
  gateway.start();
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    REQUIRE(s.deliver_tpdu((*tpdus)[1], sim::Routing::kPerCnmi, now).ok());
  });
  store::Page<store::InboundMessage> page;
  REQUIRE(gateway.wait_until([&] {
    auto listed = gateway.store().list_inbound({});
    if (!listed.ok() || listed->items.empty()) return false;
    page = *listed;
    return true;
  }));
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].text == text);
  CHECK(page.items[0].parts == 2);
  CHECK_FALSE(page.items[0].partial);
  CHECK(page.items[0].from == "+4917055555");
}

TEST_CASE("dispatch: a reply is linked to the message that expected it") {
  Gateway gateway(1);
  const std::string patient = "+4917012345678";
  int64_t asked = gateway.submit(patient, "How was your visit? Reply 1-10", [](auto& r) {
    r.category = policy::Category::kFeedback;
    r.external_id = "visit-77";
  });
  REQUIRE(gateway.wait_status(asked, MessageStatus::kSent));
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    REQUIRE(s.deliver({.from = patient, .text = "9"}, now).ok());
  });
  store::InboundMessage reply;
  REQUIRE(gateway.wait_until([&] {
    auto listed = gateway.store().list_inbound({});
    if (!listed.ok() || listed->items.empty()) return false;
    reply = listed->items[0];
    return true;
  }));
  REQUIRE(reply.in_reply_to);
  CHECK(reply.in_reply_to->id == asked);
  CHECK(reply.in_reply_to->external_id == "visit-77");
  CHECK(reply.in_reply_to->category == policy::Category::kFeedback);
}

TEST_CASE("dispatch: a duplicate PDU read twice is stored once") {
  Gateway gateway(1);
  // Delivered, then the same PDU again (a modem that did not delete it, read anew).
  auto code_points = pdu::utf8_to_code_points("once");
  REQUIRE(code_points.ok());
  auto tpdus =
      sim::encode_deliver_tpdus("+4917066666", *code_points, pdu::Timestamp{2026, 11, 23}, {});
  REQUIRE(tpdus.ok());
  for (int i = 0; i < 2; ++i) {
    uint64_t before = gateway.dispatcher().counters().inbound_parts;
    gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
      REQUIRE(s.deliver_tpdu((*tpdus)[0], sim::Routing::kPerCnmi, now).ok());
    });
    REQUIRE(gateway.wait_until([&] {
      return gateway.dispatcher().counters().inbound_parts > before &&
             gateway.sims().with(0, [](sim::SimModem& s, auto) { return s.stored("SM").empty(); });
    }));
  }
  CHECK(gateway.dispatcher().counters().inbound_messages == 1);
  auto listed = gateway.store().list_inbound({});
  REQUIRE(listed.ok());
  CHECK(listed->items.size() == 1);
}

}  // namespace smsgate::testing

namespace smsgate::testing {

TEST_CASE("dispatch: a message pinned to a modem is retried there, not left waiting") {
  Gateway gateway(2);
  std::string first_modem = sim::numbered_config(0).imei;
  gateway.sims().with(0, [](sim::SimModem& s, auto) { s.fail_next_sends(1, 38); });
  int64_t id = gateway.submit("+4917012345678", "pinned", [&](auto& r) { r.modem = first_modem; });
  REQUIRE(gateway.wait_status(id, store::MessageStatus::kSent));
  CHECK(gateway.message(id).parts[0].modem == first_modem);
}

TEST_CASE("dispatch: a refusal that may be the SIM's is tried on another modem first") {
  Gateway gateway(2);
  // Modem 0's SIM is barred (+CMS ERROR: 8, operator determined barring).
  gateway.sims().with(0, [](sim::SimModem& s, auto) { s.fail_next_sends(1000, 8); });
  // Both ready first: with only the barred modem up, "another modem" does not exist yet.
  REQUIRE(gateway.wait_ready(2));
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(gateway.submit("+49170" + std::to_string(2000000 + i), "hello"));
  }
  for (int64_t id : ids) REQUIRE(gateway.wait_status(id, store::MessageStatus::kSent));
  for (int64_t id : ids) {
    CHECK(gateway.message(id).parts[0].modem == sim::numbered_config(1).imei);
  }
}

TEST_CASE("dispatch: refused as barred by every modem, the message fails") {
  Gateway gateway(2);
  for (size_t m = 0; m < 2; ++m) {
    gateway.sims().with(m, [](sim::SimModem& s, auto) { s.fail_next_sends(1000, 8); });
  }
  int64_t id = gateway.submit("+4917012345678", "barred everywhere");
  REQUIRE(gateway.wait_status(id, store::MessageStatus::kFailed));
  CHECK(gateway.message(id).message.failure_reason->find("barring") != std::string::npos);
}

}  // namespace smsgate::testing

namespace smsgate::testing {

TEST_CASE("dispatch: a modem's rate limit holds the next message until the minute allows") {
  ManualClock clock(1'800'000'000'000);
  auto options = Gateway::fast_options();
  options.default_limits = policy::RateLimits{1, 0};  // one per minute
  Gateway gateway({sim::SimConfig{}}, options, &clock);
  int64_t first = gateway.submit("+4917012345678", "first");
  int64_t second = gateway.submit("+4917012345679", "second");
  REQUIRE(gateway.wait_status(first, store::MessageStatus::kSent));
  // The clock stands still: the second waits however long we look.
  std::this_thread::sleep_for(500ms);
  CHECK(gateway.message(second).message.status == store::MessageStatus::kQueued);
  CHECK(gateway.sent().size() == 1);
  clock.advance(61'000);
  gateway.dispatcher().wake();
  REQUIRE(gateway.wait_status(second, store::MessageStatus::kSent));
}

TEST_CASE("dispatch: a multipart inbound message missing a part is kept as partial") {
  ManualClock clock(1'800'000'000'000);
  Gateway gateway({sim::SimConfig{}}, Gateway::fast_options(), &clock);
  auto code_points = pdu::utf8_to_code_points(std::string(300, 'p'));
  REQUIRE(code_points.ok());
  sim::DeliverOptions options;
  options.concat_reference = 9;
  auto tpdus =
      sim::encode_deliver_tpdus("+4917077777", *code_points, pdu::Timestamp{2026, 11, 23}, options);
  REQUIRE(tpdus.ok());
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    REQUIRE(s.deliver_tpdu((*tpdus)[0], sim::Routing::kPerCnmi, now).ok());
  });
  REQUIRE(gateway.wait_until([&] { return gateway.dispatcher().counters().inbound_parts >= 1; }));
  CHECK(gateway.store().list_inbound({})->items.empty());
  clock.advance(25LL * 3600 * 1000);  // past the 24 h the second part had
  gateway.dispatcher().wake();
  store::InboundMessage partial;
  REQUIRE(gateway.wait_until([&] {
    gateway.dispatcher().wake();
    auto listed = gateway.store().list_inbound({});
    if (!listed.ok() || listed->items.empty()) return false;
    partial = listed->items[0];
    return true;
  }));
  CHECK(partial.partial);
  CHECK(partial.parts == 1);
  CHECK(partial.text == std::string(153, 'p'));
}

}  // namespace smsgate::testing

namespace smsgate::testing {

TEST_CASE("dispatch: numbers with a routed prefix go through their modem") {
  auto options = Gateway::fast_options();
  // A route names a modem by its [[modem]] name, its port or its id (the IMEI).
  options.routes = {policy::Route{"+4930", sim::numbered_config(1).imei}};
  Gateway gateway(std::vector<sim::SimConfig>(2), options);
  // Both up first: while the routed modem is away, any modem may take its numbers.
  REQUIRE(gateway.wait_until([&] {
    for (int i = 0; i < 2; ++i) {
      auto status = gateway.pool().status(sim::numbered_config(i).imei);
      if (!status || status->state != modem::State::kReady) return false;
    }
    return true;
  }));
  std::vector<int64_t> berlin;
  for (int i = 0; i < 6; ++i) {
    berlin.push_back(
        gateway.submit("+49301234567" + std::to_string(i), "Berlin " + std::to_string(i)));
  }
  for (int64_t id : berlin) REQUIRE(gateway.wait_status(id, store::MessageStatus::kSent));
  for (int64_t id : berlin) {
    CHECK(gateway.message(id).parts[0].modem == sim::numbered_config(1).imei);
  }
}

namespace {

// Whether `modem`'s accepted parts hold all of `text` to `to`, as one concatenated
// message (one reference, every part once) or as a single SMS: what a phone shows whole.
bool whole_at(const std::vector<sim::SentMessage>& sent, const std::string& to,
              const std::string& text) {
  std::map<int, std::map<int, std::string>> by_reference;  // reference -> part -> text
  std::map<int, int> totals;
  for (const sim::SentMessage& part : sent) {
    if (part.to != to) continue;
    if (!part.concat) {
      if (part.text == text) return true;
      continue;
    }
    by_reference[part.concat->reference][part.concat->part] = part.text;
    totals[part.concat->reference] = part.concat->total;
  }
  for (const auto& [reference, parts] : by_reference) {
    if (static_cast<int>(parts.size()) != totals[reference]) continue;
    std::string joined;
    int expected = 1;
    for (const auto& [number, piece] : parts) {
      if (number != expected++) break;
      joined += piece;
    }
    if (joined == text) return true;
  }
  return false;
}

// Waits until modem `m` has just sent the first part of a long message, its next part
// still to go.
bool wait_mid_message(Gateway& gateway, size_t m) {
  return gateway.wait_until([&] {
    return gateway.sims().with(m, [](sim::SimModem& s, auto) {
      const auto sent = s.sent();
      return !sent.empty() && sent.back().concat && sent.back().concat->part == 1;
    });
  });
}

}  // namespace

TEST_CASE("dispatch: a long message reaches the phone whole from one modem, through faults") {
  std::vector<sim::SimConfig> modems(4);
  for (auto& m : modems) m.cmgs_latency = 5ms;
  auto options = Gateway::fast_options();
  options.retry.max_attempts = 100;  // every message goes in the end; the test is how
  Gateway gateway(modems, options);
  std::vector<std::pair<int64_t, std::string>> messages;  // id, text
  for (int i = 0; i < 200; ++i) {
    std::string text = "Message " + std::to_string(i) + ": ";
    text += i % 3 == 0 ? "short" : std::string(200 + i, static_cast<char>('a' + i % 26));
    messages.emplace_back(gateway.submit(number(i), text), text);
  }
  // Temporary refusals in the middle of long messages, on every modem in turn; then one
  // modem hangs and another is unplugged, each just after a first part.
  for (size_t m = 0; m < 4; ++m) {
    REQUIRE(wait_mid_message(gateway, m));
    gateway.sims().with(m, [](sim::SimModem& s, auto) { s.fail_next_sends(2, 38); });
  }
  REQUIRE(wait_mid_message(gateway, 1));
  gateway.sims().with(1, [](sim::SimModem& s, auto) { s.set_hung(true); });
  REQUIRE(wait_mid_message(gateway, 2));
  REQUIRE(gateway.sims().bank->unplug(2).ok());
  REQUIRE(wait_mid_message(gateway, 3));
  gateway.sims().with(3, [](sim::SimModem& s, auto) { s.fail_next_sends(1, 38); });

  for (const auto& [id, text] : messages) REQUIRE(gateway.wait_status(id, MessageStatus::kSent));
  std::vector<std::vector<sim::SentMessage>> sent;
  for (size_t m = 0; m < 4; ++m) {
    sent.push_back(gateway.sims().with(m, [](sim::SimModem& s, auto) { return s.sent(); }));
  }
  int moved = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const int64_t id = messages[i].first;
    const std::string& text = messages[i].second;
    CAPTURE(i);
    const bool whole = std::any_of(sent.begin(), sent.end(), [&](const auto& at) {
      return whole_at(at, number(static_cast<int>(i)), text);
    });
    CHECK(whole);
    // The store says which modem sent it: that one sent every part.
    const store::MessageDetail detail = gateway.message(id);
    for (const store::Part& part : detail.parts) {
      CHECK(part.status == store::PartStatus::kSent);
      CHECK(part.modem == detail.parts[0].modem);
    }
    for (const store::HistoryEntry& entry : detail.history) {
      if (entry.reason.starts_with("sent again whole")) ++moved;
    }
  }
  // The faults hit long messages part-way: some had to go again whole.
  CHECK(moved > 0);
}

TEST_CASE("dispatch: rate_per_minute spaces parts evenly on the modem, a long message's together") {
  auto options = Gateway::fast_options();
  options.default_limits = policy::RateLimits{300, 0};  // 200 ms apart
  Gateway gateway({sim::SimConfig{}}, options);
  std::vector<int64_t> ids;
  ids.push_back(gateway.submit(number(1), std::string(300, 'l')));  // 2 parts
  for (int i = 2; i < 7; ++i) ids.push_back(gateway.submit(number(i), "m" + std::to_string(i)));
  for (int64_t id : ids) REQUIRE(gateway.wait_status(id, MessageStatus::kSent));
  const auto sent = gateway.sims().with(0, [](sim::SimModem& s, auto) { return s.sent(); });
  REQUIRE(sent.size() == 7);
  REQUIRE(sent[0].concat);
  REQUIRE(sent[1].concat);
  // Each message waits for the time of every part before it: never a burst. Part i
  // (the long message's two parts share its start) has its slot i * 200 ms after the
  // first; measured from the first, one late acceptance cannot shrink a later gap.
  auto since_first = [&](size_t i) { return sent[i].accepted_at - sent[0].accepted_at; };
  for (size_t i = 2; i < sent.size(); ++i) {
    CAPTURE(i);
    CHECK(since_first(i) >= static_cast<int>(i) * 200ms - 30ms);
  }
}

TEST_CASE("dispatch: a modem's daily limit counts the sends of the day across a restart") {
  ManualClock clock(1'800'000'000'000);
  auto options = Gateway::fast_options();
  options.default_limits = policy::RateLimits{0, 2};
  Gateway gateway({sim::SimConfig{}}, options, &clock);
  int64_t first = gateway.submit(number(1), "one");
  int64_t second = gateway.submit(number(2), "two");
  REQUIRE(gateway.wait_status(first, MessageStatus::kSent));
  REQUIRE(gateway.wait_status(second, MessageStatus::kSent));
  gateway.stop();
  gateway.start();
  int64_t third = gateway.submit(number(3), "three");
  // The day's two were counted from the store: the third waits for tomorrow.
  std::this_thread::sleep_for(500ms);
  CHECK(gateway.message(third).message.status == MessageStatus::kQueued);
  CHECK(gateway.sent().size() == 2);
  clock.advance(17LL * 3600 * 1000);  // 08:00 UTC to 01:00 the next day, within its TTL
  gateway.dispatcher().wake();
  REQUIRE(gateway.wait_status(third, MessageStatus::kSent));
}

TEST_CASE("dispatch: a SIM full of PDUs that do not decode is emptied into the database") {
  sim::SimConfig small;
  small.sim_capacity = 5;
  small.me_capacity = 5;
  Gateway gateway({small});
  gateway.stop();
  // Garbage where a phone's texts should be, filling the storage while no one listens.
  const std::vector<std::vector<uint8_t>> garbage = {
      {0x04}, {0x04, 0xFF, 0xFF}, {0x00, 0x0B, 0x91}, {0x04, 0x02, 0x81}, {0x44, 0x00}};
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    for (const auto& tpdu : garbage) REQUIRE(s.deliver_tpdu(tpdu, sim::Routing::kStore, now).ok());
    CHECK(s.stored("SM").size() + s.stored("ME").size() == garbage.size());
    s.inject("\r\n\x01\x7f\xfe garbage ^SMMEMFULL: \"SM\"\r\n");
  });
  gateway.start();
  gateway.sims().with(0, [](sim::SimModem& s, auto) { s.inject("\r\n\x02\xff\x80\r\n"); });
  REQUIRE(gateway.wait_until([&] {
    return gateway.sims().with(
        0, [](sim::SimModem& s, auto) { return s.stored("SM").empty() && s.stored("ME").empty(); });
  }));
  // Each kept as it came, with why.
  auto db = store::Connection::open(gateway.db_path(), false);
  REQUIRE(db.ok());
  auto q = db->query("SELECT COUNT(*), COUNT(DISTINCT pdu_hex) FROM undecodable_pdus");
  REQUIRE(q.ok());
  auto row = q->step();
  REQUIRE(row.ok());
  CHECK(q->int64(0) == static_cast<int64_t>(garbage.size()));
  CHECK(q->int64(1) == static_cast<int64_t>(garbage.size()));
  // And the modem receives again.
  gateway.sims().with(0, [](sim::SimModem& s, auto now) {
    REQUIRE(s.deliver({.from = "+4917055555", .text = "still here"}, now).ok());
  });
  REQUIRE(gateway.wait_until([&] {
    auto listed = gateway.store().list_inbound({});
    return listed.ok() && listed->items.size() == 1 && listed->items[0].text == "still here";
  }));
}

TEST_CASE("dispatch: a modem's storage use is read with its health, full when it is") {
  sim::SimConfig small;
  small.sim_capacity = 3;
  small.me_capacity = 3;
  Gateway gateway({small});
  // Drafts somebody saved (SMS-SUBMIT): not the gateway's to delete, so they stay.
  const std::string draft_hex = "11000B916407281553F80000AA0AE8329BFD4697D9EC37";
  auto draft = pdu::from_hex(draft_hex);
  REQUIRE(draft.ok());
  gateway.sims().with(0, [&](sim::SimModem& s, auto now) {
    for (int i = 0; i < 3; ++i) REQUIRE(s.deliver_tpdu(*draft, sim::Routing::kStore, now).ok());
  });
  std::optional<modem::StorageUsage> seen;
  REQUIRE(gateway.wait_until([&] {
    for (const std::string& id : gateway.pool().modems()) {
      auto status = gateway.pool().status(id);
      if (status && status->health.storage_full()) seen = status->health.message_storage;
    }
    return seen.has_value();
  }));
  CHECK(seen->used == 3);
  CHECK(seen->total == 3);
}

TEST_CASE("dispatch: a full disk stops nothing for good: once writes work, every message is sent") {
  std::vector<sim::SimConfig> modems(2);
  for (auto& m : modems) m.cmgs_latency = 20ms;
  Gateway gateway(modems);
  std::vector<int64_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(gateway.submit(number(i), std::string(300, 'd')));
  // The disk fills while the parts go out: what the database still has room for is
  // taken by other work (scheduled for tomorrow), so the dispatcher's writes fail.
  REQUIRE(gateway.wait_until([&] { return !gateway.sent().empty(); }));
  REQUIRE(gateway.store().freeze_size(true).ok());
  bool full = false;
  for (int i = 0; i < 100000 && !full; ++i) {
    dispatch::OutgoingRequest filler;
    filler.to = number(1000 + i);
    filler.text = std::string(static_cast<size_t>(std::max(1, 150 - i / 20)), 'f');
    filler.send_at = SystemClock().now() + 24LL * 3600 * 1000;
    auto message = dispatch::compose_message(filler, SystemClock().now(), 1);
    REQUIRE(message.ok());
    auto submitted = gateway.store().submit({std::move(*message)}, SystemClock().now());
    if (!submitted) {
      CHECK(submitted.error().code == ErrorCode::kStorageUnavailable);
      full = filler.text.size() == 1;  // not even the smallest message fits
    }
  }
  REQUIRE(full);
  // The dispatcher's own writes are refused, and it stops claiming.
  REQUIRE(gateway.wait_until([&] { return gateway.dispatcher().counters().store_faults > 0; }));
  std::this_thread::sleep_for(500ms);
  auto counts = gateway.store().count_by_status();
  REQUIRE(counts.ok());
  CHECK((*counts)[MessageStatus::kSent] < 20);  // held up by the full disk
  REQUIRE(gateway.store().freeze_size(false).ok());
  // No restart: every message goes, whole, and nothing is left sending.
  for (int64_t id : ids) REQUIRE(gateway.wait_status(id, MessageStatus::kSent));
  for (int64_t id : ids) {
    for (const store::Part& part : gateway.message(id).parts) {
      CHECK(part.status == store::PartStatus::kSent);
    }
  }
  REQUIRE(gateway.wait_until([&] {
    auto now = gateway.store().count_by_status();
    return now.ok() && (*now)[MessageStatus::kSending] == 0;
  }));
  // The fault path let them go: what the store could not record was settled.
  CHECK(gateway.dispatcher().counters().store_recoveries >= 1);
}

}  // namespace smsgate::testing

// ModemWorker against simulated modems on real pseudo-terminals: start-up, sending,
// receiving (stored, direct, multipart, drained on start), status reports, and each
// fault the simulator can play: refused sends, wrong PIN, a hang, an unplug, a lost
// network. Every test waits for an outcome (never a fixed time) and asserts it.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "integration/modem_harness.h"
#include "pdu/decode.h"
#include "pdu/hex.h"
#include "pdu/planner.h"
#include "pdu/submit.h"
#include "pdu/utf.h"

namespace smsgate::testing {
namespace {

using modem::ModemWorker;
using modem::SendOutcome;
using modem::State;

std::vector<modem::SendRequest> parts_for(const std::string& to, const std::string& text,
                                          bool status_report = false, uint64_t first_id = 1) {
  auto code_points = pdu::utf8_to_code_points(text);
  REQUIRE(code_points.ok());
  auto plan = pdu::plan_text(*code_points, {});
  REQUIRE(plan.ok());
  pdu::SubmitOptions options;
  options.status_report = status_report;
  options.concat_reference = 77;
  auto pdus = pdu::encode_submit(to, *plan, options);
  REQUIRE(pdus.ok());
  std::vector<modem::SendRequest> requests;
  for (const pdu::SubmitPdu& part : *pdus) {
    modem::SendRequest request;
    request.id = first_id + requests.size();
    request.pdu_hex = pdu::to_hex(part.octets);
    request.tpdu_length = static_cast<int>(part.tpdu_length());
    request.more_to_follow = part.part < part.parts;
    requests.push_back(request);
  }
  return requests;
}

// Hands `request` over as soon as the worker takes it.
void send_when_idle(ModemWorker& worker, const modem::SendRequest& request) {
  REQUIRE_MESSAGE(wait_until([&] { return worker.try_send(request); }),
                  "the worker never took the part");
}

pdu::DecodedPdu decode(const std::string& hex) {
  auto octets = pdu::from_hex(hex);
  REQUIRE(octets.ok());
  auto decoded = pdu::decode_pdu(*octets, true);
  REQUIRE_MESSAGE(decoded.ok(), (decoded.ok() ? "" : decoded.error().message));
  return *decoded;
}

std::string text_of(const pdu::Deliver& deliver) {
  return pdu::code_points_to_utf8(deliver.user_data.text);
}

}  // namespace

TEST_CASE("modem worker: starts, identifies the modem and reads its health") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  REQUIRE(recorder.wait([](const Recorder& r) {
    return !r.statuses_locked().empty() && r.statuses_locked().back().health_checked;
  }));
  modem::ModemStatus status = worker.status();
  CHECK(status.identity.manufacturer == "smsgate");
  CHECK(status.identity.model == "SIM-1");
  CHECK(status.identity.imei == "356938035643809");
  CHECK(status.identity.imsi == "001010123456789");
  CHECK(status.identity.iccid == "8949000000000000001");
  CHECK(status.family == "generic");
  CHECK(status.health.rssi == 20);
  CHECK(status.health.dbm == -73);
  CHECK(status.health.registered());
  CHECK(status.health.operator_name == "SimNet");
  // The worker set the modem up as the generic driver says.
  sims.with(0, [](sim::SimModem& m, auto) {
    CHECK_FALSE(m.echo());
    CHECK(m.cmee() == 1);
    CHECK(m.cnmi().mt == 1);
    CHECK(m.cnmi().ds == 1);
  });
}

TEST_CASE("modem worker: sends a part and reports its message reference") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  auto parts = parts_for("+4917012345678", "Your appointment is at 10:15 tomorrow.");
  REQUIRE(parts.size() == 1);
  send_when_idle(worker, parts[0]);
  REQUIRE(recorder.wait([](const Recorder& r) { return r.outcomes_locked().size() == 1; }));
  SendOutcome outcome = recorder.outcomes()[0];
  CHECK(outcome.id == 1);
  CHECK(outcome.kind == SendOutcome::Kind::kSent);
  auto sent = sims.with(0, [](sim::SimModem& m, auto) { return m.sent(); });
  REQUIRE(sent.size() == 1);
  CHECK(outcome.reference == sent[0].reference);
  CHECK(sent[0].to == "+4917012345678");
  CHECK(sent[0].text == "Your appointment is at 10:15 tomorrow.");
  CHECK(worker.status().parts_sent == 1);
}

TEST_CASE("modem worker: the parts of a long message go out in order") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  std::string text(400, 'x');
  auto parts = parts_for("+4917012345678", text);
  REQUIRE(parts.size() == 3);
  for (size_t i = 0; i < parts.size(); ++i) {
    send_when_idle(worker, parts[i]);
    REQUIRE(recorder.wait([&](const Recorder& r) { return r.outcomes_locked().size() == i + 1; }));
  }
  auto sent = sims.with(0, [](sim::SimModem& m, auto) { return m.sent(); });
  REQUIRE(sent.size() == 3);
  std::string joined;
  for (size_t i = 0; i < sent.size(); ++i) {
    REQUIRE(sent[i].concat);
    CHECK(sent[i].concat->part == i + 1);
    CHECK(sent[i].concat->total == 3);
    joined += sent[i].text;
  }
  CHECK(joined == text);
  // The link to the SMSC was kept open between the parts.
  CHECK(sims.with(0, [](sim::SimModem& m, auto) { return m.more_messages_mode(); }) == 1);
  for (const SendOutcome& outcome : recorder.outcomes()) {
    CHECK(outcome.kind == SendOutcome::Kind::kSent);
  }
}

TEST_CASE("modem worker: a refused part is classified, and the modem stays ready") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  // 38 network out of order: temporary; 21 short message transfer rejected... the
  // classes come from at::classify, tested on its own; here the worker passes them on.
  sims.with(0, [](sim::SimModem& m, auto) { m.fail_next_sends(1, 38); });
  auto parts = parts_for("+4917012345678", "Payment reminder");
  send_when_idle(worker, parts[0]);
  REQUIRE(recorder.wait([](const Recorder& r) { return r.outcomes_locked().size() == 1; }));
  SendOutcome refused = recorder.outcomes()[0];
  CHECK(refused.kind == SendOutcome::Kind::kRefused);
  REQUIRE(refused.error_class);
  CHECK(*refused.error_class == at::ErrorClass::kTemporary);
  CHECK(refused.detail.find("38") != std::string::npos);
  // The next part goes through on the same modem.
  parts[0].id = 2;
  send_when_idle(worker, parts[0]);
  REQUIRE(recorder.wait([](const Recorder& r) { return r.outcomes_locked().size() == 2; }));
  CHECK(recorder.outcomes()[1].kind == SendOutcome::Kind::kSent);
  CHECK(worker.status().state == State::kReady);
}

TEST_CASE("modem worker: a refusal that blames the modem makes it look at the modem again") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  size_t before = recorder.statuses().size();
  // 310: SIM not inserted (TS 27.005 clause 3.2.5).
  sims.with(0, [](sim::SimModem& m, auto) { m.fail_next_sends(1, 310); });
  send_when_idle(worker, parts_for("+4917012345678", "x")[0]);
  REQUIRE(recorder.wait([](const Recorder& r) { return r.outcomes_locked().size() == 1; }));
  CHECK(recorder.outcomes()[0].error_class == at::ErrorClass::kModemBroken);
  // Probed again; the SIM is there after all, so it is ready again.
  REQUIRE(recorder.wait([&](const Recorder& r) {
    const auto& s = r.statuses_locked();
    bool probed = std::any_of(s.begin() + static_cast<std::ptrdiff_t>(before), s.end(),
                              [](const auto& status) { return status.state == State::kProbing; });
    return probed && s.back().state == State::kReady;
  }));
}

TEST_CASE("modem worker: an inbound SMS is handed over and deleted only once confirmed") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  sims.with(0, [](sim::SimModem& m, auto now) {
    REQUIRE(m.deliver({.from = "+4917099999", .text = "Yes, 10:15 is fine"}, now).ok());
  });
  REQUIRE(recorder.wait([](const Recorder& r) { return r.received_locked().size() == 1; }));
  modem::Received received = recorder.received()[0];
  REQUIRE(received.stored);
  auto decoded = decode(received.pdu_hex);
  auto* deliver = std::get_if<pdu::Deliver>(&decoded.tpdu);
  REQUIRE(deliver);
  CHECK(deliver->from == "+4917099999");
  CHECK(text_of(*deliver) == "Yes, 10:15 is fine");
  // Not confirmed: still on the SIM.
  CHECK(sims.with(0, [](sim::SimModem& m, auto) { return m.stored("SM").size(); }) == 1);
  worker.confirm_stored(*received.stored);
  REQUIRE(wait_until([&] {
    return sims.with(0, [](sim::SimModem& m, auto) { return m.stored("SM").size(); }) == 0;
  }));
}

TEST_CASE("modem worker: a late confirmation does not delete a newer message in the slot") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  auto stored_count = [&] {
    return sims.with(0, [](sim::SimModem& m, auto) { return m.stored("SM").size(); });
  };
  auto wait_stored = [&](size_t n) { REQUIRE(wait_until([&] { return stored_count() == n; })); };
  sims.with(0, [](sim::SimModem& m, auto now) {
    REQUIRE(m.deliver({.from = "+4917011111", .text = "first"}, now).ok());
  });
  REQUIRE(recorder.wait([](const Recorder& r) { return r.received_locked().size() >= 1; }));
  modem::StoredKey first = *recorder.received()[0].stored;
  worker.confirm_stored(first);
  wait_stored(0);
  // A new message takes the freed slot; the old confirmation comes again, late.
  sims.with(0, [](sim::SimModem& m, auto now) {
    REQUIRE(m.deliver({.from = "+4917022222", .text = "second"}, now).ok());
  });
  REQUIRE(recorder.wait([&](const Recorder& r) {
    for (const auto& received : r.received_locked()) {
      if (received.pdu_hex != first.pdu_hex) return true;
    }
    return false;
  }));
  worker.confirm_stored(first);
  std::this_thread::sleep_for(300ms);
  CHECK(stored_count() == 1);
  for (const auto& received : recorder.received()) {
    if (received.pdu_hex != first.pdu_hex) worker.confirm_stored(*received.stored);
  }
  wait_stored(0);
}

TEST_CASE("modem worker: messages stored while it was away are drained on start") {
  SimModems sims;
  sims.with(0, [](sim::SimModem& m, auto now) {
    REQUIRE(m.deliver({.from = "+4917011111", .text = "first"}, now).ok());
    REQUIRE(m.deliver({.from = "+4917022222", .text = "second"}, now).ok());
    m.take_output();  // the +CMTI nobody heard
  });
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait([](const Recorder& r) { return r.received_locked().size() >= 2; }));
  std::map<std::string, std::string> texts;
  for (const modem::Received& received : recorder.received()) {
    auto decoded = decode(received.pdu_hex);
    auto& deliver = std::get<pdu::Deliver>(decoded.tpdu);
    texts[deliver.from] = text_of(deliver);
    CHECK(received.stored);
  }
  CHECK(texts["+4917011111"] == "first");
  CHECK(texts["+4917022222"] == "second");
}

TEST_CASE("modem worker: multipart inbound, GSM-7 and UCS-2, direct and stored") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  std::string long_gsm7(300, 'a');
  std::string long_ucs2;
  for (int i = 0; i < 90; ++i) long_ucs2 += "ü€ж";  // Cyrillic forces UCS-2
  sims.with(0, [&](sim::SimModem& m, auto now) {
    REQUIRE(m.deliver({.from = "+4917033333", .text = long_gsm7, .concat_reference = 5}, now).ok());
    REQUIRE(m.deliver({.from = "+4917044444",
                       .text = long_ucs2,
                       .routing = sim::Routing::kDirect,
                       .concat_reference = 6},
                      now)
                .ok());
  });
  // 300 GSM-7 characters: 2 parts of 153; 270 UCS-2 characters: 5 parts of 67.
  REQUIRE(recorder.wait([](const Recorder& r) { return r.received_locked().size() == 7; }));
  std::map<std::string, std::map<int, std::string>> parts;
  for (const modem::Received& received : recorder.received()) {
    auto decoded = decode(received.pdu_hex);
    auto& deliver = std::get<pdu::Deliver>(decoded.tpdu);
    REQUIRE(deliver.user_data.concat);
    parts[deliver.from][deliver.user_data.concat->part] = text_of(deliver);
    CHECK(received.stored.has_value() == (deliver.from == "+4917033333"));
  }
  auto joined = [](const std::map<int, std::string>& by_part) {
    std::string text;
    for (const auto& [number, piece] : by_part) text += piece;
    return text;
  };
  CHECK(joined(parts["+4917033333"]) == long_gsm7);
  CHECK(joined(parts["+4917044444"]) == long_ucs2);
}

TEST_CASE("modem worker: status reports for sent parts arrive as SMS-STATUS-REPORTs") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  sims.with(0, [](sim::SimModem& m, auto) {
    m.set_auto_status_reports(sim::SimModem::AutoStatusReports{0, std::chrono::milliseconds(50)});
  });
  auto parts = parts_for("+4917012345678", "Your order has shipped", true);
  send_when_idle(worker, parts[0]);
  REQUIRE(recorder.wait([](const Recorder& r) {
    return r.outcomes_locked().size() == 1 && r.received_locked().size() == 1;
  }));
  SendOutcome outcome = recorder.outcomes()[0];
  REQUIRE(outcome.kind == SendOutcome::Kind::kSent);
  auto decoded = decode(recorder.received()[0].pdu_hex);
  auto* report = std::get_if<pdu::StatusReport>(&decoded.tpdu);
  REQUIRE(report);
  CHECK(report->reference == outcome.reference);
  CHECK(report->recipient == "+4917012345678");
  CHECK(pdu::classify_status(report->status) == pdu::StatusClass::kDelivered);
}

TEST_CASE("modem worker: every family's tables bring a standard modem up, send and report") {
  struct Family {
    const char* manufacturer;
    const char* model;
    const char* family;
  };
  const Family families[] = {
      {"huawei", "E3131", "huawei"},
      {"SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "simcom"},
      {"SIMCOM_Ltd", "SIMCOM_SIM800", "simcom-2g"},
      {"Quectel", "EC25", "quectel"},
      {"Sierra Wireless, Incorporated", "MC7304", "sierra"},
      {"Telit", "LE910C4-EU", "telit"},
      {"ZTE INCORPORATED", "MF626", "zte"},
      {"Acme", "X1", "generic"},
  };
  for (const Family& f : families) {
    CAPTURE(f.family);
    sim::SimConfig config;
    config.manufacturer = f.manufacturer;
    config.model = f.model;
    SimModems sims({config});
    sims.with(0, [](sim::SimModem& m, auto) {
      m.set_auto_status_reports(sim::SimModem::AutoStatusReports{0, std::chrono::milliseconds(20)});
    });
    Recorder recorder;
    ModemWorker worker(test_worker_config(sims.port(0)), recorder);
    worker.start();
    REQUIRE(recorder.wait_for_state(State::kReady));
    CHECK(worker.status().family == f.family);
    // The family's ICCID command, or the standard AT+CRSM when the modem lacks it.
    CHECK(worker.status().identity.iccid == "8949000000000000001");
    auto parts = parts_for("+4917012345678", "Booking confirmed", true);
    send_when_idle(worker, parts[0]);
    // The part is sent and its status report comes back, directly (+CDS) or stored
    // (+CDSI, read with AT+CMGR) as the family sets it up.
    REQUIRE(recorder.wait([](const Recorder& r) {
      return r.outcomes_locked().size() == 1 && r.received_locked().size() == 1;
    }));
    CHECK(recorder.outcomes()[0].kind == SendOutcome::Kind::kSent);
    auto decoded = decode(recorder.received()[0].pdu_hex);
    auto* report = std::get_if<pdu::StatusReport>(&decoded.tpdu);
    REQUIRE(report);
    CHECK(report->reference == recorder.outcomes()[0].reference);
    bool stored = sims.with(0, [](sim::SimModem& m, auto) { return m.cnmi().ds == 2; });
    CHECK(recorder.received()[0].stored.has_value() == stored);
    // A reply from the network is read too.
    sims.with(0, [](sim::SimModem& m, auto now) {
      REQUIRE(m.deliver({.from = "+4917099999", .text = "thanks"}, now).ok());
    });
    REQUIRE(recorder.wait([](const Recorder& r) { return r.received_locked().size() == 2; }));
    auto reply = decode(recorder.received()[1].pdu_hex);
    REQUIRE(std::holds_alternative<pdu::Deliver>(reply.tpdu));
    CHECK(text_of(std::get<pdu::Deliver>(reply.tpdu)) == "thanks");
  }
}

TEST_CASE("modem worker: a phase 2+ modem gets AT+CNMA for each direct delivery") {
  sim::SimConfig config;
  config.phase2_plus_only = true;
  SimModems sims({config});
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  // Acknowledged as soon as "stored"; the modem answers nothing before that.
  recorder.acknowledge_with([&](const modem::Received&) { worker.acknowledge_delivery(true); });
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  sims.with(0, [](sim::SimModem& m, auto now) {
    m.set_auto_status_reports(sim::SimModem::AutoStatusReports{0, std::chrono::milliseconds(10)});
    for (const char* text : {"one", "two", "three"}) {
      REQUIRE(
          m.deliver({.from = "+4917099999", .text = text, .routing = sim::Routing::kDirect}, now)
              .ok());
    }
  });
  auto parts = parts_for("+4917012345678", "reported", true);
  send_when_idle(worker, parts[0]);
  // Three +CMT and one +CDS, each acknowledged before the next.
  REQUIRE(recorder.wait([](const Recorder& r) { return r.received_locked().size() == 4; }));
  REQUIRE(wait_until([&] {
    return sims.with(0, [](sim::SimModem& m, auto) { return m.counters().acknowledgements; }) >= 4;
  }));
  CHECK(sims.with(0, [](sim::SimModem& m, auto) { return m.awaiting_acknowledgement(); }) == 0);
  CHECK(sims.with(0, [](sim::SimModem& m, auto) { return m.counters().refused_deliveries; }) == 0);
  for (const auto& received : recorder.received()) CHECK(received.awaits_acknowledgement);
  CHECK(sims.with(0, [](sim::SimModem& m, auto) { return m.counters().errors; }) >= 1);  // CSMS=0
}

TEST_CASE("modem worker: unlocks the SIM with the configured PIN") {
  sim::SimConfig config;
  config.pin = "4321";
  SimModems sims({config});
  Recorder recorder;
  auto worker_config = test_worker_config(sims.port(0));
  worker_config.pin = "4321";
  ModemWorker worker(worker_config, recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  CHECK(sims.with(0, [](sim::SimModem& m, auto) { return m.sim_state(); }) ==
        sim::SimState::kReady);
}

TEST_CASE("modem worker: a wrong PIN is tried once, never again") {
  sim::SimConfig config;
  config.pin = "4321";
  SimModems sims({config});
  Recorder recorder;
  auto worker_config = test_worker_config(sims.port(0));
  worker_config.pin = "0000";
  ModemWorker worker(worker_config, recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kNeedsAttention));
  CHECK(worker.status().detail.find("PIN") != std::string::npos);
  // A reset sends the worker through probing and unlocking again; the PIN is not offered.
  worker.request_reset();
  REQUIRE(recorder.wait([](const Recorder& r) {
    const auto& s = r.statuses_locked();
    return s.size() >= 2 && s.back().state == State::kNeedsAttention &&
           s.back().detail.find("not offered again") != std::string::npos;
  }));
  CHECK(sims.with(0, [](sim::SimModem& m, auto) { return m.pin_attempts_left(); }) == 2);
}

TEST_CASE("modem worker: a SIM without a configured PIN needs attention") {
  sim::SimConfig config;
  config.pin = "4321";
  SimModems sims({config});
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kNeedsAttention));
  CHECK(worker.status().detail.find("set `pin`") != std::string::npos);
  CHECK(sims.with(0, [](sim::SimModem& m, auto) { return m.pin_attempts_left(); }) == 3);
}

TEST_CASE("modem worker: a hung modem is found, reset, and back when it answers again") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  sims.with(0, [](sim::SimModem& m, auto) { m.set_hung(true); });
  REQUIRE(recorder.wait_for_state(State::kResetting));
  // Nothing is taken while it is not ready.
  CHECK_FALSE(worker.try_send(parts_for("+4917012345678", "x")[0]));
  sims.with(0, [](sim::SimModem& m, auto) { m.set_hung(false); });
  REQUIRE(recorder.wait_for_state(State::kReady));
  CHECK(worker.status().resets >= 1);
  auto parts = parts_for("+4917012345678", "after the hang");
  send_when_idle(worker, parts[0]);
  REQUIRE(recorder.wait([](const Recorder& r) { return r.outcomes_locked().size() == 1; }));
  CHECK(recorder.outcomes()[0].kind == SendOutcome::Kind::kSent);
}

TEST_CASE("modem worker: a part in flight when the modem hangs is reported uncertain") {
  sim::SimConfig config;
  config.cmgs_latency = 300ms;
  SimModems sims({config});
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  auto parts = parts_for("+4917012345678", "in flight");
  // Hang as soon as the PDU is in: the modem never answers +CMGS.
  send_when_idle(worker, parts[0]);
  REQUIRE(wait_until([&] {
    return sims.with(0, [](sim::SimModem& m, auto) {
      if (m.sending()) m.set_hung(true);
      return m.hung();
    });
  }));
  // send_timeout is minutes; stop() sees the part through, so ask for a reset instead
  // by unplugging: the port goes, the outcome must say the part may have gone out.
  REQUIRE(sims.bank->unplug(0).ok());
  REQUIRE(recorder.wait([](const Recorder& r) { return r.outcomes_locked().size() == 1; }));
  CHECK(recorder.outcomes()[0].kind == SendOutcome::Kind::kUncertain);
  REQUIRE(recorder.wait_for_state(State::kOffline));
  sims.with(0, [](sim::SimModem& m, auto) { m.set_hung(false); });
  REQUIRE(sims.bank->replug(0).ok());
  REQUIRE(recorder.wait_for_state(State::kReady));
}

TEST_CASE("modem worker: an unplugged modem goes offline and comes back when replugged") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  REQUIRE(sims.bank->unplug(0).ok());
  REQUIRE(recorder.wait_for_state(State::kOffline));
  CHECK_FALSE(worker.try_send(parts_for("+4917012345678", "x")[0]));
  REQUIRE(sims.bank->replug(0).ok());
  REQUIRE(recorder.wait_for_state(State::kReady));
  auto parts = parts_for("+4917012345678", "after the replug");
  send_when_idle(worker, parts[0]);
  REQUIRE(recorder.wait([](const Recorder& r) { return r.outcomes_locked().size() == 1; }));
  CHECK(recorder.outcomes()[0].kind == SendOutcome::Kind::kSent);
}

TEST_CASE("modem worker: another modem on its port after a replug is not driven as this one") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  std::string imei = worker.status().identity.imei;
  REQUIRE(sims.bank->unplug(0).ok());
  REQUIRE(recorder.wait_for_state(State::kOffline));
  // A different modem comes up under the same name.
  sims.with(0, [](sim::SimModem& m, auto) { m = sim::SimModem(sim::numbered_config(7)); });
  REQUIRE(sims.bank->replug(0).ok());
  REQUIRE(recorder.wait([](const Recorder& r) {
    const auto& s = r.statuses_locked();
    return !s.empty() && s.back().detail.find("another modem") != std::string::npos;
  }));
  CHECK(worker.status().identity.imei == imei);
  CHECK(worker.status().state != State::kReady);
}

TEST_CASE("modem worker: losing the network shows in its health") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait([](const Recorder& r) {
    const auto& s = r.statuses_locked();
    return !s.empty() && s.back().health.registered();
  }));
  sims.with(0, [](sim::SimModem& m, auto now) { m.set_registered(false, now); });
  REQUIRE(recorder.wait([](const Recorder& r) {
    const auto& s = r.statuses_locked();
    return !s.empty() && s.back().health_checked && !s.back().health.registered();
  }));
  sims.with(0, [](sim::SimModem& m, auto now) { m.set_registered(true, now); });
  REQUIRE(recorder.wait([](const Recorder& r) {
    const auto& s = r.statuses_locked();
    return !s.empty() && s.back().health.registered();
  }));
}

TEST_CASE("modem worker: a modem that restarts by itself is set up again") {
  SimModems sims;
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  size_t before = recorder.statuses().size();
  sims.with(0, [](sim::SimModem& m, auto now) { m.power_cycle(now); });
  // Probing again after the restart, then ready.
  REQUIRE(recorder.wait([&](const Recorder& r) {
    const auto& s = r.statuses_locked();
    bool probed = std::any_of(s.begin() + static_cast<std::ptrdiff_t>(before), s.end(),
                              [](const auto& status) { return status.state == State::kProbing; });
    return probed && s.back().state == State::kReady;
  }));
  // Its settings are back: echo off, indications on.
  REQUIRE(wait_until([&] {
    return sims.with(0, [](sim::SimModem& m, auto) { return !m.echo() && m.cnmi().ds == 1; });
  }));
}

TEST_CASE("modem worker: a reset asked for while offline is taken once, not in a loop") {
  SimModems sims;
  Recorder recorder;
  auto config = test_worker_config(sims.port(0));
  config.reopen_interval = 200ms;
  ModemWorker worker(config, recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kReady));
  REQUIRE(sims.bank->unplug(0).ok());
  REQUIRE(recorder.wait_for_state(State::kOffline));
  worker.request_reset();
  size_t before = recorder.statuses().size();
  std::this_thread::sleep_for(1s);
  // At most a few reopen attempts in that second, not thousands.
  CHECK(recorder.statuses().size() - before < 20);
  REQUIRE(sims.bank->replug(0).ok());
  REQUIRE(recorder.wait_for_state(State::kReady));
}

TEST_CASE("modem worker: stop() ends it in any state") {
  SimModems sims;
  sims.with(0, [](sim::SimModem& m, auto) { m.set_hung(true); });
  Recorder recorder;
  ModemWorker worker(test_worker_config(sims.port(0)), recorder);
  worker.start();
  REQUIRE(recorder.wait_for_state(State::kProbing));
  worker.stop();
  CHECK(worker.status().state == State::kStopped);
}

}  // namespace smsgate::testing

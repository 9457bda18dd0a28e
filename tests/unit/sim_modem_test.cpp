// SimModem driven with bytes and a fake clock: the exact bytes a real modem would
// answer, and that the gateway's own AtParser reads them as it reads a real modem.
#include "drivers/sim/sim_modem.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "at/parser.h"
#include "common/clock.h"
#include "drivers/sim/sim_pdu.h"
#include "pdu/decode.h"
#include "pdu/hex.h"
#include "pdu/planner.h"
#include "pdu/submit.h"
#include "pdu/utf.h"

namespace {

using namespace std::chrono_literals;
using smsgate::MonotonicClock;
using smsgate::sim::InboundSms;
using smsgate::sim::Routing;
using smsgate::sim::SimConfig;
using smsgate::sim::SimModem;
using smsgate::sim::SimState;

// A modem on a fake clock; `at` writes bytes and returns what the modem answered.
struct Bench {
  explicit Bench(SimConfig config = {}) : modem(std::move(config)) {}
  std::string at(std::string_view bytes) {
    modem.receive(bytes, now);
    modem.tick(now);
    return modem.take_output();
  }
  std::string advance(MonotonicClock::duration by) {
    now += by;
    modem.tick(now);
    return modem.take_output();
  }
  // Echo off, so expectations show the answers only.
  Bench& quiet() {
    REQUIRE(at("ATE0\r") == "ATE0\r\r\nOK\r\n");
    return *this;
  }
  SimModem modem;
  MonotonicClock::time_point now{};
};

// An SMS-SUBMIT for AT+CMGS, from the gateway's own encoder.
smsgate::pdu::SubmitPdu submit_pdu(std::string_view to, std::string_view text, bool srr = false) {
  auto code_points = smsgate::pdu::utf8_to_code_points(text);
  REQUIRE(code_points);
  auto plan = smsgate::pdu::plan_text(*code_points, {});
  REQUIRE(plan);
  smsgate::pdu::SubmitOptions options;
  options.status_report = srr;
  auto parts = smsgate::pdu::encode_submit(to, *plan, options);
  REQUIRE(parts);
  return parts->front();
}

std::string cmgs(const smsgate::pdu::SubmitPdu& pdu) {
  return "AT+CMGS=" + std::to_string(pdu.tpdu_length()) + "\r";
}

std::string hex_ctrl_z(const smsgate::pdu::SubmitPdu& pdu) {
  return smsgate::pdu::to_hex(pdu.octets) + "\x1A";
}

smsgate::pdu::DecodedPdu decode_hex(std::string_view hex) {
  auto octets = smsgate::pdu::from_hex(hex);
  REQUIRE(octets);
  auto decoded = smsgate::pdu::decode_pdu(*octets, true);
  REQUIRE(decoded);
  return *decoded;
}

// The PDU line after a "+CMT: ,n" / "+CMGR: ..." header line in `output`.
std::string line_after(std::string_view output, std::string_view header) {
  auto start = output.find(header);
  REQUIRE(start != std::string_view::npos);
  start = output.find("\r\n", start) + 2;
  return std::string(output.substr(start, output.find("\r\n", start) - start));
}

}  // namespace

TEST_CASE("sim: echo is on by default and ATE0 turns it off") {
  Bench bench;
  CHECK(bench.at("AT\r") == "AT\r\r\nOK\r\n");
  CHECK(bench.at("ATE0\r") == "ATE0\r\r\nOK\r\n");
  CHECK(bench.at("AT\r") == "\r\nOK\r\n");
  CHECK(bench.at("ATE1\r") == "\r\nOK\r\n");
  CHECK(bench.at("at\r") == "at\r\r\nOK\r\n");
}

TEST_CASE("sim: bytes may arrive one at a time, with CR LF and backspace") {
  Bench bench;
  bench.quiet();
  std::string out;
  for (char c : std::string_view("AT+CSQ\r\n")) out += bench.at(std::string_view(&c, 1));
  CHECK(out == "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CSX\bQ\r") == "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
  CHECK(bench.at("garbage\r") == "");  // V.250: not a command line
}

TEST_CASE("sim: identification commands") {
  SimConfig config;
  config.manufacturer = "Acme";
  config.model = "M1";
  config.revision = "R1";
  config.imei = "490154203237518";
  config.imsi = "262011234567890";
  config.iccid = "8949020000012345678";
  Bench bench(config);
  bench.quiet();
  CHECK(bench.at("AT+CGMI\r") == "\r\nAcme\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+GMI\r") == "\r\nAcme\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CGMM\r") == "\r\nM1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CGMR\r") == "\r\nR1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CGSN\r") == "\r\n490154203237518\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CIMI\r") == "\r\n262011234567890\r\n\r\nOK\r\n");
  CHECK(bench.at("ATI\r") == "\r\nAcme\r\nM1\r\nRevision: R1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CCID\r") == "\r\n+CCID: 8949020000012345678\r\n\r\nOK\r\n");
  // EF_ICCID as nibble-swapped BCD, an odd digit count padded with F.
  CHECK(bench.at("AT+CRSM=176,12258,0,0,10\r") ==
        "\r\n+CRSM: 144,0,\"989420000010325476F8\"\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CRSM=176,28423,0,0,9\r") == "\r\n+CRSM: 106,130,\"\"\r\n\r\nOK\r\n");
}

TEST_CASE("sim: several commands on one line, unknown commands") {
  Bench bench;
  bench.quiet();
  CHECK(bench.at("AT+CMEE=1;+CMEE?\r") == "\r\n+CMEE: 1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CGMI;+CGMM\r") == "\r\nsmsgate\r\nSIM-1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+FOO\r") == "\r\nERROR\r\n");
  CHECK(bench.at("ATE0 V1 Q0 &C1\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CGMI;+FOO;+CGMM\r") == "\r\nsmsgate\r\n\r\nERROR\r\n");
}

TEST_CASE("sim: errors follow AT+CMEE") {
  SimConfig config;
  config.pin = "1234";
  Bench bench(config);
  bench.quiet();
  CHECK(bench.at("AT+CIMI\r") == "\r\nERROR\r\n");
  CHECK(bench.at("AT+CMEE=1\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CIMI\r") == "\r\n+CME ERROR: 11\r\n");
  CHECK(bench.at("AT+CMGL=4\r") == "\r\n+CMS ERROR: 311\r\n");
  CHECK(bench.at("AT+CMEE=2\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CIMI\r") == "\r\n+CME ERROR: SIM PIN required\r\n");
  CHECK(bench.at("AT+CMGL=4\r") == "\r\n+CMS ERROR: SIM PIN required\r\n");
  CHECK(bench.at("AT+CMEE=7\r") == "\r\n+CME ERROR: incorrect parameters\r\n");
  CHECK(bench.at("AT+FOO\r") == "\r\nERROR\r\n");  // unknown is plain ERROR always
  CHECK(bench.modem.counters().errors == 7);
}

TEST_CASE("sim: PIN, wrong PINs, PUK") {
  SimConfig config;
  config.pin = "1234";
  config.puk = "87654321";
  Bench bench(config);
  bench.quiet();
  bench.at("AT+CMEE=1\r");
  CHECK(bench.at("AT+CPIN?\r") == "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
  CHECK(bench.modem.registration_stat() == 0);

  SUBCASE("the right PIN unlocks") {
    CHECK(bench.at("AT+CPIN=\"1234\"\r") == "\r\nOK\r\n");
    CHECK(bench.at("AT+CPIN?\r") == "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    CHECK(bench.modem.registration_stat() == 1);
    CHECK(bench.at("AT+CPIN=\"1234\"\r") == "\r\n+CME ERROR: 3\r\n");
  }
  SUBCASE("three wrong PINs ask for the PUK, which sets a new PIN") {
    CHECK(bench.at("AT+CPIN=\"0000\"\r") == "\r\n+CME ERROR: 16\r\n");
    CHECK(bench.modem.pin_attempts_left() == 2);
    CHECK(bench.at("AT+CPIN=1111\r") == "\r\n+CME ERROR: 16\r\n");
    CHECK(bench.at("AT+CPIN=\"2222\"\r") == "\r\n+CME ERROR: 16\r\n");
    CHECK(bench.at("AT+CPIN?\r") == "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n");
    CHECK(bench.at("AT+CPIN=\"1234\"\r") == "\r\n+CME ERROR: 12\r\n");
    CHECK(bench.at("AT+CIMI\r") == "\r\n+CME ERROR: 12\r\n");
    CHECK(bench.at("AT+CMGS=10\r") == "\r\n+CMS ERROR: 316\r\n");
    CHECK(bench.at("AT+CPIN=\"11111111\",\"4321\"\r") == "\r\n+CME ERROR: 16\r\n");
    CHECK(bench.at("AT+CPIN=\"87654321\",\"4321\"\r") == "\r\nOK\r\n");
    CHECK(bench.modem.sim_state() == SimState::kReady);
    // The new PIN is asked for after a reset.
    bench.modem.power_cycle(bench.now);
    bench.advance(1s);
    CHECK(bench.at("AT+CPIN=\"1234\"\r") == "AT+CPIN=\"1234\"\r\r\nERROR\r\n");
    CHECK(bench.at("AT+CPIN=\"4321\"\r") == "AT+CPIN=\"4321\"\r\r\nOK\r\n");
  }
  SUBCASE("ten wrong PUKs block the SIM") {
    for (int i = 0; i < 3; ++i) bench.at("AT+CPIN=\"0000\"\r");
    for (int i = 0; i < 10; ++i) bench.at("AT+CPIN=\"00000000\",\"1111\"\r");
    CHECK(bench.modem.sim_state() == SimState::kBlocked);
    CHECK(bench.at("AT+CPIN?\r") == "\r\n+CME ERROR: 13\r\n");
  }
}

TEST_CASE("sim: signal, registration and its URCs, operator") {
  Bench bench;
  bench.quiet();
  CHECK(bench.at("AT+CSQ\r") == "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CREG?\r") == "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+COPS?\r") == "\r\n+COPS: 0,0,\"SimNet\",0\r\n\r\nOK\r\n");
  bench.modem.set_registered(false, bench.now);
  CHECK(bench.modem.take_output() == "");  // +CREG=0: no URC
  CHECK(bench.at("AT+CREG?\r") == "\r\n+CREG: 0,2\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+COPS?\r") == "\r\n+COPS: 0\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CREG=1\r") == "\r\nOK\r\n");
  bench.modem.set_registered(true, bench.now);
  CHECK(bench.modem.take_output() == "\r\n+CREG: 1\r\n");
  CHECK(bench.at("AT+CREG=2\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CREG?\r") == "\r\n+CREG: 2,1,\"00A1\",\"0000B2C3\"\r\n\r\nOK\r\n");
  bench.modem.set_registered(false, bench.now);
  CHECK(bench.modem.take_output() == "\r\n+CREG: 2\r\n");
  bench.modem.set_registered(true, bench.now);
  CHECK(bench.modem.take_output() == "\r\n+CREG: 1,\"00A1\",\"0000B2C3\"\r\n");
  // Flight mode deregisters.
  CHECK(bench.at("AT+CFUN=4\r") == "\r\nOK\r\n\r\n+CREG: 0\r\n");
  CHECK(bench.at("AT+CSQ\r") == "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CFUN?\r") == "\r\n+CFUN: 4\r\n\r\nOK\r\n");
}

TEST_CASE("sim: SMS settings") {
  Bench bench;
  bench.quiet();
  bench.at("AT+CMEE=1\r");
  CHECK(bench.at("AT+CMGF?\r") == "\r\n+CMGF: 0\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CMGF=0\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CMGF=1\r") == "\r\n+CMS ERROR: 303\r\n");
  CHECK(bench.at("AT+CSCS=\"GSM\"\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CSCS?\r") == "\r\n+CSCS: \"GSM\"\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CSCA?\r") == "\r\n+CSCA: \"+4917000000000\",145\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CSCA=\"+4917111\",145\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CSCA?\r") == "\r\n+CSCA: \"+4917111\",145\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CNMI?\r") == "\r\n+CNMI: 2,1,0,0,0\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CNMI=2,2,0,1,0\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CNMI?\r") == "\r\n+CNMI: 2,2,0,1,0\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CNMI=2,9\r") == "\r\n+CMS ERROR: 303\r\n");
  CHECK(bench.at("AT+CPMS?\r") == "\r\n+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CPMS=\"ME\",\"ME\",\"ME\"\r") == "\r\n+CPMS: 0,100,0,100,0,100\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CPMS=\"XX\"\r") == "\r\n+CMS ERROR: 302\r\n");
  CHECK(bench.at("AT+CSMS=1\r") == "\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CSMS?\r") == "\r\n+CSMS: 1,1,1,1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CMMS=1\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CNMA\r") == "\r\n+CMS ERROR: 340\r\n");
  CHECK(bench.at("ATZ\r") == "\r\nOK\r\n");  // defaults again: echo on
  CHECK(bench.at("AT+CNMI?\r") == "AT+CNMI?\r\r\n+CNMI: 2,1,0,0,0\r\n\r\nOK\r\n");
}

TEST_CASE("sim: AT+CMGS prompt, PDU, latency and TP-MR") {
  SimConfig config;
  config.cmgs_latency = 500ms;
  Bench bench(config);
  bench.quiet();
  const auto pdu = submit_pdu("+4917012345", "hello", true);
  CHECK(bench.at(cmgs(pdu)) == "\r\n> ");
  CHECK(bench.at(hex_ctrl_z(pdu)) == "");
  CHECK(bench.modem.next_deadline() == bench.now + 500ms);
  CHECK(bench.advance(499ms) == "");
  CHECK(bench.advance(1ms) == "\r\n+CMGS: 0\r\n\r\nOK\r\n");
  REQUIRE(bench.modem.sent().size() == 1);
  const auto& sent = bench.modem.sent().front();
  CHECK(sent.to == "+4917012345");
  CHECK(sent.text == "hello");
  CHECK(sent.reference == 0);
  CHECK(sent.status_report_request);
  CHECK(!sent.concat);
  CHECK(sent.pdu_hex == smsgate::pdu::to_hex(pdu.octets));

  // The next reference, and commands typed during the send wait for it.
  bench.at(cmgs(pdu));
  CHECK(bench.at(hex_ctrl_z(pdu) + "AT\r") == "");
  CHECK(bench.advance(500ms) == "\r\n+CMGS: 1\r\n\r\nOK\r\n\r\nOK\r\n");
  CHECK(bench.modem.counters().sends_accepted == 2);
}

TEST_CASE("sim: AT+CMGS echoes the PDU with echo on") {
  Bench bench;
  const auto pdu = submit_pdu("+4917012345", "hi");
  CHECK(bench.at(cmgs(pdu)) == cmgs(pdu) + "\r\n> ");
  CHECK(bench.at(hex_ctrl_z(pdu)) ==
        smsgate::pdu::to_hex(pdu.octets) + "\r\n+CMGS: 0\r\n\r\nOK\r\n");
}

TEST_CASE("sim: TP-MR wraps after 255") {
  Bench bench;
  bench.quiet();
  const auto pdu = submit_pdu("+4917012345", "x");
  for (int i = 0; i < 257; ++i) {
    bench.at(cmgs(pdu));
    bench.at(hex_ctrl_z(pdu));
  }
  CHECK(bench.modem.sent()[255].reference == 255);
  CHECK(bench.modem.sent()[256].reference == 0);
}

TEST_CASE("sim: bad PDUs, ESC, injected send failures, no network") {
  Bench bench;
  bench.quiet();
  bench.at("AT+CMEE=1\r");
  const auto pdu = submit_pdu("+4917012345", "hello");
  const std::string hex = smsgate::pdu::to_hex(pdu.octets);

  SUBCASE("length mismatch") {
    bench.at("AT+CMGS=" + std::to_string(pdu.tpdu_length() + 1) + "\r");
    CHECK(bench.at(hex + "\x1A") == "\r\n+CMS ERROR: 304\r\n");
  }
  SUBCASE("not hex") {
    bench.at(cmgs(pdu));
    CHECK(bench.at("00ZZ\x1A") == "\r\n+CMS ERROR: 304\r\n");
  }
  SUBCASE("an SMS-DELIVER is not a submit") {
    auto tpdus = smsgate::sim::encode_deliver_tpdus("+491", U"x", {}, {});
    REQUIRE(tpdus);
    bench.at("AT+CMGS=" + std::to_string(tpdus->front().size()) + "\r");
    CHECK(bench.at("00" + smsgate::pdu::to_hex(tpdus->front()) + "\x1A") ==
          "\r\n+CMS ERROR: 304\r\n");
  }
  SUBCASE("ESC cancels") {
    bench.at(cmgs(pdu));
    CHECK(bench.at(hex.substr(0, 6) + "\x1B") == "\r\nOK\r\n");
    CHECK(bench.modem.sent().empty());
    CHECK(bench.at("AT\r") == "\r\nOK\r\n");
  }
  SUBCASE("injected failures") {
    bench.modem.fail_next_sends(2, 38);
    for (int i = 0; i < 2; ++i) {
      bench.at(cmgs(pdu));
      CHECK(bench.at(hex + "\x1A") == "\r\n+CMS ERROR: 38\r\n");
    }
    bench.at(cmgs(pdu));
    CHECK(bench.at(hex + "\x1A") == "\r\n+CMGS: 0\r\n\r\nOK\r\n");
    CHECK(bench.modem.counters().sends_failed == 2);
    CHECK(bench.modem.sent().size() == 1);
  }
  SUBCASE("no network") {
    bench.modem.set_registered(false, bench.now);
    bench.at(cmgs(pdu));
    CHECK(bench.at(hex + "\x1A") == "\r\n+CMS ERROR: 331\r\n");
  }
  SUBCASE("text mode is refused") {
    CHECK(bench.at("AT+CMGS=\"+4917012345\"\r") == "\r\n+CMS ERROR: 304\r\n");
  }
}

TEST_CASE("sim: inbound stored with +CMTI, listed, read, deleted") {
  Bench bench;
  bench.quiet();
  auto indexes = bench.modem.deliver({.from = "+4917099999", .text = "Hi there"}, bench.now);
  REQUIRE(indexes);
  CHECK(*indexes == std::vector<int>{1});
  CHECK(bench.modem.take_output() == "\r\n+CMTI: \"SM\",1\r\n");
  REQUIRE(bench.modem.deliver({.from = "Shop", .text = "Second"}, bench.now));
  CHECK(bench.modem.take_output() == "\r\n+CMTI: \"SM\",2\r\n");

  const std::string listing = bench.at("AT+CMGL=0\r");
  CHECK(listing.starts_with("\r\n+CMGL: 1,0,,"));
  CHECK(listing.ends_with("\r\n\r\nOK\r\n"));
  const auto first = decode_hex(line_after(listing, "+CMGL: 1,"));
  const auto& deliver = std::get<smsgate::pdu::Deliver>(first.tpdu);
  CHECK(first.smsc == "+4917000000000");
  CHECK(deliver.from == "+4917099999");
  CHECK(smsgate::pdu::code_points_to_utf8(deliver.user_data.text) == "Hi there");
  const auto second = decode_hex(line_after(listing, "+CMGL: 2,"));
  CHECK(std::get<smsgate::pdu::Deliver>(second.tpdu).from == "Shop");

  // Listed messages are read now.
  CHECK(bench.at("AT+CMGL=0\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CMGL=1\r").find("+CMGL: 2,1,,") != std::string::npos);
  CHECK(bench.at("AT+CMGR=2\r").starts_with("\r\n+CMGR: 1,,"));
  CHECK(bench.at("AT+CMGD=1\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CMGR=1\r") == "\r\nOK\r\n");  // empty slot
  CHECK(bench.at("AT+CMGD=?\r") == "\r\n+CMGD: (2),(0-4)\r\n\r\nOK\r\n");
  bench.at("AT+CMEE=1\r");
  CHECK(bench.at("AT+CMGR=31\r") == "\r\n+CMS ERROR: 321\r\n");
  CHECK(bench.at("AT+CMGD=0,4\r") == "\r\nOK\r\n");
  CHECK(bench.modem.stored().empty());
  CHECK(bench.at("AT+CPMS?\r") == "\r\n+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30\r\n\r\nOK\r\n");
}

TEST_CASE("sim: inbound as +CMT when AT+CNMI <mt> is 2, and acknowledged with +CNMA") {
  Bench bench;
  bench.quiet();
  bench.at("AT+CSMS=1\r");
  bench.at("AT+CNMI=2,2,0,0,0\r");
  auto indexes = bench.modem.deliver({.from = "+4917099999", .text = "direct"}, bench.now);
  REQUIRE(indexes);
  CHECK(indexes->empty());
  const std::string out = bench.modem.take_output();
  CHECK(out.starts_with("\r\n+CMT: ,"));
  const auto decoded = decode_hex(line_after(out, "+CMT: ,"));
  CHECK(smsgate::pdu::code_points_to_utf8(
            std::get<smsgate::pdu::Deliver>(decoded.tpdu).user_data.text) == "direct");
  CHECK(bench.at("AT+CNMA\r") == "\r\nOK\r\n");
  CHECK(bench.modem.stored().empty());
}

TEST_CASE("sim: long and UCS-2 inbound texts are concatenated parts") {
  Bench bench;
  bench.quiet();
  std::string text(200, 'a');
  auto indexes = bench.modem.deliver(
      {.from = "+4917099999", .text = text, .concat_reference = 0x42}, bench.now);
  REQUIRE(indexes);
  CHECK(*indexes == std::vector<int>{1, 2});
  CHECK(bench.modem.take_output() == "\r\n+CMTI: \"SM\",1\r\n\r\n+CMTI: \"SM\",2\r\n");
  const auto stored = bench.modem.stored();
  auto part2 = smsgate::pdu::decode_pdu(stored[1].pdu, true);
  REQUIRE(part2);
  const auto& concat = std::get<smsgate::pdu::Deliver>(part2->tpdu).user_data.concat;
  REQUIRE(concat);
  CHECK(concat->reference == 0x42);
  CHECK(concat->part == 2);
  CHECK(concat->total == 2);

  REQUIRE(bench.modem.deliver({.from = "+49170", .text = "Привет"}, bench.now));
  auto cyrillic = smsgate::pdu::decode_pdu(bench.modem.stored()[2].pdu, true);
  REQUIRE(cyrillic);
  CHECK(std::get<smsgate::pdu::Deliver>(cyrillic->tpdu).user_data.encoding ==
        smsgate::pdu::Encoding::kUcs2);
}

TEST_CASE("sim: inbound waits for the network and a full storage is an error") {
  SimConfig config;
  config.sim_capacity = 1;
  Bench bench(config);
  bench.quiet();
  bench.modem.set_registered(false, bench.now);
  REQUIRE(bench.modem.deliver({.from = "+49170", .text = "later"}, bench.now));
  CHECK(bench.modem.take_output() == "");
  bench.modem.set_registered(true, bench.now);
  CHECK(bench.modem.take_output() == "\r\n+CMTI: \"SM\",1\r\n");
  auto full = bench.modem.deliver({.from = "+49170", .text = "no room"}, bench.now);
  CHECK(!full);
}

TEST_CASE("sim: status reports as +CDS, +CDSI, or not at all") {
  Bench bench;
  bench.quiet();
  const auto pdu = submit_pdu("+4917012345", "report me", true);
  bench.at(cmgs(pdu));
  bench.at(hex_ctrl_z(pdu));

  SUBCASE("<ds> 0 routes nothing") {
    REQUIRE(bench.modem.queue_status_report(0, 0, 0ms, bench.now));
    CHECK(bench.modem.take_output() == "");
  }
  SUBCASE("<ds> 1: +CDS with the PDU, after the delay") {
    bench.at("AT+CNMI=2,1,0,1,0\r");
    REQUIRE(bench.modem.queue_status_report(0, 0, 2s, bench.now));
    CHECK(bench.modem.next_deadline() == bench.now + 2s);
    CHECK(bench.advance(1s) == "");
    const std::string out = bench.advance(1s);
    CHECK(out.starts_with("\r\n+CDS: "));
    const auto decoded = decode_hex(line_after(out, "+CDS: "));
    const auto& report = std::get<smsgate::pdu::StatusReport>(decoded.tpdu);
    CHECK(report.reference == 0);
    CHECK(report.recipient == "+4917012345");
    CHECK(report.status == 0);
  }
  SUBCASE("<ds> 2: stored and +CDSI") {
    bench.at("AT+CNMI=2,1,0,2,0\r");
    REQUIRE(bench.modem.queue_status_report(0, 0x46, 0ms, bench.now));
    CHECK(bench.modem.take_output() == "\r\n+CDSI: \"SM\",1\r\n");
    const auto decoded = decode_hex(line_after(bench.at("AT+CMGR=1\r"), "+CMGR:"));
    CHECK(std::get<smsgate::pdu::StatusReport>(decoded.tpdu).status == 0x46);
  }
  SUBCASE("an unknown reference is an error") {
    CHECK(!bench.modem.queue_status_report(7, 0, 0ms, bench.now));
  }
}

TEST_CASE("sim: automatic status reports for parts sent with TP-SRR") {
  Bench bench;
  bench.quiet();
  bench.at("AT+CNMI=2,1,0,1,0\r");
  bench.modem.set_auto_status_reports(SimModem::AutoStatusReports{0, 100ms});
  const auto with = submit_pdu("+4917012345", "with", true);
  const auto without = submit_pdu("+4917012345", "without", false);
  bench.at(cmgs(without));
  bench.at(hex_ctrl_z(without));
  bench.at(cmgs(with));
  bench.at(hex_ctrl_z(with));
  const std::string out = bench.advance(100ms);
  CHECK(out.starts_with("\r\n+CDS: "));
  CHECK(
      std::get<smsgate::pdu::StatusReport>(decode_hex(line_after(out, "+CDS: ")).tpdu).reference ==
      1);
  CHECK(bench.advance(1s) == "");
}

TEST_CASE("sim: automatic replies answer the whole message once its last part is sent") {
  Bench bench;
  bench.quiet();
  std::vector<std::string> shown;
  bench.modem.set_auto_replies(
      SimModem::AutoReplies{[&](const std::string& text) -> std::optional<std::string> {
                              shown.push_back(text);
                              if (text.find("1 to 5") == std::string::npos) return std::nullopt;
                              return "5 Thank you!";
                            },
                            2s});
  const std::string asks(200, 'x');
  auto code_points = smsgate::pdu::utf8_to_code_points(asks + " Reply 1 to 5.");
  REQUIRE(code_points);
  auto plan = smsgate::pdu::plan_text(*code_points, {});
  REQUIRE(plan);
  auto parts = smsgate::pdu::encode_submit("+4917012345", *plan, {});
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  for (const auto& part : *parts) {
    bench.at(cmgs(part));
    bench.at(hex_ctrl_z(part));
  }
  const auto plain = submit_pdu("+4917099999", "Your order has shipped.");
  bench.at(cmgs(plain));
  bench.at(hex_ctrl_z(plain));
  CHECK(shown == std::vector<std::string>{asks + " Reply 1 to 5.", "Your order has shipped."});
  CHECK(bench.advance(1900ms) == "");
  CHECK(bench.advance(100ms) == "\r\n+CMTI: \"SM\",1\r\n");
  const auto stored = bench.modem.stored();
  REQUIRE(stored.size() == 1);
  auto reply = smsgate::pdu::decode_pdu(stored[0].pdu, true);
  REQUIRE(reply);
  const auto& deliver = std::get<smsgate::pdu::Deliver>(reply->tpdu);
  CHECK(deliver.from == "+4917012345");
  CHECK(deliver.user_data.text == U"5 Thank you!");
  CHECK(bench.advance(10s) == "");

  bench.modem.set_auto_replies(std::nullopt);
  bench.at(cmgs(plain));
  bench.at(hex_ctrl_z(plain));
  CHECK(bench.advance(10s) == "");
  CHECK(shown.size() == 2);
}

TEST_CASE("sim: URCs wait for the final result of a command in progress") {
  SimConfig config;
  config.cmgs_latency = 1s;
  Bench bench(config);
  bench.quiet();
  const auto pdu = submit_pdu("+4917012345", "x");
  CHECK(bench.at(cmgs(pdu)) == "\r\n> ");
  REQUIRE(bench.modem.deliver({.from = "+49170", .text = "meanwhile"}, bench.now));
  CHECK(bench.modem.take_output() == "");
  bench.at(hex_ctrl_z(pdu));
  CHECK(bench.advance(1s) == "\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n");
}

TEST_CASE("sim: a hung modem swallows everything until un-hung") {
  Bench bench;
  bench.quiet();
  bench.modem.set_hung(true);
  CHECK(bench.at("AT\r") == "");
  REQUIRE(bench.modem.deliver({.from = "+49170", .text = "lost URC"}, bench.now));
  CHECK(bench.modem.take_output() == "");
  bench.modem.set_hung(false);
  CHECK(bench.at("AT\r") == "\r\nOK\r\n");
  CHECK(bench.modem.stored().size() == 1);  // stored all the same
}

TEST_CASE("sim: AT+CFUN=1,1 resets: silence, boot lines, defaults, SIM locked again") {
  SimConfig config;
  config.pin = "1234";
  config.boot_time = 3s;
  Bench bench(config);
  bench.quiet();
  bench.at("AT+CPIN=\"1234\"\r");
  bench.at("AT+CMEE=2\r");
  CHECK(bench.at("AT+CFUN=1,1\r") == "\r\nOK\r\n");
  CHECK(bench.modem.booting());
  CHECK(bench.modem.next_deadline() == bench.now + 3s);
  CHECK(bench.at("AT\r") == "");
  CHECK(bench.advance(2s) == "");
  CHECK(bench.advance(1s) == "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n");
  CHECK(bench.at("AT+CMEE?\r") == "AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n");
  CHECK(bench.modem.sim_state() == SimState::kPinRequired);
  CHECK(bench.modem.counters().resets == 1);
}

TEST_CASE("sim: injected noise goes out as given") {
  Bench bench;
  bench.modem.inject("\r\n^RSSI:12\r\n");
  CHECK(bench.modem.take_output() == "\r\n^RSSI:12\r\n");
}

TEST_CASE("sim: the gateway's AtParser reads the simulator like a real modem") {
  Bench bench;
  smsgate::at::AtParser parser;
  auto exchange = [&](std::string_view line, const smsgate::at::CommandShape& shape = {}) {
    parser.command_sent(line, shape);
    parser.feed(bench.at(std::string(line) + "\r"));
    auto event = parser.next_event();
    REQUIRE(event);
    REQUIRE(std::holds_alternative<smsgate::at::Response>(*event));
    return std::get<smsgate::at::Response>(*event);
  };
  auto csq = exchange("AT+CSQ");  // with echo
  CHECK(csq.final.ok());
  CHECK(csq.lines == std::vector<std::string>{"+CSQ: 20,99"});
  exchange("AT+CMEE=1");
  exchange("AT+CNMI=2,1,0,0,0");

  REQUIRE(bench.modem.deliver({.from = "+4917099999", .text = "hello"}, bench.now));
  parser.feed(bench.modem.take_output());
  auto urc = parser.next_event();
  REQUIRE(urc);
  CHECK(std::get<smsgate::at::Urc>(*urc).line == "+CMTI: \"SM\",1");

  smsgate::at::CommandShape list_shape;
  list_shape.response_prefixes[0] = "+CMGL:";
  list_shape.pdu_after_header = true;
  auto list = exchange("AT+CMGL=4", list_shape);
  REQUIRE(list.lines.size() == 2);
  CHECK(list.lines[0].starts_with("+CMGL: 1,0,,"));
  decode_hex(list.lines[1]);

  auto bad = exchange("AT+CMGR=99");
  CHECK(bad.final.kind == smsgate::at::FinalKind::kCmsError);
  CHECK(bad.final.code == 321);

  // AT+CMGS through prompt and PDU.
  const auto pdu = submit_pdu("+4917012345", "via parser");
  smsgate::at::CommandShape send_shape;
  send_shape.response_prefixes[0] = "+CMGS:";
  send_shape.expects_prompt = true;
  parser.command_sent(cmgs(pdu), send_shape);
  parser.feed(bench.at(cmgs(pdu)));
  auto prompt = parser.next_event();
  REQUIRE(prompt);
  CHECK(std::holds_alternative<smsgate::at::Prompt>(*prompt));
  parser.pdu_sent();
  parser.feed(bench.at(hex_ctrl_z(pdu)));
  auto sent = parser.next_event();
  REQUIRE(sent);
  const auto& response = std::get<smsgate::at::Response>(*sent);
  CHECK(response.final.ok());
  CHECK(response.lines.back() == "+CMGS: 0");
}

TEST_CASE("sim: AT+CUSD answers OK, then the scripted +CUSD: after its delay") {
  Bench bench;
  bench.quiet();
  bench.modem.set_ussd_reply("*123#", {.status = 0, .text = "Balance 5.00 EUR", .delay = 2s});
  CHECK(bench.at("AT+CUSD=1,\"*123#\",15\r") == "\r\nOK\r\n");
  CHECK(bench.modem.ussd_session_open());
  CHECK(bench.advance(1s) == "");
  CHECK(bench.advance(1s) == "\r\n+CUSD: 0,\"Balance 5.00 EUR\",15\r\n");
  CHECK_FALSE(bench.modem.ussd_session_open());
  CHECK(bench.modem.ussd_codes() == std::vector<std::string>{"*123#"});
  CHECK(bench.modem.counters().ussd_requests == 1);
  CHECK(bench.at("AT+CUSD?\r") == "\r\n+CUSD: 1\r\n\r\nOK\r\n");
  CHECK(bench.at("AT+CUSD=?\r") == "\r\n+CUSD: (0-2)\r\n\r\nOK\r\n");
  // Every simulated SIM knows its balance, for the demo.
  CHECK(bench.at("AT+CUSD=1,\"*100#\",15\r") ==
        "\r\nOK\r\n\r\n+CUSD: 0,\"Your balance is 5.00 EUR, valid until 31.12.\",15\r\n");
}

TEST_CASE("sim: a USSD answer that does not fit GSM-7 comes as hex UCS-2 with <dcs> 72") {
  Bench bench;
  bench.quiet();
  bench.modem.set_ussd_reply("*100#", {.text = "Baki: 5,00 \xE2\x82\xAC \xD0\x92"});
  // Without a delay the answer follows the OK at once.
  CHECK(bench.at("AT+CUSD=1,\"*100#\",15\r") ==
        "\r\nOK\r\n"
        "\r\n+CUSD: 0,\"00420061006B0069003A00200035002C00300030002020AC00200412\",72\r\n");
  // Forced UCS-2 for a text GSM-7 could carry.
  bench.modem.set_ussd_reply("*101#",
                             {.text = "Hi", .encoding = smsgate::sim::TextEncoding::kUcs2});
  CHECK(bench.at("AT+CUSD=1,\"*101#\",15\r") == "\r\nOK\r\n\r\n+CUSD: 0,\"00480069\",72\r\n");
}

TEST_CASE("sim: a Huawei-like modem takes the code and answers as hex of packed septets") {
  SimConfig config;
  config.ussd_packed_hex = true;
  Bench bench(config);
  bench.quiet();
  bench.modem.set_ussd_reply("*100#", {.text = "Balance 5.00 EUR"});
  CHECK(bench.at("AT+CUSD=1,\"AA180C3602\",15\r") ==
        "\r\nOK\r\n\r\n+CUSD: 0,\"C2303BEC1E974135170C062A56A5\",15\r\n");
  CHECK(bench.modem.ussd_codes() == std::vector<std::string>{"*100#"});
  // The code as characters is not what this firmware takes.
  CHECK(bench.at("AT+CMEE=1\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CUSD=1,\"*100#\",15\r") == "\r\n+CME ERROR: 50\r\n");
}

TEST_CASE("sim: a menu keeps the session open until AT+CUSD=2") {
  Bench bench;
  bench.quiet();
  bench.modem.set_ussd_reply("*111#", {.status = 1, .text = "1 Balance 2 Bundles"});
  CHECK(bench.at("AT+CUSD=1,\"*111#\",15\r") ==
        "\r\nOK\r\n\r\n+CUSD: 1,\"1 Balance 2 Bundles\",15\r\n");
  CHECK(bench.modem.ussd_session_open());
  CHECK(bench.at("AT+CUSD=2\r") == "\r\nOK\r\n");
  CHECK_FALSE(bench.modem.ussd_session_open());
  CHECK(bench.modem.counters().ussd_cancels == 1);
}

TEST_CASE("sim: refusals, unknown codes, silence and a second request") {
  Bench bench;
  bench.quiet();
  REQUIRE(bench.at("AT+CMEE=1\r") == "\r\nOK\r\n");
  // A code without a script: not supported.
  CHECK(bench.at("AT+CUSD=1,\"*999#\",15\r") == "\r\nOK\r\n\r\n+CUSD: 4\r\n");
  bench.modem.set_ussd_reply("*2#", {.status = 2});
  CHECK(bench.at("AT+CUSD=1,\"*2#\",15\r") == "\r\nOK\r\n\r\n+CUSD: 2\r\n");
  // The network never answers: the session stays open, and a second request waits
  // for nothing but an error.
  bench.modem.set_ussd_reply("*5#", {.answered = false});
  CHECK(bench.at("AT+CUSD=1,\"*5#\",15\r") == "\r\nOK\r\n");
  CHECK(bench.advance(60s) == "");
  CHECK(bench.modem.ussd_session_open());
  CHECK(bench.at("AT+CUSD=2\r") == "\r\nOK\r\n");
  bench.modem.set_ussd_reply("*6#", {.text = "late", .delay = 5s});
  CHECK(bench.at("AT+CUSD=1,\"*6#\",15\r") == "\r\nOK\r\n");
  CHECK(bench.at("AT+CUSD=1,\"*6#\",15\r") == "\r\n+CME ERROR: 3\r\n");
  // Closed before the network answered: the answer never comes.
  CHECK(bench.at("AT+CUSD=2\r") == "\r\nOK\r\n");
  CHECK(bench.advance(10s) == "");
  CHECK(bench.at("AT+CUSD=3\r") == "\r\n+CME ERROR: 50\r\n");
  CHECK(bench.at("AT+CUSD=1,\"*6#\",x\r") == "\r\n+CME ERROR: 50\r\n");
  // No network: refused at once.
  bench.modem.set_registered(false, bench.now);
  bench.modem.take_output();
  CHECK(bench.at("AT+CUSD=1,\"*6#\",15\r") == "\r\n+CME ERROR: 30\r\n");
}

TEST_CASE("sim: a USSD answer due during a send follows the send's final result") {
  Bench bench(SimConfig{.cmgs_latency = 3s});
  bench.quiet();
  bench.modem.set_ussd_reply("*123#", {.text = "Balance", .delay = 1s});
  CHECK(bench.at("AT+CUSD=1,\"*123#\",15\r") == "\r\nOK\r\n");
  auto pdu = submit_pdu("+4917012345678", "hello");
  CHECK(bench.at(cmgs(pdu)) == "\r\n> ");
  CHECK(bench.at(hex_ctrl_z(pdu)) == "");
  CHECK(bench.advance(2s) == "");  // the answer is due, the modem is busy sending
  CHECK(bench.advance(1s) == "\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CUSD: 0,\"Balance\",15\r\n");
}

TEST_CASE("sim: a USSD answer reads as a URC in the gateway's parser") {
  Bench bench;
  bench.quiet();
  bench.modem.set_ussd_reply("*123#", {.text = "Balance 5.00"});
  smsgate::at::AtParser parser;
  parser.command_sent("AT+CUSD=1,\"*123#\",15");
  parser.feed(bench.at("AT+CUSD=1,\"*123#\",15\r"));
  auto response = parser.next_event();
  REQUIRE(response);
  CHECK(std::get<smsgate::at::Response>(*response).final.ok());
  auto urc = parser.next_event();
  REQUIRE(urc);
  CHECK(std::get<smsgate::at::Urc>(*urc).line == "+CUSD: 0,\"Balance 5.00\",15");
}

// The parsers of src/modem/info.h against answers real modems give (examples from
// 3GPP TS 27.005/27.007, the vendors' AT manuals, and captured logs quoted in
// ModemManager's src/tests/test-modem-helpers.c), and every malformed variant we could
// think of, each of which must be an error and never a crash or a guess.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modem/info.h"

namespace smsgate::modem {
namespace {

// The classic SMS-DELIVER of the PDU-mode tutorials (SMSC +27381000015, from
// +27838890001, "hellohello"): 8 octets of SMSC address, then a 29-octet TPDU.
constexpr std::string_view kDeliverPdu =
    "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";

template <class T>
void check_all_fail(Result<T> (*parse)(std::string_view), std::initializer_list<const char*> bad) {
  for (const char* line : bad) {
    CAPTURE(line);
    auto result = parse(line);
    CHECK_FALSE(result.ok());
    if (!result.ok()) CHECK_FALSE(result.error().message.empty());
  }
}

// ---- +CSQ ----------------------------------------------------------------------------

TEST_CASE("modem info: +CSQ, rssi and dBm per TS 27.007 clause 8.5") {
  struct Case {
    const char* line;
    int rssi, ber;
    std::optional<int> dbm;
  };
  const Case cases[] = {
      {"+CSQ: 31,99", 31, 99, -51},  // EC25 next to a cell (Quectel EC2x manual example)
      {"+CSQ: 0,0", 0, 0, -113},
      {"+CSQ: 15,99", 15, 99, -83},
      {"+CSQ: 99,99", 99, 99, std::nullopt},  // not known: no service yet
      {"+CSQ:17,3", 17, 3, -79},              // Huawei writes no space
      {"  +csq: 20 , 7  ", 20, 7, -73},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto q = parse_csq(c.line);
    REQUIRE(q.ok());
    CHECK(q->rssi == c.rssi);
    CHECK(q->ber == c.ber);
    CHECK(q->dbm() == c.dbm);
    CHECK(q->known() == c.dbm.has_value());
  }
}

TEST_CASE("modem info: malformed +CSQ answers are errors") {
  check_all_fail(parse_csq, {"", "+CSQ:", "+CSQ: ", "+CSQ: 32,99", "+CSQ: 98,99", "+CSQ: -1,99",
                             "+CSQ: 10", "+CSQ: 10,8", "+CSQ: 10,99,1", "+CSQ: a,b", "+CSQ: 1 0,99",
                             "+CSQ: \"10\",99", "+CSQ: 99999999999999999999,99", "+CSQ: ,",
                             "+CSQ: 10,", "+CREG: 1,2", "CSQ: 10,99", "OK", "+CSQ: 0x1F,99"});
}

// ---- +CREG / +CGREG / +CEREG -----------------------------------------------------------

TEST_CASE("modem info: registration in the read form and the URC form") {
  struct Case {
    const char* line;
    RegistrationDomain domain;
    std::optional<int> mode;
    RegistrationStatus status;
    const char* area;
    const char* cell;
    std::optional<int> act;
  };
  using D = RegistrationDomain;
  using S = RegistrationStatus;
  const Case cases[] = {
      // Read answers to AT+CREG? (TS 27.007 clause 7.2).
      {"+CREG: 0,1", D::kCircuit, 0, S::kHome, "", "", std::nullopt},
      {"+CREG: 2,5,\"00C3\",\"0000A13F\",7", D::kCircuit, 2, S::kRoaming, "00C3", "0000A13F", 7},
      {"+CREG: 2,0", D::kCircuit, 2, S::kNotRegistered, "", "", std::nullopt},
      {"+CREG: 1,2", D::kCircuit, 1, S::kSearching, "", "", std::nullopt},
      {"+CGREG: 2,1, 81ED, 1A9CEB", D::kPacket, 2, S::kHome, "81ED", "1A9CEB", std::nullopt},
      {"+CEREG: 2,1, 1F00, 79D903 ,7", D::kEps, 2, S::kHome, "1F00", "79D903", 7},
      {"+CEREG: 0,6", D::kEps, 0, S::kHomeSmsOnly, "", "", std::nullopt},
      // Samsung: junk where AcT belongs (ModemManager's captured answers).
      {"+CREG: 2,1,000B,2816, B, C2816", D::kCircuit, 2, S::kHome, "000B", "2816", std::nullopt},
      // URCs (+CREG=1 and +CREG=2).
      {"+CREG: 1", D::kCircuit, std::nullopt, S::kHome, "", "", std::nullopt},
      {"+CREG: 3", D::kCircuit, std::nullopt, S::kDenied, "", "", std::nullopt},
      {"+CREG: 1,\"00C3\",\"0000A13F\"", D::kCircuit, std::nullopt, S::kHome, "00C3", "0000A13F",
       std::nullopt},
      {"+CREG: 1,84CD,00D30156", D::kCircuit, std::nullopt, S::kHome, "84CD", "00D30156",
       std::nullopt},  // unquoted (ModemManager's captured answers)
      {"+CREG: 1,0001,0010,0", D::kCircuit, std::nullopt, S::kHome, "0001", "0010", 0},
      {"+CREG: 10,0001,0010,0", D::kCircuit, std::nullopt, S::kRoamingCsfbNotPreferred, "0001",
       "0010", 0},
      {"+CREG: 2,,", D::kCircuit, std::nullopt, S::kSearching, "", "", std::nullopt},
      {"+CGREG: 1,\"1A2B\",\"01A2D101\",7,\"01\"", D::kPacket, std::nullopt, S::kHome, "1A2B",
       "01A2D101", 7},
      {"+CEREG: 1, 1F00, 79D903 ,7", D::kEps, std::nullopt, S::kHome, "1F00", "79D903", 7},
      {"+CEREG: 5", D::kEps, std::nullopt, S::kRoaming, "", "", std::nullopt},
      {"+CGREG: 8", D::kPacket, std::nullopt, S::kEmergencyOnly, "", "", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto reg = parse_creg(c.line);
    REQUIRE(reg.ok());
    CHECK(reg->domain == c.domain);
    CHECK(reg->mode == c.mode);
    CHECK(reg->status == c.status);
    CHECK(reg->area == c.area);
    CHECK(reg->cell == c.cell);
    CHECK(reg->access_technology == c.act);
  }
}

TEST_CASE("modem info: which registration states carry SMS") {
  using S = RegistrationStatus;
  for (S s : {S::kHome, S::kRoaming, S::kHomeSmsOnly, S::kRoamingSmsOnly, S::kHomeCsfbNotPreferred,
              S::kRoamingCsfbNotPreferred}) {
    CHECK(is_registered(s));
  }
  for (S s : {S::kNotRegistered, S::kSearching, S::kDenied, S::kUnknown, S::kEmergencyOnly,
              S::kRlosOnly}) {
    CHECK_FALSE(is_registered(s));
  }
  CHECK(registration_status_name(S::kRoaming) == "roaming");
}

TEST_CASE("modem info: malformed registration answers are errors") {
  check_all_fail(parse_creg,
                 {"", "+CREG:", "+CREG: ", "+CREG: 12", "+CREG: 0,12", "+CREG: x", "+CREG: 6,1",
                  "+CREG: 1,\"00C3\"", "+CREG: 1,\"XYZ\",\"A13F\"", "+CREG: 2,1,\"00C3\"",
                  "+CREG: \"1\"", "+CREG: 1,\"00C3", "+CREG: -1", "+C5GREG: 1", "+CSQ: 1,2",
                  "CREG: 1", "+CREG: 1,\"00C3\",\"0123456789ABCDEF\""});
}

// ---- +COPS ---------------------------------------------------------------------------

TEST_CASE("modem info: +COPS current operator") {
  struct Case {
    const char* line;
    int mode;
    std::optional<int> format;
    const char* name;
    std::optional<int> act;
  };
  const Case cases[] = {
      {"+COPS: 0", 0, std::nullopt, "", std::nullopt},  // not registered
      {"+COPS: 0,0,\"Telia\",7", 0, 0, "Telia", 7},
      {"+COPS: 1,0,\"CHINA MOBILE\"", 1, 0, "CHINA MOBILE", std::nullopt},  // ModemManager tests
      {"+COPS: 1,2,\"46000\",7", 1, 2, "46000", 7},
      {"+COPS: 0,2,\"310410\",2", 0, 2, "310410", 2},
      {"+COPS: 0,0,\"T-Mobile, DE\",2", 0, 0, "T-Mobile, DE", 2},  // a comma inside the name
      {"+COPS:0,1,\"TELIA\"", 0, 1, "TELIA", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto op = parse_cops(c.line);
    REQUIRE(op.ok());
    CHECK(op->mode == c.mode);
    CHECK(op->format == c.format);
    CHECK(op->name == c.name);
    CHECK(op->access_technology == c.act);
  }
}

TEST_CASE("modem info: malformed +COPS answers are errors") {
  check_all_fail(
      parse_cops,
      {"", "+COPS:", "+COPS: 5", "+COPS: 0,3,\"x\"", "+COPS: 0,0", "+COPS: 0,0,\"\"",
       "+COPS: 0,2,\"24\"", "+COPS: 0,2,\"Telia\"", "+COPS: 0,0,\"Telia\",14", "+COPS: 0,0,\"Telia",
       "+COPS: 0,0,\"Telia\",7,1", "+COPS: (2,\"Telia\",\"Telia\",\"24001\",7),,(0-4),(0-2)",
       "+COPS: a,0,\"x\"", "+COPS: 0,0,\"Telia\"x"});
}

// ---- +CPIN ---------------------------------------------------------------------------

TEST_CASE("modem info: +CPIN states (TS 27.007 clause 8.3) and the vendors' extras") {
  struct Case {
    const char* line;
    SimState state;
  };
  const Case cases[] = {
      {"+CPIN: READY", SimState::kReady},
      {"+CPIN:READY", SimState::kReady},  // Huawei, no space
      {"+cpin: ready", SimState::kReady},
      {"+CPIN: SIM PIN", SimState::kSimPin},
      {"+CPIN: SIM PUK", SimState::kSimPuk},
      {"+CPIN: PH-SIM PIN", SimState::kPhSimPin},
      {"+CPIN: SIM PIN2", SimState::kSimPin2},
      {"+CPIN: SIM PUK2", SimState::kSimPuk2},
      {"+CPIN: PH-NET PIN", SimState::kPhNetPin},
      {"+CPIN: PH-CORP PUK", SimState::kPhCorpPuk},
      {"+CPIN: \"SIM PIN\"", SimState::kSimPin},
      {"+CPIN: NOT INSERTED", SimState::kNotInserted},  // SIM800 URC
      {"+CPIN: NOT READY", SimState::kNotReady},        // SIM7600 / EC25 URC
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto state = parse_cpin(c.line);
    REQUIRE(state.ok());
    CHECK(*state == c.state);
  }
  CHECK(needs_pin(SimState::kSimPin));
  CHECK_FALSE(needs_pin(SimState::kSimPuk));
  CHECK(sim_state_name(SimState::kPhNetSubPin) == "PH-NETSUB PIN");
}

TEST_CASE("modem info: malformed +CPIN answers are errors") {
  check_all_fail(parse_cpin, {"", "+CPIN:", "+CPIN: ", "+CPIN: SIM", "+CPIN: READY2", "READY",
                              "+CPIN: SIM  PIN", "+CPIN: 1", "+CPIN: \"\""});
}

// ---- Identity ------------------------------------------------------------------------

TEST_CASE("modem info: identity lines as modems give them") {
  struct Case {
    const char* line;
    const char* value;
  };
  const Case cases[] = {
      {"huawei", "huawei"},
      {"   E173  ", "E173"},
      {"+CGMI: Quectel", "Quectel"},
      {"+CGMM: \"SIMCOM_SIM7600E-H\"", "SIMCOM_SIM7600E-H"},
      {"\"SIMCOM INCORPORATED\"", "SIMCOM INCORPORATED"},
      {"Manufacturer: huawei", "huawei"},  // ATI on Huawei sticks
      {"Model: E1550", "E1550"},
      {"Revision: 11.608.12.02.21", "11.608.12.02.21"},
      {"+CGMR: EC25EFAR06A06M4G", "EC25EFAR06A06M4G"},
      {"+CIMI: 240015551234567", "240015551234567"},
      {"Sierra Wireless, Incorporated", "Sierra Wireless, Incorporated"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto value = parse_identity_line(c.line);
    REQUIRE(value.ok());
    CHECK(*value == c.value);
  }
  check_all_fail(parse_identity_line,
                 {"", "   ", "\"\"", "+CGMI:", "Manufacturer:", "+CGMM: \"\"", "\"SIM\"COM\""});
}

TEST_CASE("modem info: IMEI with its Luhn check digit (TS 23.003 Annex B)") {
  for (const char* line : {"490154203237518", "+CGSN: 490154203237518", "\"356938035643809\"",
                           "IMEI: 353490069873319", "49015420323751"}) {
    CAPTURE(line);
    CHECK(parse_imei(line).ok());
  }
  CHECK(*parse_imei("+CGSN: 490154203237518") == "490154203237518");
  check_all_fail(parse_imei,
                 {"", "490154203237517", "4901542032375", "4901542032375188", "49015420323751A",
                  "+CGSN:", "ERROR", "4901 5420 3237 518", "-49015420323751"});
}

// ---- ICCID ---------------------------------------------------------------------------

using Lines = std::vector<std::string>;

TEST_CASE("modem info: ICCID in every driver's answer form") {
  struct Case {
    Lines lines;
    const char* prefix;
    const char* iccid;
  };
  const Case cases[] = {
      {{"^ICCID: 89860117851014783481"}, "^ICCID:", "89860117851014783481"},  // Huawei
      {{"+ICCID: 89860318760220218425"}, "+ICCID:", "89860318760220218425"},  // SIM7600
      {{"+QCCID: 8944031234567890123F"}, "+QCCID:", "8944031234567890123"},   // EC25, padded
      {{"!ICCID: 89014103211118510720"}, "!ICCID:", "89014103211118510720"},  // Sierra
      {{"#CCID: 89390100001234567890"}, "#CCID:", "89390100001234567890"},    // Telit
      {{"89460800000012345678"}, "+CCID:", "89460800000012345678"},           // SIM800, bare number
      {{"+CCID: \"89460800000012345678\""}, "+CCID:", "89460800000012345678"},
      // China Mobile puts hex letters into the account part (ModemManager,
      // mm_3gpp_parse_iccid).
      {{"^ICCID: 898600D6091250009512"}, "^ICCID:", "898600D6091250009512"},
      // A firmware that returns the raw, nibble-swapped EF_ICCID.
      {{"^ICCID: 98681031098310024233"}, "^ICCID:", "89860113903801202433"},
      // AT+CRSM=176,12258,0,0,10 (TS 27.007 clause 8.18): raw EF_ICCID.
      {{"+CRSM: 144,0,\"98681031098310024233\""}, "+CRSM:", "89860113903801202433"},
      {{"+CRSM: 144,0,\"984430214365870921F3\""}, "+CRSM:", "8944031234567890123"},
      {{"+CRSM: 144, 0, 98648000000021436587"}, "+CRSM:", "89460800000012345678"},
      {{"+CRSM: 145,12,\"98648000000021436587\""}, "+CRSM:", "89460800000012345678"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.lines.front());
    auto iccid = parse_iccid(c.lines, c.prefix);
    REQUIRE_MESSAGE(iccid.ok(), iccid.error().message);
    CHECK(*iccid == c.iccid);
  }
}

TEST_CASE("modem info: malformed ICCID answers are errors") {
  struct Case {
    Lines lines;
    const char* prefix;
  };
  const Case cases[] = {
      {{}, "^ICCID:"},
      {{""}, "^ICCID:"},
      {{"^ICCID:"}, "^ICCID:"},
      {{"^ICCID: 1234"}, "^ICCID:"},
      {{"^ICCID: 99860117851014783481"}, "^ICCID:"},   // not 89
      {{"^ICCID: 8986AB17851014783481"}, "^ICCID:"},   // hex in the issuer part
      {{"^ICCID: 898601178510147834812"}, "^ICCID:"},  // 21 digits
      {{"^ICCID: 89860117851014-83481"}, "^ICCID:"},
      {{"+QCCID: 89860117851014783481"}, "^ICCID:"},  // another driver's answer
      {{"89860117851014783481"}, ""},                 // no prefix given
      {{"+CRSM: 148,4"}, "+CRSM:"},                   // security status not satisfied
      {{"+CRSM: 106,130,\"\""}, "+CRSM:"},            // file not found (USIM)
      {{"+CRSM: 148,4,\"98681031098310024233\""}, "+CRSM:"},
      {{"+CRSM: 144,0,\"\""}, "+CRSM:"},
      {{"+CRSM: 144,0,\"98\""}, "+CRSM:"},
      {{"+CRSM: 144,0,\"9868103109831002423\""}, "+CRSM:"},  // 19 hex digits
      {{"+CRSM: 144,0,\"98681031098310024233FF\""}, "+CRSM:"},
      {{"+CRSM: 144,0,\"9868103109831002423Z\""}, "+CRSM:"},
      {{"+CRSM: 144,0,\"98681031098310024233"}, "+CRSM:"},
      {{"+CRSM: 256,0,\"98681031098310024233\""}, "+CRSM:"},
      {{"+CRSM: x,0,\"98681031098310024233\""}, "+CRSM:"},
      {{"89860117851014783481"}, "+CRSM:"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.prefix);
    CAPTURE(c.lines.empty() ? std::string("(no lines)") : c.lines.front());
    CHECK_FALSE(parse_iccid(c.lines, c.prefix).ok());
  }
}

// ---- +CMTI / +CDSI ---------------------------------------------------------------------

TEST_CASE("modem info: +CMTI and +CDSI (TS 27.005 clause 3.4.1)") {
  CHECK(*parse_cmti("+CMTI: \"SM\",3") == StoredMessage{"SM", 3});
  CHECK(*parse_cmti("+CMTI: \"ME\",12") == StoredMessage{"ME", 12});
  CHECK(*parse_cmti("+CMTI:\"SM\",0") == StoredMessage{"SM", 0});
  CHECK(*parse_cmti("+CMTI: SM,3") == StoredMessage{"SM", 3});  // unquoted, some ZTE
  CHECK(*parse_cmti("+cmti: \"MT\",254") == StoredMessage{"MT", 254});
  CHECK(*parse_cdsi("+CDSI: \"SR\",0") == StoredMessage{"SR", 0});  // Quectel status report
  CHECK(*parse_cdsi("+CDSI: \"SM\",7") == StoredMessage{"SM", 7});
  check_all_fail(parse_cmti,
                 {"", "+CMTI:", "+CMTI: \"SM\"", "+CMTI: \"SM\",-1", "+CMTI: \"\",3",
                  "+CMTI: \"SM\",3,4", "+CMTI: \"S M\",3", "+CMTI: \"SM\",70000", "+CMTI: \"SM\",",
                  "+CMTI: \"SM\",x", "+CMTI: \"SMSMS\",1", "+CDSI: \"SR\",0", "+CMTI: \"SM,3"});
  check_all_fail(parse_cdsi, {"", "+CDSI:", "+CMTI: \"SM\",3", "+CDSI: \"SR\""});
}

// ---- +CMGL / +CMGR ---------------------------------------------------------------------

TEST_CASE("modem info: AT+CMGL listing in PDU mode (TS 27.005 clause 3.4.2)") {
  std::string pdu(kDeliverPdu);
  auto listed = parse_cmgl({"+CMGL: 1,1,,29", pdu, "+CMGL: 2,0,\"Mum, home\",29", pdu,
                            "+CMGL: 14,1,29", pdu, "+CMGL: 15,3,\"\",29", pdu});
  REQUIRE_MESSAGE(listed.ok(), listed.error().message);
  REQUIRE(listed->size() == 4);
  CHECK((*listed)[0] == ListedMessage{1, MessageStatus::kReceivedRead, 29, pdu});
  CHECK((*listed)[1] == ListedMessage{2, MessageStatus::kReceivedUnread, 29, pdu});
  CHECK((*listed)[2].index == 14);  // no <alpha> field at all (some SIMCom firmware)
  CHECK((*listed)[3].status == MessageStatus::kStoredSent);

  auto empty = parse_cmgl({});
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  // Lower-case hex is still hex.
  auto lower = parse_cmgl({"+CMGL: 0,0,,1", "00040b"});
  REQUIRE(lower.ok());
  CHECK(lower->front().pdu_hex == "00040b");
}

TEST_CASE("modem info: malformed AT+CMGL listings are errors") {
  std::string pdu(kDeliverPdu);
  const Lines cases[] = {
      {"+CMGL: 1,1,,29"},  // header without its PDU
      {pdu},               // PDU without a header
      {"+CMGL: 1,1,,29", "NOT HEX"},
      {"+CMGL: 1,1,,29", pdu + "0"},  // odd number of hex digits
      {"+CMGL: 1,1,,29", ""},
      {"+CMGL: 1,1,,38", pdu},             // <length> beyond the PDU
      {"+CMGL: 1,4,,29", pdu},             // 4 ("all") is a filter, not a state
      {"+CMGL: 1,\"REC READ\",,29", pdu},  // text-mode header
      {"+CMGL: x,1,,29", pdu},
      {"+CMGL: 1,1,,", pdu},
      {"+CMGL: 1,1,,201", pdu},
      {"+CMGL: 1", pdu},
      {"+CMGL: 1,1,\"a\",\"b\",29", pdu},
      {"+CMGL: 1,1,,29", pdu, "+CMGL: 2,1,,29"},  // the second PDU is missing
      {"+CMGR: 1,,29", pdu},
      {"+CMGL: 1,1,\"unterminated,29", pdu},
  };
  for (const auto& lines : cases) {
    CAPTURE(lines.front());
    CHECK_FALSE(parse_cmgl(lines).ok());
  }
}

TEST_CASE("modem info: AT+CMGR in PDU mode (TS 27.005 clause 3.4.3)") {
  std::string pdu(kDeliverPdu);
  auto read = parse_cmgr({"+CMGR: 0,,29", pdu});
  REQUIRE(read.ok());
  CHECK(*read == ReadMessage{MessageStatus::kReceivedUnread, 29, pdu});
  auto named = parse_cmgr({"+CMGR: 1,\"Mum, home\",29", pdu});
  REQUIRE(named.ok());
  CHECK(named->status == MessageStatus::kReceivedRead);

  const Lines bad[] = {
      {},                          // empty slot: just OK
      {"+CMGR: 0,,0"},             // empty slot, as some modems say it
      {"+CMGR: 0,,29"},            // no PDU
      {"+CMGR: 0,,29", pdu, pdu},  // two PDUs
      {"+CMGR: 0,,29", "XYZ"},
      {"+CMGR: 5,,29", pdu},
      {"+CMGR: 0,,40", pdu},
      {"+CMGL: 0,0,,29", pdu},
      {pdu},
  };
  for (const auto& lines : bad) {
    CAPTURE(lines.empty() ? std::string("(no lines)") : lines.front());
    CHECK_FALSE(parse_cmgr(lines).ok());
  }
}

// ---- +CMGS, +CMT, +CDS -----------------------------------------------------------------

TEST_CASE("modem info: +CMGS message reference (TS 27.005 clause 3.5.1)") {
  CHECK(*parse_cmgs("+CMGS: 12") == 12);
  CHECK(*parse_cmgs("+CMGS: 0") == 0);
  CHECK(*parse_cmgs("+CMGS:255") == 255);
  CHECK(*parse_cmgs("+CMGS: 7,\"24/11/23,10:15:00+04\"") == 7);  // with <scts> (+CSMS=1)
  check_all_fail(parse_cmgs, {"", "+CMGS:", "+CMGS: 256", "+CMGS: -1", "+CMGS: abc", "+CMGW: 5",
                              "+CMGS: 1,2,3", "+CMGS: \"7\"", "+CMGS: 1 2"});
}

TEST_CASE("modem info: +CMT and +CDS headers (TS 27.005 clause 3.4.1)") {
  CHECK(*parse_cmt_header("+CMT: ,24") == 24);
  CHECK(*parse_cmt_header("+CMT: \"\",24") == 24);
  CHECK(*parse_cmt_header("+CMT: \"Mum, home\",29") == 29);
  CHECK(*parse_cmt_header("+CMT:,164") == 164);
  check_all_fail(parse_cmt_header, {"", "+CMT:", "+CMT: 24", "+CMT: ,0", "+CMT: ,", "+CMT: ,201",
                                    "+CMT: ,x", "+CMT: a,b,24", "+CDS: 24", "+CMTI: \"SM\",1"});
  CHECK(*parse_cds_header("+CDS: 25") == 25);
  CHECK(*parse_cds_header("+CDS:6") == 6);
  check_all_fail(parse_cds_header, {"", "+CDS:", "+CDS: 0", "+CDS: 6,1,\"+4670\",145", "+CDS: x",
                                    "+CMT: ,25", "+CDS: 999"});
}

// ---- +CPMS ---------------------------------------------------------------------------

TEST_CASE("modem info: +CPMS usage in the read and set answers (TS 27.005 clause 3.2.2)") {
  auto read = parse_cpms("+CPMS: \"SM\",3,30,\"SM\",3,30,\"SM\",3,30");
  REQUIRE(read.ok());
  REQUIRE(read->size() == 3);
  CHECK((*read)[0] == StorageUsage{"SM", 3, 30});

  // EC25 with message storage in the module (Quectel EC2x AT Commands Manual, +CPMS).
  auto quectel = parse_cpms("+CPMS: \"ME\",0,255,\"ME\",0,255,\"ME\",0,255");
  REQUIRE(quectel.ok());
  CHECK((*quectel)[2] == StorageUsage{"ME", 0, 255});

  auto set = parse_cpms("+CPMS: 3,30,3,30,3,30");
  REQUIRE(set.ok());
  REQUIRE(set->size() == 3);
  CHECK((*set)[1] == StorageUsage{"", 3, 30});

  auto two = parse_cpms("+CPMS: 0,255,0,255");
  REQUIRE(two.ok());
  CHECK(two->size() == 2);
  auto one = parse_cpms("+CPMS: \"SM\",30,30");  // full
  REQUIRE(one.ok());
  CHECK(one->front().used == 30);

  check_all_fail(parse_cpms,
                 {"", "+CPMS:", "+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\",\"ME\")",
                  "+CPMS: 31,30", "+CPMS: \"SM\",3", "+CPMS: 3,30,3",
                  "+CPMS: \"SM\",3,30,3,30,3,30", "+CPMS: \"\",3,30", "+CPMS: 3,30,3,30,3,30,3,30",
                  "+CPMS: \"SM\",x,30", "+CPMS: \"SM\",3,30,SM,3,30", "+CPMS: -1,30"});
}

}  // namespace
}  // namespace smsgate::modem

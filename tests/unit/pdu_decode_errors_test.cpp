// Malformed PDUs: each must be an Error whose message names the problem, and no input
// may crash the decoder or read past its end. The test binary runs under ASan/UBSan;
// every decode here reads from a heap block of exactly the input's size, so a read one
// octet too far is reported.
//
// Published vectors used (see pdu_decode_test.cpp for the list of sources):
//  [dreamfabric] the SMS-DELIVER and SMS-SUBMIT examples, [gsmmodem] python-gsmmodem's
//  test_pdu.py, [mm] ModemManager's test-sms-part-3gpp.c, [qtopia] Openmoko Qtopia's
//  pdutest.cpp, [genode] Genode's PDU test, [pim] the WAP push sample in zy0016/Pim,
//  [nordic] the +CDS example of the Nordic nRF91 AT command reference.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pdu/decode.h"
#include "pdu/hex.h"
#include "pdu/utf.h"
#include "pdu_test_support.h"

namespace smsgate::pdu {
namespace {

using testing::octets_of;
using testing::part_text;
using testing::plan_of;

// A heap block of exactly the input's size: ASan flags any read beyond it.
class ExactBuffer {
 public:
  explicit ExactBuffer(std::span<const uint8_t> src)
      : size_(src.size()), block_(new uint8_t[src.size()]) {
    std::copy(src.begin(), src.end(), block_.get());
  }
  std::span<const uint8_t> span() const { return {block_.get(), size_}; }
  uint8_t& operator[](size_t i) { return block_[i]; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  std::unique_ptr<uint8_t[]> block_;
};

Result<DecodedPdu> decode_exact(std::span<const uint8_t> src, bool with_smsc) {
  ExactBuffer buffer(src);
  return decode_pdu(buffer.span(), with_smsc);
}

// Touches everything a caller would read from a decoded PDU.
size_t consume(const DecodedPdu& pdu) {
  size_t n = pdu.smsc ? pdu.smsc->size() : 0;
  if (const auto* d = std::get_if<Deliver>(&pdu.tpdu)) {
    n += d->from.size() + d->timestamp.iso8601().size() +
         code_points_to_utf8(d->user_data.text).size() + d->user_data.data.size();
  } else if (const auto* s = std::get_if<Submit>(&pdu.tpdu)) {
    n += s->to.size() + code_points_to_utf8(s->user_data.text).size() + s->user_data.data.size() +
         (s->validity_until ? s->validity_until->iso8601().size() : 0);
  } else if (const auto* r = std::get_if<StatusReport>(&pdu.tpdu)) {
    n += r->recipient.size() + r->timestamp.iso8601().size() + r->discharge_time.iso8601().size() +
         status_meaning(r->status).size();
  }
  return n;
}

struct BadPdu {
  std::string_view what;
  std::string_view hex;
  bool with_smsc;
  std::string_view message;  // a substring the error must contain
};

// Base vectors the malformed ones are derived from (octet numbers are 1-based, as the
// decoder reports them):
//  D  = [dreamfabric] 07 917283010010F5 | 04 | 0B C8 7238880900F1 | 00 | 00 |
//       99 30 92 51 61 95 80 (octets 20-26) | 0A (octet 27) | E8329BFD4697D9EC37
//  B8 = [mm] test_pdu3_8bit, the same layout with TP-DCS 04 and 10 data octets
//  SR = [gsmmodem] 00 | 06 D6 | 0B 91 1326880736F4 | SCTS (octets 12-18) |
//       TP-DT (octets 19-25) | 00
constexpr BadPdu kBadPdus[] = {
    // --- empty and SMSC field
    {"empty, read with the SMSC", "", true, "SMSC length missing"},
    {"empty, bare TPDU", "", false, "first octet truncated at octet 1: needs 1, 0 left"},
    {"SMSC field only", "00", true, "first octet truncated at octet 2"},
    {"SMSC length 12 (> 11 octets)", "0C9172830100100000000000F5040BC87238880900F1", true,
     "SMSC length 12 exceeds 11 octets at octet 1"},
    {"SMSC length 255", "FF", true, "SMSC length 255 exceeds 11 octets"},
    {"SMSC address truncated", "07917283", true, "SMSC address truncated at octet 1"},
    {"SMSC with a filler F inside the number (D, octet 5 = F1)",
     "07917283F10010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37", true,
     "SMSC filler semi-octet inside the number at digit 6 at octet 1"},

    // --- first octet
    {"reserved TP-MTI 3 (D, first octet 07)",
     "07917283010010F5070BC87238880900F10000993092516195800AE8329BFD4697D9EC37", true,
     "reserved message type (TP-MTI 3) at octet 9"},
    {"reserved TP-MTI 3, bare", "FF", false, "reserved message type (TP-MTI 3) at octet 1"},

    // --- addresses. Only the filler F is a bad semi-octet inside a number: A-E are the
    // digits * # a b c (TS 23.040 9.1.2.3), decoded in pdu_decode_test.cpp.
    {"TP-OA length 21 (> 20 digits)",
     "07917283010010F50415C87238880900F10000993092516195800AE8329BFD4697D9EC37", true,
     "TP-OA: address length 21 exceeds 20 digits at octet 10"},
    {"TP-OA length 255",
     "00"
     "04FF91",
     true, "TP-OA: address length 255 exceeds 20 digits"},
    {"TP-OA alphanumeric, 22 semi-octets",
     "00"
     "0416D0",
     true, "TP-OA: address length 22 exceeds 20 digits"},
    {"TP-OA filler F in the middle of the digits (D, octet 13 = F8)",
     "07917283010010F5040BC872F8880900F10000993092516195800AE8329BFD4697D9EC37", true,
     "TP-OA: address: filler semi-octet inside the number at digit 4 at octet 10"},
    {"TP-OA even length 12 whose last semi-octet is the filler",
     "07917283010010F5040CC87238880900F10000993092516195800AE8329BFD4697D9EC37", true,
     "TP-OA: address: filler semi-octet inside the number at digit 12"},
    {"TP-OA truncated",
     "00"
     "040B917228",
     true, "TP-OA: address truncated at octet 3"},
    {"TP-DA of a submit, filler F first",
     "00"
     "1100"
     "0B91F407281553F8"
     "0000AA00",
     true, "TP-DA: address: filler semi-octet inside the number at digit 2 at octet 4"},
    {"TP-RA of a status report truncated", "06D60B9113268807", false,
     "TP-RA: address truncated at octet 3"},

    // --- time stamps (swapped BCD, TS 23.040 9.2.3.11)
    {"TP-SCTS year with semi-octet B",
     "07917283010010F5040BC87238880900F100009B3092516195800AE8329BFD4697D9EC37", true,
     "TP-SCTS: bad semi-octet in the year at octet 20"},
    {"TP-SCTS month with semi-octet A",
     "07917283010010F5040BC87238880900F10000993A92516195800AE8329BFD4697D9EC37", true,
     "TP-SCTS: bad semi-octet in the month at octet 20"},
    {"TP-SCTS second with semi-octet E",
     "07917283010010F5040BC87238880900F100009930925161E5800AE8329BFD4697D9EC37", true,
     "bad semi-octet in the second"},
    {"TP-SCTS time zone with semi-octet A",
     "07917283010010F5040BC87238880900F10000993092516195A00AE8329BFD4697D9EC37", true,
     "bad semi-octet in the time zone"},
    {"TP-SCTS month 13", "07917283010010F5040BC87238880900F10000993192516195800AE8329BFD4697D9EC37",
     true, "TP-SCTS: month out of range at octet 20"},
    {"TP-SCTS day 00", "07917283010010F5040BC87238880900F10000993000516195800AE8329BFD4697D9EC37",
     true, "day out of range"},
    {"TP-SCTS day 32", "07917283010010F5040BC87238880900F10000993023516195800AE8329BFD4697D9EC37",
     true, "day out of range"},
    {"TP-SCTS hour 24", "07917283010010F5040BC87238880900F10000993092426195800AE8329BFD4697D9EC37",
     true, "hour out of range"},
    {"TP-SCTS minute 60",
     "07917283010010F5040BC87238880900F10000993092510695800AE8329BFD4697D9EC37", true,
     "minute out of range"},
    {"TP-SCTS second 60",
     "07917283010010F5040BC87238880900F10000993092516106800AE8329BFD4697D9EC37", true,
     "second out of range"},
    {"TP-SCTS time zone 73 quarters",
     "07917283010010F5040BC87238880900F10000993092516195370AE8329BFD4697D9EC37", true,
     "time zone out of range"},
    {"TP-SCTS truncated",
     "00"
     "0400810000993092",
     true, "TP-SCTS truncated at octet 7"},
    {"SR: TP-SCTS time zone with semi-octet F",
     "0006D60B911326880736F4111011719551F01110117195714000", true,
     "TP-SCTS: bad semi-octet in the time zone at octet 12"},
    {"SR: TP-DT month 00", "0006D60B911326880736F4111011719551401100117195714000", true,
     "TP-DT: month out of range at octet 19"},
    {"SR: TP-ST missing", "0006D60B911326880736F41110117195514011101171957140", true,
     "TP-ST truncated at octet 26"},
    {"submit: absolute TP-VP month 00 ([gsmmodem] absolute validity vector)",
     "0019000B917228001011F100003100013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301", true,
     "TP-VP: month out of range at octet 14"},
    {"submit: relative TP-VP missing", "0011000B916407281553F80000", true,
     "TP-VP truncated at octet 14"},
    {"submit: enhanced TP-VP short of 7 octets", "0009000B916407281553F80000010203", true,
     "TP-VP truncated at octet 14: needs 7, 3 left"},

    // --- TP-DCS
    {"compressed TP-DCS 20",
     "07917283010010F5040BC87238880900F10020993092516195800AE8329BFD4697D9EC37", true,
     "compressed user data (TP-DCS bit 5) is not supported"},
    {"compressed TP-DCS 60 (automatic deletion group)",
     "07917283010010F5040BC87238880900F10060993092516195800AE8329BFD4697D9EC37", true,
     "compressed user data"},

    // --- TP-UDL against the user data
    {"TP-UDL 12 septets, 9 octets follow",
     "07917283010010F5040BC87238880900F10000993092516195800CE8329BFD4697D9EC37", true,
     "TP-UDL says 12 septets (11 octets) but 9 octets follow"},
    {"TP-UDL 9 septets, 9 octets follow (one trailing)",
     "07917283010010F5040BC87238880900F100009930925161958009E8329BFD4697D9EC37", true,
     "TP-UDL says 9 septets (8 octets) but 9 octets follow"},
    {"one octet after the user data",
     "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC3700", true,
     "TP-UDL says 10 septets (9 octets) but 10 octets follow"},
    {"TP-UDL 161 septets",
     "07917283010010F5040BC87238880900F1000099309251619580A1E8329BFD4697D9EC37", true,
     "TP-UDL 161 exceeds the maximum of 160 septets"},
    {"8-bit TP-UDL 141 octets",
     "07912143658709F1040B918100551512F20004111010214365008DE8329BFD4697D9EC37DE", true,
     "TP-UDL 141 exceeds the maximum of 140 octets"},
    {"8-bit TP-UDL 11, 10 octets follow",
     "07912143658709F1040B918100551512F20004111010214365000BE8329BFD4697D9EC37DE", true,
     "TP-UDL says 11 octets (11 octets) but 10 octets follow"},
    {"8-bit TP-UDL 9, 10 octets follow",
     "07912143658709F1040B918100551512F200041110102143650009E8329BFD4697D9EC37DE", true,
     "TP-UDL says 9 octets (9 octets) but 10 octets follow"},
    {"TP-UDL missing",
     "00"
     "040B917228214365F7"
     "0000"
     "31308051206180",
     true, "TP-UDL truncated at octet 20"},

    // --- UCS-2
    {"UCS-2 with 3 octets",
     "00"
     "040B917228214365F7000831308051206180"
     "03004100",
     true, "UCS-2 user data has an odd number of octets"},
    {"UCS-2 after a 6-octet header, 1 octet of text",
     "00"
     "440B917228214365F7000831308051206180"
     "0705000301020100",
     true, "UCS-2 user data has an odd number of octets"},

    // --- user data header
    {"TP-UDHI set, TP-UDL 0",
     "00"
     "440B917228214365F7000031308051206180"
     "00",
     true, "TP-UDHI set but the user data is empty"},
    {"UDH length 5, 3 octets of user data (8-bit)",
     "00"
     "440B917228214365F7000431308051206180"
     "03050003",
     true, "user data header length 5 exceeds the user data"},
    {"UDH length 5, 2 octets of user data (GSM 7-bit)",
     "00"
     "440B917228214365F7000031308051206180"
     "020500",
     true, "user data header length 5 exceeds the user data"},
    {"UDH length 0 is 2 septets, more than TP-UDL 1",
     "00"
     "440B917228214365F7000031308051206180"
     "0100",
     true, "user data header longer than TP-UDL"},
    {"IE length 4 in a 5-octet header",
     "00"
     "440B917228214365F7000431308051206180"
     "0705000401020100",
     true, "information element at header offset 1 overruns the user data header"},
    {"IE cut after its identifier",
     "00"
     "440B917228214365F7000431308051206180"
     "06040001117041",
     true, "information element at header offset 4 overruns the user data header"},
    {"IE length 255 in a 2-octet header",
     "00"
     "440B917228214365F7000431308051206180"
     "040200FF41",
     true, "information element at header offset 1 overruns the user data header"},

    // --- status report optional fields (TS 23.040 9.2.3.27)
    {"SR: TP-PI then one stray octet", "0006D60B911326880736F411101171955140111011719571400000AA",
     true, "1 unexpected octets after the TPDU at octet 28"},
    {"SR: TP-PI announces TP-UDL, none follows",
     "0006D60B911326880736F411101171955140111011719571400004", true, "TP-UDL truncated"},
    {"SR: TP-PI announces TP-PID and TP-DCS, only TP-PID follows",
     "0006D60B911326880736F41110117195514011101171957140000300", true, "TP-DCS truncated"},
    {"SR: compressed TP-DCS in the optional fields",
     "0006D60B911326880736F41110117195514011101171957140000620016100", true,
     "compressed user data"},
    {"SR: optional TP-UDL 5 septets, 3 octets follow",
     "0006D60B911326880736F4111011719551401110117195714000040561F118", true,
     "TP-UDL says 5 septets (5 octets) but 3 octets follow"},

    // --- published PDUs that are themselves malformed
    {"[mm] test_pdu_insufficient_data: 11 septets in 9 octets",
     "07912143658709F1040B918100551512F20000111010214365000BE8329BFD4697D9EC37", true,
     "TP-UDL says 11 septets (10 octets) but 9 octets follow"},
    // python-gsmmodem notes "User data length is invalid in this PDU (too long)": TP-UDL
    // A0 for UCS-2. Its TP-DA is wrong first: length 0C for the 11 digits of
    // +60164355246, so the 12th semi-octet is the filler F.
    {"[gsmmodem] UCS-2 submit with TP-DA length 12 for 11 digits",
     "0041010C910661345542F60008A0050003000301306F3044", true,
     "TP-DA: address: filler semi-octet inside the number at digit 12 at octet 4"},
    {"[gsmmodem] the same submit with TP-DA length 0B: TP-UDL A0 is too long",
     "0041010B910661345542F60008A0050003000301306F3044", true,
     "TP-UDL 160 exceeds the maximum of 140 octets"},
    {"[qtopia] row 1: TP-UDL 120 septets, cut to 80 octets",
     "07918167830071F1040BD0C7F7FBCC2E0300008080203201208078D0473BED2697D9F3B20E442DCFE9A076"
     "793E0F9FCBA07B9A8E0691C3EEF41C0D1AA3C3F2F0985E96CF75A00EE301E22C1C2C109B217781642E50B8"
     "7E76816433DD0C066A81E60CB70B347381C2F5B30B",
     true, "TP-UDL says 120 septets (105 octets) but 80 octets follow"},
    {"[qtopia] row 6: TP-UDL 140 septets, cut to 81 octets",
     "079194710756040000099194719719F14100808022029153808CD37419840E8BCB6E90BB5C2F83826E79DD"
     "5CD6811433D0142E0F8FD165C5758F6697DDA069BA0C5AD172B1DB2D97C3C562B61BADA648B641C1FA9C1D"
     "76934141F73C7C2ED3CB783AA89DA68354206A784E",
     true, "TP-UDL says 140 septets (123 octets) but 81 octets follow"},
    {"[nordic] +CDS example without its TP-MR, read bare",
     "060C91534810325476171160316255001711603152120000", false,
     "TP-RA: address length 145 exceeds 20 digits at octet 3"},
    {"[nordic] +CDS example without its TP-MR, read with an SMSC",
     "060C91534810325476171160316255001711603152120000", true,
     "TP-OA: address length 118 exceeds 20 digits at octet 9"},
};

TEST_CASE("pdu decode errors: malformed PDUs name the problem") {
  for (const BadPdu& bad : kBadPdus) {
    CAPTURE(bad.what);
    const auto bytes = octets_of(bad.hex);
    auto decoded = decode_exact(bytes, bad.with_smsc);
    REQUIRE_FALSE(decoded.ok());
    const std::string& message = decoded.error().message;
    CHECK_MESSAGE(message.find(bad.message) != std::string::npos,
                  "got \"" << message << "\", wanted \"" << bad.message << "\"");
  }
}

// decode.h promises errors "naming the field and octet": the compressed-TP-DCS error
// names the TP-DCS octet, the TP-UDL maximum error the TP-UDL octet.
TEST_CASE("pdu decode errors: octet numbers of TP-DCS and TP-UDL errors") {
  {
    // D with TP-DCS (octet 19) = 20: compressed.
    auto bytes =
        octets_of("07917283010010F5040BC87238880900F10020993092516195800AE8329BFD4697D9EC37");
    auto decoded = decode_exact(bytes, true);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().message ==
          "compressed user data (TP-DCS bit 5) is not supported at octet 19");
  }
  {
    // D with TP-UDL (octet 27) = A1.
    auto bytes =
        octets_of("07917283010010F5040BC87238880900F1000099309251619580A1E8329BFD4697D9EC37");
    auto decoded = decode_exact(bytes, true);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().message == "TP-UDL 161 exceeds the maximum of 160 septets at octet 27");
  }
}

TEST_CASE("pdu decode errors: hex text") {
  struct Case {
    std::string_view text;
    std::string_view message;
  };
  const Case cases[] = {
      {"0", "odd number of hex digits (1)"},
      {"07917", "odd number of hex digits (5)"},
      {"0G", "not a hex digit at character 2"},
      {"G0", "not a hex digit at character 1"},
      {"07 910", "not a hex digit at character 3"},
      {"0x07", "not a hex digit at character 2"},
      {"079172830100\r\n", "not a hex digit at character 13"},
      {"\xC3\xA9", "not a hex digit at character 1"},
      {"-1", "not a hex digit at character 1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto r = from_hex(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().message.find(c.message) != std::string::npos, r.error().message);
  }
  SUBCASE("lower case is accepted; empty text is no octets") {
    auto lower = from_hex("0011000b916407281553f80000aa0ae8329bfd4697d9ec37");
    auto upper = from_hex("0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
    REQUIRE(lower.ok());
    REQUIRE(upper.ok());
    CHECK(*lower == *upper);
    CHECK(to_hex(*lower) == "0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
    auto empty = from_hex("");
    REQUIRE(empty.ok());
    CHECK(empty->empty());
  }
}

TEST_CASE("pdu decode errors: decode_pdu_any keeps the SMSC reading's error") {
  const std::string_view inputs[] = {
      "",                                                  // nothing at all
      "FF",                                                // SMSC length 255 / TP-MTI 3
      "060C91534810325476171160316255001711603152120000",  // [nordic] +CDS without TP-MR
      "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC3700",
  };
  for (std::string_view hex_text : inputs) {
    CAPTURE(hex_text);
    const auto bytes = octets_of(hex_text);
    auto with_smsc = decode_exact(bytes, true);
    auto bare = decode_exact(bytes, false);
    REQUIRE_FALSE(with_smsc.ok());
    REQUIRE_FALSE(bare.ok());
    ExactBuffer buffer(bytes);
    auto any = decode_pdu_any(buffer.span());
    REQUIRE_FALSE(any.ok());
    CHECK(any.error().message == with_smsc.error().message);
  }
}

// Valid PDUs of every kind, each with the mode it is read in.
struct GoodPdu {
  std::string_view what;
  std::string_view hex;
  bool with_smsc;
};

constexpr GoodPdu kGoodPdus[] = {
    {"[dreamfabric] deliver",
     "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37", true},
    {"[dreamfabric] deliver, bare", "040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
     false},
    {"[dreamfabric] submit, relative TP-VP", "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
     true},
    {"[gsmmodem] submit, absolute TP-VP",
     "0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301", true},
    {"[gsmmodem] status report", "0006D60B911326880736F4111011719551401110117195714000", true},
    {"[amro] status report, bare", "06000B910221815716F2709021510121807090215101718000", false},
    {"[mm] alphanumeric originator, UCS-2",
     "07919730071111F10414D04937BD2C7797E9D3E614000811309291024061080442043504410442", true},
    {"[genode] UCS-2 surrogate pair",
     "0791947106004009040C91948967452301000842203241218540100045006D006F006A00690020D83DDE3A",
     true},
    {"[pim] WAP push: port IE + concatenation, 8-bit",
     "0891683108100005F04406A177848800F530202151016023550B05040B8423F000037102028A808E0400"
     "003D9D880681043E4D086983687474703A2F2F3231382E3230302E3234342E3139372F7761732F303231"
     "3231353136353739313030303030373030303030303330313400",
     true},
    {"[mm] 16-bit concatenation, 160 septets",
     "07911356131313F64004850120390011609232239180A006080400100201D7327BFD6EB340E2321BF46E"
     "83EA7790F59D1E97DBE1341B442F83C465763D3DA797E56537C81D0ECB41AB59CC1693C16031D96C0642"
     "41E5656838AF03A96230982A269BCD462917C8FA4E8FCBED709A0D7ABBE9F6B0FB5C7683D27350984D4F"
     "ABC9A0B33C4C4FCF5D20EBFB2D079DCB62793DBD06D9C36E50FB2D4E97D9A0B49B5E96BBCB",
     true},
    {"constructed: Turkish locking + single shift",
     "00440C91093512325476000042301080610021280625010124010147BF3B9C271FDC20E09C1E768BEBEC10"
     "88535E97E5A01A01440E6FCE",
     true},
    {"constructed: status report with TP-PI and user data",
     "0026D60B911326880736F411101171955140111011719571400006000361F118", true},
};

TEST_CASE("pdu decode errors: every strict prefix of a valid PDU is an error") {
  for (const GoodPdu& good : kGoodPdus) {
    CAPTURE(good.what);
    const auto bytes = octets_of(good.hex);
    REQUIRE(decode_exact(bytes, good.with_smsc).ok());
    // A status report may end after TP-ST: its optional fields are optional.
    const bool optional_tail = good.what.find("TP-PI") != std::string_view::npos;
    for (size_t n = 0; n < bytes.size(); ++n) {
      CAPTURE(n);
      const std::span<const uint8_t> prefix(bytes.data(), n);
      auto decoded = decode_exact(prefix, good.with_smsc);
      if (optional_tail && n == 26) {
        CHECK(decoded.ok());  // 00 26 ... TP-ST: the report without TP-PI
        continue;
      }
      REQUIRE_FALSE(decoded.ok());
      const std::string& message = decoded.error().message;
      const bool names_it = message.find("truncated") != std::string::npos ||
                            message.find("TP-UDL says") != std::string::npos ||
                            message.find("missing") != std::string::npos;
      CHECK_MESSAGE(names_it, message);
      // The other reading and decode_pdu_any must not crash either.
      (void)decode_exact(prefix, !good.with_smsc);
      ExactBuffer buffer(prefix);
      (void)decode_pdu_any(buffer.span());
    }
  }
}

TEST_CASE("pdu decode errors: every single-octet mutation decodes or fails, never crashes") {
  // 256 values at every position of every valid PDU, read both ways. ASan/UBSan catch
  // out-of-bounds reads and undefined behaviour; here we check that every failure
  // carries a message and that what decodes can be read in full.
  size_t cases = 0;
  size_t decoded_ok = 0;
  size_t silent_errors = 0;
  size_t consumed = 0;
  for (const GoodPdu& good : kGoodPdus) {
    CAPTURE(good.what);
    const auto bytes = octets_of(good.hex);
    ExactBuffer buffer(bytes);
    for (size_t pos = 0; pos < buffer.size(); ++pos) {
      const uint8_t original = buffer[pos];
      for (int value = 0; value < 256; ++value) {
        buffer[pos] = static_cast<uint8_t>(value);
        for (bool with_smsc : {true, false}) {
          auto decoded = decode_pdu(buffer.span(), with_smsc);
          ++cases;
          if (decoded.ok()) {
            ++decoded_ok;
            consumed += consume(*decoded);
          } else if (decoded.error().message.empty()) {
            ++silent_errors;
          }
        }
      }
      buffer[pos] = original;
    }
    REQUIRE(decode_pdu(buffer.span(), good.with_smsc).ok());  // restored intact
  }
  MESSAGE(cases << " mutated decodes, " << decoded_ok << " valid");
  CHECK(cases > 0);
  CHECK(decoded_ok > 0);
  CHECK(silent_errors == 0);
  CHECK(consumed > 0);
}

TEST_CASE("pdu decode errors: random multi-octet damage and lengths, never a crash") {
  // A fixed-seed generator (reproducible): 2-6 random octets overwritten, then the PDU
  // cut or extended by up to 8 random octets, read with, without the SMSC and by
  // decode_pdu_any.
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  size_t silent_errors = 0;
  size_t decoded_ok = 0;
  constexpr int kRounds = 20000;
  std::vector<std::vector<uint8_t>> bases;
  for (const GoodPdu& good : kGoodPdus) bases.push_back(octets_of(good.hex));
  for (int round = 0; round < kRounds; ++round) {
    std::vector<uint8_t> pdu = bases[next() % bases.size()];
    const int damage = 2 + static_cast<int>(next() % 5);
    for (int k = 0; k < damage; ++k) pdu[next() % pdu.size()] = static_cast<uint8_t>(next());
    const int resize = static_cast<int>(next() % 17) - 8;
    if (resize < 0) {
      pdu.resize(pdu.size() - std::min(pdu.size(), static_cast<size_t>(-resize)));
    } else {
      for (int k = 0; k < resize; ++k) pdu.push_back(static_cast<uint8_t>(next()));
    }
    ExactBuffer buffer(pdu);
    for (bool with_smsc : {true, false}) {
      auto decoded = decode_pdu(buffer.span(), with_smsc);
      if (decoded.ok()) {
        ++decoded_ok;
        (void)consume(*decoded);
      } else if (decoded.error().message.empty()) {
        ++silent_errors;
      }
    }
    auto any = decode_pdu_any(buffer.span());
    if (!any.ok() && any.error().message.empty()) ++silent_errors;
  }
  MESSAGE(kRounds << " damaged PDUs, " << decoded_ok << " readings valid");
  CHECK(silent_errors == 0);
}

}  // namespace
}  // namespace smsgate::pdu

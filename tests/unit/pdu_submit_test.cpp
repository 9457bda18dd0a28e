// Tests of src/pdu/submit: SMS-SUBMIT encoding (TS 23.040 clause 9.2.2.2), TP-VP
// (9.2.3.12), the user data header (9.2.3.24) and the address field (9.1.2.5). Every
// PDU encoded here is also read back with decode_pdu and compared field by field.
#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pdu/address.h"
#include "pdu/decode.h"
#include "pdu/gsm7.h"
#include "pdu/hex.h"
#include "pdu/planner.h"
#include "pdu/submit.h"
#include "pdu/timestamp.h"
#include "pdu/utf.h"
#include "pdu_test_support.h"

namespace smsgate::pdu {
namespace {

using testing::octets_of;
using testing::part_text;
using testing::plan_of;

// With this recipient the TPDU is laid out at fixed offsets of SubmitPdu::octets:
// [0] SMSC 00, [1] first octet, [2] TP-MR, [3..10] TP-DA, [11] TP-PID, [12] TP-DCS,
// then TP-VP (none, 1 or 7 octets), TP-UDL and TP-UD.
constexpr std::string_view kTo = "+46708251358";
constexpr size_t kFirst = 1;
constexpr size_t kMr = 2;
constexpr size_t kDcs = 12;
constexpr size_t kUdlNoVp = 13;

std::vector<SubmitPdu> submit(std::string_view to, const Plan& plan,
                              const SubmitOptions& options = {}) {
  auto pdus = encode_submit(to, plan, options);
  if (!pdus.ok()) {
    CAPTURE(pdus.error().message);
    REQUIRE(pdus.ok());
  }
  return std::move(pdus).value();
}

std::string hex(const SubmitPdu& pdu) { return to_hex(pdu.octets); }

Submit decoded(const SubmitPdu& pdu) {
  auto d = decode_pdu(pdu.octets, true);
  if (!d.ok()) {
    CAPTURE(hex(pdu));
    CAPTURE(d.error().message);
    REQUIRE(d.ok());
  }
  CHECK_FALSE(d->smsc.has_value());  // SMSC octet 00: the SIM's service centre
  const Submit* s = std::get_if<Submit>(&d->tpdu);
  REQUIRE(s != nullptr);
  return *s;
}

std::string address_hex(std::string_view address) {
  std::vector<uint8_t> out;
  auto r = append_address(address, out);
  if (!r.ok()) return "error: " + r.error().message;
  return to_hex(out);
}

// Everything decode_pdu reads back must be what was asked for; returns the first field
// that differs, or "".
std::string roundtrip_violation(std::string_view to, const Plan& plan, const SubmitOptions& o,
                                const std::vector<SubmitPdu>& pdus, bool compare_joined_text) {
  if (pdus.size() != plan.parts.size()) return "PDU count";
  std::u32string joined;
  for (size_t i = 0; i < pdus.size(); ++i) {
    const SubmitPdu& pdu = pdus[i];
    const std::string where = " of part " + std::to_string(i + 1);
    if (pdu.part != static_cast<int>(i + 1) || pdu.parts != static_cast<int>(pdus.size())) {
      return "part numbering" + where;
    }
    if (pdu.encoding != plan.encoding) return "SubmitPdu::encoding" + where;
    if (pdu.tpdu_length() != pdu.octets.size() - 1) return "tpdu_length" + where;
    // TP-MTI .. TP-UD of an SMS-SUBMIT: 1 + 1 + 12 + 1 + 1 + 7 + 1 + 140 octets at most.
    if (pdu.tpdu_length() > 164) return "TPDU over 164 octets" + where;
    if (pdu.octets[0] != 0x00) return "SMSC octet" + where;
    auto d = decode_pdu(pdu.octets, true);
    if (!d.ok()) return "decode_pdu: " + d.error().message + where;
    if (d->smsc) return "SMSC" + where;
    const Submit* s = std::get_if<Submit>(&d->tpdu);
    if (s == nullptr) return "not an SMS-SUBMIT" + where;
    if (s->reference != o.message_reference) return "TP-MR" + where;
    if (s->to != to) return "TP-DA '" + s->to + "'" + where;
    if (s->status_report_request != o.status_report) return "TP-SRR" + where;
    if (s->reject_duplicates != o.reject_duplicates) return "TP-RD" + where;
    if (s->protocol_id != 0) return "TP-PID" + where;
    if (const auto* r = std::get_if<RelativeValidity>(&o.validity)) {
      const int expected = relative_validity_minutes(*relative_validity_octet(r->minutes));
      if (s->validity_minutes != expected || s->validity_until) return "relative TP-VP" + where;
      if (expected < r->minutes) return "TP-VP shorter than asked" + where;
    } else if (const auto* t = std::get_if<Timestamp>(&o.validity)) {
      if (s->validity_until != *t || s->validity_minutes) return "absolute TP-VP" + where;
    } else if (s->validity_minutes || s->validity_until) {
      return "TP-VP present" + where;
    }
    const UserData& ud = s->user_data;
    if (ud.encoding != plan.encoding) return "TP-DCS alphabet" + where;
    if (ud.message_class != (o.flash ? 0 : -1)) return "message class" + where;
    const Gsm7Tables tables = plan.encoding == Encoding::kGsm7 ? plan.tables : Gsm7Tables{};
    if (!(ud.tables == tables)) return "national language IEs" + where;
    if (plan.concatenated()) {
      const Concat expected{
          static_cast<uint16_t>(plan.ref16 ? o.concat_reference : o.concat_reference & 0xFF),
          static_cast<uint8_t>(i + 1), static_cast<uint8_t>(pdus.size()), plan.ref16 ? 16 : 8};
      if (ud.concat != expected) return "concatenation IE" + where;
    } else if (ud.concat) {
      return "concatenation IE on a single part";
    }
    // TP-UDHI is set exactly when there is a header.
    const bool udhi = pdu.octets[1] & 0x40;
    if (udhi != (plan.header_octets() > 0)) return "TP-UDHI" + where;
    if (ud.text != part_text(plan, plan.parts[i])) return "text" + where;
    if (ud.text.size() != plan.parts[i].characters) return "characters" + where;
    joined += ud.text;
  }
  if (compare_joined_text && joined != plan.text) return "joined text";
  return "";
}

#define CHECK_ROUNDTRIP(to, plan, options, pdus)                                   \
  do {                                                                             \
    const std::string broken = roundtrip_violation(to, plan, options, pdus, true); \
    CHECK_MESSAGE(broken.empty(), broken);                                         \
  } while (0)

// ---------------------------------------------------------------------------------

TEST_CASE("submit: published vectors") {
  SUBCASE("the dreamfabric tutorial") {
    // http://www.dreamfabric.com/sms/ ("SMS messages and the PDU format", sending
    // "hellohello" to +46708251358 with a validity of 4 days).
    SubmitOptions o;
    o.validity = RelativeValidity{5760};
    const Plan plan = plan_of(U"hellohello");
    const auto pdus = submit(kTo, plan, o);
    REQUIRE(pdus.size() == 1);
    CHECK(hex(pdus[0]) == "0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
    CHECK(pdus[0].tpdu_length() == 23);
    CHECK(pdus[0].part == 1);
    CHECK(pdus[0].parts == 1);
    CHECK(pdus[0].encoding == Encoding::kGsm7);
    const Submit s = decoded(pdus[0]);
    CHECK(s.to == "+46708251358");
    CHECK(s.validity_minutes == 5760);
    CHECK(s.user_data.text == U"hellohello");
    CHECK_ROUNDTRIP(kTo, plan, o, pdus);
  }
  SUBCASE("a national number, TP-MR and the longest validity") {
    // The TPDU of the SMS-SUBMIT decoded at
    // https://accessvba.blogsky.com/1402/03/22/post-762/decode-SMS-SUBMIT
    // (11 51 04818116 00 00 FF 16 ...): to 1861, TP-MR 0x51, TP-VP FF (63 weeks).
    SubmitOptions o;
    o.message_reference = 0x51;
    o.validity = RelativeValidity{635040};
    const Plan plan = plan_of(U"Hello,my pretty world!");
    const auto pdus = submit("1861", plan, o);
    REQUIRE(pdus.size() == 1);
    CHECK(hex(pdus[0]) ==
          "00115104818116"
          "0000FF16C8329BFD66B5F320B8BC4CA7E741F7B79C4D0E01");
    CHECK_ROUNDTRIP("1861", plan, o, pdus);
  }
}

TEST_CASE("submit: relative validity at every band edge of TS 23.040 9.2.3.12.1") {
  struct Edge {
    int minutes;
    int octet;
  };
  const Edge edges[] = {
      {0, 0},       {1, 0},        {5, 0},        {6, 1},        {10, 1},      {11, 2},
      {715, 142},   {716, 143},    {720, 143},    {721, 144},    {750, 144},   {751, 145},
      {1410, 166},  {1411, 167},   {1440, 167},   {1441, 168},   {2880, 168},  {2881, 169},
      {4320, 169},  {41760, 195},  {41761, 196},  {43200, 196},  {43201, 197}, {50400, 197},
      {50401, 198}, {624960, 254}, {624961, 255}, {635040, 255},
  };
  for (const Edge& e : edges) {
    CAPTURE(e.minutes);
    auto octet = relative_validity_octet(e.minutes);
    REQUIRE(octet.ok());
    CHECK(static_cast<int>(*octet) == e.octet);
  }
  // TP-VP value -> minutes, by the formulas of the table.
  CHECK(relative_validity_minutes(0) == 5);
  CHECK(relative_validity_minutes(1) == 10);
  CHECK(relative_validity_minutes(143) == 720);
  CHECK(relative_validity_minutes(144) == 750);
  CHECK(relative_validity_minutes(167) == 1440);
  CHECK(relative_validity_minutes(168) == 2880);
  CHECK(relative_validity_minutes(170) == 5760);  // 0xAA, 4 days
  CHECK(relative_validity_minutes(196) == 43200);
  CHECK(relative_validity_minutes(197) == 50400);
  CHECK(relative_validity_minutes(255) == 635040);

  for (int bad : {-1, -5760, INT_MIN, 635041, 700000, INT_MAX}) {
    CAPTURE(bad);
    auto octet = relative_validity_octet(bad);
    REQUIRE_FALSE(octet.ok());
    CHECK_FALSE(octet.error().message.empty());
  }
  CHECK(relative_validity_octet(635041).error().message.find("635041") != std::string::npos);
}

TEST_CASE("submit: relative validity is the smallest value TP-VP holds that is long enough") {
  std::vector<int> representable;
  for (int o = 0; o < 256; ++o)
    representable.push_back(relative_validity_minutes(static_cast<uint8_t>(o)));
  CHECK(std::is_sorted(representable.begin(), representable.end()));
  CHECK(std::adjacent_find(representable.begin(), representable.end()) == representable.end());
  // Every value TP-VP can hold maps back to its own octet.
  for (int o = 0; o < 256; ++o) {
    auto back = relative_validity_octet(representable[static_cast<size_t>(o)]);
    REQUIRE(back.ok());
    if (*back != o) CHECK(static_cast<int>(*back) == o);
  }
  int first_bad = -1;
  for (int m = 0; m <= 635040; ++m) {
    auto octet = relative_validity_octet(m);
    const int expected = *std::lower_bound(representable.begin(), representable.end(), m);
    if (!octet.ok() || relative_validity_minutes(*octet) != expected) {
      first_bad = m;
      break;
    }
  }
  CHECK(first_bad == -1);
}

TEST_CASE("submit: relative validity out of range is refused") {
  const Plan plan = plan_of(U"hi");
  for (int bad : {-1, 635041}) {
    SubmitOptions o;
    o.validity = RelativeValidity{bad};
    CHECK_FALSE(encode_submit(kTo, plan, o).ok());
  }
}

TEST_CASE("submit: absolute validity") {
  SUBCASE("a time stamp with a negative offset") {
    // 2026-11-23 10:15:00 at UTC-05:00: semi-octets swapped, the sign in bit 3 of the
    // time zone octet (TS 23.040 9.2.3.11): 62 11 32 01 51 00 0A.
    SubmitOptions o;
    o.validity = Timestamp{2026, 11, 23, 10, 15, 0, -20};
    const Plan plan = plan_of(U"hi");
    const auto pdus = submit(kTo, plan, o);
    REQUIRE(pdus.size() == 1);
    CHECK(hex(pdus[0]) == "0019000B916407281553F800006211320151000A02E834");
    const Submit s = decoded(pdus[0]);
    REQUIRE(s.validity_until.has_value());
    CHECK(*s.validity_until == Timestamp{2026, 11, 23, 10, 15, 0, -20});
    CHECK_FALSE(s.validity_minutes.has_value());
    CHECK_ROUNDTRIP(kTo, plan, o, pdus);
  }
  SUBCASE("offsets from -12:00 to +18:00 and every field round trip") {
    const Plan plan = plan_of(U"x");
    for (int q : {-48, -47, -20, -1, 0, 1, 4, 22, 36, 39, 72}) {
      for (const Timestamp& t :
           {Timestamp{2000, 1, 1, 0, 0, 0, q}, Timestamp{2099, 12, 31, 23, 59, 59, q},
            Timestamp{2037, 2, 28, 9, 5, 7, q}}) {
        CAPTURE(q);
        CAPTURE(t.iso8601());
        SubmitOptions o;
        o.validity = t;
        const auto pdus = submit(kTo, plan, o);
        REQUIRE(pdus.size() == 1);
        CHECK((pdus[0].octets[kFirst] & 0x18) == 0x18);  // TP-VPF absolute
        CHECK(((pdus[0].octets[kDcs + 7] & 0x08) != 0) == (q < 0));
        CHECK_ROUNDTRIP(kTo, plan, o, pdus);
      }
    }
  }
}

TEST_CASE("submit: first octet, TP-MR, TP-DCS") {
  const Plan gsm = plan_of(U"hi");
  SUBCASE("defaults: no validity, no report") {
    const auto pdus = submit(kTo, gsm);
    CHECK(hex(pdus[0]) == "0001000B916407281553F8000002E834");
    CHECK_ROUNDTRIP(kTo, gsm, SubmitOptions{}, pdus);
  }
  SUBCASE("TP-SRR") {
    SubmitOptions o;
    o.status_report = true;
    const auto pdus = submit(kTo, gsm, o);
    CHECK(pdus[0].octets[kFirst] == 0x21);
    CHECK(decoded(pdus[0]).status_report_request);
    CHECK_ROUNDTRIP(kTo, gsm, o, pdus);
  }
  SUBCASE("TP-RD") {
    SubmitOptions o;
    o.reject_duplicates = true;
    const auto pdus = submit(kTo, gsm, o);
    CHECK(pdus[0].octets[kFirst] == 0x05);
    CHECK(decoded(pdus[0]).reject_duplicates);
    CHECK_ROUNDTRIP(kTo, gsm, o, pdus);
  }
  SUBCASE("TP-MR") {
    for (int mr : {0, 1, 0x7F, 0x80, 0xFF}) {
      SubmitOptions o;
      o.message_reference = static_cast<uint8_t>(mr);
      const auto pdus = submit(kTo, gsm, o);
      CHECK(pdus[0].octets[kMr] == mr);
      CHECK_ROUNDTRIP(kTo, gsm, o, pdus);
    }
  }
  SUBCASE("everything at once") {
    SubmitOptions o;
    o.status_report = true;
    o.reject_duplicates = true;
    o.validity = RelativeValidity{60};
    o.message_reference = 0x42;
    const auto pdus = submit(kTo, gsm, o);
    // 0x01 SUBMIT | 0x04 RD | 0x10 VPF relative | 0x20 SRR; TP-VP 11 (60 minutes).
    CHECK(hex(pdus[0]) == "0035420B916407281553F800000B02E834");
    CHECK_ROUNDTRIP(kTo, gsm, o, pdus);
  }
  SUBCASE("flash messages are class 0") {
    SubmitOptions o;
    o.flash = true;
    const auto g = submit(kTo, gsm, o);
    CHECK(g[0].octets[kDcs] == 0x10);
    CHECK(decoded(g[0]).user_data.message_class == 0);
    CHECK_ROUNDTRIP(kTo, gsm, o, g);
    const Plan ucs2 = plan_of(U"\u0416");
    const auto u = submit(kTo, ucs2, o);
    CHECK(u[0].octets[kDcs] == 0x18);
    CHECK(hex(u[0]) ==
          "0001000B916407281553F800180204"
          "16");
    CHECK_ROUNDTRIP(kTo, ucs2, o, u);
    const std::vector<uint8_t> data{0xDE, 0xAD};
    auto d = encode_submit_data(kTo, data, false, o);
    REQUIRE(d.ok());
    CHECK((*d)[0].octets[kDcs] == 0x14);
    CHECK(decoded((*d)[0]).user_data.message_class == 0);
  }
  SUBCASE("not flash: no class") {
    CHECK(submit(kTo, gsm)[0].octets[kDcs] == 0x00);
    CHECK(decoded(submit(kTo, gsm)[0]).user_data.message_class == -1);
    CHECK(submit(kTo, plan_of(U"\u0416"))[0].octets[kDcs] == 0x08);
  }
}

TEST_CASE("submit: addresses") {
  SUBCASE("international") {
    CHECK(address_hex("+46708251358") == "0B916407281553F8");
    CHECK(address_hex("+4915551234567") == "0D91945155214365F7");
    CHECK(address_hex("+1") == "0191F1");
    CHECK(address_hex("+12345678901234567890") == "149121436587092143658709");
  }
  SUBCASE("national and short numbers: type unknown, digits as given") {
    CHECK(address_hex("0701234567") == "0A817010325476");
    CHECK(address_hex("12345") == "05812143F5");
    CHECK(address_hex("1861") == "04818116");
    CHECK(address_hex("*123#") == "05811A32FB");
    CHECK(address_hex("12345678901234567890") == "148121436587092143658709");
  }
  SUBCASE("alphanumeric: GSM-7 packed, length in semi-octets") {
    // "Shop": 4 septets = 28 bits = 7 semi-octets; packed 53 F4 1B 0E.
    CHECK(address_hex("Shop") == "07D053F41B0E");
    CHECK(address_hex("ABCDEFGHIJK").substr(0, 4) == "14D0");  // 11 septets, 10 octets
    CHECK(address_hex("ABCDEFGHIJK").size() == 24);
  }
  SUBCASE("errors") {
    for (std::string_view bad :
         {"", "+", "+46 708", "+46-708", "+4670a", "+4670+1", "++4670", "+123456789012345678901",
          "123456789012345678901", "ABCDEFGHIJKL", "ABCDEFGHIJ{", "\xD0\x96op", "Sh\xC3"}) {
      CAPTURE(bad);
      CHECK(address_hex(bad).rfind("error: ", 0) == 0);
    }
    CHECK(address_hex("+46 708").find("position 4") != std::string::npos);
  }
  SUBCASE("every kind round trips through the TPDU") {
    const Plan plan = plan_of(U"ok");
    for (std::string_view to :
         {"+46708251358", "+1", "+12345678901234567890", "0701234567", "12345", "*123#", "Shop",
          "Shop@", "ABCDEFGHIJK", "Caf\xC3\xA9", "My Shop", "ABCDEFGHI{"}) {
      CAPTURE(to);
      const auto pdus = submit(to, plan);
      CHECK_ROUNDTRIP(to, plan, SubmitOptions{}, pdus);
    }
    // A refused address is refused by encode_submit too.
    CHECK_FALSE(encode_submit("ABCDEFGHIJKL", plan, {}).ok());
    CHECK_FALSE(encode_submit("+46 70", plan, {}).ok());
    CHECK_FALSE(encode_submit_data("", std::vector<uint8_t>{1}, false, {}).ok());
  }
}

TEST_CASE("submit: concatenation") {
  SUBCASE("GSM-7, 8-bit reference: 00 03 ref total seq and one fill bit") {
    SubmitOptions o;
    o.concat_reference = 0xBEEF;
    const Plan plan = plan_of(std::u32string(161, U'a'));
    const auto pdus = submit(kTo, plan, o);
    REQUIRE(pdus.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      const auto& p = pdus[i].octets;
      CAPTURE(i);
      CHECK(p[kFirst] == 0x41);  // TP-UDHI
      // UDL counts 7 header septets (6 octets + 1 fill bit) and the text septets.
      CHECK(p[kUdlNoVp] == 7 + plan.parts[i].units);
      const std::vector<uint8_t> udh(p.begin() + kUdlNoVp + 1, p.begin() + kUdlNoVp + 7);
      CHECK(udh == std::vector<uint8_t>{0x05, 0x00, 0x03, 0xEF, 0x02, static_cast<uint8_t>(i + 1)});
      CHECK((p[kUdlNoVp + 7] & 0x01) == 0);  // the fill bit
      CHECK(p.size() == kUdlNoVp + 1 + packed_octets(7 + plan.parts[i].units, 0));
    }
    CHECK(pdus[0].octets[kUdlNoVp] == 160);
    // Part 2: 8 'a' after the header and one fill bit, packed bit by bit by hand.
    CHECK(hex(pdus[1]) == "0041000B916407281553F800000F050003EF0202C2E170381C0E8701");
    CHECK_ROUNDTRIP(kTo, plan, o, pdus);
  }
  SUBCASE("GSM-7, 16-bit reference: 08 04 refHi refLo total seq, no fill") {
    SubmitOptions o;
    o.concat_reference = 0xBEEF;
    PlanOptions po;
    po.ref16 = true;
    const Plan plan = plan_of(std::u32string(400, U'b'), po);
    const auto pdus = submit(kTo, plan, o);
    REQUIRE(pdus.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      const auto& p = pdus[i].octets;
      CAPTURE(i);
      CHECK(p[kFirst] == 0x41);
      CHECK(p[kUdlNoVp] == 8 + plan.parts[i].units);  // 7 octets = 8 septets exactly
      const std::vector<uint8_t> udh(p.begin() + kUdlNoVp + 1, p.begin() + kUdlNoVp + 8);
      CHECK(udh ==
            std::vector<uint8_t>{0x06, 0x08, 0x04, 0xBE, 0xEF, 0x03, static_cast<uint8_t>(i + 1)});
      CHECK(p[kUdlNoVp + 8] == 0x62);  // 'b' starts right after the header
    }
    CHECK(pdus[0].octets[kUdlNoVp] == 160);
    CHECK_ROUNDTRIP(kTo, plan, o, pdus);
  }
  SUBCASE("UCS-2: UDL in octets, header included") {
    SubmitOptions o;
    o.concat_reference = 0x0102;
    o.validity = RelativeValidity{1440};
    const Plan plan = plan_of(std::u32string(71, U'\u0416'));
    const auto pdus = submit(kTo, plan, o);
    REQUIRE(pdus.size() == 2);
    const size_t udl = kUdlNoVp + 1;  // after TP-VP
    CHECK(pdus[0].octets[kFirst] == 0x51);
    CHECK(pdus[0].octets[udl] == 140);
    CHECK(pdus[1].octets[udl] == 6 + 8);
    const std::vector<uint8_t> udh(pdus[1].octets.begin() + udl + 1,
                                   pdus[1].octets.begin() + udl + 7);
    CHECK(udh == std::vector<uint8_t>{0x05, 0x00, 0x03, 0x02, 0x02, 0x02});
    CHECK(pdus[0].tpdu_length() == 1 + 1 + 8 + 1 + 1 + 1 + 1 + 140);
    CHECK_ROUNDTRIP(kTo, plan, o, pdus);
  }
  SUBCASE("a single part has no header even with ref16") {
    PlanOptions po;
    po.ref16 = true;
    const Plan plan = plan_of(std::u32string(160, U'c'), po);
    const auto pdus = submit(kTo, plan);
    REQUIRE(pdus.size() == 1);
    CHECK(pdus[0].octets[kFirst] == 0x01);
    CHECK(pdus[0].octets[kUdlNoVp] == 160);
    CHECK_ROUNDTRIP(kTo, plan, SubmitOptions{}, pdus);
  }
  SUBCASE("255 parts") {
    SubmitOptions o;
    o.concat_reference = 7;
    const Plan plan = plan_of(std::u32string(153 * 255, U'd'));
    const auto pdus = submit(kTo, plan, o);
    REQUIRE(pdus.size() == 255);
    CHECK(pdus[254].octets[kUdlNoVp + 5] == 255);  // total
    CHECK(pdus[254].octets[kUdlNoVp + 6] == 255);  // sequence
    CHECK_ROUNDTRIP(kTo, plan, o, pdus);
  }
}

TEST_CASE("submit: national language IEs in every part") {
  SUBCASE("Turkish single shift on a single part: 24 01 01 and three fill bits") {
    PlanOptions po;
    po.languages = {Language::kTurkish};
    const Plan plan = plan_of(U"\u015Fa", po);
    REQUIRE(plan.tables == Gsm7Tables{Language::kDefault, Language::kTurkish});
    const auto pdus = submit(kTo, plan);
    REQUIRE(pdus.size() == 1);
    // UDL 8 = 5 header septets (4 octets + 3 fill bits) + escape, 0x73 (ş), 'a'.
    CHECK(hex(pdus[0]) ==
          "0041000B916407281553F8000008"
          "03240101"
          "D8CCC3");
    CHECK_ROUNDTRIP(kTo, plan, SubmitOptions{}, pdus);
  }
  SUBCASE("Turkish locking shift over two parts: 25 01 01 after the concatenation IE") {
    PlanOptions po;
    po.languages = {Language::kTurkish};
    SubmitOptions o;
    o.concat_reference = 0xEF;
    const Plan plan = plan_of(std::u32string(156, U'\u015F'), po);
    REQUIRE(plan.tables == Gsm7Tables{Language::kTurkish, Language::kDefault});
    const auto pdus = submit(kTo, plan, o);
    REQUIRE(pdus.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      const auto& p = pdus[i].octets;
      const std::vector<uint8_t> udh(p.begin() + kUdlNoVp + 1, p.begin() + kUdlNoVp + 10);
      CHECK(udh == std::vector<uint8_t>{0x08, 0x00, 0x03, 0xEF, 0x02, static_cast<uint8_t>(i + 1),
                                        0x25, 0x01, 0x01});
    }
    // 9 header octets + 5 fill bits = 11 septets; 149 + 7 text septets.
    CHECK(pdus[0].octets[kUdlNoVp] == 160);
    CHECK(hex(pdus[1]) ==
          "0041000B916407281553F8000012"
          "080003EF0202250101"
          "A0D3E9743A9D0E");
    CHECK_ROUNDTRIP(kTo, plan, o, pdus);
  }
  SUBCASE("both shifts, 16-bit reference") {
    PlanOptions po;
    po.languages = {Language::kPortuguese};
    po.ref16 = true;
    SubmitOptions o;
    o.concat_reference = 0x1234;
    const Plan plan = plan_of(std::u32string(200, U'\u00AA') + U"\u03A6", po);
    REQUIRE(plan.tables == Gsm7Tables{Language::kPortuguese, Language::kPortuguese});
    const auto pdus = submit(kTo, plan, o);
    REQUIRE(pdus.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      const auto& p = pdus[i].octets;
      const std::vector<uint8_t> udh(p.begin() + kUdlNoVp + 1, p.begin() + kUdlNoVp + 14);
      CHECK(udh == std::vector<uint8_t>{0x0C, 0x08, 0x04, 0x12, 0x34, 0x02,
                                        static_cast<uint8_t>(i + 1), 0x24, 0x01, 0x03, 0x25, 0x01,
                                        0x03});
      // 13 header octets = 104 bits + 1 fill bit = 15 septets.
      CHECK(p[kUdlNoVp] == 15 + plan.parts[i].units);
    }
    CHECK(pdus[0].octets[kUdlNoVp] == 160);
    CHECK_ROUNDTRIP(kTo, plan, o, pdus);
  }
}

TEST_CASE("submit: 8-bit data") {
  auto data_of = [](size_t n) {
    std::vector<uint8_t> d(n);
    for (size_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>(i * 7 + 3);
    return d;
  };
  auto check_data_roundtrip = [](const std::vector<SubmitPdu>& pdus,
                                 const std::vector<uint8_t>& data, bool ref16, uint16_t reference) {
    std::vector<uint8_t> joined;
    for (const auto& pdu : pdus) {
      CAPTURE(pdu.part);
      CHECK(pdu.encoding == Encoding::kEightBit);
      CHECK(pdu.parts == static_cast<int>(pdus.size()));
      const Submit s = decoded(pdu);
      CHECK(s.user_data.encoding == Encoding::kEightBit);
      CHECK(s.to == kTo);
      if (pdus.size() > 1) {
        REQUIRE(s.user_data.concat.has_value());
        CHECK(s.user_data.concat->part == pdu.part);
        CHECK(s.user_data.concat->total == pdus.size());
        CHECK(s.user_data.concat->reference_bits == (ref16 ? 16 : 8));
        CHECK(s.user_data.concat->reference == (ref16 ? reference : reference & 0xFF));
      } else {
        CHECK_FALSE(s.user_data.concat.has_value());
      }
      joined.insert(joined.end(), s.user_data.data.begin(), s.user_data.data.end());
    }
    CHECK(joined == data);
  };
  SubmitOptions o;
  o.concat_reference = 0xA55A;
  SUBCASE("140 octets are one part") {
    const auto data = data_of(140);
    auto pdus = encode_submit_data(kTo, data, false, o);
    REQUIRE(pdus.ok());
    REQUIRE(pdus->size() == 1);
    const auto& p = (*pdus)[0].octets;
    CHECK(p[kFirst] == 0x01);
    CHECK(p[kDcs] == 0x04);
    CHECK(p[kUdlNoVp] == 140);
    CHECK(p.size() == kUdlNoVp + 1 + 140);
    CHECK(std::equal(data.begin(), data.end(), p.begin() + kUdlNoVp + 1));
    check_data_roundtrip(*pdus, data, false, o.concat_reference);
  }
  SUBCASE("141 octets are 134 + 7") {
    const auto data = data_of(141);
    auto pdus = encode_submit_data(kTo, data, false, o);
    REQUIRE(pdus.ok());
    REQUIRE(pdus->size() == 2);
    CHECK((*pdus)[0].octets[kFirst] == 0x41);
    CHECK((*pdus)[0].octets[kUdlNoVp] == 6 + 134);
    CHECK((*pdus)[1].octets[kUdlNoVp] == 6 + 7);
    const auto& p = (*pdus)[1].octets;
    CHECK(std::vector<uint8_t>(p.begin() + kUdlNoVp + 1, p.begin() + kUdlNoVp + 7) ==
          std::vector<uint8_t>{0x05, 0x00, 0x03, 0x5A, 0x02, 0x02});
    check_data_roundtrip(*pdus, data, false, o.concat_reference);
  }
  SUBCASE("16-bit reference: 133 a part") {
    const auto data = data_of(141);
    auto pdus = encode_submit_data(kTo, data, true, o);
    REQUIRE(pdus.ok());
    REQUIRE(pdus->size() == 2);
    CHECK((*pdus)[0].octets[kUdlNoVp] == 7 + 133);
    CHECK((*pdus)[1].octets[kUdlNoVp] == 7 + 8);
    const auto& p = (*pdus)[0].octets;
    CHECK(std::vector<uint8_t>(p.begin() + kUdlNoVp + 1, p.begin() + kUdlNoVp + 8) ==
          std::vector<uint8_t>{0x06, 0x08, 0x04, 0xA5, 0x5A, 0x02, 0x01});
    check_data_roundtrip(*pdus, data, true, o.concat_reference);
  }
  SUBCASE("empty data is one empty part") {
    auto pdus = encode_submit_data(kTo, {}, false, o);
    REQUIRE(pdus.ok());
    REQUIRE(pdus->size() == 1);
    CHECK(hex((*pdus)[0]) == "0001000B916407281553F8000400");
    check_data_roundtrip(*pdus, {}, false, o.concat_reference);
  }
  SUBCASE("at most 255 parts") {
    const auto data = data_of(134 * 255);
    auto pdus = encode_submit_data(kTo, data, false, o);
    REQUIRE(pdus.ok());
    CHECK(pdus->size() == 255);
    check_data_roundtrip(*pdus, data, false, o.concat_reference);
    CHECK_FALSE(encode_submit_data(kTo, data_of(134 * 255 + 1), false, o).ok());
  }
  SUBCASE("with the other options") {
    SubmitOptions all = o;
    all.status_report = true;
    all.reject_duplicates = true;
    all.message_reference = 9;
    all.validity = RelativeValidity{721};
    const auto data = data_of(300);
    auto pdus = encode_submit_data(kTo, data, false, all);
    REQUIRE(pdus.ok());
    REQUIRE(pdus->size() == 3);
    for (const auto& pdu : *pdus) {
      CHECK(pdu.octets[kFirst] == 0x75);
      CHECK(pdu.octets[kMr] == 9);
      CHECK(pdu.octets[kDcs + 1] == 144);
      const Submit s = decoded(pdu);
      CHECK(s.status_report_request);
      CHECK(s.reject_duplicates);
      CHECK(s.validity_minutes == 750);
    }
    check_data_roundtrip(*pdus, data, false, o.concat_reference);
  }
}

// ---------------------------------------------------------------------------------
// Every PDU of many generated texts and option sets decodes to what was encoded.

TEST_CASE("submit property: encode -> decode round trip") {
  std::mt19937 rng(40);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::u32string gsm;
  for (char32_t c : *locking_shift_table(Language::kDefault)) {
    if (c != kNoChar) gsm.push_back(c);
  }
  const std::u32string extension = U"\f^{}\\[~]|\u20AC";
  const std::u32string turkish = U"\u015F\u015E\u011F\u011E\u0131\u0130\u00E7";
  const std::u32string portuguese = U"\u00AA\u00BA\u00EA\u00E1\u00E3\u00F5\u00C2";
  const std::string_view recipients[] = {"+46708251358", "+4915551234567", "0701234567",
                                         "1861",         "Shop",           "ABCDEFGHIJK"};
  const std::vector<Language> language_sets[] = {
      {}, {Language::kTurkish}, {Language::kPortuguese}, {Language::kSpanish, Language::kTurkish}};
  auto character = [&](int flavour) -> char32_t {
    const int roll = pick(0, 99);
    if (roll < 70) return gsm[static_cast<size_t>(pick(0, static_cast<int>(gsm.size()) - 1))];
    if (roll < 80) return extension[static_cast<size_t>(pick(0, 9))];
    switch (flavour) {
      case 0:
        return gsm[static_cast<size_t>(pick(0, static_cast<int>(gsm.size()) - 1))];
      case 1:
        return turkish[static_cast<size_t>(pick(0, 6))];
      case 2:
        return portuguese[static_cast<size_t>(pick(0, 6))];
      case 3:
        return static_cast<char32_t>(pick(0x0410, 0x044F));
      default:
        return static_cast<char32_t>(pick(0x1F300, 0x1F64F));
    }
  };
  size_t failures = 0;
  size_t concatenated = 0;
  size_t national = 0;
  for (int n = 0; n < 600; ++n) {
    const int flavour = pick(0, 4);
    std::u32string text;
    for (int k = pick(0, pick(0, 1) == 0 ? 170 : 700); k > 0; --k)
      text.push_back(character(flavour));
    PlanOptions po;
    po.languages = language_sets[pick(0, 3)];
    po.ref16 = pick(0, 3) == 0;
    po.encoding = pick(0, 9) == 0 ? EncodingChoice::kUcs2 : EncodingChoice::kAuto;
    auto plan = plan_text(text, po);
    REQUIRE(plan.ok());
    SubmitOptions o;
    o.status_report = pick(0, 1) == 1;
    o.reject_duplicates = pick(0, 3) == 0;
    o.flash = pick(0, 5) == 0;
    o.message_reference = static_cast<uint8_t>(pick(0, 255));
    o.concat_reference = static_cast<uint16_t>(pick(0, 0xFFFF));
    switch (pick(0, 2)) {
      case 1:
        o.validity = RelativeValidity{pick(0, 635040)};
        break;
      case 2:
        o.validity = Timestamp{pick(2000, 2099), pick(1, 12), pick(1, 28),  pick(0, 23),
                               pick(0, 59),      pick(0, 59), pick(-48, 56)};
        break;
      default:
        break;
    }
    const std::string_view to = recipients[pick(0, 5)];
    auto pdus = encode_submit(to, *plan, o);
    REQUIRE(pdus.ok());
    const std::string broken = roundtrip_violation(to, *plan, o, *pdus, true);
    if (!broken.empty() && failures++ < 3) {
      CAPTURE(n);
      CAPTURE(code_points_to_utf8(text));
      FAIL_CHECK(broken);
    }
    if (plan->concatenated()) ++concatenated;
    if (plan->encoding == Encoding::kGsm7 && !(plan->tables == Gsm7Tables{})) ++national;
  }
  CHECK(failures == 0);
  CHECK(concatenated > 100);
  CHECK(national > 20);
}

}  // namespace
}  // namespace smsgate::pdu

TEST_CASE("submit: a number with separators is refused, not sent as alphanumeric") {
  using namespace smsgate::pdu;
  auto plan = plan_text(U"x", {});
  REQUIRE(plan.ok());
  for (const char* bad :
       {"0701 234", "+46 70 123", "(030) 1234", "030-1234", "12+34", " +4670", "Clinic "}) {
    CAPTURE(std::string(bad));
    auto pdus = encode_submit(bad, *plan, {});
    CHECK_FALSE(pdus.ok());
  }
  CHECK(encode_submit("Clinic 24", *plan, {}).ok());
}

namespace smsgate::pdu {

TEST_CASE("pdu submit: the relative validity of an encoded PDU can be rewritten") {
  auto plan = plan_text(U"see you at 10", {});
  REQUIRE(plan.ok());
  for (const char* to : {"+4917012345678", "12345", "Shop"}) {
    CAPTURE(to);
    SubmitOptions options;
    options.validity = RelativeValidity{1440};
    auto pdus = encode_submit(to, *plan, options);
    REQUIRE(pdus.ok());
    std::vector<uint8_t> octets = (*pdus)[0].octets;
    REQUIRE(set_relative_validity(octets, 10).ok());
    auto decoded = decode_pdu(octets, true);
    REQUIRE(decoded.ok());
    const auto& submit = std::get<Submit>(decoded->tpdu);
    CHECK(submit.validity_minutes == 10);
    CHECK(code_points_to_utf8(submit.user_data.text) == "see you at 10");
    CHECK(submit.to == (std::string(to) == "Shop" ? "Shop" : to));
  }
}

TEST_CASE("pdu submit: no relative validity to rewrite is an error that changes nothing") {
  auto plan = plan_text(U"x", {});
  REQUIRE(plan.ok());
  auto pdus = encode_submit("+4917012345678", *plan, {});
  REQUIRE(pdus.ok());
  std::vector<uint8_t> octets = (*pdus)[0].octets;
  auto before = octets;
  CHECK_FALSE(set_relative_validity(octets, 10).ok());
  CHECK(octets == before);
  std::vector<uint8_t> empty;
  CHECK_FALSE(set_relative_validity(empty, 10).ok());
  std::vector<uint8_t> shorter(octets.begin(), octets.begin() + 4);
  CHECK_FALSE(set_relative_validity(shorter, 10).ok());
}

TEST_CASE("pdu submit: a part's concatenation reference can be rewritten, 8-bit and 16-bit") {
  for (bool ref16 : {false, true}) {
    for (Validity validity : {Validity{}, Validity{RelativeValidity{60}},
                              Validity{Timestamp{2026, 12, 5, 10, 0, 0, 4}}}) {
      CAPTURE(ref16);
      CAPTURE(validity.index());
      PlanOptions po;
      po.ref16 = ref16;
      const Plan plan = plan_of(U"Grüße " + std::u32string(200, U'x'), po);
      SubmitOptions o;
      o.concat_reference = 0x1234;
      o.validity = validity;
      const auto pdus = submit(kTo, plan, o);
      REQUIRE(pdus.size() == 2);
      for (const SubmitPdu& pdu : pdus) {
        std::vector<uint8_t> octets = pdu.octets;
        auto previous = set_concat_reference(octets, 0xBEEF);
        REQUIRE(previous.ok());
        CHECK(*previous == (ref16 ? 0x1234 : 0x34));
        CHECK(octets.size() == pdu.octets.size());
        auto before = decode_pdu(pdu.octets, true);
        auto after = decode_pdu(octets, true);
        REQUIRE(before.ok());
        REQUIRE(after.ok());
        const auto& was = std::get<Submit>(before->tpdu);
        const auto& now = std::get<Submit>(after->tpdu);
        REQUIRE(now.user_data.concat.has_value());
        CHECK(now.user_data.concat->reference == (ref16 ? 0xBEEF : 0xEF));
        CHECK(now.user_data.concat->part == was.user_data.concat->part);
        CHECK(now.user_data.concat->total == was.user_data.concat->total);
        CHECK(now.user_data.text == was.user_data.text);
        CHECK(now.to == was.to);
        CHECK(now.validity_minutes == was.validity_minutes);
      }
    }
  }
}

TEST_CASE("pdu submit: no concatenation header to rewrite is an error that changes nothing") {
  auto plan = plan_text(U"x", {});
  REQUIRE(plan.ok());
  auto pdus = encode_submit("+4917012345678", *plan, {});
  REQUIRE(pdus.ok());
  std::vector<uint8_t> single = (*pdus)[0].octets;
  const auto before = single;
  CHECK_FALSE(set_concat_reference(single, 7).ok());
  CHECK(single == before);
  // A header with only a national language IE: UDHI set, but nothing to rewrite.
  PlanOptions turkish;
  turkish.languages = {Language::kTurkish};
  auto with_header = encode_submit("+4917012345678", plan_of(U"ğ", turkish), {});
  REQUIRE(with_header.ok());
  std::vector<uint8_t> octets = (*with_header)[0].octets;
  REQUIRE((octets[1] & 0x40) != 0);
  const auto unchanged = octets;
  CHECK_FALSE(set_concat_reference(octets, 7).ok());
  CHECK(octets == unchanged);
  std::vector<uint8_t> empty;
  CHECK_FALSE(set_concat_reference(empty, 7).ok());
  // Cut inside the header: refused, never written past the end.
  auto long_pdus = encode_submit("+4917012345678", plan_of(std::u32string(200, U'y')), {});
  REQUIRE(long_pdus.ok());
  std::vector<uint8_t> cut((*long_pdus)[0].octets.begin(), (*long_pdus)[0].octets.begin() + 17);
  const auto cut_before = cut;
  CHECK_FALSE(set_concat_reference(cut, 7).ok());
  CHECK(cut == cut_before);
}

}  // namespace smsgate::pdu

// SMS-SUBMIT encoding (src/pdu/submit.*), checked against a published vector and by
// decoding every PDU it writes.
#include <doctest/doctest.h>

#include <string>

#include "pdu/decode.h"
#include "pdu/hex.h"
#include "pdu/planner.h"
#include "pdu/submit.h"
#include "pdu/utf.h"

using namespace smsgate::pdu;

namespace {

Plan plan_of(std::u32string_view text, PlanOptions options = {}) {
  auto plan = plan_text(text, options);
  REQUIRE(plan.ok());
  return std::move(plan).value();
}

std::vector<SubmitPdu> encode(std::string_view to, std::u32string_view text,
                              const SubmitOptions& options = {}, PlanOptions plan_options = {}) {
  auto pdus = encode_submit(to, plan_of(text, plan_options), options);
  REQUIRE_MESSAGE(pdus.ok(), (pdus.ok() ? "" : pdus.error().message));
  return std::move(pdus).value();
}

Submit decode_submit(const SubmitPdu& pdu) {
  auto decoded = decode_pdu(pdu.octets, true);
  REQUIRE_MESSAGE(decoded.ok(), (decoded.ok() ? "" : decoded.error().message));
  CHECK_FALSE(decoded->smsc.has_value());
  REQUIRE(std::holds_alternative<Submit>(decoded->tpdu));
  return std::get<Submit>(decoded->tpdu);
}

}  // namespace

// "SMS and the PDU format" (dreamfabric.com/sms/), the SMS-SUBMIT example: "hellohello"
// to +46708251358 with TP-VP 0xAA (4 days).
TEST_CASE("submit: published hellohello vector") {
  SubmitOptions options;
  options.validity = RelativeValidity{4 * 24 * 60};
  auto pdus = encode("+46708251358", U"hellohello", options);
  REQUIRE(pdus.size() == 1);
  CHECK(to_hex(pdus[0].octets) == "0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
  CHECK(pdus[0].tpdu_length() == 23);
}

// TS 23.040 clause 9.2.3.12.1: 0-143 five minutes, 144-167 half hours from 12 h,
// 168-196 days, 197-255 weeks.
TEST_CASE("submit: relative validity rounds up to the next value TP-VP holds") {
  struct Case {
    int minutes;
    int octet;
  };
  for (Case c : {Case{0, 0}, {5, 0}, {6, 1}, {10, 1}, {719, 143}, {720, 143}, {721, 144},
                 {750, 144}, {1440, 167}, {1441, 168}, {2880, 168}, {43200, 196},
                 {43201, 197}, {50400, 197}, {635040, 255}}) {
    CAPTURE(c.minutes);
    auto octet = relative_validity_octet(c.minutes);
    REQUIRE(octet.ok());
    CHECK(*octet == c.octet);
  }
  CHECK_FALSE(relative_validity_octet(635041).ok());
  CHECK_FALSE(relative_validity_octet(-1).ok());
  CHECK(relative_validity_octet(635041).error().message.find("63 weeks") != std::string::npos);

  // The chosen value is the smallest that is at least the request.
  for (int m = 0; m <= 635040; m += 7) {
    uint8_t octet = relative_validity_octet(m).value();
    REQUIRE(relative_validity_minutes(octet) >= m);
    if (octet > 0) REQUIRE(relative_validity_minutes(static_cast<uint8_t>(octet - 1)) < m);
  }
}

TEST_CASE("submit: header fields round trip through the decoder") {
  SubmitOptions options;
  options.status_report = true;
  options.reject_duplicates = true;
  options.message_reference = 0x7B;
  options.validity = RelativeValidity{90};
  auto pdus = encode("+4915112345678", U"Your code is 123456", options);
  REQUIRE(pdus.size() == 1);
  CHECK(pdus[0].octets[1] == (0x01 | 0x04 | 0x10 | 0x20));  // MTI, RD, VPF relative, SRR
  Submit s = decode_submit(pdus[0]);
  CHECK(s.to == "+4915112345678");
  CHECK(s.reference == 0x7B);
  CHECK(s.status_report_request);
  CHECK(s.reject_duplicates);
  CHECK(s.validity_minutes == 90);
  CHECK(code_points_to_utf8(s.user_data.text) == "Your code is 123456");
  CHECK(s.user_data.message_class == -1);
}

TEST_CASE("submit: absolute validity with a negative time zone") {
  SubmitOptions options;
  Timestamp until{2026, 12, 31, 23, 59, 30, -14};  // -03:30
  options.validity = until;
  auto pdus = encode("+15551234567", U"hi", options);
  CHECK((pdus[0].octets[1] & 0x18) == 0x18);
  Submit s = decode_submit(pdus[0]);
  REQUIRE(s.validity_until.has_value());
  CHECK(*s.validity_until == until);
  CHECK(s.validity_until->iso8601() == "2026-12-31T23:59:30-03:30");
  CHECK_FALSE(s.validity_minutes.has_value());
}

TEST_CASE("submit: flash messages are class 0") {
  SubmitOptions options;
  options.flash = true;
  auto gsm = encode("+4912345", U"Alert", options);
  auto ucs = encode("+4912345", U"Привет", options);
  // TP-DCS sits after SMSC(1) first(1) MR(1) DA(2+4) PID(1).
  CHECK(gsm[0].octets[10] == 0x10);
  CHECK(ucs[0].octets[10] == 0x18);
  CHECK(decode_submit(gsm[0]).user_data.message_class == 0);
  CHECK(decode_submit(ucs[0]).user_data.message_class == 0);
}

TEST_CASE("submit: recipients") {
  SUBCASE("international, odd digit count gets an F filler") {
    auto pdus = encode("+12345", U"x");
    CHECK(to_hex(std::span(pdus[0].octets).subspan(3, 5)) == "05912143F5");
  }
  SUBCASE("national digits, type unknown") {
    auto pdus = encode("0170123456", U"x");
    CHECK(to_hex(std::span(pdus[0].octets).subspan(3, 7)) == "0A811007214365");
    CHECK(decode_submit(pdus[0]).to == "0170123456");
  }
  SUBCASE("short codes and * # are taken as given") {
    CHECK(decode_submit(encode("*100#", U"x")[0]).to == "*100#");
  }
  SUBCASE("alphanumeric up to 11 characters") {
    CHECK(decode_submit(encode("Clinic", U"x")[0]).to == "Clinic");
    CHECK(decode_submit(encode("ABCDEFGHIJK", U"x")[0]).to == "ABCDEFGHIJK");
    auto too_long = encode_submit("ABCDEFGHIJKL", plan_of(U"x"), {});
    REQUIRE_FALSE(too_long.ok());
    CHECK(too_long.error().message.find("11") != std::string::npos);
  }
  SUBCASE("bad numbers are errors") {
    for (const char* bad : {"", "+", "+49 151", "+49-151", "+123456789012345678901"}) {
      CAPTURE(bad);
      CHECK_FALSE(encode_submit(bad, plan_of(U"x"), {}).ok());
    }
    CHECK_FALSE(encode_submit("Ünïcödé✓", plan_of(U"x"), {}).ok());
  }
}

TEST_CASE("submit: concatenated parts carry the IE, UDHI and a UDL that counts the header") {
  std::u32string text(400, U'a');
  for (bool ref16 : {false, true}) {
    CAPTURE(ref16);
    PlanOptions plan_options;
    plan_options.ref16 = ref16;
    SubmitOptions options;
    options.concat_reference = 0x1234;
    auto pdus = encode("+4912345", text, options, plan_options);
    const size_t per_part = ref16 ? 152 : 153;
    REQUIRE(pdus.size() == (400 + per_part - 1) / per_part);
    std::u32string joined;
    for (const auto& pdu : pdus) {
      CHECK((pdu.octets[1] & 0x40) == 0x40);  // TP-UDHI
      const size_t udl_at = 11;               // after SMSC, first, MR, DA(2+4), PID, DCS
      const uint8_t udhl = pdu.octets[udl_at + 1];
      if (ref16) {
        CHECK(udhl == 6);
        CHECK(to_hex(std::span(pdu.octets).subspan(udl_at + 2, 4)) == "08041234");
      } else {
        CHECK(udhl == 5);
        CHECK(to_hex(std::span(pdu.octets).subspan(udl_at + 2, 3)) == "000334");
      }
      // UDL in septets: header octets and fill bits rounded to septets, then the text.
      const size_t header_septets = ((udhl + 1) * 8 + 6) / 7;
      Submit s = decode_submit(pdu);
      CHECK(pdu.octets[udl_at] == header_septets + s.user_data.text.size());
      REQUIRE(s.user_data.concat.has_value());
      CHECK(s.user_data.concat->part == pdu.part);
      CHECK(s.user_data.concat->total == pdus.size());
      CHECK(s.user_data.concat->reference == (ref16 ? 0x1234 : 0x34));
      CHECK(s.user_data.concat->reference_bits == (ref16 ? 16 : 8));
      CHECK(pdu.tpdu_length() == pdu.octets.size() - 1);
      CHECK(pdu.tpdu_length() <= 164);
      joined += s.user_data.text;
    }
    CHECK(joined == text);
  }
}

TEST_CASE("submit: national language IEs are in every part") {
  PlanOptions plan_options;
  plan_options.languages = {Language::kTurkish};
  std::u32string text;
  for (int i = 0; i < 40; ++i) text += U"Şişli ığdır ";
  const Plan plan = plan_of(text, plan_options);
  CHECK(plan.encoding == Encoding::kGsm7);
  CHECK_FALSE(plan.tables == Gsm7Tables{});
  auto pdus = encode("+905321234567", text, {}, plan_options);
  REQUIRE(pdus.size() > 1);
  std::u32string joined;
  for (const auto& pdu : pdus) {
    Submit s = decode_submit(pdu);
    CHECK(s.user_data.encoding == Encoding::kGsm7);
    CHECK(s.user_data.tables == plan.tables);
    joined += s.user_data.text;
  }
  CHECK(joined == text);
}

TEST_CASE("submit: 8-bit data") {
  std::vector<uint8_t> data(140);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  auto one = encode_submit_data("+4912345", data, false, {});
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].encoding == Encoding::kEightBit);
  Submit s = decode_submit((*one)[0]);
  CHECK(s.user_data.encoding == Encoding::kEightBit);
  CHECK(s.user_data.data == data);

  data.push_back(0xFF);
  auto two = encode_submit_data("+4912345", data, false, {});
  REQUIRE(two.ok());
  REQUIRE(two->size() == 2);
  Submit first = decode_submit((*two)[0]);
  Submit second = decode_submit((*two)[1]);
  CHECK(first.user_data.data.size() == 134);
  CHECK(second.user_data.data.size() == 7);
  first.user_data.data.insert(first.user_data.data.end(), second.user_data.data.begin(),
                              second.user_data.data.end());
  CHECK(first.user_data.data == data);
}

TEST_CASE("submit: UCS-2 keeps surrogate pairs whole across parts") {
  std::u32string text(66, U'ж');
  text += U"😀";  // units 67 and 68: does not fit the first part
  text += std::u32string(10, U'ж');
  auto pdus = encode("+4912345", text);
  REQUIRE(pdus.size() == 2);
  Submit first = decode_submit(pdus[0]);
  Submit second = decode_submit(pdus[1]);
  CHECK(first.user_data.text == std::u32string(66, U'ж'));
  CHECK(second.user_data.text.front() == U'😀');
  CHECK(first.user_data.text + second.user_data.text == text);
}

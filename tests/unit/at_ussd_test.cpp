// USSD over AT: the +CUSD: line, the CBS data coding schemes, the text in each form a
// modem writes it, and the AT+CUSD command for each form. Vectors are worked out
// from TS 23.038 by hand; "*100#" as AA180C3602 is the packed form Huawei sticks take.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "at/parser.h"
#include "at/ussd.h"

namespace {

using smsgate::at::cbs_coding;
using smsgate::at::CbsAlphabet;
using smsgate::at::CbsCoding;
using smsgate::at::CusdLine;
using smsgate::at::decode_ussd_text;
using smsgate::at::is_ussd_code;
using smsgate::at::parse_cusd;
using smsgate::at::ussd_request_command;
using smsgate::at::ussd_status_meaning;
using smsgate::at::UssdStringForm;

constexpr auto kText = UssdStringForm::kCharacterSet;
constexpr auto kPacked = UssdStringForm::kPackedGsm7Hex;

std::string decoded(std::string_view text, int dcs, UssdStringForm form) {
  auto result = decode_ussd_text(text, dcs, form);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return *result;
}

}  // namespace

TEST_CASE("at ussd: +CUSD: lines with and without text and coding") {
  CHECK(*parse_cusd("+CUSD: 0,\"Balance 5.00 EUR\",15") == CusdLine{0, "Balance 5.00 EUR", 15});
  CHECK(*parse_cusd("+CUSD: 2") == CusdLine{2, std::nullopt, std::nullopt});
  CHECK(*parse_cusd("+CUSD:4") == CusdLine{4, std::nullopt, std::nullopt});
  CHECK(*parse_cusd("+CUSD: 1,\"1. Balance 2. Bundles\"") ==
        CusdLine{1, "1. Balance 2. Bundles", std::nullopt});
  CHECK(*parse_cusd("+cusd: 0, \"AA180C3602\" , 15") == CusdLine{0, "AA180C3602", 15});
  CHECK(*parse_cusd("+CUSD: 0,\"\",15") == CusdLine{0, "", 15});
  // Commas and quotes inside the text belong to it: the text ends at the last quote.
  CHECK(*parse_cusd("+CUSD: 0,\"Saldo: 5,00 \"EUR\", gueltig\",15") ==
        CusdLine{0, "Saldo: 5,00 \"EUR\", gueltig", 15});
  // Unquoted text, as some firmware writes hex.
  CHECK(*parse_cusd("+CUSD: 0,C2303BEC1E,15") == CusdLine{0, "C2303BEC1E", 15});
  CHECK(*parse_cusd("+CUSD: 0,5,00 EUR") == CusdLine{0, "5,00 EUR", std::nullopt});
  CHECK(*parse_cusd("+CUSD: 5\r\n") == CusdLine{5, std::nullopt, std::nullopt});
}

TEST_CASE("at ussd: lines that are not +CUSD: answers are refused in words") {
  for (std::string_view line :
       {"", "+CUSD:", "+CUSD: ,\"x\",15", "+CUSD: x", "+CMTI: \"SM\",1", "+CUSD: 0,\"open",
        "+CUSD: 0,\"text\",x", "+CUSD: 0,\"text\" 15", "+CUSD: 0,\"a\",", "CUSD: 0"}) {
    CAPTURE(line);
    auto parsed = parse_cusd(line);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message.find("+CUSD") != std::string::npos);
  }
}

TEST_CASE("at ussd: every <m> has words") {
  CHECK(ussd_status_meaning(0) == "no further action required");
  CHECK(ussd_status_meaning(1) == "further action required");
  CHECK(ussd_status_meaning(2) == "terminated by the network");
  CHECK(ussd_status_meaning(3) == "answered by another client of the modem");
  CHECK(ussd_status_meaning(4) == "not supported by the network");
  CHECK(ussd_status_meaning(5) == "timed out in the network");
  CHECK(ussd_status_meaning(9) == "an unknown USSD status");
}

TEST_CASE("at ussd: every CBS data coding scheme has its alphabet") {
  // TS 23.038 clause 5, group by group, every value.
  for (int dcs = 0; dcs <= 0xFF; ++dcs) {
    CAPTURE(dcs);
    auto coding = cbs_coding(dcs);
    const int group = dcs >> 4;
    if ((group >= 0x4 && group <= 0x7) && (dcs & 0x20)) {
      REQUIRE_FALSE(coding.ok());
      CHECK(coding.error().message.find("compressed") != std::string::npos);
      continue;
    }
    REQUIRE(coding.ok());
    CbsAlphabet expected = CbsAlphabet::kGsm7;
    bool language = false;
    if (dcs == 0x10) {
      language = true;
    } else if (dcs == 0x11) {
      expected = CbsAlphabet::kUcs2;
      language = true;
    } else if ((group >= 0x4 && group <= 0x7) || group == 0x9) {
      const int alphabet = (dcs >> 2) & 0x3;
      expected = alphabet == 1   ? CbsAlphabet::kEightBit
                 : alphabet == 2 ? CbsAlphabet::kUcs2
                                 : CbsAlphabet::kGsm7;
    } else if (group == 0xE) {
      expected = CbsAlphabet::kEightBit;
    } else if (group == 0xF) {
      expected = (dcs & 0x04) ? CbsAlphabet::kEightBit : CbsAlphabet::kGsm7;
    }
    CHECK(*coding == CbsCoding{expected, language});
  }
  // The values networks send.
  CHECK(cbs_coding(15)->alphabet == CbsAlphabet::kGsm7);
  CHECK(cbs_coding(72)->alphabet == CbsAlphabet::kUcs2);
  CHECK(cbs_coding(68)->alphabet == CbsAlphabet::kEightBit);
  CHECK_FALSE(cbs_coding(-1).ok());
  CHECK_FALSE(cbs_coding(256).ok());
}

TEST_CASE("at ussd: GSM-7 as characters of the TE character set") {
  CHECK(decoded("Balance 5.00 EUR", 15, kText) == "Balance 5.00 EUR");
  CHECK(decoded("Balance 5.00 EUR", 0, kText) == "Balance 5.00 EUR");
  // Digits that happen to be hex stay digits.
  CHECK(decoded("1500", 15, kText) == "1500");
  CHECK(decoded("", 15, kText) == "");
  // 0001 0000: the language and its CR come first.
  CHECK(decoded("en\rBalance 5.00", 0x10, kText) == "Balance 5.00");
  CHECK(decoded("Balance", 0x10, kText) == "Balance");
}

TEST_CASE("at ussd: GSM-7 as hex of packed septets (Huawei)") {
  CHECK(decoded("AA180C3602", 15, kPacked) == "*100#");
  CHECK(decoded("C2303BEC1E974135170C062A56A5", 15, kPacked) == "Balance 5.00 EUR");
  CHECK(decoded("c2303bec1e974135170c062a56a5", 15, kPacked) == "Balance 5.00 EUR");
  // Seven characters leave seven spare bits, which carry a CR (TS 23.038 6.1.2.3.1).
  CHECK(decoded("31D98C56B3DD1A", 15, kPacked) == "1234567");
  // Eight characters fill seven octets exactly: nothing is dropped.
  CHECK(decoded("31D98C56B3DD70", 15, kPacked) == "12345678");
  // The default alphabet, not ASCII: 0x00 is '@', 0x01 '£', and 0x1B 0x65 the euro.
  CHECK(decoded("0000", 15, kPacked) == "@@");
  CHECK(decoded("8000", 15, kPacked) == "@\xC2\xA3");
  CHECK(decoded("9B32", 15, kPacked) == "\xE2\x82\xAC");
  // Not hex: the firmware wrote characters after all.
  CHECK(decoded("Balance 5.00", 15, kPacked) == "Balance 5.00");
  CHECK(decoded("", 15, kPacked) == "");
}

TEST_CASE("at ussd: UCS-2 as hex octets, whatever the form") {
  const std::string euro_text = "Baki: 5,00 \xE2\x82\xAC";
  const std::string hex = "00420061006B0069003A00200035002C00300030002020AC";
  CHECK(decoded(hex, 72, kText) == euro_text);
  CHECK(decoded(hex, 72, kPacked) == euro_text);
  CHECK(decoded("041204300448", 72, kText) == "\xD0\x92\xD0\xB0\xD1\x88");  // "Ваш"
  // A surrogate pair (U+1F600).
  CHECK(decoded("D83DDE00", 72, kText) == "\xF0\x9F\x98\x80");
  // 0001 0001: two septets of language in two octets come first.
  CHECK(decoded("E5370042", 0x11, kText) == "B");
  // Not hex: taken as characters.
  CHECK(decoded("Balance", 72, kText) == "Balance");
  auto odd = decode_ussd_text("004200", 72, kText);
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.error().message.find("odd") != std::string::npos);
  CHECK_FALSE(decode_ussd_text("00", 0x11, kText).ok());
}

TEST_CASE("at ussd: 8-bit as hex octets, read as Latin-1") {
  CHECK(decoded("42616C616E6365", 68, kText) == "Balance");
  CHECK(decoded("4FE4", 0xF4, kPacked) == "O\xC3\xA4");
  CHECK(decoded("Balance", 68, kText) == "Balance");
}

TEST_CASE("at ussd: a compressed or impossible coding is an error, not a guess") {
  auto compressed = decode_ussd_text("00", 0x60, kText);
  REQUIRE_FALSE(compressed.ok());
  CHECK(compressed.error().message.find("compressed") != std::string::npos);
  CHECK_FALSE(decode_ussd_text("x", 300, kText).ok());
}

TEST_CASE("at ussd: codes the API accepts") {
  CHECK(is_ussd_code("*123#"));
  CHECK(is_ussd_code("#100#"));
  CHECK(is_ussd_code("*100*1234567890#"));
  CHECK(is_ussd_code("+"));
  CHECK(is_ussd_code(std::string(160, '1')));
  CHECK_FALSE(is_ussd_code(""));
  CHECK_FALSE(is_ussd_code(std::string(161, '1')));
  for (std::string_view bad : {"*123# ", "*12a#", "\"", "*1\"#", "AT", "*123#\r", "ä"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_ussd_code(bad));
  }
}

TEST_CASE("at ussd: the request command in each form") {
  CHECK(*ussd_request_command("*123#", kText) == "AT+CUSD=1,\"*123#\",15");
  CHECK(*ussd_request_command("*100#", kPacked) == "AT+CUSD=1,\"AA180C3602\",15");
  // Seven characters: padded with a CR, which the answer's decoder drops again.
  CHECK(*ussd_request_command("*123*1#", kPacked) == "AT+CUSD=1,\"AA986CA68A8D1A\",15");
  CHECK(decoded("AA986CA68A8D1A", 15, kPacked) == "*123*1#");
  // A code never breaks out of its quotes.
  auto refused = ussd_request_command("*1\",0;+CFUN=0#", kText);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "a USSD code is 1 to 160 of the characters 0-9 * # +");
  CHECK_FALSE(ussd_request_command("", kPacked).ok());
}

TEST_CASE("at ussd: packed codes of every length decode to themselves") {
  std::string code;
  for (size_t length = 1; length <= smsgate::at::kMaxUssdCodeLength; ++length) {
    code.push_back("0123456789*#+"[length % 13]);
    CAPTURE(code);
    auto command = ussd_request_command(code, kPacked);
    REQUIRE(command.ok());
    std::string_view field = *command;
    field.remove_prefix(std::string_view("AT+CUSD=1,\"").size());
    field = field.substr(0, field.find('"'));
    CHECK(decoded(field, 15, kPacked) == code);
  }
}

TEST_CASE("at ussd: the parser hands +CUSD: over as a URC, even inside a response") {
  smsgate::at::AtParser parser;
  parser.command_sent("AT+CUSD=1,\"*100#\",15");
  parser.feed("\r\n+CUSD: 0,\"Balance 5.00\",15\r\n\r\nOK\r\n");
  auto first = parser.next_event();
  REQUIRE(first);
  auto* urc = std::get_if<smsgate::at::Urc>(&*first);
  REQUIRE(urc);
  CHECK(urc->line == "+CUSD: 0,\"Balance 5.00\",15");
  auto second = parser.next_event();
  REQUIRE(second);
  CHECK(std::holds_alternative<smsgate::at::Response>(*second));
}

namespace {

// Every event of `bytes` fed whole, and fed one byte at a time: the same either way.
std::vector<smsgate::at::Event> events_of(std::string_view bytes, std::string_view command = {}) {
  std::vector<smsgate::at::Event> whole;
  std::vector<smsgate::at::Event> bytewise;
  for (bool one_by_one : {false, true}) {
    smsgate::at::AtParser parser;
    if (!command.empty()) parser.command_sent(command);
    if (one_by_one) {
      for (char c : bytes) parser.feed(std::string_view(&c, 1));
    } else {
      parser.feed(bytes);
    }
    auto& out = one_by_one ? bytewise : whole;
    while (auto event = parser.next_event()) out.push_back(std::move(*event));
  }
  CHECK(whole == bytewise);
  return whole;
}

std::string urc_line(const smsgate::at::Event& event) {
  auto* urc = std::get_if<smsgate::at::Urc>(&event);
  REQUIRE(urc);
  return urc->line;
}

}  // namespace

TEST_CASE("at ussd: a menu written over several lines is one +CUSD: URC") {
  auto events = events_of("\r\n+CUSD: 1,\"Menu\r\n1 Balance\n2 Bundles\r\n3 Roaming\",15\r\n");
  REQUIRE(events.size() == 1);
  std::string line = urc_line(events[0]);
  CHECK(line == "+CUSD: 1,\"Menu\n1 Balance\n2 Bundles\n3 Roaming\",15");
  CHECK(*parse_cusd(line) == CusdLine{1, "Menu\n1 Balance\n2 Bundles\n3 Roaming", 15});
}

TEST_CASE("at ussd: a multi-line answer inside a command's response stays apart from it") {
  auto events =
      events_of("\r\n+CUSD: 0,\"Balance\r\n5.00 EUR\",15\r\n\r\nOK\r\n", "AT+CUSD=1,\"*100#\",15");
  REQUIRE(events.size() == 2);
  CHECK(urc_line(events[0]) == "+CUSD: 0,\"Balance\n5.00 EUR\",15");
  auto* response = std::get_if<smsgate::at::Response>(&events[1]);
  REQUIRE(response);
  CHECK(response->final.ok());
  CHECK(response->lines.empty());
}

TEST_CASE("at ussd: an unclosed text ends at a final result, which completes its command") {
  auto events = events_of("\r\n+CUSD: 0,\"cut off\r\nOK\r\n", "AT+CUSD=1,\"*100#\",15");
  REQUIRE(events.size() == 2);
  CHECK(urc_line(events[0]) == "+CUSD: 0,\"cut off");
  CHECK_FALSE(parse_cusd(urc_line(events[0])).ok());
  CHECK(std::holds_alternative<smsgate::at::Response>(events[1]));
}

TEST_CASE("at ussd: an unclosed text is bounded by kMaxLineBytes") {
  std::string bytes = "\r\n+CUSD: 1,\"";
  const std::string text_line(100, 'x');
  for (int i = 0; i < 60; ++i) bytes += text_line + "\r\n";
  smsgate::at::AtParser parser;
  parser.feed(bytes);
  CHECK(parser.buffered_bytes() <= smsgate::at::AtParser::kMaxLineBytes);
  std::vector<std::string> lines;
  while (auto event = parser.next_event()) lines.push_back(urc_line(*event));
  REQUIRE_FALSE(lines.empty());
  CHECK(lines[0].size() <= smsgate::at::AtParser::kMaxLineBytes);
  CHECK(lines[0].starts_with("+CUSD: 1,\"xxx"));
}

TEST_CASE("at ussd: quotes that close on their line need nothing more") {
  auto events = events_of("\r\n+CUSD: 0,\"Balance 5.00\",15\r\n+CUSD: 2\r\n");
  REQUIRE(events.size() == 2);
  CHECK(urc_line(events[0]) == "+CUSD: 0,\"Balance 5.00\",15");
  CHECK(urc_line(events[1]) == "+CUSD: 2");
}

// Final result codes (V.250 clause 5.7.1, TS 27.007 clause 9.2, TS 27.005 clause
// 3.2.5) and their error classes.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "at/result_code.h"

namespace smsgate::at {
namespace {

using enum ErrorClass;

FinalResult parsed(std::string_view line) {
  auto result = parse_final_result(line);
  REQUIRE_MESSAGE(result.has_value(), line);
  return *result;
}

ErrorClass class_of(std::string_view line) {
  auto c = classify(parsed(line));
  REQUIRE_MESSAGE(c.has_value(), line);
  return *c;
}

TEST_CASE("at result codes: the plain words") {
  CHECK(parsed("OK") == FinalResult{FinalKind::kOk, -1, ""});
  CHECK(parsed("OK").ok());
  CHECK(parsed("ERROR").kind == FinalKind::kError);
  CHECK(parsed("NO CARRIER").kind == FinalKind::kNoCarrier);
  CHECK(parsed("NO DIALTONE").kind == FinalKind::kNoDialtone);
  CHECK(parsed("NO DIAL TONE").kind == FinalKind::kNoDialtone);
  CHECK(parsed("BUSY").kind == FinalKind::kBusy);
  CHECK(parsed("NO ANSWER").kind == FinalKind::kNoAnswer);
  CHECK(parsed("COMMAND NOT SUPPORT").kind == FinalKind::kCommandNotSupport);
  CHECK(parsed("TOO MANY PARAMETERS").kind == FinalKind::kTooManyParameters);
  CHECK(parsed("  OK ").ok());
}

TEST_CASE("at result codes: what is not a final result") {
  for (const char* line : {"", "OKAY", "OK OK", "+CMGS: 4", "RING", "ERRORS", "+CMS ERROR",
                           "+CME ERRORS: 3", "> ", "ok?"}) {
    CHECK_MESSAGE(!parse_final_result(line).has_value(), line);
  }
}

TEST_CASE("at result codes: numeric and verbose +CME/+CMS") {
  CHECK(parsed("+CMS ERROR: 38") == FinalResult{FinalKind::kCmsError, 38, ""});
  CHECK(parsed("+CMS ERROR:38") == FinalResult{FinalKind::kCmsError, 38, ""});
  CHECK(parsed("+CME ERROR: 10") == FinalResult{FinalKind::kCmeError, 10, ""});
  CHECK(parsed("+cme error: 011") == FinalResult{FinalKind::kCmeError, 11, ""});
  CHECK(parsed("+CME ERROR: SIM not inserted") ==
        FinalResult{FinalKind::kCmeError, -1, "SIM not inserted"});
  CHECK(parsed("+CMS ERROR: -5") == FinalResult{FinalKind::kCmsError, -1, "-5"});
  CHECK(parsed("+CMS ERROR: 99999999999") == FinalResult{FinalKind::kCmsError, -1, "99999999999"});
  CHECK(parsed("+CME ERROR:") == FinalResult{FinalKind::kCmeError, -1, ""});
}

TEST_CASE("at result codes: OK is no error") { CHECK_FALSE(classify(parsed("OK")).has_value()); }

TEST_CASE("at result codes: +CMS classes (TS 27.005 clause 3.2.5)") {
  struct Case {
    int code;
    ErrorClass expected;
  };
  for (const Case& c :
       {// RP-causes, TS 24.011 Annex E-2.
        Case{1, kPermanentForRecipient}, Case{8, kPermanentForRecipient},
        Case{10, kPermanentForRecipient}, Case{21, kPermanentForRecipient}, Case{27, kTemporary},
        Case{29, kPermanentForRecipient}, Case{30, kPermanentForRecipient}, Case{38, kTemporary},
        Case{41, kTemporary}, Case{42, kTemporary}, Case{47, kTemporary},
        Case{50, kPermanentForRecipient}, Case{69, kPermanentForRecipient},
        Case{96, kCommandRejected}, Case{111, kTemporary},
        Case{2, kTemporary},    // unknown RP-cause: as 41 (24.011 Annex E-2)
        Case{126, kTemporary},  // likewise
                                // TP-FCS, TS 23.040 clause 9.2.3.22.
        Case{128, kPermanentForRecipient}, Case{144, kCommandRejected},
        Case{150, kCommandRejected},  // unlisted in the TP-DCS range
        Case{192, kTemporary}, Case{195, kPermanentForRecipient}, Case{196, kPermanentForRecipient},
        Case{199, kCommandRejected}, Case{210, kModemBroken},
        Case{224, kTemporary},  // application specific
        Case{255, kTemporary},
        // ME errors.
        Case{300, kModemBroken}, Case{302, kCommandRejected}, Case{304, kCommandRejected},
        Case{310, kModemBroken}, Case{311, kModemBroken}, Case{313, kModemBroken},
        Case{314, kTemporary}, Case{316, kModemBroken}, Case{320, kModemBroken},
        Case{321, kCommandRejected}, Case{322, kTemporary}, Case{330, kModemBroken},
        Case{331, kTemporary}, Case{332, kTemporary}, Case{500, kTemporary},
        // Manufacturer specific.
        Case{515, kTemporary}, Case{600, kTemporary}}) {
    INFO("+CMS ERROR: " << c.code);
    CHECK(classify(FinalResult{FinalKind::kCmsError, c.code, ""}) == c.expected);
  }
}

TEST_CASE("at result codes: +CME classes (TS 27.007 clause 9.2)") {
  CHECK(class_of("+CME ERROR: 0") == kModemBroken);
  CHECK(class_of("+CME ERROR: 3") == kCommandRejected);
  CHECK(class_of("+CME ERROR: 4") == kCommandRejected);
  CHECK(class_of("+CME ERROR: 10") == kModemBroken);
  CHECK(class_of("+CME ERROR: 11") == kModemBroken);
  CHECK(class_of("+CME ERROR: 12") == kModemBroken);
  CHECK(class_of("+CME ERROR: 14") == kTemporary);
  CHECK(class_of("+CME ERROR: 16") == kCommandRejected);  // never retry a wrong PIN
  CHECK(class_of("+CME ERROR: 20") == kTemporary);
  CHECK(class_of("+CME ERROR: 30") == kTemporary);
  CHECK(class_of("+CME ERROR: 31") == kTemporary);
  CHECK(class_of("+CME ERROR: 56") == kPermanentForRecipient);
  CHECK(class_of("+CME ERROR: 62") == kPermanentForRecipient);
  CHECK(class_of("+CME ERROR: 100") == kTemporary);
  CHECK(class_of("+CME ERROR: 9999") == kTemporary);
}

TEST_CASE("at result codes: verbose texts are classed by the spec's wording") {
  CHECK(class_of("+CME ERROR: SIM not inserted") == kModemBroken);
  CHECK(class_of("+CME ERROR: SIM PIN required") == kModemBroken);
  CHECK(class_of("+CME ERROR: incorrect password") == kCommandRejected);
  CHECK(class_of("+CMS ERROR: SIM not inserted") == kModemBroken);  // "(U)SIM" in 27.005
  CHECK(class_of("+CMS ERROR: Network out of order") == kTemporary);
  CHECK(class_of("+CMS ERROR: unassigned (unallocated) number") == kPermanentForRecipient);
  CHECK(class_of("+CMS ERROR: SMSC address unknown") == kModemBroken);
  CHECK(class_of("+CME ERROR: something new") == kTemporary);
}

TEST_CASE("at result codes: plain and vendor words") {
  CHECK(class_of("ERROR") == kCommandRejected);
  CHECK(class_of("COMMAND NOT SUPPORT") == kCommandRejected);
  CHECK(class_of("TOO MANY PARAMETERS") == kCommandRejected);
  CHECK(class_of("NO CARRIER") == kTemporary);
  CHECK(class_of("BUSY") == kTemporary);
}

TEST_CASE("at result codes: describe and names") {
  CHECK(describe(parsed("OK")) == "OK");
  CHECK(describe(parsed("NO DIAL TONE")) == "NO DIALTONE");
  CHECK(describe(parsed("+CMS ERROR: 38")) == "+CMS ERROR: 38 (network out of order)");
  CHECK(describe(parsed("+CME ERROR: 10")) == "+CME ERROR: 10 (SIM not inserted)");
  CHECK(describe(parsed("+CMS ERROR: 777")) == "+CMS ERROR: 777");
  CHECK(describe(parsed("+CME ERROR: SIM busy")) == "+CME ERROR: SIM busy");
  CHECK(cms_error_meaning(330) == "SMSC address unknown");
  CHECK(cme_error_meaning(1000).empty());
  CHECK(error_class_name(kPermanentForRecipient) == "permanent");
  CHECK(error_class_name(kModemBroken) == "modem_broken");
}

}  // namespace
}  // namespace smsgate::at

// The generic driver: plain 3GPP TS 27.005 / 27.007, for any modem no family file
// claims. Family files start from it and change only what differs, at compile time:
//   constexpr Driver kHuaweiDriver = [] { Driver d = kGenericDriver; ...; return d; }();
// Family files include this; everything else uses drivers/driver.h.
#pragma once

#include "drivers/driver.h"

namespace smsgate::drivers {

namespace generic {

using std::chrono::seconds;

inline constexpr AtStep kSmsSetup[] = {
    {"AT+CMGF=0"},  // PDU mode, TS 27.005 clause 3.2.3
    // Phase 2 (+CSMS=0): +CMT/+CDS need no AT+CNMA; refused by some, harmless then.
    {"AT+CSMS=0", seconds(3), false},
    // <mode>=2 buffers indications while a command runs; <mt>=1 stores SMS-DELIVERs
    // and announces them with +CMTI; <ds>=1 gives status reports directly as +CDS
    // (TS 27.005 clause 3.4.1).
    {"AT+CNMI=2,1,0,1,0"},
};

// The noise of modems that have no family file and so get this driver. Cinterion
// (Siemens) modules report their supply voltage unasked ("^SBC: Undervoltage", "^SBC:
// Overvoltage warning"; no command turns it off), say "^SYSSTART" after booting and
// "^SHUTDOWN" before switching off (BGS2T, TC35i and EHS6 AT Command Sets, AT^SBC and
// AT^SCTM). Huawei says the last two as well (huawei.cpp).
inline constexpr std::string_view kUnsolicitedPrefixes[] = {"^SBC:", "^SYSSTART", "^SHUTDOWN"};

inline constexpr AtStep kSoftReset[] = {
    // Back to the stored profile; the worker then runs the whole init again.
    {"ATZ", seconds(5), false},
};

inline constexpr AtStep kHardReset[] = {
    // Full functionality with a reset of the mobile (TS 27.007 clause 8.2). Most modems
    // drop the line without a final result, hence optional.
    {"AT+CFUN=1,1", seconds(15), false},
};

}  // namespace generic

inline constexpr Driver kGenericDriver = [] {
  Driver d;
  d.family = "generic";
  d.unsolicited = {.prefixes = generic::kUnsolicitedPrefixes};
  d.sms_setup = generic::kSmsSetup;
  d.inbound = Indication::kStored;
  d.status_reports = Indication::kDirect;
  // EF_ICCID (file 0x2FE2 = 12258) read through restricted SIM access, TS 27.007
  // clause 8.18 and TS 51.011 clause 10.1.1: the only standard way to the ICCID.
  d.iccid_command = "AT+CRSM=176,12258,0,0,10";
  d.iccid_prefix = "+CRSM:";
  d.soft_reset = generic::kSoftReset;
  d.hard_reset = generic::kHardReset;
  return d;
}();

}  // namespace smsgate::drivers

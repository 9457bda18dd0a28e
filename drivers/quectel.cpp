// Quectel LTE modules (EC25/EG25, EC21, EG91/EG95, EP06/EG06, BG96). Qualcomm-based;
// after a restart they say "RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1",
// "+QIND: SMS DONE" and "+QIND: PB DONE", and SMS commands answer +CMS ERROR until
// "SMS DONE".
#include "drivers/families.h"
#include "drivers/generic.h"

namespace smsgate::drivers {
namespace {

using std::chrono::seconds;

// AT+CGMI: "Quectel" (LTE modules), "Quectel_Ltd" (M95, UC15).
constexpr std::string_view kManufacturers[] = {"quectel"};

constexpr AtStep kInit[] = {
    // URCs (+CMTI, +CDSI, +QIND) go to the port named here (EC2x AT Commands Manual,
    // AT+QURCCFG="urcport"); "usbat" is the AT interface we talk on, where a saved
    // setting from another tool may have sent them to "usbmodem" or "uart1".
    {"AT+QURCCFG=\"urcport\",\"usbat\"", seconds(3), false},
};

// Quectel's own reports: +QIND ("SMS DONE", "PB DONE", "csq"), +QUSIM, +QSTAT.
constexpr std::string_view kUnsolicitedPrefixes[] = {"+QIND:", "+QUSIM:", "+QSTAT:"};
// Boot and shutdown chatter, shared with SIMCom (simcom.cpp): "RDY" after a restart,
// "NORMAL POWER DOWN" then "POWERED DOWN" when turned off (UC20 Hardware Design,
// turning off the module).
constexpr std::string_view kUnsolicitedWords[] = {"RDY", "NORMAL POWER DOWN", "POWERED DOWN"};

constexpr AtStep kSmsSetup[] = {
    {"AT+CMGF=0"},  // PDU mode, TS 27.005 clause 3.2.3
    {"AT+CSMS=0", seconds(3), false},
    // "ME" holds 255 messages where a SIM holds 20 to 50 (EC2x AT Commands Manual,
    // AT+CPMS); the same memory for all three so every +CMTI index is readable.
    {"AT+CPMS=\"ME\",\"ME\",\"ME\"", seconds(10), false},
    // Qualcomm firmware refuses <ds>=1 (ModemManager, src/mm-broadband-modem.c,
    // cnmi_sequence): status reports are stored and announced with +CDSI.
    {"AT+CNMI=2,1,0,2,0"},
};

constexpr AtStep kHardReset[] = {
    // AT+CFUN=1,1 restarts the module (EC2x manual, AT+CFUN; ModemManager,
    // plugins/quectel/mm-broadband-modem-quectel.c uses the same for reset).
    {"AT+CFUN=1,1", seconds(15), false},
};

// 2c7c:0125 (EC25), 0121 (EC21), 0191 (EG91), 0195 (EG95), 0296 (BG96), 0306 (EP06):
// 0 diag, 1 NMEA, 2 AT primary, 3 AT secondary / PPP (ModemManager
// 77-mm-quectel-port-types.rules).
constexpr int kAtInterfaces[] = {2, 3};
// Quectel's vendor id, and the Qualcomm reference id the first EC20 firmware kept
// (05c6:9215, same interface layout; ModemManager 77-mm-quectel-port-types.rules).
// Only that product of Qualcomm's: 05c6 is on phones and many other things.
constexpr UsbId kUsbIds[] = {{.vendor = 0x2c7c}, {.vendor = 0x05c6, .product = 0x9215}};

constexpr Driver kQuectelDriver = [] {
  Driver d = kGenericDriver;
  d.family = "quectel";
  d.manufacturers = kManufacturers;
  d.init = kInit;
  d.unsolicited = {.prefixes = kUnsolicitedPrefixes, .words = kUnsolicitedWords};
  d.sms_setup = kSmsSetup;
  d.status_reports = Indication::kStored;
  // AT+QCCID answers "+QCCID: 89860..." (EC2x manual, AT+QCCID), 19-digit ICCIDs with
  // an 'F' pad on some firmware.
  d.iccid_command = "AT+QCCID";
  d.iccid_prefix = "+QCCID:";
  d.hard_reset = kHardReset;
  d.at_interfaces = kAtInterfaces;
  d.usb_ids = kUsbIds;
  return d;
}();

}  // namespace

const Driver& quectel_driver() { return kQuectelDriver; }

}  // namespace smsgate::drivers

// Telit modules (GE864/GL865 2G, HE910/UE910 3G, LE910/LE910Cx/LE922 LTE). Their own
// URCs are few: #QSS (SIM inserted/removed), off unless a saved profile turned it on,
// and +PBREADY (phonebook ready) after a restart.
#include "drivers/families.h"
#include "drivers/generic.h"

namespace smsgate::drivers {
namespace {

using std::chrono::seconds;

// AT+CGMI: "Telit".
constexpr std::string_view kManufacturers[] = {"telit"};

constexpr AtStep kInit[] = {
    // #QSS=0: no "#QSS: <status>" on SIM events (Telit AT Commands Reference Guide,
    // #QSS; ModemManager, plugins/telit/mm-broadband-modem-telit.c turns it on for
    // SIM-swap detection, which we do by reading the ICCID instead).
    {"AT#QSS=0", seconds(3), false},
};

// The URCs named above.
constexpr std::string_view kUnsolicitedPrefixes[] = {"#QSS:"};
constexpr std::string_view kUnsolicitedWords[] = {"+PBREADY"};

constexpr AtStep kSmsSetup[] = {
    {"AT+CMGF=0"},  // PDU mode, TS 27.005 clause 3.2.3
    {"AT+CSMS=0", seconds(3), false},
    // The LE910Cx is Qualcomm-based and refuses <ds>=1 (ModemManager,
    // src/mm-broadband-modem.c, cnmi_sequence); <ds>=2 (+CDSI) works on the older
    // platforms too (Telit AT Commands Reference Guide, +CNMI).
    {"AT+CNMI=2,1,0,2,0"},
};

constexpr AtStep kHardReset[] = {
    // #REBOOT restarts the module (Telit AT Commands Reference Guide, #REBOOT;
    // ModemManager, plugins/telit/mm-broadband-modem-telit.c, modem_reset).
    {"AT#REBOOT", seconds(15), false},
};

// UC864/HE910/GE910 (1bc7:1003...): 0 AT primary; LE910C1 (1031, 1033): 1; LE922 and
// LN920 (1040, 1060): 4 (ModemManager 77-mm-telit-port-types.rules).
constexpr int kAtInterfaces[] = {0, 1, 4};
constexpr UsbId kUsbIds[] = {{.vendor = 0x1bc7}};

constexpr Driver kTelitDriver = [] {
  Driver d = kGenericDriver;
  d.family = "telit";
  d.manufacturers = kManufacturers;
  d.init = kInit;
  d.unsolicited = {.prefixes = kUnsolicitedPrefixes, .words = kUnsolicitedWords};
  d.sms_setup = kSmsSetup;
  d.status_reports = Indication::kStored;
  // #CCID answers "#CCID: 8939..." (Telit AT Commands Reference Guide, #CCID).
  d.iccid_command = "AT#CCID";
  d.iccid_prefix = "#CCID:";
  d.hard_reset = kHardReset;
  d.at_interfaces = kAtInterfaces;
  d.usb_ids = kUsbIds;
  return d;
}();

}  // namespace

const Driver& telit_driver() { return kTelitDriver; }

}  // namespace smsgate::drivers

// Sierra Wireless AirPrime modules (MC7304/MC7455/EM7455/EM7565, HL78xx). Quiet by
// default; "+PACSP" (PLMN mode bit of the SIM's CSP file) comes unasked after the SIM
// is read.
#include "drivers/families.h"
#include "drivers/generic.h"

namespace smsgate::drivers {
namespace {

using std::chrono::seconds;

// AT+CGMI: "Sierra Wireless, Incorporated" (MC/EM), "Sierra Wireless" (HL).
constexpr std::string_view kManufacturers[] = {"sierra"};

// "+PACSP1" / "+PACSP0", named above.
constexpr std::string_view kUnsolicitedPrefixes[] = {"+PACSP"};

constexpr AtStep kSmsSetup[] = {
    {"AT+CMGF=0"},  // PDU mode, TS 27.005 clause 3.2.3
    {"AT+CSMS=0", seconds(3), false},
    // Qualcomm MDM firmware refuses <ds>=1 (ModemManager, src/mm-broadband-modem.c,
    // cnmi_sequence): status reports are stored and announced with +CDSI.
    {"AT+CNMI=2,1,0,2,0"},
};

constexpr AtStep kHardReset[] = {
    // !RESET restarts the module (AirPrime MC/EM AT Command Reference, !RESET;
    // ModemManager, plugins/sierra/mm-broadband-modem-sierra.c, modem_reset).
    {"AT!RESET", seconds(15), false},
    {"AT+CFUN=1,1", seconds(15), false},
};

// MC74xx (1199:9071), EM7455 (9079), EM7565 (9091), RC7611: 0 diag, 2 NMEA, 3 AT
// primary; HL7812 (c001): 0 AT primary (ModemManager 77-mm-sierra.rules).
constexpr int kAtInterfaces[] = {3, 0};
constexpr UsbId kUsbIds[] = {{.vendor = 0x1199}};

constexpr Driver kSierraDriver = [] {
  Driver d = kGenericDriver;
  d.family = "sierra";
  d.manufacturers = kManufacturers;
  d.unsolicited = {.prefixes = kUnsolicitedPrefixes};
  d.sms_setup = kSmsSetup;
  d.status_reports = Indication::kStored;
  // !ICCID? answers "!ICCID: 8901..." (ModemManager, plugins/sierra/mm-sim-sierra.c).
  d.iccid_command = "AT!ICCID?";
  d.iccid_prefix = "!ICCID:";
  d.hard_reset = kHardReset;
  d.at_interfaces = kAtInterfaces;
  d.usb_ids = kUsbIds;
  return d;
}();

}  // namespace

const Driver& sierra_driver() { return kSierraDriver; }

}  // namespace smsgate::drivers

// Huawei USB sticks and modules (E173, E303, E3131, E3372 in stick mode, MU709,
// ME909...). Their firmware reports signal, mode, service state and data flow
// unasked (^RSSI, ^MODE, ^SRVST, ^DSFLOWRPT, ^BOOT) several times a minute; the
// parser separates those, but silencing them keeps the log readable and the port
// quiet while a long AT+CMGL runs.
#include "drivers/families.h"
#include "drivers/generic.h"

namespace smsgate::drivers {
namespace {

using std::chrono::seconds;

// AT+CGMI answers "huawei" (lower case on the E1xx/E3xx sticks, "Huawei" on modules).
constexpr std::string_view kManufacturers[] = {"huawei"};

constexpr AtStep kInit[] = {
    // ^CURC=0 turns the periodic reports off ("HUAWEI ... AT Command Interface
    // Specification", ^CURC; ModemManager sends the same on disable,
    // plugins/huawei/mm-broadband-modem-huawei.c). Some firmwares (E3372h stick
    // builds, several E3131 releases) answer ERROR or COMMAND NOT SUPPORT: optional.
    {"AT^CURC=0", seconds(3), false},
};

// Huawei (and ZTE clones): signal, boot, mode, service and SIM state, call states,
// data flow reports, STK.
constexpr std::string_view kUnsolicitedPrefixes[] = {
    "^RSSI:",      "^HCSQ:",     "^BOOT:",    "^MODE:",     "^SRVST:",     "^SIMST:",
    "^CEND:",      "^ORIG:",     "^CONF:",    "^CONN:",     "^DSFLOWRPT:", "^STIN:",
    "^NDISSTAT:",  "^CSNR:",     "^ECCLIST:", "^RFSWITCH:", "^CERSSI:",    "^NWTIME:",
    "^SMMEMFULL:", "^POSITION:", "^SYSSTART", "^SHUTDOWN"};

// "^SMMEMFULL: <mem>": the SMS storage is full (Huawei AT command interface spec).
constexpr std::string_view kStorageFull[] = {"^SMMEMFULL:"};

constexpr AtStep kSmsSetup[] = {
    {"AT+CMGF=0"},  // PDU mode, TS 27.005 clause 3.2.3
    {"AT+CSMS=0", seconds(3), false},
    // The sticks keep messages on the SIM; "ME" is absent or tiny on most of them, and
    // the three memories must agree for +CMTI's index to be readable with AT+CMGR.
    {"AT+CPMS=\"SM\",\"SM\",\"SM\"", seconds(10), false},
    // <ds>=2: status reports are stored and announced as +CDSI (TS 27.005 clause
    // 3.4.1). The Qualcomm-based models refuse <ds>=1 although AT+CNMI=? lists it
    // (ModemManager, src/mm-broadband-modem.c, cnmi_sequence).
    {"AT+CNMI=2,1,0,2,0"},
};

constexpr AtStep kHardReset[] = {
    // ^RESET restarts the module; the MU736 ignores it but resets on +CFUN=16
    // (ModemManager, mm-broadband-modem-huawei.c, modem_reset), and the standard
    // AT+CFUN=1,1 follows for firmware without either.
    {"AT^RESET", seconds(15), false},
    {"AT+CFUN=1,1", seconds(15), false},
};

// The PC UI interface (bInterfaceProtocol 0x02, ModemManager's
// 77-mm-huawei-net-port-types.rules) is the AT port that gets URCs (^PORTSEL=0, the
// default): interface 2 on the E173/E303, while the E3131 in serial mode and the
// E1550 answer on interface 0 (the modem port) as well.
constexpr int kAtInterfaces[] = {2, 0};

// Every Huawei stick and module, in CD-ROM mode (12d1:1f01 before usb_modeswitch) as
// well as in modem mode; phones of theirs are Android devices, not modems, but a
// ModemManager kept off one and a dialout tty do them no harm.
constexpr UsbId kUsbIds[] = {{.vendor = 0x12d1}};

constexpr Driver kHuaweiDriver = [] {
  Driver d = kGenericDriver;
  d.family = "huawei";
  d.manufacturers = kManufacturers;
  d.init = kInit;
  d.unsolicited = {.prefixes = kUnsolicitedPrefixes};
  d.storage_full_indications = kStorageFull;
  d.sms_setup = kSmsSetup;
  d.status_reports = Indication::kStored;
  // ^ICCID? answers "^ICCID: 8946..." (ModemManager, plugins/huawei/mm-sim-huawei.c);
  // older firmware lacks it, and the worker then falls back to the generic AT+CRSM.
  d.iccid_command = "AT^ICCID?";
  d.iccid_prefix = "^ICCID:";
  d.hard_reset = kHardReset;
  // The firmware ignores AT+CSCS for USSD: it takes the code and gives GSM-7 answers as
  // hex of packed septets (ModemManager, mm-broadband-modem-huawei.c, USSD encode and
  // decode; gammu lists F_ENCODED_USSD for every E1xx/E3xx stick in gsmphones.c). UCS-2
  // answers come as hex octets, as on other modems.
  d.ussd_form = at::UssdStringForm::kPackedGsm7Hex;
  d.at_interfaces = kAtInterfaces;
  d.usb_ids = kUsbIds;
  return d;
}();

}  // namespace

const Driver& huawei_driver() { return kHuaweiDriver; }

}  // namespace smsgate::drivers

// ZTE USB sticks (MF110, MF190, MF626, MF667...). Some of them repeat "+ZUSIMR:2"
// until the SMS storage has been queried, fast enough to overflow their own buffers
// and hang.
#include "drivers/families.h"
#include "drivers/generic.h"

namespace smsgate::drivers {
namespace {

using std::chrono::seconds;

// AT+CGMI: "ZTE CORPORATION", "ZTE INCORPORATED".
constexpr std::string_view kManufacturers[] = {"zte"};

constexpr AtStep kInit[] = {
    // Querying the message storage stops the +ZUSIMR:2 flood (ModemManager,
    // plugins/zte/mm-broadband-modem-zte.c, modem_after_sim_unlock, and the probe in
    // mm-plugin-zte.c). Before the SIM is unlocked it may answer an error: optional,
    // and sms_setup's AT+CPMS repeats it afterwards.
    {"AT+CPMS?", seconds(3), false},
};

// ZTE's own reports: +ZUSIMR is the flood above, +ZPBIC says the phonebook is ready.
// Sticks that clone Huawei's ^ reports are covered by huawei.cpp's list, which every
// channel listens for too (all_unsolicited()).
constexpr std::string_view kUnsolicitedPrefixes[] = {"+ZUSIMR:", "+ZPBIC:", "+ZEND", "+ZSTR:"};

constexpr AtStep kSmsSetup[] = {
    {"AT+CMGF=0"},  // PDU mode, TS 27.005 clause 3.2.3
    {"AT+CSMS=0", seconds(3), false},
    {"AT+CPMS=\"SM\",\"SM\",\"SM\"", seconds(10), false},
    {"AT+CNMI=2,1,0,2,0"},  // stored status reports (+CDSI), as on the Qualcomm families
};

// ZTE's vendor id, CD-ROM mode included (19d2:2000, 0166... before usb_modeswitch).
// No AT interface is listed: it differs from stick to stick (ModemManager's
// 77-mm-zte-port-types.rules has a layout per product), so every tty is offered and
// discovery keeps one per IMEI.
constexpr UsbId kUsbIds[] = {{.vendor = 0x19d2}};

constexpr Driver kZteDriver = [] {
  Driver d = kGenericDriver;
  d.family = "zte";
  d.manufacturers = kManufacturers;
  d.init = kInit;
  d.unsolicited = {.prefixes = kUnsolicitedPrefixes};
  d.sms_setup = kSmsSetup;
  d.status_reports = Indication::kStored;
  d.usb_ids = kUsbIds;
  // No vendor ICCID command worth trusting: the generic AT+CRSM read stays.
  return d;
}();

}  // namespace

const Driver& zte_driver() { return kZteDriver; }

}  // namespace smsgate::drivers

// The generic driver as known_drivers() lists it: kGenericDriver, which every family
// starts from, plus the USB ids of makers whose modems need no family file.
#include "drivers/generic.h"

namespace smsgate::drivers {
namespace {

// u-blox (1546: TOBY, LARA, SARA cellular modules), Fibocom (2cb7: L8x0, NL668,
// FM150) and Longcheer (1c9e: the OEM behind many unbranded 3G/4G sticks) speak plain
// 27.005 for SMS as far as anyone has reported. Their AT interface moves from model to
// model, so none is listed and every tty is offered to discovery.
constexpr UsbId kUsbIds[] = {{.vendor = 0x1546}, {.vendor = 0x2cb7}, {.vendor = 0x1c9e}};

constexpr Driver kGenericUsbDriver = [] {
  Driver d = kGenericDriver;
  d.usb_ids = kUsbIds;
  return d;
}();

}  // namespace

const Driver& generic_driver() { return kGenericUsbDriver; }

}  // namespace smsgate::drivers

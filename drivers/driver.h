// A modem family's AT dialect: what differs from plain 3GPP TS 27.005/27.007 for the
// modems people actually plug in. A Driver is constexpr data (command tables and a few
// flags), chosen once per port from the answers to AT+CGMI and AT+CGMM; the modem
// worker (src/modem/) runs the tables and never checks a vendor itself. Every vendor
// quirk lives in drivers/<family>.cpp and nowhere else.
//
// Thread safety: everything here is immutable and may be read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "at/parser.h"
#include "at/ussd.h"

namespace smsgate::drivers {

using std::chrono::milliseconds;

// One command of a sequence, ModemManager-style: the command line (without CR), how
// long to wait for its final result, and whether the sequence fails when it does.
struct AtStep {
  std::string_view command;
  milliseconds timeout = milliseconds(3000);
  bool required = true;  // false: an ERROR is logged and the sequence goes on
};

// How a family reports a new inbound SMS and a status report, as set by its
// `sms_setup` (AT+CNMI, TS 27.005 clause 3.4.1). The worker handles every combination;
// this tells it what to expect.
enum class Indication {
  kStored,  // +CMTI / +CDSI: stored, read with AT+CMGR, deleted after it is committed
  kDirect,  // +CMT / +CDS: the PDU in the URC, acknowledged with AT+CNMA when +CSMS=1
};

// A USB vendor id, or one product of a vendor whose id other makers share (Qualcomm's
// 05c6 on early Quectel modules); product 0 stands for every product of the vendor.
struct UsbId {
  uint16_t vendor = 0;
  uint16_t product = 0;
};

struct Driver {
  // "generic", "huawei", "simcom", ...: shown by `smsgated probe` and the API.
  std::string_view family;
  // Case-insensitive substrings of the AT+CGMI answer that select this driver ("huawei",
  // "simcom"); the first driver in known_drivers() that matches wins. Empty: matches
  // nothing (the generic driver, chosen when nothing else matches).
  std::span<const std::string_view> manufacturers;
  // When not empty, the AT+CGMM answer must also contain one of these.
  std::span<const std::string_view> models;

  // After echo is off and errors are numeric (the worker's fixed "ATE0", "AT+CMEE=1"),
  // before the SIM is unlocked: vendor set-up, e.g. URC silencing (Huawei AT^CURC=0).
  std::span<const AtStep> init;
  // What its modems say unasked besides the standard URCs at::AtParser knows (signal,
  // boot, SIM and power reports, whatever init could not silence): prefixes ("^RSSI:")
  // and whole lines ("RDY"). A port's channel opens before its family is known, so it
  // listens for every family's at once: all_unsolicited().
  at::UnsolicitedSet unsolicited;
  // Among them, the prefixes that say the message storage is full (Huawei
  // "^SMMEMFULL:"): the worker reads what is stored again, so it can be deleted.
  std::span<const std::string_view> storage_full_indications;
  // After the SIM is ready: PDU mode, message storage, new-message indications.
  std::span<const AtStep> sms_setup;
  Indication inbound = Indication::kStored;
  Indication status_reports = Indication::kDirect;
  // The family's set-up selects +CSMS=1, so every +CMT/+CDS must be acknowledged with
  // AT+CNMA (TS 27.005 clause 3.4.4). The worker also asks AT+CSMS? after set-up and
  // acknowledges whenever the modem says service 1, whatever this says.
  bool acknowledge_direct = false;

  // The command that prints the SIM's ICCID and the prefix of its answer line; there is
  // no 27.007 command for it, so every family has its own (empty: not supported).
  std::string_view iccid_command;
  std::string_view iccid_prefix;

  // AT+CMMS=1 before a part that has more parts after it, keeping the link to the SMSC
  // open between them (TS 27.005 clause 3.5.6). The worker stops asking a modem that
  // refused it once; a family whose modems misbehave with it turns it off.
  bool use_cmms = true;
  // How long AT+CMGS may take: minutes have been seen on weak signal.
  milliseconds send_timeout = std::chrono::seconds(180);

  // How its firmware writes <str> of AT+CUSD and +CUSD: (at/ussd.h): GSM-7 as
  // characters of the TE character set, as TS 27.007 clause 7.15 says, unless the
  // family wants hex of packed septets.
  at::UssdStringForm ussd_form = at::UssdStringForm::kCharacterSet;

  // The reset ladder after a hang: soft (e.g. ATZ, re-run init), then hard (restart
  // the radio and usually the USB device: the port disappears and comes back).
  std::span<const AtStep> soft_reset;
  std::span<const AtStep> hard_reset;

  // USB interface numbers that answer AT on this family, best first (udev's
  // ID_USB_INTERFACE_NUM), for choosing among a modem's several ttys; empty: unknown.
  std::span<const int> at_interfaces;
  // The USB ids of the family's modems, for the udev rules (udev/60-smsgate.rules keeps
  // ModemManager off them and links their AT port under /dev/smsgate/; a unit test
  // holds the two together). The driver is still chosen by AT+CGMI, never by these.
  std::span<const UsbId> usb_ids;
};

// The generic TS 27.005/27.007 driver; what every family starts from.
const Driver& generic_driver();
// Every driver, vendor families first, the generic driver last.
std::span<const Driver* const> known_drivers();
// The driver for a modem whose AT+CGMI / AT+CGMM answers are these.
const Driver& driver_for(std::string_view manufacturer, std::string_view model);
// Every known driver's `unsolicited` lines together, for the parser of a port whose
// family is not known yet. Built once; the views stay valid until the process ends.
at::UnsolicitedSet all_unsolicited();

}  // namespace smsgate::drivers

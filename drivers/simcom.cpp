// SIMCom modules, in two dialects. The LTE line (SIM7000, SIM7100, SIM7500, SIM7600,
// SIM7070/7080, A7600) is Qualcomm-based with USB, reads the ICCID with AT+CICCID and
// restarts with AT+CRESET; the 2G line (SIM800, SIM900), usually on a UART behind a
// USB-serial adapter, announces itself with "Call Ready"/"SMS Ready" and reads the
// ICCID with AT+CCID.
#include "drivers/families.h"
#include "drivers/generic.h"

namespace smsgate::drivers {
namespace {

using std::chrono::seconds;

// AT+CGMI: "SIMCOM INCORPORATED" (SIM7600), "SIMCOM_Ltd" (SIM800, SIM900).
constexpr std::string_view kManufacturers[] = {"simcom"};
// AT+CGMM: "SIMCOM_SIM7600E-H", "SIM7600G-H", "SIM7000E", "A7600E-H", "SIM8200EA-M2"
// (5G; "SIM82", not "SIM8", which would take the SIM800).
constexpr std::string_view kLteModels[] = {"SIM7", "SIM82", "A76", "A78", "A79"};

// SIMCom network time, when a saved profile has AT+CLTS=1 (see k2gInit).
constexpr std::string_view kUnsolicitedPrefixes[] = {"*PSUTTZ:", "DST:", "+PSUTTZ:"};
// SIMCom / Quectel boot and shutdown chatter; "SMS DONE" and "PB DONE" from the
// SIM7500/SIM7600 series (AT Command Manual V2.00, summary of URCs). Both dialects
// say some of it, so both declare all of it.
constexpr std::string_view kUnsolicitedWords[] = {
    "RDY",
    "Call Ready",
    "SMS Ready",
    "SMS DONE",
    "PB DONE",
    "NORMAL POWER DOWN",
    "POWERED DOWN",
    "UNDER-VOLTAGE POWER DOWN",
    "UNDER-VOLTAGE WARNNING",
    "OVER-VOLTAGE POWER DOWN",
    "OVER-VOLTAGE WARNNING",
};
constexpr at::UnsolicitedSet kUnsolicited = {.prefixes = kUnsolicitedPrefixes,
                                             .words = kUnsolicitedWords};

// ---- LTE ----------------------------------------------------------------------------

constexpr AtStep kLteSmsSetup[] = {
    {"AT+CMGF=0"},  // PDU mode, TS 27.005 clause 3.2.3
    {"AT+CSMS=0", seconds(3), false},
    // "ME" holds far more than a SIM (SIM7500/SIM7600 Series AT Command Manual V2.00,
    // AT+CPMS); all three memories alike so every +CMTI index is readable.
    {"AT+CPMS=\"ME\",\"ME\",\"ME\"", seconds(10), false},
    // Qualcomm firmware refuses <ds>=1 (ModemManager, src/mm-broadband-modem.c,
    // cnmi_sequence): status reports are stored and announced with +CDSI.
    {"AT+CNMI=2,1,0,2,0"},
};

constexpr AtStep kLteHardReset[] = {
    // AT+CRESET resets the module (SIM7500/SIM7600 manual, AT+CRESET; ModemManager,
    // plugins/simtech/mm-broadband-modem-simtech.c); the USB device goes away for
    // about 15 s and comes back with "RDY", "+CPIN: READY", "SMS DONE", "PB DONE".
    {"AT+CRESET", seconds(15), false},
};

// 1e0e:9001 layout (ModemManager 77-mm-simtech-port-types.rules): 0 diag, 1 NMEA,
// 2 AT primary, 3 AT secondary (also the PPP port), 4 audio.
constexpr int kLteAtInterfaces[] = {2, 3};
// SIMCom's own vendor id (1e0e:9001 SIM7600, 9011 SIM7600 in RNDIS mode, 9205 A7600...).
// The 2G modules have no USB of their own: they sit behind a USB-serial adapter whose
// ids are the adapter maker's (CH340, CP210x, FTDI), so the 2G driver claims none.
constexpr UsbId kLteUsbIds[] = {{.vendor = 0x1e0e}};

constexpr Driver kSimcomDriver = [] {
  Driver d = kGenericDriver;
  d.family = "simcom";
  d.manufacturers = kManufacturers;
  d.models = kLteModels;
  d.unsolicited = kUnsolicited;
  d.sms_setup = kLteSmsSetup;
  d.status_reports = Indication::kStored;
  // AT+CICCID answers "+ICCID: 8946..." (SIM7500/SIM7600 manual, clause 4.3).
  d.iccid_command = "AT+CICCID";
  d.iccid_prefix = "+ICCID:";
  d.hard_reset = kLteHardReset;
  d.at_interfaces = kLteAtInterfaces;
  d.usb_ids = kLteUsbIds;
  return d;
}();

// ---- 2G -----------------------------------------------------------------------------

constexpr AtStep k2gInit[] = {
    // +CIURC=0: no "Call Ready" after a restart (SIM800 Series AT Command Manual
    // V1.09, AT+CIURC). The worker does not wait for it: it polls AT+CPIN? instead.
    {"AT+CIURC=0", seconds(3), false},
    // No "*PSUTTZ" / "DST:" network time reports (same manual, AT+CLTS; 0 is the
    // factory default, but a saved profile may have it on).
    {"AT+CLTS=0", seconds(3), false},
};

constexpr AtStep k2gSmsSetup[] = {
    {"AT+CMGF=0"},
    {"AT+CSMS=0", seconds(3), false},
    // SIM800 message storage is the SIM ("SM"); "ME" is not offered on every firmware.
    {"AT+CPMS=\"SM\",\"SM\",\"SM\"", seconds(10), false},
    // The SIM800 delivers status reports directly (<ds>=1, +CDS), as the generic
    // driver expects (SIM800 manual, AT+CNMI).
    {"AT+CNMI=2,1,0,1,0"},
};

constexpr Driver kSimcom2gDriver = [] {
  Driver d = kGenericDriver;
  d.family = "simcom-2g";
  d.manufacturers = kManufacturers;
  d.init = k2gInit;
  d.unsolicited = kUnsolicited;
  d.sms_setup = k2gSmsSetup;
  // AT+CCID answers the bare number on the SIM800 ("89460...", no prefix; parse_iccid
  // takes a bare line), "+CCID: ..." on some SIM5xxx firmware.
  d.iccid_command = "AT+CCID";
  d.iccid_prefix = "+CCID:";
  // AT+CFUN=1,1 (generic) restarts a SIM800 (manual, AT+CFUN <rst>).
  return d;
}();

}  // namespace

const Driver& simcom_driver() { return kSimcomDriver; }
const Driver& simcom_2g_driver() { return kSimcom2gDriver; }

}  // namespace smsgate::drivers

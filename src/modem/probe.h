// Probing: the AT sequences that wake a modem, identify it and its SIM, and read its
// health. Used by the worker on every (re)start and by `smsgated probe PORT`. Each
// function runs commands on a channel owned by the calling thread and returns what it
// learned; nothing here keeps state.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "at/channel.h"
#include "common/result.h"
#include "drivers/driver.h"
#include "modem/info.h"
#include "modem/status.h"

namespace smsgate::modem {

// Short commands get this long; no radio involved, so a modem that takes longer is
// not answering.
inline constexpr std::chrono::milliseconds kCommandTimeout(3000);

// Sends AT until the modem answers OK (within `timeout`), then ATE0 and AT+CMEE=1
// (numeric +CME/+CMS errors, so failures can be classified). The reply of the last
// command tried, or a timed-out reply. Gives up early when `cancelled` says so.
at::Reply wake(at::AtChannel& channel, std::chrono::milliseconds timeout,
               const std::function<bool()>& cancelled = {});

// AT+CGMI, +CGMM, +CGMR, +CGSN. Errors when the modem does not answer at all; a
// command the modem refuses leaves its field empty.
Result<Identity> read_identity(at::AtChannel& channel);

// AT+CIMI and the driver's ICCID command, into `identity` (fields left empty when
// refused, e.g. while the SIM is locked).
void read_sim_identity(at::AtChannel& channel, const drivers::Driver& driver, Identity& identity);

// "READY", "SIM PIN", "SIM PUK", ... from AT+CPIN?, or the error's description
// ("+CME ERROR: 10 (SIM not inserted)").
std::string read_sim_state(at::AtChannel& channel);

// AT+CSQ, AT+CREG?, AT+COPS?, AT+CPMS?. A reply that did not come leaves the field as it was
// and returns the failed reply, so the caller can tell a hung modem.
std::optional<at::Reply> read_health(at::AtChannel& channel, Health& health);

// Everything `smsgated probe` prints.
struct ProbeReport {
  std::string port;
  std::string family;
  Identity identity;
  std::string sim_state;
  Health health;
  bool pdu_mode = false;                // AT+CMGF=0 accepted
  std::string sms_storage;              // AT+CPMS? answer
  std::string new_message_indications;  // AT+CNMI=? answer: what the modem offers
  std::string sms_service;              // AT+CSMS? answer
  std::string smsc;                     // AT+CSCA? answer
};

// Wakes and identifies the modem on `channel` and reads everything in ProbeReport.
// Read-only apart from echo, error format and PDU mode. Errors when the modem does
// not answer AT within `timeout`.
Result<ProbeReport> probe(at::AtChannel& channel, std::chrono::milliseconds timeout);

}  // namespace smsgate::modem

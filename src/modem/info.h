// Pure parsers for what modems answer: signal, registration, operator, SIM state,
// identity (maker, model, IMEI, ICCID), stored-message indications, message listings
// and storage usage. Input is already framed by at::AtParser (single lines, or a
// Response's `lines`); nothing here does I/O, throws, or knows a vendor: the drivers/
// tables say which command to send, these functions read the answer. Every malformed
// answer is an Error that says what is wrong, never a guess.
//
// Thread safety: free functions without state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace smsgate::modem {

// ---- Signal quality: +CSQ: <rssi>,<ber> (TS 27.007 clause 8.5) ---------------------

struct SignalQuality {
  static constexpr int kUnknown = 99;  // "not known or not detectable" for both fields
  int rssi = kUnknown;                 // 0..31, or 99
  int ber = kUnknown;                  // 0..7 (RXQUAL, TS 45.008 clause 8.2.4), or 99

  bool known() const { return rssi != kUnknown; }
  // 0 is "-113 dBm or less", 31 "-51 dBm or greater", in 2 dB steps between.
  std::optional<int> dbm() const {
    if (!known()) return std::nullopt;
    return -113 + 2 * rssi;
  }
  friend bool operator==(const SignalQuality&, const SignalQuality&) = default;
};

Result<SignalQuality> parse_csq(std::string_view line);

// ---- Registration: +CREG / +CGREG / +CEREG (TS 27.007 clauses 7.2, 10.1.20, 10.1.22) --

enum class RegistrationDomain { kCircuit, kPacket, kEps };  // +CREG, +CGREG, +CEREG

// <stat>, the same numbering in all three commands.
enum class RegistrationStatus {
  kNotRegistered = 0,  // and not searching
  kHome = 1,
  kSearching = 2,
  kDenied = 3,
  kUnknown = 4,  // e.g. out of E-UTRAN coverage
  kRoaming = 5,
  kHomeSmsOnly = 6,     // "SMS only", E-UTRAN
  kRoamingSmsOnly = 7,  // "SMS only", E-UTRAN
  kEmergencyOnly = 8,   // attached for emergency bearer services only
  kHomeCsfbNotPreferred = 9,
  kRoamingCsfbNotPreferred = 10,
  kRlosOnly = 11,  // attached for access to RLOS (Rel-15)
};

// Registered on a network that carries SMS: home or roaming, including SMS-only and
// CSFB-not-preferred registrations.
bool is_registered(RegistrationStatus status);
std::string_view registration_status_name(RegistrationStatus status);

struct Registration {
  RegistrationDomain domain = RegistrationDomain::kCircuit;
  std::optional<int> mode;  // <n>: present in the read answer (AT+CREG?), not in URCs
  RegistrationStatus status = RegistrationStatus::kUnknown;
  std::string area;                      // <lac>/<tac>, hex as given, "" when absent
  std::string cell;                      // <ci>, hex as given, "" when absent
  std::optional<int> access_technology;  // <AcT> (TS 27.007 clause 7.3)
  friend bool operator==(const Registration&, const Registration&) = default;
};

// Both the read answer "+CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]]" and the URC
// "+CREG: <stat>[,<lac>,<ci>[,<AcT>]]"; the same for +CGREG: and +CEREG:. Fields after
// <AcT> (+CGREG's <rac>, +CEREG's reject causes and PSM timers) are ignored.
Result<Registration> parse_creg(std::string_view line);

// ---- Operator: +COPS: <mode>[,<format>,<oper>[,<AcT>]] (TS 27.007 clause 7.3) -------

struct Operator {
  int mode = 0;               // 0 automatic .. 4 manual/automatic
  std::optional<int> format;  // 0 long alphanumeric, 1 short, 2 numeric (MCC MNC)
  std::string name;           // "" when not registered
  std::optional<int> access_technology;
  friend bool operator==(const Operator&, const Operator&) = default;
};

Result<Operator> parse_cops(std::string_view line);

// ---- SIM state: +CPIN: <code> (TS 27.007 clause 8.3) --------------------------------

enum class SimState {
  kReady,
  kSimPin,
  kSimPuk,
  kPhSimPin,  // phone-to-SIM lock
  kPhFsimPin,
  kPhFsimPuk,
  kSimPin2,
  kSimPuk2,
  kPhNetPin,  // network personalisation (SIM-locked modem)
  kPhNetPuk,
  kPhNetSubPin,
  kPhNetSubPuk,
  kPhSpPin,
  kPhSpPuk,
  kPhCorpPin,
  kPhCorpPuk,
  // Not in 27.007 but said as +CPIN: URCs by SIMCom and Quectel modules.
  kNotInserted,
  kNotReady,
};

bool needs_pin(SimState state);  // kSimPin: the configured PIN can unlock it
std::string_view sim_state_name(SimState state);
Result<SimState> parse_cpin(std::string_view line);

// ---- Identity: AT+CGMI / +CGMM / +CGMR / +CGSN / +CIMI, ATI (TS 27.007 clause 5) ----

// The value of one identity answer line: strips a "+CGMI: "-style echo of the command
// name, an ATI label ("Manufacturer: ", "Model: ", "Revision: ", "IMEI: ") and quotes.
// Empty after that is an error.
Result<std::string> parse_identity_line(std::string_view line);

// 15 digits with a valid Luhn check digit (3GPP TS 23.003 clause 6.2.1 and Annex B),
// or the 14 digits without it. Takes the line as parse_identity_line does.
Result<std::string> parse_imei(std::string_view line);

// The ICCID (ITU-T E.118, 19 or 20 digits starting with "89") from the answer to a
// driver's iccid_command, whose answer line starts with `prefix` ("^ICCID:",
// "+QCCID:", "+ICCID:", "!ICCID:", "#CCID:", "+CCID:"), or is the bare number (SIMCom
// SIM800 AT+CCID). With prefix "+CRSM:" the line is "+CRSM: <sw1>,<sw2>,"<hex>"", the
// raw EF_ICCID with each octet's nibbles swapped (TS 51.011 clause 10.1.1). Padding
// 'F's are stripped; hex letters are allowed after the issuer part (some operators
// use them).
Result<std::string> parse_iccid(const std::vector<std::string>& lines, std::string_view prefix);

// ---- Messages (TS 27.005, PDU mode) -------------------------------------------------

// +CMTI: <mem>,<index> / +CDSI: <mem>,<index> (clause 3.4.1): a message was stored.
struct StoredMessage {
  std::string storage;  // "SM", "ME", "MT", "SR", ...
  int index = 0;
  friend bool operator==(const StoredMessage&, const StoredMessage&) = default;
};

Result<StoredMessage> parse_cmti(std::string_view line);
Result<StoredMessage> parse_cdsi(std::string_view line);

// <stat> in PDU mode (clause 3.1).
enum class MessageStatus {
  kReceivedUnread = 0,
  kReceivedRead = 1,
  kStoredUnsent = 2,
  kStoredSent = 3,
};

struct ListedMessage {
  int index = 0;
  MessageStatus status = MessageStatus::kReceivedUnread;
  int tpdu_length = 0;  // <length>: octets after the SMSC address
  std::string pdu_hex;  // as the modem gave it, with its SMSC address
  friend bool operator==(const ListedMessage&, const ListedMessage&) = default;
};

// AT+CMGL answer (clause 3.4.2): "+CMGL: <index>,<stat>,[<alpha>],<length>" each
// followed by its PDU line. No lines: an empty list.
Result<std::vector<ListedMessage>> parse_cmgl(const std::vector<std::string>& lines);

struct ReadMessage {
  MessageStatus status = MessageStatus::kReceivedUnread;
  int tpdu_length = 0;
  std::string pdu_hex;
  friend bool operator==(const ReadMessage&, const ReadMessage&) = default;
};

// AT+CMGR answer (clause 3.4.3): "+CMGR: <stat>,[<alpha>],<length>" and the PDU line.
// An empty slot (no lines, or <length> 0 without a PDU) is an error.
Result<ReadMessage> parse_cmgr(const std::vector<std::string>& lines);

// "+CMGS: <mr>[,<scts>]" (clause 3.5.1): the TP-Message-Reference, 0..255, which the
// status report will carry.
Result<int> parse_cmgs(std::string_view line);

// The header of a direct URC (clause 3.4.1): "+CMT: [<alpha>],<length>" and
// "+CDS: <length>"; the <length> of the TPDU on the next line.
Result<int> parse_cmt_header(std::string_view line);
Result<int> parse_cds_header(std::string_view line);

// ---- Storage: +CPMS (clause 3.2.2) ---------------------------------------------------

struct StorageUsage {
  std::string storage;  // "" in the set answer, which names none
  int used = 0;
  int total = 0;
  friend bool operator==(const StorageUsage&, const StorageUsage&) = default;
};

// The read answer "+CPMS: <mem1>,<used1>,<total1>,<mem2>,..." (one to three triples)
// and the set answer "+CPMS: <used1>,<total1>,..." (one to three pairs).
Result<std::vector<StorageUsage>> parse_cpms(std::string_view line);

}  // namespace smsgate::modem

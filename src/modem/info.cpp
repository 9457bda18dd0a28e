#include "modem/info.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <utility>

#include "common/strings.h"

namespace smsgate::modem {
namespace {

bool is_digit(char c) { return is_ascii_digit(c); }
bool is_hex_digit(char c) {
  return is_digit(c) || (ascii_upper(c) >= 'A' && ascii_upper(c) <= 'F');
}
bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

// Quotes the modem's text in an error message, shortened so that a megabyte of
// garbage does not become a megabyte of log.
std::string quoted(std::string_view text) {
  constexpr size_t kMaxShown = 80;
  std::string out = "\"";
  out += text.substr(0, kMaxShown);
  if (text.size() > kMaxShown) out += "...";
  out += "\"";
  return out;
}

// The text after `prefix` ("+CSQ:"), or nullopt when the line does not start with it.
std::optional<std::string_view> after_prefix(std::string_view line, std::string_view prefix) {
  line = trim(line);
  if (!starts_with_ignore_case(line, prefix)) return std::nullopt;
  return trim(line.substr(prefix.size()));
}

// One comma-separated field of an answer; quoted strings may contain commas (an
// operator name, a phonebook alpha tag).
struct Field {
  std::string_view text;  // without the quotes
  bool quoted = false;
};

Result<std::vector<Field>> split_fields(std::string_view text) {
  std::vector<Field> fields;
  size_t i = 0;
  while (true) {
    while (i < text.size() && text[i] == ' ') ++i;
    Field field;
    if (i < text.size() && text[i] == '"') {
      size_t close = text.find('"', i + 1);
      if (close == std::string_view::npos) {
        return make_error("unterminated quoted field in " + quoted(text));
      }
      field.text = text.substr(i + 1, close - i - 1);
      field.quoted = true;
      i = close + 1;
      while (i < text.size() && text[i] == ' ') ++i;
      if (i < text.size() && text[i] != ',') {
        return make_error("text after a quoted field in " + quoted(text));
      }
    } else {
      size_t comma = text.find(',', i);
      size_t end = comma == std::string_view::npos ? text.size() : comma;
      field.text = trim(text.substr(i, end - i));
      i = end;
    }
    fields.push_back(field);
    if (i >= text.size()) break;
    ++i;  // the comma; a trailing comma gives one more, empty field
  }
  return fields;
}

// A decimal number in [min, max], the whole field.
std::optional<int> to_int(std::string_view text, int min, int max) {
  if (text.empty() || !all_of(text, is_digit)) return std::nullopt;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

Result<int> int_field(const Field& field, std::string_view name, int min, int max,
                      std::string_view line) {
  if (field.quoted) return make_error(std::string(name) + " is quoted in " + quoted(line));
  auto value = to_int(field.text, min, max);
  if (!value) {
    return make_error(std::string(name) + " is not a number in " + std::to_string(min) + ".." +
                      std::to_string(max) + " in " + quoted(line));
  }
  return *value;
}

// The fields after `prefix`, with errors naming the line.
Result<std::vector<Field>> fields_after(std::string_view line, std::string_view prefix) {
  auto rest = after_prefix(line, prefix);
  if (!rest) return make_error("expected " + std::string(prefix) + " in " + quoted(line));
  if (rest->empty()) return make_error("no fields after " + std::string(prefix));
  return split_fields(*rest);
}

// ---- Messages ----------------------------------------------------------------------

// TS 27.005 clause 3.1: <length> counts the TPDU octets; the longest SMS-SUBMIT or
// SMS-DELIVER TPDU is well under 200 octets (TS 23.040 clause 9.2.2), so more is a
// garbled line, not a message.
constexpr int kMaxTpduLength = 200;

Result<std::string> pdu_line(const std::vector<std::string>& lines, size_t at, int tpdu_length,
                             std::string_view header) {
  if (at >= lines.size()) return make_error("no PDU line after " + quoted(header));
  std::string_view pdu = trim(lines[at]);
  if (pdu.empty() || !all_of(pdu, is_hex_digit) || pdu.size() % 2 != 0) {
    return make_error("not a hex PDU after " + quoted(header) + ": " + quoted(pdu));
  }
  // The line carries the SMSC address (its length octet first) before the TPDU.
  if (pdu.size() / 2 < static_cast<size_t>(tpdu_length)) {
    return make_error("PDU shorter than its <length> " + std::to_string(tpdu_length) + ": " +
                      quoted(pdu));
  }
  return std::string(pdu);
}

Result<StoredMessage> parse_stored_indication(std::string_view line, std::string_view prefix) {
  auto fields = fields_after(line, prefix);
  if (!fields) return fields.error();
  if (fields->size() != 2) {
    return make_error("expected <mem>,<index> in " + quoted(line));
  }
  std::string_view storage = (*fields)[0].text;
  // Storage names are two or so letters (TS 27.005 clause 3.2.2: "SM", "ME", "MT",
  // "BM", "SR", "TA"); anything else is not a storage name.
  if (storage.empty() || storage.size() > 4 ||
      !all_of(storage, [](char c) { return ascii_upper(c) >= 'A' && ascii_upper(c) <= 'Z'; })) {
    return make_error("bad storage name in " + quoted(line));
  }
  // Indexes are at most a few thousand; 65535 bounds a garbled number.
  auto index = int_field((*fields)[1], "<index>", 0, 65535, line);
  if (!index) return index.error();
  return StoredMessage{std::string(storage), *index};
}

// "<stat>,[<alpha>],<length>" (CMGR) or "<index>,<stat>,[<alpha>],<length>" (CMGL):
// the alpha field may be absent altogether on some modems, so <length> is always the
// last field.
struct MessageHeader {
  int index = 0;
  MessageStatus status = MessageStatus::kReceivedUnread;
  int tpdu_length = 0;
};

Result<MessageHeader> parse_message_header(std::string_view line, std::string_view prefix,
                                           bool with_index) {
  auto fields = fields_after(line, prefix);
  if (!fields) return fields.error();
  size_t leading = with_index ? 2 : 1;
  if (fields->size() < leading + 1 || fields->size() > leading + 2) {
    return make_error("wrong number of fields in " + quoted(line));
  }
  MessageHeader header;
  size_t at = 0;
  if (with_index) {
    auto index = int_field((*fields)[at++], "<index>", 0, 65535, line);
    if (!index) return index.error();
    header.index = *index;
  }
  auto status = int_field((*fields)[at], "<stat>", 0, 3, line);
  if (!status) return status.error();
  header.status = static_cast<MessageStatus>(*status);
  auto length = int_field(fields->back(), "<length>", 0, kMaxTpduLength, line);
  if (!length) return length.error();
  header.tpdu_length = *length;
  return header;
}

// ---- ICCID -------------------------------------------------------------------------

// ITU-T E.118: an ICCID is at most 19 digits plus the Luhn check digit, and begins
// with the telecom major industry identifier 89. 18-digit ICCIDs exist on old SIMs.
Result<std::string> normalise_iccid(std::string_view raw, std::string_view line) {
  std::string iccid(raw);
  for (char& c : iccid) c = ascii_upper(c);
  while (!iccid.empty() && iccid.back() == 'F') iccid.pop_back();
  if (iccid.size() < 18 || iccid.size() > 20) {
    return make_error("ICCID of " + std::to_string(iccid.size()) + " digits in " + quoted(line));
  }
  if (!iccid.starts_with("89")) {
    return make_error("ICCID does not start with 89 in " + quoted(line));
  }
  // Digits in the issuer part; some operators (e.g. China Mobile) put A-E into the
  // account part, which the BCD encoding allows.
  for (size_t i = 0; i < iccid.size(); ++i) {
    bool ok = i < 6 ? is_digit(iccid[i]) : is_hex_digit(iccid[i]);
    if (!ok) return make_error("bad ICCID character in " + quoted(line));
  }
  return iccid;
}

// EF_ICCID holds the digits as BCD with each octet's nibbles swapped (TS 51.011
// clause 10.1.1, TS 102.221 clause 13.2): "98" "44" ... reads 89 44 ...
std::string unswap_nibbles(std::string_view hex) {
  std::string out;
  out.reserve(hex.size());
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(hex[i + 1]);
    out.push_back(hex[i]);
  }
  return out;
}

Result<std::string> parse_crsm_iccid(const std::vector<std::string>& lines) {
  for (const auto& line : lines) {
    auto rest = after_prefix(line, "+CRSM:");
    if (!rest) continue;
    auto fields = split_fields(*rest);
    if (!fields) return fields.error();
    if (fields->size() != 3)
      return make_error("expected <sw1>,<sw2>,<response> in " + quoted(line));
    auto sw1 = int_field((*fields)[0], "<sw1>", 0, 255, line);
    if (!sw1) return sw1.error();
    auto sw2 = int_field((*fields)[1], "<sw2>", 0, 255, line);
    if (!sw2) return sw2.error();
    // TS 51.011 clause 9.4.1: 0x90 normal ending, 0x91 normal ending with extra
    // information from a proactive SIM. Anything else (0x94 file not found, 0x98
    // security, 0x6A82 on USIMs) carries no ICCID.
    if (*sw1 != 0x90 && *sw1 != 0x91) {
      return make_error("SIM refused the read, status " + std::to_string(*sw1) + "," +
                        std::to_string(*sw2) + " in " + quoted(line));
    }
    std::string_view data = (*fields)[2].text;
    // EF_ICCID is 10 octets.
    if (data.size() != 20 || !all_of(data, is_hex_digit)) {
      return make_error("EF_ICCID is not 10 hex octets in " + quoted(line));
    }
    return normalise_iccid(unswap_nibbles(data), line);
  }
  return make_error("no +CRSM: line in the answer");
}

// ---- Identity ----------------------------------------------------------------------

// Echoed command names (Quectel and SIMCom answer "+CGMI: Quectel" on some firmware;
// TS 27.007 clause 5 lets the answer carry the name) and ATI labels, longest first
// where one is a prefix of another.
constexpr auto kIdentityPrefixes = std::to_array<std::string_view>(
    {"+CGMI:", "+CGMM:", "+CGMR:", "+CGSN:", "+CIMI:", "+GMI:", "+GMM:", "+GMR:", "+GSN:",
     "Manufacturer:", "Model:", "Revision:", "IMEI SV:", "IMEISV:", "IMEI:", "ESN:"});

bool luhn_valid(std::string_view digits) {
  int sum = 0;
  bool double_it = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

}  // namespace

// ---- Signal ------------------------------------------------------------------------

Result<SignalQuality> parse_csq(std::string_view line) {
  auto fields = fields_after(line, "+CSQ:");
  if (!fields) return fields.error();
  if (fields->size() != 2) return make_error("expected <rssi>,<ber> in " + quoted(line));
  auto rssi = int_field((*fields)[0], "<rssi>", 0, 99, line);
  if (!rssi) return rssi.error();
  auto ber = int_field((*fields)[1], "<ber>", 0, 99, line);
  if (!ber) return ber.error();
  // TS 27.007 clause 8.5: 0..31 and 99; 100..191 are TD-SCDMA values we never ask for.
  if (*rssi > 31 && *rssi != SignalQuality::kUnknown) {
    return make_error("<rssi> " + std::to_string(*rssi) + " out of range in " + quoted(line));
  }
  if (*ber > 7 && *ber != SignalQuality::kUnknown) {
    return make_error("<ber> " + std::to_string(*ber) + " out of range in " + quoted(line));
  }
  return SignalQuality{*rssi, *ber};
}

// ---- Registration ------------------------------------------------------------------

bool is_registered(RegistrationStatus status) {
  switch (status) {
    case RegistrationStatus::kHome:
    case RegistrationStatus::kRoaming:
    case RegistrationStatus::kHomeSmsOnly:
    case RegistrationStatus::kRoamingSmsOnly:
    case RegistrationStatus::kHomeCsfbNotPreferred:
    case RegistrationStatus::kRoamingCsfbNotPreferred:
      return true;
    default:
      return false;
  }
}

std::string_view registration_status_name(RegistrationStatus status) {
  switch (status) {
    case RegistrationStatus::kNotRegistered:
      return "not registered";
    case RegistrationStatus::kHome:
      return "home";
    case RegistrationStatus::kSearching:
      return "searching";
    case RegistrationStatus::kDenied:
      return "denied";
    case RegistrationStatus::kUnknown:
      return "unknown";
    case RegistrationStatus::kRoaming:
      return "roaming";
    case RegistrationStatus::kHomeSmsOnly:
      return "home, SMS only";
    case RegistrationStatus::kRoamingSmsOnly:
      return "roaming, SMS only";
    case RegistrationStatus::kEmergencyOnly:
      return "emergency only";
    case RegistrationStatus::kHomeCsfbNotPreferred:
      return "home, CSFB not preferred";
    case RegistrationStatus::kRoamingCsfbNotPreferred:
      return "roaming, CSFB not preferred";
    case RegistrationStatus::kRlosOnly:
      return "RLOS only";
  }
  return "unknown";
}

Result<Registration> parse_creg(std::string_view line) {
  struct Kind {
    std::string_view prefix;
    RegistrationDomain domain;
  };
  constexpr Kind kKinds[] = {{"+CREG:", RegistrationDomain::kCircuit},
                             {"+CGREG:", RegistrationDomain::kPacket},
                             {"+CEREG:", RegistrationDomain::kEps}};
  const Kind* kind = nullptr;
  for (const auto& k : kKinds) {
    if (after_prefix(line, k.prefix)) kind = &k;
  }
  if (kind == nullptr) return make_error("expected +CREG:, +CGREG: or +CEREG: in " + quoted(line));
  auto fields = fields_after(line, kind->prefix);
  if (!fields) return fields.error();
  const auto& f = *fields;

  // The read answer starts with <n>,<stat>; the URC with <stat>, then maybe <lac>.
  // Two plain numbers are the read answer ("+CREG: 0,1"), one is the URC ("+CREG: 1").
  // With more fields, the second is <stat> (a one- or two-digit number, unquoted) in
  // the read answer and <lac> (quoted hex, four digits) in the URC.
  bool read_form = false;
  if (f.size() == 2) {
    read_form = true;
  } else if (f.size() > 2) {
    read_form = !f[1].quoted && f[1].text.size() <= 2 && to_int(f[1].text, 0, 11).has_value();
  }
  Registration reg;
  reg.domain = kind->domain;
  size_t at = 0;
  if (read_form) {
    // <n> 0..3 for +CREG and +CGREG, up to 5 for +CEREG (clause 10.1.22).
    auto mode = int_field(f[at++], "<n>", 0, 5, line);
    if (!mode) return mode.error();
    reg.mode = *mode;
  }
  auto stat = int_field(f[at++], "<stat>", 0, 11, line);
  if (!stat) return stat.error();
  reg.status = static_cast<RegistrationStatus>(*stat);
  if (at == f.size()) return reg;
  // <lac>,<ci> come together; either may be empty while not registered.
  if (f.size() < at + 2) return make_error("<lac> without <ci> in " + quoted(line));
  std::string_view area = f[at++].text;
  std::string_view cell = f[at++].text;
  if (!all_of(area, is_hex_digit) || area.size() > 8 || !all_of(cell, is_hex_digit) ||
      cell.size() > 10) {
    return make_error("<lac>/<ci> are not hex in " + quoted(line));
  }
  reg.area = std::string(area);
  reg.cell = std::string(cell);
  // <AcT> 0..13 (TS 27.007 clause 7.3, up to NG-RAN). Some firmware puts other
  // things there ("+CREG: 2,1,000B,2816, B, C2816", a Samsung module in ModemManager's
  // src/tests/test-modem-helpers.c); the registration is still good, the AcT unknown.
  if (at < f.size()) reg.access_technology = to_int(f[at].text, 0, 13);
  return reg;
}

// ---- Operator ----------------------------------------------------------------------

Result<Operator> parse_cops(std::string_view line) {
  auto fields = fields_after(line, "+COPS:");
  if (!fields) return fields.error();
  const auto& f = *fields;
  // The test answer "+COPS: (2,"Telia",...),,(0-4),(0-2)" is a list, not this.
  if (!f.empty() && f[0].text.starts_with("(")) {
    return make_error("a +COPS=? list, not the current operator: " + quoted(line));
  }
  if (f.size() != 1 && f.size() != 3 && f.size() != 4) {
    return make_error("expected <mode>[,<format>,<oper>[,<AcT>]] in " + quoted(line));
  }
  Operator op;
  auto mode = int_field(f[0], "<mode>", 0, 4, line);
  if (!mode) return mode.error();
  op.mode = *mode;
  if (f.size() == 1) return op;
  auto format = int_field(f[1], "<format>", 0, 2, line);
  if (!format) return format.error();
  op.format = *format;
  op.name = std::string(f[2].text);
  if (op.name.empty()) return make_error("empty <oper> in " + quoted(line));
  if (*format == 2 && (!all_of(op.name, is_digit) || op.name.size() < 5 || op.name.size() > 6)) {
    return make_error("numeric <oper> is not MCC+MNC in " + quoted(line));
  }
  if (f.size() == 4) {
    auto act = int_field(f[3], "<AcT>", 0, 13, line);
    if (!act) return act.error();
    op.access_technology = *act;
  }
  return op;
}

// ---- SIM ---------------------------------------------------------------------------

namespace {
struct SimCode {
  std::string_view text;
  SimState state;
};
constexpr SimCode kSimCodes[] = {
    {"READY", SimState::kReady},
    {"SIM PIN", SimState::kSimPin},
    {"SIM PUK", SimState::kSimPuk},
    {"PH-SIM PIN", SimState::kPhSimPin},
    {"PH-FSIM PIN", SimState::kPhFsimPin},
    {"PH-FSIM PUK", SimState::kPhFsimPuk},
    {"SIM PIN2", SimState::kSimPin2},
    {"SIM PUK2", SimState::kSimPuk2},
    {"PH-NET PIN", SimState::kPhNetPin},
    {"PH-NET PUK", SimState::kPhNetPuk},
    {"PH-NETSUB PIN", SimState::kPhNetSubPin},
    {"PH-NETSUB PUK", SimState::kPhNetSubPuk},
    {"PH-SP PIN", SimState::kPhSpPin},
    {"PH-SP PUK", SimState::kPhSpPuk},
    {"PH-CORP PIN", SimState::kPhCorpPin},
    {"PH-CORP PUK", SimState::kPhCorpPuk},
    {"NOT INSERTED", SimState::kNotInserted},
    {"NOT READY", SimState::kNotReady},
};
}  // namespace

bool needs_pin(SimState state) { return state == SimState::kSimPin; }

std::string_view sim_state_name(SimState state) {
  for (const auto& code : kSimCodes) {
    if (code.state == state) return code.text;
  }
  return "unknown";
}

Result<SimState> parse_cpin(std::string_view line) {
  auto rest = after_prefix(line, "+CPIN:");
  if (!rest) return make_error("expected +CPIN: in " + quoted(line));
  std::string_view code = *rest;
  if (code.size() >= 2 && code.front() == '"' && code.back() == '"') {
    code = trim(code.substr(1, code.size() - 2));
  }
  for (const auto& known : kSimCodes) {
    if (equals_ignore_case(code, known.text)) return known.state;
  }
  return make_error("unknown SIM state in " + quoted(line));
}

// ---- Identity ----------------------------------------------------------------------

Result<std::string> parse_identity_line(std::string_view line) {
  std::string_view value = trim(line);
  for (auto prefix : kIdentityPrefixes) {
    if (starts_with_ignore_case(value, prefix)) {
      value = trim(value.substr(prefix.size()));
      break;
    }
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = trim(value.substr(1, value.size() - 2));
  }
  if (value.empty()) return make_error("empty identity answer " + quoted(line));
  if (value.find('"') != std::string_view::npos) {
    return make_error("stray quote in identity answer " + quoted(line));
  }
  return std::string(value);
}

Result<std::string> parse_imei(std::string_view line) {
  auto value = parse_identity_line(line);
  if (!value) return value.error();
  const std::string& digits = *value;
  if (!all_of(digits, is_digit)) return make_error("IMEI is not all digits: " + quoted(line));
  if (digits.size() == 14) return digits;
  if (digits.size() != 15) {
    return make_error("IMEI of " + std::to_string(digits.size()) + " digits: " + quoted(line));
  }
  if (!luhn_valid(digits)) return make_error("IMEI check digit is wrong: " + quoted(line));
  return digits;
}

Result<std::string> parse_iccid(const std::vector<std::string>& lines, std::string_view prefix) {
  if (prefix.empty()) return make_error("no ICCID answer prefix given");
  if (equals_ignore_case(prefix, "+CRSM:")) return parse_crsm_iccid(lines);
  std::optional<std::string_view> bare;
  for (const auto& line : lines) {
    if (auto rest = after_prefix(line, prefix)) {
      std::string_view value = *rest;
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      // A firmware that hands out the raw EF_ICCID content: 20 characters, "98" first.
      if (value.size() == 20 && value.starts_with("98")) {
        return normalise_iccid(unswap_nibbles(value), line);
      }
      return normalise_iccid(value, line);
    }
    std::string_view trimmed = trim(line);
    if (!bare && !trimmed.empty() && all_of(trimmed, is_hex_digit)) bare = trimmed;
  }
  // SIMCom SIM800/SIM900 answer AT+CCID with the bare number (SIM800 Series AT Command
  // Manual V1.09, AT+CCID).
  if (bare) return normalise_iccid(*bare, *bare);
  return make_error("no " + std::string(prefix) + " line in the ICCID answer");
}

// ---- Messages ----------------------------------------------------------------------

Result<StoredMessage> parse_cmti(std::string_view line) {
  return parse_stored_indication(line, "+CMTI:");
}

Result<StoredMessage> parse_cdsi(std::string_view line) {
  return parse_stored_indication(line, "+CDSI:");
}

Result<std::vector<ListedMessage>> parse_cmgl(const std::vector<std::string>& lines) {
  std::vector<ListedMessage> messages;
  for (size_t i = 0; i < lines.size(); i += 2) {
    auto header = parse_message_header(lines[i], "+CMGL:", true);
    if (!header) return header.error();
    auto pdu = pdu_line(lines, i + 1, header->tpdu_length, lines[i]);
    if (!pdu) return pdu.error();
    messages.push_back(
        ListedMessage{header->index, header->status, header->tpdu_length, std::move(*pdu)});
  }
  return messages;
}

Result<ReadMessage> parse_cmgr(const std::vector<std::string>& lines) {
  if (lines.empty()) return make_error("no message at that index (empty answer)");
  auto header = parse_message_header(lines[0], "+CMGR:", false);
  if (!header) return header.error();
  if (header->tpdu_length == 0 && lines.size() == 1) {
    return make_error("no message at that index: " + quoted(lines[0]));
  }
  if (lines.size() != 2) {
    return make_error("expected a header and one PDU line, got " + std::to_string(lines.size()) +
                      " lines");
  }
  auto pdu = pdu_line(lines, 1, header->tpdu_length, lines[0]);
  if (!pdu) return pdu.error();
  return ReadMessage{header->status, header->tpdu_length, std::move(*pdu)};
}

Result<int> parse_cmgs(std::string_view line) {
  auto fields = fields_after(line, "+CMGS:");
  if (!fields) return fields.error();
  if (fields->size() > 2) return make_error("expected <mr>[,<scts>] in " + quoted(line));
  // TP-MR is one octet (TS 23.040 clause 9.2.3.6).
  return int_field((*fields)[0], "<mr>", 0, 255, line);
}

Result<int> parse_cmt_header(std::string_view line) {
  auto fields = fields_after(line, "+CMT:");
  if (!fields) return fields.error();
  if (fields->size() != 2) return make_error("expected [<alpha>],<length> in " + quoted(line));
  return int_field(fields->back(), "<length>", 1, kMaxTpduLength, line);
}

Result<int> parse_cds_header(std::string_view line) {
  auto fields = fields_after(line, "+CDS:");
  if (!fields) return fields.error();
  if (fields->size() != 1) return make_error("expected <length> in " + quoted(line));
  return int_field((*fields)[0], "<length>", 1, kMaxTpduLength, line);
}

// ---- Storage -----------------------------------------------------------------------

Result<std::vector<StorageUsage>> parse_cpms(std::string_view line) {
  auto fields = fields_after(line, "+CPMS:");
  if (!fields) return fields.error();
  const auto& f = *fields;
  if (!f.empty() && f[0].text.starts_with("(")) {
    return make_error("a +CPMS=? list, not the usage: " + quoted(line));
  }
  bool named = !f.empty() && f[0].quoted;
  size_t group = named ? 3 : 2;
  if (f.size() % group != 0 || f.size() / group < 1 || f.size() / group > 3) {
    return make_error("expected one to three " +
                      std::string(named ? "<mem>,<used>,<total>" : "<used>,<total>") +
                      " groups in " + quoted(line));
  }
  std::vector<StorageUsage> usage;
  for (size_t at = 0; at < f.size(); at += group) {
    StorageUsage u;
    if (named) {
      if (!f[at].quoted || f[at].text.empty()) {
        return make_error("storage name is not a quoted string in " + quoted(line));
      }
      u.storage = std::string(f[at].text);
    }
    auto used = int_field(f[at + group - 2], "<used>", 0, 65535, line);
    if (!used) return used.error();
    auto total = int_field(f[at + group - 1], "<total>", 0, 65535, line);
    if (!total) return total.error();
    if (*used > *total) return make_error("<used> exceeds <total> in " + quoted(line));
    u.used = *used;
    u.total = *total;
    usage.push_back(std::move(u));
  }
  return usage;
}

}  // namespace smsgate::modem

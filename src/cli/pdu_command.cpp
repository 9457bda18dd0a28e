#include <iostream>
#include <random>
#include <string>

#include "cli/commands.h"
#include "cli/pdu_json.h"
#include "pdu/hex.h"
#include "pdu/planner.h"
#include "pdu/submit.h"
#include "pdu/utf.h"

namespace smsgate::cli {
namespace {

struct EncodeArgs {
  std::string to;
  std::string text;
  bool srr = false;
  std::optional<int> validity;
  std::string encoding = "auto";
  std::vector<std::string> languages;
  bool transliterate = false;
  bool ref16 = false;
  std::optional<int> reference;
};

struct DecodeArgs {
  bool no_smsc = false;
  std::string hex;
};

template <class T>
T or_fail(Result<T> r, const std::string& context) {
  if (!r) throw UsageError(context + r.error().message);
  return std::move(r).value();
}

void run_encode(const EncodeArgs& a) {
  pdu::PlanOptions plan_options;
  plan_options.encoding = a.encoding == "gsm7"   ? pdu::EncodingChoice::kGsm7
                          : a.encoding == "ucs2" ? pdu::EncodingChoice::kUcs2
                                                 : pdu::EncodingChoice::kAuto;
  for (const auto& code : a.languages) {
    plan_options.languages.push_back(*pdu::language_from_code(code));
  }
  plan_options.transliterate = a.transliterate;
  plan_options.ref16 = a.ref16;

  const auto text = or_fail(pdu::utf8_to_code_points(a.text), "pdu encode: --text: ");
  const auto plan = or_fail(pdu::plan_text(text, plan_options), "pdu encode: --text: ");

  pdu::SubmitOptions submit;
  submit.status_report = a.srr;
  if (a.validity) submit.validity = pdu::RelativeValidity{*a.validity};
  if (a.reference) {
    submit.concat_reference = static_cast<uint16_t>(*a.reference);
  } else {
    std::random_device random;
    submit.concat_reference = static_cast<uint16_t>(random());
  }
  const auto parts = or_fail(pdu::encode_submit(a.to, plan, submit), "pdu encode: ");
  for (const auto& part : parts) std::cout << submit_pdu_json(part).dump() << "\n";
}

void run_decode(const DecodeArgs& a) {
  // A PDU pasted from a modem log often brings its line end or spaces along.
  std::string_view hex = a.hex;
  const auto first = hex.find_first_not_of(" \t\r\n");
  hex = first == std::string_view::npos ? std::string_view() : hex.substr(first);
  hex = hex.substr(0, hex.find_last_not_of(" \t\r\n") + 1);
  if (hex.empty()) throw UsageError("pdu decode: no PDU given");
  const auto octets = or_fail(pdu::from_hex(hex), "pdu decode: ");
  auto decoded = a.no_smsc ? pdu::decode_pdu(octets, false) : pdu::decode_pdu_any(octets);
  std::cout << decoded_pdu_json(or_fail(decoded, "pdu decode: ")).dump() << "\n";
}

}  // namespace

void add_pdu_command(CLI::App& app) {
  auto* pdu = app.add_subcommand("pdu", "Encode and decode SMS PDUs (3GPP TS 23.040)");
  pdu->require_subcommand(1);

  static EncodeArgs encode;
  auto* enc = pdu->add_subcommand("encode", "Print the SMS-SUBMIT PDUs for a text, one per line");
  enc->add_option("--to", encode.to, "Recipient: +international, digits, or alphanumeric")
      ->required();
  enc->add_option("--text", encode.text, "Message text (UTF-8)")->required();
  enc->add_flag("--srr", encode.srr, "Request a status report (TP-SRR)");
  enc->add_option("--validity", encode.validity, "Relative validity period in minutes")
      ->check(CLI::Range(0, 63 * 7 * 24 * 60));
  enc->add_option("--encoding", encode.encoding, "auto, gsm7 or ucs2")
      ->check(CLI::IsMember({"auto", "gsm7", "ucs2"}))
      ->capture_default_str();
  enc->add_option("--language", encode.languages,
                  "National language shift tables allowed (tr, es, pt, bn, gu, hi, kn, ml, or, "
                  "pa, ta, te, ur)")
      ->check([](const std::string& code) {
        return pdu::language_from_code(code) ? std::string() : "unknown language '" + code + "'";
      });
  enc->add_flag("--transliterate", encode.transliterate,
                "Replace typographic characters with GSM-7 equivalents");
  enc->add_flag("--ref16", encode.ref16, "16-bit concatenation reference");
  enc->add_option("--reference", encode.reference, "Concatenation reference (default: random)")
      ->check(CLI::Range(0, 65535));
  enc->callback([] { run_encode(encode); });

  static DecodeArgs decode;
  auto* dec = pdu->add_subcommand("decode", "Decode one PDU given in hex");
  dec->add_flag("--no-smsc", decode.no_smsc, "The PDU has no SMSC prefix");
  dec->add_option("hex", decode.hex, "PDU in hex")->required();
  dec->callback([] { run_decode(decode); });
}

}  // namespace smsgate::cli

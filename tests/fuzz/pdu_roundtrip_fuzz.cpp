// Encode -> decode round trip. The first octet picks the options, the rest is the
// text (UTF-8; other input is skipped). Every part must decode to what was planned,
// with the right concatenation fields, and the parts together to the planned text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "pdu/decode.h"
#include "pdu/planner.h"
#include "pdu/submit.h"
#include "pdu/utf.h"

using namespace smsgate::pdu;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "round trip broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  auto text =
      utf8_to_code_points(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  if (!text) return 0;

  PlanOptions options;
  options.encoding = static_cast<EncodingChoice>(flags % 3);
  options.ref16 = flags & 0x04;
  options.transliterate = flags & 0x08;
  if (flags & 0x10) options.languages.push_back(Language::kTurkish);
  if (flags & 0x20) options.languages.push_back(Language::kSpanish);
  if (flags & 0x40) options.languages.push_back(Language::kPortuguese);
  if (flags & 0x80) options.languages.push_back(Language::kHindi);

  auto plan = plan_text(*text, options);
  if (!plan) {
    if (options.encoding == EncodingChoice::kUcs2) fail("UCS-2 refused a text");
    return 0;
  }
  SubmitOptions submit;
  submit.status_report = flags & 0x01;
  submit.concat_reference = 0xBEEF;
  auto pdus = encode_submit("+4915551234567", *plan, submit);
  if (!pdus) fail("encode_submit refused a plan");
  if (pdus->size() != plan->parts.size()) fail("part count");

  std::u32string joined;
  for (const auto& pdu : *pdus) {
    if (pdu.octets.size() > 1 + 176) fail("TPDU longer than 176 octets");
    auto decoded = decode_pdu(pdu.octets, true);
    if (!decoded) {
      std::fprintf(stderr, "%s\n", decoded.error().message.c_str());
      fail("own PDU does not decode");
    }
    const auto* s = std::get_if<Submit>(&decoded->tpdu);
    if (s == nullptr) fail("not decoded as SMS-SUBMIT");
    if (s->to != "+4915551234567") fail("recipient");
    if (s->status_report_request != submit.status_report) fail("TP-SRR");
    if (s->user_data.encoding != plan->encoding) fail("encoding");
    if (plan->encoding == Encoding::kGsm7 && !(s->user_data.tables == plan->tables)) fail("tables");
    if (plan->concatenated()) {
      const auto& c = s->user_data.concat;
      if (!c || c->part != pdu.part || c->total != pdu.parts) fail("concatenation IE");
      if (c->reference != (options.ref16 ? 0xBEEF : 0xEF)) fail("concatenation reference");
    } else if (s->user_data.concat) {
      fail("concatenation IE on a single part");
    }
    const auto& expected = plan->parts[pdu.part - 1];
    if (s->user_data.text.size() != expected.characters) fail("characters in part");
    joined += s->user_data.text;
  }
  if (joined != plan->text) fail("text differs");
  return 0;
}

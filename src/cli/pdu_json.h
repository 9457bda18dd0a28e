// JSON views of codec results, in the shapes DESIGN.md fixes for `smsgated pdu`.
#pragma once

#include <nlohmann/json.hpp>

#include "pdu/decode.h"
#include "pdu/submit.h"

namespace smsgate::cli {

using Json = nlohmann::ordered_json;

Json submit_pdu_json(const pdu::SubmitPdu& part);
Json decoded_pdu_json(const pdu::DecodedPdu& decoded);

}  // namespace smsgate::cli

// The JSON the API answers with, one function per record, so every endpoint that
// shows a message (or a part, a plan, a modem) shows it the same way. Times are
// ISO 8601 UTC with milliseconds; absent values are left out rather than null.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "dispatch/dispatcher.h"
#include "modem/signal_history.h"
#include "modem/status.h"
#include "pdu/planner.h"
#include "store/types.h"

namespace smsgate::http {

// A one-time password's text is shown with its code masked (store::shown_text); no
// record here carries a PDU.
nlohmann::json message_json(const store::Message& message);
// message_json with "part_status" (per part), "history" (oldest first) and
// "superseded_parts" (sent from one modem before the message went again whole from
// another, oldest first).
nlohmann::json message_detail_json(const store::MessageDetail& detail);
// What POST /messages/preview answers: encoding, parts, characters left, what forced
// UCS-2, what was (or could be) transliterated.
nlohmann::json plan_json(const pdu::Plan& plan);
// A modem as the store knows it, with the worker's live status when it runs and the
// dispatcher's pacing once it has seen the modem (limits of 0 are shown as null:
// unlimited).
nlohmann::json modem_json(const store::ModemRecord& record,
                          const std::optional<modem::ModemStatus>& status, bool sending_enabled,
                          const std::optional<dispatch::ModemPacing>& pacing = std::nullopt);
// [{"at", "dbm"}], oldest first; dbm null where the modem did not know.
nlohmann::json signal_history_json(const std::vector<modem::SignalSample>& samples);

}  // namespace smsgate::http

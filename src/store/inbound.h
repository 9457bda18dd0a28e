// Inbound: what arrives from the modems (status reports matched to the parts they
// report on, received PDUs reassembled into messages and linked to the message they
// answer) and the opt-outs that STOP and START replies maintain. Implemented in
// store/inbound.cpp.
//
// Thread safety: every method may be called from any thread at the same time.
// record_status_report, record_inbound_part, record_undecodable_pdu,
// complete_partial_inbound, add_optout and remove_optout are writes: they return once their group
// commit is fsync'd (store/engine.h), so a modem may delete a PDU the call stored. list_inbound,
// is_opted_out, are_opted_out and list_optouts are reads: each answers from one
// snapshot and never waits for the writer.
//
// A status report that settles a message and a completed inbound message write their
// webhook events into the outbox in the same transaction (store/webhooks.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

class Inbound {
 public:
  explicit Inbound(Engine& engine) : engine_(engine) {}

  // --- Status reports -------------------------------------------------------------

  // Stores the report and matches it to the part most recently sent on `modem` with
  // this TP-MR to this recipient, sent within kReportWindowMs before it was received.
  // A matched part is delivered or failed by the report's class (TS 23.040 9.2.3.15;
  // "pending" changes nothing); its message becomes delivered when all parts are,
  // failed when one failed. An unmatched report is kept with no part.
  Result<StatusReportOutcome> record_status_report(const StatusReportIn& report);
  static constexpr int64_t kReportWindowMs = 72LL * 3600 * 1000;

  // --- Inbound messages -----------------------------------------------------------

  // Stores one received PDU (once: the same PDU from the same modem again is reported
  // as a duplicate) and, when it completes a message, the message: a single part at
  // once, a concatenated one when all its parts are in (text joined in part order).
  // Parts wait in the database, so reassembly survives restarts. The completed
  // message is linked to the latest message sent to its sender with expect_reply
  // whose reply window covers received_at.
  Result<InboundOutcome> record_inbound_part(const InboundPartIn& part);
  // Keeps a received PDU that does not decode, as it came, with why (once per modem
  // and bytes); after it returns the modem may delete it.
  Status record_undecodable_pdu(const std::string& modem, const std::string& pdu_hex,
                                const std::string& error, int64_t received_at);
  // Turns concatenated messages still missing parts whose first part came at or
  // before now - timeout_ms into partial messages of what did arrive.
  Result<std::vector<InboundMessage>> complete_partial_inbound(int64_t now, int64_t timeout_ms);
  Result<Page<InboundMessage>> list_inbound(const InboundFilter& filter);

  // --- Opt-outs -------------------------------------------------------------------

  Status add_optout(const std::string& number, const std::string& keyword, int64_t at);
  Result<bool> remove_optout(const std::string& number);  // false: was not opted out
  Result<bool> is_opted_out(const std::string& number);
  // For each of `numbers`, whether it opted out; one read for all of them.
  Result<std::vector<bool>> are_opted_out(const std::vector<std::string>& numbers);
  // By number; `after` a number from the previous page ("" for the first).
  Result<std::vector<OptOut>> list_optouts(const std::string& after, int limit);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

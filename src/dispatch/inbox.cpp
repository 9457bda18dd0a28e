#include "dispatch/inbox.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "pdu/decode.h"
#include "pdu/hex.h"
#include "pdu/utf.h"

namespace smsgate::dispatch {
namespace {

int64_t epoch_ms(const pdu::Timestamp& t) {
  using namespace std::chrono;
  sys_days day = year_month_day(year(t.year), month(static_cast<unsigned>(t.month)),
                                std::chrono::day(static_cast<unsigned>(t.day)));
  auto local = day + hours(t.hour) + minutes(t.minute) + seconds(t.second);
  return duration_cast<milliseconds>((local - minutes(15 * t.offset_quarters)).time_since_epoch())
      .count();
}

}  // namespace

bool Inbox::record(const std::string& modem, const std::string& pdu_hex, int64_t now) {
  auto octets = pdu::from_hex(pdu_hex);
  auto decoded = octets ? pdu::decode_pdu_any(*octets) : Result<pdu::DecodedPdu>(octets.error());
  if (!decoded) {
    // Kept as it came, then deleted from the modem: left there, such PDUs would fill its
    // storage until nothing more could arrive.
    count(&InboxCounters::undecodable_pdus);
    Status kept = store_.record_undecodable_pdu(modem, pdu_hex, decoded.error().message, now);
    if (!kept) {
      spdlog::error("modem {}: a PDU that does not decode, not stored (left on the modem): {}",
                    modem, kept.error().message);
      return false;
    }
    spdlog::warn("modem {}: a received PDU does not decode; kept as it came: {}", modem,
                 decoded.error().message);
    return true;
  }
  if (const auto* deliver = std::get_if<pdu::Deliver>(&decoded->tpdu)) {
    return record_deliver(modem, pdu_hex, *deliver, now);
  }
  if (const auto* report = std::get_if<pdu::StatusReport>(&decoded->tpdu)) {
    return record_status_report(modem, *report, now);
  }
  // An SMS-SUBMIT in the modem's memory: a draft somebody stored, not ours to delete.
  spdlog::info("modem {}: a stored outgoing message is left alone", modem);
  return false;
}

bool Inbox::record_deliver(const std::string& modem, const std::string& pdu_hex,
                           const pdu::Deliver& deliver, int64_t now) {
  store::InboundPartIn part;
  part.modem = modem;
  part.pdu_hex = pdu_hex;
  part.sender = deliver.from;
  part.text = deliver.user_data.encoding == pdu::Encoding::kEightBit
                  ? pdu::to_hex(deliver.user_data.data)
                  : pdu::code_points_to_utf8(deliver.user_data.text);
  if (const auto& concat = deliver.user_data.concat) {
    part.concat = store::InboundPartIn::Concat{concat->reference, concat->part, concat->total};
  }
  part.sent_timestamp = deliver.timestamp.iso8601();
  part.received_at = now;
  auto recorded = store_.record_inbound_part(part);
  if (!recorded) {
    spdlog::error("modem {}: inbound not stored: {}", modem, recorded.error().message);
    return false;
  }
  count(&InboxCounters::inbound_parts);
  if (recorded->completed) take_message(*recorded->completed, now);
  return true;
}

bool Inbox::record_status_report(const std::string& modem, const pdu::StatusReport& report,
                                 int64_t now) {
  store::StatusReportIn in;
  in.modem = modem;
  in.tp_mr = report.reference;
  in.recipient = report.recipient;
  in.status_code = report.status;
  in.discharge_time = epoch_ms(report.discharge_time);
  in.received_at = now;
  auto recorded = store_.record_status_report(in);
  if (!recorded) {
    spdlog::error("modem {}: status report not stored: {}", modem, recorded.error().message);
    return false;
  }
  count(&InboxCounters::status_reports);
  if (!recorded->part_id) {
    spdlog::info("modem {}: a status report for TP-MR {} matches no part (kept)", modem,
                 report.reference);
  }
  if (recorded->change && observers_.message_changed) {
    observers_.message_changed(*recorded->change);
  }
  return true;
}

void Inbox::complete_partial(int64_t now, int64_t timeout_ms) {
  auto partial = store_.complete_partial_inbound(now, timeout_ms);
  if (!partial) {
    spdlog::error("inbound: {}", partial.error().message);
    return;
  }
  for (const store::InboundMessage& message : *partial) take_message(message, now);
}

void Inbox::take_message(const store::InboundMessage& message, int64_t now) {
  count(&InboxCounters::inbound_messages);
  // Never the text at info level: replies carry codes and health data.
  spdlog::info("inbound message {} on modem {}: {} part(s){}{}", message.id, message.modem,
               message.parts, message.partial ? ", partial" : "",
               message.in_reply_to
                   ? ", a reply to message " + std::to_string(message.in_reply_to->id)
                   : std::string());
  policy::KeywordKind keyword = keywords_.classify_keyword(message.text);
  if (keyword == policy::KeywordKind::kOptOut &&
      policy::fold_keyword(message.text) != policy::fold_keyword("STOP") &&
      observers_.answers_appointment && observers_.answers_appointment(message)) {
    spdlog::info("inbound message {}: an appointment's answer, not an opt-out", message.id);
    keyword = policy::KeywordKind::kNone;
  }
  switch (keyword) {
    case policy::KeywordKind::kOptOut:
      if (Status added = store_.add_optout(message.from, policy::fold_keyword(message.text), now);
          !added) {
        spdlog::error("opt-out: {}", added.error().message);
      } else {
        spdlog::info("inbound message {}: the sender opted out", message.id);
      }
      break;
    case policy::KeywordKind::kOptIn:
      if (auto removed = store_.remove_optout(message.from); !removed) {
        spdlog::error("opt-in: {}", removed.error().message);
      } else if (*removed) {
        spdlog::info("inbound message {}: the sender opted back in", message.id);
      }
      break;
    case policy::KeywordKind::kNone:
      break;
  }
  if (observers_.inbound_received) observers_.inbound_received(message);
  if (observers_.answer) observers_.answer(message, keyword, now);
}

InboxCounters Inbox::counters() const {
  MutexLock lock(mutex_);
  return counters_;
}

void Inbox::count(uint64_t InboxCounters::*counter) {
  MutexLock lock(mutex_);
  ++(counters_.*counter);
}

}  // namespace smsgate::dispatch

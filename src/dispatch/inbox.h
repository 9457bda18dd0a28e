// Inbox: what the modems receive, recorded in the store before the modem may let go
// of it.
//
// A received PDU is decoded and then, by its kind:
//   SMS-DELIVER        stored as an inbound part; the part that completes a message
//                      (at once for a single part) makes it an inbound message
//   SMS-STATUS-REPORT  stored and matched to the part it reports on (modem, TP-MR,
//                      recipient); a message whose status moves is announced
//   SMS-SUBMIT         a draft somebody stored on the SIM: left alone
//   undecodable        left on the modem for a person to look at: deleting it would
//                      lose it
// A completed inbound message that is exactly an opt-out keyword ("STOP") opts its
// sender out, an opt-in keyword ("START") back in; then the inbound observer hears
// of it, and the auto-replies answer it (dispatch/autoreply.h). An opt-out keyword
// other than STOP that answers an appointment's message as its yes or no ("CANCEL"
// to a reminder, which is an [appointments] no word too) is that answer and not an
// opt-out: the patient means that visit, not every message the clinic sends. STOP
// always opts out. A multipart message whose other
// parts never come is completed as partial (complete_partial, which the dispatcher runs as a
// chore).
//
// record() says whether the PDU is committed; the dispatcher only then confirms it to
// the modem (which deletes it) or acknowledges a direct delivery to the network. The
// Inbox itself knows only the store's inbound side, so it is tested without modems.
//
// Thread safety: record(), complete_partial() and set_keywords() are called from one
// thread (the dispatcher's), as are the observers; counters() from any.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/thread_annotations.h"
#include "policy/keywords.h"
#include "store/inbound.h"

namespace smsgate::pdu {
struct Deliver;
struct StatusReport;
}  // namespace smsgate::pdu

namespace smsgate::dispatch {

struct InboxCounters {
  uint64_t inbound_parts = 0;  // SMS-DELIVER PDUs stored (duplicates read again included)
  uint64_t inbound_messages = 0;
  uint64_t status_reports = 0;
  uint64_t undecodable_pdus = 0;
};

class Inbox {
 public:
  struct Observers {
    // A status report moved a message's status.
    std::function<void(const store::StatusChange&)> message_changed;
    std::function<void(const store::InboundMessage&)> inbound_received;
    // The automatic answer, told which keyword the text was (AutoReplier::answer).
    std::function<void(const store::InboundMessage&, policy::KeywordKind, int64_t now)> answer;
    // Whether the text confirms or declines an appointment (AppointmentBook::answers);
    // asked only of an opt-out keyword other than STOP.
    std::function<bool(const store::InboundMessage&)> answers_appointment;
  };

  Inbox(store::Inbound& store, policy::KeywordMatcher keywords, Observers observers)
      : store_(store), keywords_(std::move(keywords)), observers_(std::move(observers)) {}

  // Records a PDU `modem` received (hex, SMSC information first, as the modem gives
  // it); true once it is committed.
  bool record(const std::string& modem, const std::string& pdu_hex, int64_t now);
  // Multipart inbound messages still missing parts `timeout_ms` after their first
  // part are completed with what came.
  void complete_partial(int64_t now, int64_t timeout_ms);
  // New keywords (a reload).
  void set_keywords(policy::KeywordMatcher keywords) { keywords_ = std::move(keywords); }

  InboxCounters counters() const;

 private:
  bool record_deliver(const std::string& modem, const std::string& pdu_hex,
                      const pdu::Deliver& deliver, int64_t now);
  bool record_status_report(const std::string& modem, const pdu::StatusReport& report, int64_t now);
  // A message is complete: opt-out keywords, then the observer.
  void take_message(const store::InboundMessage& message, int64_t now);
  void count(uint64_t InboxCounters::*counter);

  store::Inbound& store_;
  policy::KeywordMatcher keywords_;
  Observers observers_;

  mutable Mutex mutex_;
  InboxCounters counters_ GUARDED_BY(mutex_);
};

}  // namespace smsgate::dispatch

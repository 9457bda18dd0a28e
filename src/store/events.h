// Events: the event log, every event the gateway reports (the webhooks' events and
// the stream-only ones, store/types.h kStreamOnlyEventNames) kept for a day, which
// GET /api/v1/events streams and resumes from. Implemented in store/events.cpp.
//
// Rows are written in the transaction of the change they report, whether or not a
// webhook subscribes (store/webhooks.cpp logs them beside the outbox), so the log and
// the store never disagree; modem state changes, which no change in the store
// carries, come through log_modem_state. Ids only grow, so "after id N" is a resume
// point. Rows older than kEventLogRetentionMs go by Retention::purge_old.
//
// A commit that added rows wakes wait_for_events (store/engine.h): a reader waits for
// new rows and then reads them with one query on the primary key, instead of polling.
//
// Thread safety: every method may be called from any thread at the same time.
// log_modem_state is a write (fsync'd group commit); events_after and latest_event_id
// are reads from one snapshot; wait_for_events blocks only its caller.
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

// How long the log keeps an event: a client away for longer resumes with a gap.
inline constexpr int64_t kEventLogRetentionMs = 24LL * 3600 * 1000;

class Events {
 public:
  explicit Events(Engine& engine) : engine_(engine) {}

  // Write: modem.state for the modem `info` describes.
  Status log_modem_state(const ModemStateInfo& info, int64_t now);

  // Read: the events after `after_id`, oldest first, at most `limit` (1..kMaxPageSize);
  // only those named in `names` when it is not empty.
  Result<std::vector<LoggedEvent>> events_after(int64_t after_id,
                                                const std::vector<std::string>& names, int limit);
  // Read: the newest event's id; 0 when the log is empty.
  Result<int64_t> latest_event_id();

  // A count that moves on after each commit that logged events; wait_for_events waits
  // for it to move from `seen`, until `deadline` or until `stop` is requested.
  uint64_t event_generation() { return engine_.event_generation(); }
  uint64_t wait_for_events(uint64_t seen, MonotonicClock::time_point deadline,
                           std::stop_token stop) {
    return engine_.wait_for_events(seen, deadline, std::move(stop));
  }

 private:
  Engine& engine_;
};

}  // namespace smsgate::store

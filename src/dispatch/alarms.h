// AlarmWatch: knowing a SIM's balance and a modem's troubles before anyone else does.
// Its own thread runs two chores from one Chores table (chores.h):
//
//   name                        every     what
//   check balances              poll_ms   asks each ready modem with a balance_ussd for
//                                         its balance once it is ready after a start,
//                                         then every balance_check_hours; a modem busy
//                                         with another USSD request is asked again
//                                         busy_retry_ms later, one whose check failed
//                                         failed_retry_ms later
//   raise and clear alarms      poll_ms   policy::holding_alarms for every modem the
//                                         pool drives; what changed is raised or
//                                         cleared in the store with its modem.alarm event
//
// A check's answer comes on the modem's thread (ModemPool::request_ussd) and is only
// queued there; this thread parses it (policy::parse_balance) and records it
// (store/alarms.h). check_balance_now() is the same check for POST
// /api/v1/modems/{id}/balance, run on the caller's thread, which waits for the answer.
//
// Times: wall-clock milliseconds from the Clock given (down since, checks due, raised
// and cleared), so tests that move the clock forward move them too.
//
// Thread safety: start() and stop() from one thread; check_balance_now() from any
// thread; the rest belongs to the watch's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "dispatch/chores.h"
#include "modem/pool.h"
#include "policy/alarms.h"
#include "store/store.h"

namespace smsgate::dispatch {

// What [modems] and a [[modem]] say about one modem's SIM.
struct SimWatch {
  std::string balance_ussd;  // empty: never asked
  int balance_check_hours = 0;
  std::optional<double> balance_alarm_below;
  std::optional<std::string> sim_expires;  // "YYYY-MM-DD"
};

struct AlarmWatchOptions {
  SimWatch defaults;                      // [modems], for ports without a [[modem]]
  std::map<std::string, SimWatch> ports;  // [[modem]] by port
  policy::AlarmPeriods periods;
  int64_t poll_ms = 2000;
  int64_t busy_retry_ms = 60 * 1000;
  // A check the network did not answer (or refused) is tried again after this.
  int64_t failed_retry_ms = 15 * 60 * 1000;
  // How long a check waits for the network's answer.
  std::chrono::milliseconds ussd_timeout{30'000};
};

class AlarmWatch {
 public:
  // `notify` runs after an alarm was raised or cleared (the deliverer is woken).
  AlarmWatch(store::Store& store, modem::ModemPool& pool, const Clock& clock,
             AlarmWatchOptions options, std::function<void()> notify = {});
  ~AlarmWatch();  // stops
  AlarmWatch(const AlarmWatch&) = delete;
  AlarmWatch& operator=(const AlarmWatch&) = delete;

  // Reads the open alarms, then runs the thread.
  Status start();
  void stop();

  // The modem's balance check now, `code` or else its balance_ussd; waits for the
  // network (ussd_timeout and a little more). Errors: kNotFound (no running modem),
  // kInvalidField "code" (none given and none configured), and request_ussd's and the
  // answer's (kModemNotReady, kModemBusy, kUssdFailed, kUssdTimeout).
  Result<store::ModemBalance> check_balance_now(const std::string& modem,
                                                const std::string& code = "");

 private:
  // The watch's view of one modem.
  struct Watched {
    std::optional<int64_t> down_since;
    std::string down_reason;
    std::optional<int64_t> next_check;  // none until it is first seen ready
    bool asking = false;                // a scheduled check awaits its answer
  };
  struct Answered {
    std::string modem;
    Result<modem::UssdAnswer> answer;
  };

  void run();
  void check_balances(int64_t now);
  void take_answers(int64_t now);
  void raise_and_clear(int64_t now);
  SimWatch settings_for(const std::string& port) const;
  Status record(const std::string& modem, const modem::UssdAnswer& answer, int64_t now,
                store::ModemBalance* recorded);
  void wake();

  store::Store& store_;
  modem::ModemPool& pool_;
  const Clock& clock_;
  AlarmWatchOptions options_;
  std::function<void()> notify_;

  // The watch's thread only.
  Chores chores_;
  std::map<std::string, Watched> watched_;
  std::set<std::pair<std::string, std::string>> open_;  // (modem, kind) raised, not cleared

  Mutex mutex_;
  std::condition_variable wakeup_;
  std::vector<Answered> answered_ GUARDED_BY(mutex_);
  bool woken_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace smsgate::dispatch

// Chores: the dispatcher's periodic housekeeping, one row a chore in one table of
// timers, run on the dispatch thread between events.
//
//   name                                  every    first run
//   complete partial inbound messages     60 s     at the first run_due()
//   purge spent OTP codes                 1 h      at the first run_due()
//   delete what retention no longer keeps 10 min   at the first run_due()
//
// A row runs when run_due(now) finds `now` at or past its due time, and is due again a
// period after that `now` (not after the missed due time: a dispatcher that slept
// through three periods runs a chore once, not three times). next_due() is the
// earliest due time, so the loop sleeps no longer than until then. Adding a chore is
// one line: chores.add("name", period_ms, [this](int64_t now) { ... });
//
// Times are the caller's clock (int64 milliseconds, see common/clock.h), so tests drive
// the table with a manual clock.
//
// Thread safety: none; one thread owns the table and runs the chores.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace smsgate::dispatch {

class Chores {
 public:
  using Task = std::function<void(int64_t now)>;
  // A `first_due` for a chore that runs at the first run_due(), whatever its `now`.
  static constexpr int64_t kAtOnce = std::numeric_limits<int64_t>::min();

  // `period_ms` > 0. A task must not add chores (the table would move under it).
  void add(std::string name, int64_t period_ms, Task task, int64_t first_due = kAtOnce);
  // Runs every chore due at `now`, in the order they were added.
  void run_due(int64_t now);
  // The earliest due time; nullopt: no chores.
  std::optional<int64_t> next_due() const;

 private:
  struct Chore {
    std::string name;  // for the debug log
    int64_t period_ms = 0;
    int64_t next_due = kAtOnce;
    Task task;
  };
  std::vector<Chore> chores_;
};

}  // namespace smsgate::dispatch

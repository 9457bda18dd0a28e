#include "dispatch/chores.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace smsgate::dispatch {

void Chores::add(std::string name, int64_t period_ms, Task task, int64_t first_due) {
  chores_.push_back({std::move(name), period_ms, first_due, std::move(task)});
}

void Chores::run_due(int64_t now) {
  for (Chore& chore : chores_) {
    if (now < chore.next_due) continue;
    chore.next_due = now + chore.period_ms;
    spdlog::trace("chore: {}", chore.name);
    chore.task(now);
  }
}

std::optional<int64_t> Chores::next_due() const {
  if (chores_.empty()) return std::nullopt;
  return std::min_element(chores_.begin(), chores_.end(),
                          [](const Chore& a, const Chore& b) { return a.next_due < b.next_due; })
      ->next_due;
}

}  // namespace smsgate::dispatch

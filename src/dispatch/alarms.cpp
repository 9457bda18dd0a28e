#include "dispatch/alarms.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <memory>

#include "policy/balance.h"

namespace smsgate::dispatch {
namespace {

constexpr int64_t kHourMs = 3600LL * 1000;

// Midnight UTC at the start of "YYYY-MM-DD" (config-checked), in ms.
std::optional<int64_t> day_start_ms(const std::optional<std::string>& date) {
  if (!date || date->size() != 10) return std::nullopt;
  const int year = std::stoi(date->substr(0, 4));
  const unsigned month = static_cast<unsigned>(std::stoi(date->substr(5, 2)));
  const unsigned day = static_cast<unsigned>(std::stoi(date->substr(8, 2)));
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                        std::chrono::day(day)};
  if (!ymd.ok()) return std::nullopt;
  const std::chrono::sys_days days(ymd);
  return std::chrono::duration_cast<std::chrono::milliseconds>(days.time_since_epoch()).count();
}

// Why a modem counts as down, in words; none while it is ready and registered.
std::optional<std::string> down_reason(const modem::ModemStatus& status) {
  if (status.state != modem::State::kReady) {
    std::string reason(modem::state_name(status.state));
    if (!status.detail.empty()) reason += " (" + status.detail + ")";
    return reason;
  }
  if (status.health_checked && !status.health.registered()) return "not registered";
  return std::nullopt;
}

}  // namespace

AlarmWatch::AlarmWatch(store::Store& store, modem::ModemPool& pool, const Clock& clock,
                       AlarmWatchOptions options, std::function<void()> notify)
    : store_(store),
      pool_(pool),
      clock_(clock),
      options_(std::move(options)),
      notify_(std::move(notify)) {
  chores_.add("check balances", options_.poll_ms, [this](int64_t now) {
    take_answers(now);
    check_balances(now);
  });
  chores_.add("raise and clear alarms", options_.poll_ms,
              [this](int64_t now) { raise_and_clear(now); });
}

AlarmWatch::~AlarmWatch() { stop(); }

Status AlarmWatch::start() {
  auto open = store_.open_alarms();
  if (!open) return open.error();
  for (const store::ModemAlarm& alarm : *open) open_.emplace(alarm.modem, alarm.kind);
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

void AlarmWatch::stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AlarmWatch::wake() {
  {
    MutexLock lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_all();
}

void AlarmWatch::run() {
  for (;;) {
    chores_.run_due(clock_.now());
    MutexLock lock(mutex_);
    const int64_t wait_ms = std::clamp<int64_t>(
        chores_.next_due().value_or(clock_.now()) - clock_.now(), 1, options_.poll_ms);
    wakeup_.wait_for(lock.native(), std::chrono::milliseconds(wait_ms),
                     [this]() REQUIRES(mutex_) { return stopping_ || woken_; });
    if (stopping_) return;
    if (!woken_) continue;
    // An answer came, or a check made elsewhere: look at it now, not at the next round.
    woken_ = false;
    lock.unlock();
    take_answers(clock_.now());
    raise_and_clear(clock_.now());
  }
}

SimWatch AlarmWatch::settings_for(const std::string& port) const {
  auto found = options_.ports.find(port);
  return found != options_.ports.end() ? found->second : options_.defaults;
}

Status AlarmWatch::record(const std::string& modem, const modem::UssdAnswer& answer, int64_t now,
                          store::ModemBalance* recorded) {
  policy::BalanceReading reading = policy::parse_balance(answer.text);
  store::ModemBalance balance{modem, reading.amount, reading.currency, reading.text, now};
  if (Status written = store_.record_balance(balance); !written) return written;
  if (reading.amount) {
    spdlog::info("modem {}: balance {} {}", modem, policy::format_amount(*reading.amount),
                 reading.currency);
  } else {
    spdlog::warn("modem {}: no balance in the network's answer \"{}\"", modem, reading.text);
  }
  if (recorded) *recorded = std::move(balance);
  return ok_status();
}

void AlarmWatch::take_answers(int64_t now) {
  std::vector<Answered> answered;
  {
    MutexLock lock(mutex_);
    answered.swap(answered_);
  }
  for (Answered& item : answered) {
    Watched& watched = watched_[item.modem];
    watched.asking = false;
    auto port = pool_.status(item.modem);
    const SimWatch settings = settings_for(port ? port->port : "");
    const int64_t period = std::max<int64_t>(settings.balance_check_hours, 1) * kHourMs;
    if (!item.answer) {
      spdlog::warn("modem {}: balance check failed: {}", item.modem, item.answer.error().message);
      watched.next_check = now + std::min(options_.failed_retry_ms, period);
      continue;
    }
    if (Status written = record(item.modem, *item.answer, now, nullptr); !written) {
      spdlog::error("modem {}: cannot record its balance: {}", item.modem, written.error().message);
      watched.next_check = now + std::min(options_.failed_retry_ms, period);
      continue;
    }
    watched.next_check = now + period;
  }
}

void AlarmWatch::check_balances(int64_t now) {
  for (const std::string& id : pool_.modems()) {
    auto status = pool_.status(id);
    if (!status || status->state != modem::State::kReady) continue;
    const SimWatch settings = settings_for(status->port);
    if (settings.balance_ussd.empty() || settings.balance_check_hours <= 0) continue;
    Watched& watched = watched_[id];
    if (watched.asking) continue;
    if (!watched.next_check) watched.next_check = now;  // first seen ready: at once
    if (now < *watched.next_check) continue;
    const auto deadline = MonotonicClock::now() + options_.ussd_timeout;
    Status asked = pool_.request_ussd(id, modem::UssdRequest{settings.balance_ussd, deadline},
                                      [this, id](Result<modem::UssdAnswer> answer) {
                                        {
                                          MutexLock lock(mutex_);
                                          answered_.push_back({id, std::move(answer)});
                                        }
                                        wake();
                                      });
    if (asked) {
      watched.asking = true;
    } else if (asked.error().code == ErrorCode::kModemBusy) {
      watched.next_check = now + options_.busy_retry_ms;  // someone else's request runs
    } else {
      watched.next_check = now + options_.failed_retry_ms;
    }
  }
}

void AlarmWatch::raise_and_clear(int64_t now) {
  auto balances = store_.list_balances();
  if (!balances) {
    spdlog::error("alarms: cannot read balances: {}", balances.error().message);
    return;
  }
  std::map<std::string, store::ModemBalance> balance_of;
  for (store::ModemBalance& balance : *balances) balance_of[balance.modem] = std::move(balance);
  bool changed = false;
  for (const std::string& id : pool_.modems()) {
    auto status = pool_.status(id);
    if (!status) continue;
    Watched& watched = watched_[id];
    if (auto reason = down_reason(*status)) {
      if (!watched.down_since) watched.down_since = now;
      watched.down_reason = *reason;
    } else {
      watched.down_since.reset();
      watched.down_reason.clear();
    }
    const SimWatch settings = settings_for(status->port);
    policy::ModemCondition condition;
    condition.down_since = watched.down_since;
    condition.down_reason = watched.down_reason;
    condition.storage_full = status->health.storage_full();
    if (const auto& storage = status->health.message_storage) {
      condition.storage_used = storage->used;
      condition.storage_total = storage->total;
    }
    if (auto found = balance_of.find(id); found != balance_of.end()) {
      condition.balance = found->second.amount;
      condition.currency = found->second.currency;
    }
    condition.balance_alarm_below = settings.balance_alarm_below;
    condition.sim_expires = settings.sim_expires.value_or("");
    condition.sim_expires_at = day_start_ms(settings.sim_expires);
    const auto holding = policy::holding_alarms(condition, now, options_.periods);
    for (policy::AlarmKind kind : policy::kAlarmKinds) {
      const std::string name(policy::alarm_kind_name(kind));
      const auto key = std::make_pair(id, name);
      auto holds = holding.find(kind);
      if (holds != holding.end() && !open_.contains(key)) {
        auto raised = store_.raise_alarm(id, name, holds->second, now);
        if (!raised) {
          spdlog::error("modem {}: cannot raise {}: {}", id, name, raised.error().message);
          continue;
        }
        spdlog::warn("modem {}: alarm {}: {}", id, name, holds->second);
        open_.insert(key);
        changed = true;
      } else if (holds == holding.end() && open_.contains(key)) {
        auto cleared = store_.clear_alarm(id, name, now);
        if (!cleared) {
          spdlog::error("modem {}: cannot clear {}: {}", id, name, cleared.error().message);
          continue;
        }
        spdlog::info("modem {}: alarm {} cleared", id, name);
        open_.erase(key);
        changed = true;
      }
    }
  }
  if (changed && notify_) notify_();
}

Result<store::ModemBalance> AlarmWatch::check_balance_now(const std::string& modem,
                                                          const std::string& code) {
  auto status = pool_.status(modem);
  if (!status) return Error{"no running modem " + modem, ErrorCode::kNotFound};
  std::string asked_code = code.empty() ? settings_for(status->port).balance_ussd : code;
  if (asked_code.empty()) {
    return Error{"code: the modem has no balance_ussd in the configuration; give one",
                 ErrorCode::kMissingField, "code"};
  }
  const auto deadline = MonotonicClock::now() + options_.ussd_timeout;
  // Shared with the modem's thread, which may report after this caller gave up.
  auto answer = std::make_shared<std::promise<Result<modem::UssdAnswer>>>();
  auto answered = answer->get_future();
  Status asked = pool_.request_ussd(
      modem, modem::UssdRequest{asked_code, deadline},
      [answer](Result<modem::UssdAnswer> outcome) { answer->set_value(std::move(outcome)); });
  if (!asked) return asked.error();
  // Past the deadline the modem's thread still reports, after a send in flight at worst.
  if (answered.wait_until(deadline + std::chrono::seconds(5)) != std::future_status::ready) {
    return Error{"the modem was busy past the balance check's time and did not answer",
                 ErrorCode::kUssdTimeout};
  }
  Result<modem::UssdAnswer> outcome = answered.get();
  if (!outcome) {
    Error error = outcome.error();
    if (error.code == ErrorCode::kNone) error.code = ErrorCode::kUssdFailed;
    return error;
  }
  store::ModemBalance balance;
  if (Status written = record(modem, *outcome, clock_.now(), &balance); !written)
    return written.error();
  wake();  // the alarms follow the new balance
  return balance;
}

}  // namespace smsgate::dispatch

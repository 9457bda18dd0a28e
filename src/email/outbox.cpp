#include "email/outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "email/mail_compose.h"

namespace smsgate::email {

Result<std::shared_ptr<const Outbox::Sending>> Outbox::sending_for(OutboxOptions options) {
  auto envelope_from = mailbox_address(options.from);
  if (!envelope_from) return make_error("[email] from: " + envelope_from.error().message);
  if (options.retry.max_attempts < 1) return make_error("max_attempts: must be at least 1");
  if (options.retry.base_delay_ms <= 0 || options.retry.max_delay_ms < options.retry.base_delay_ms)
    return make_error("retry delays: base must be positive and at most the cap");
  if (options.idle_poll.count() <= 0) return make_error("idle_poll: must be positive");
  const policy::RetryPolicy retry = options.retry;
  return std::make_shared<const Sending>(
      Sending{std::move(options), std::move(*envelope_from), policy::Backoff(retry)});
}

Result<std::unique_ptr<Outbox>> Outbox::start(store::Mail& store, const Clock& clock,
                                              OutboxOptions options) {
  auto sending = sending_for(std::move(options));
  if (!sending) return sending.error();
  return std::unique_ptr<Outbox>(new Outbox(store, clock, std::move(*sending)));
}

Outbox::Outbox(store::Mail& store, const Clock& clock, std::shared_ptr<const Sending> sending)
    : store_(store), clock_(clock), sending_(std::move(sending)) {
  thread_ = std::thread([this] { run(); });
}

Status Outbox::reconfigure(OutboxOptions options) {
  auto sending = sending_for(std::move(options));
  if (!sending) return sending.error();
  MutexLock lock(mutex_);
  sending_ = std::move(*sending);
  return ok_status();
}

std::shared_ptr<const Outbox::Sending> Outbox::sending() {
  MutexLock lock(mutex_);
  return sending_;
}

Outbox::~Outbox() { stop(); }

void Outbox::wake() {
  {
    MutexLock lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void Outbox::stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Outbox::run() {
  for (;;) {
    {
      MutexLock lock(mutex_);
      if (stopping_) return;
      woken_ = false;
    }
    // One mail after another while they are due; each outcome recorded first.
    while (send_due(*sending(), clock_.now())) {
      MutexLock lock(mutex_);
      if (stopping_) return;
    }
    auto next = store_.next_mail_due_at();
    if (!next.ok()) spdlog::warn("mail: reading the outbox: {}", next.error().message);
    const auto idle_poll = sending()->options.idle_poll;
    auto wait = idle_poll;
    if (next.ok() && *next)
      wait = std::clamp(std::chrono::milliseconds(**next - clock_.now()),
                        std::chrono::milliseconds(0), idle_poll);
    MutexLock lock(mutex_);
    wake_.wait_for(lock.native(), wait, [this]() REQUIRES(mutex_) { return woken_ || stopping_; });
  }
}

bool Outbox::send_due(const Sending& sending, int64_t now) {
  auto due = store_.next_due_mail(now);
  if (!due.ok()) {
    spdlog::warn("mail: reading the outbox: {}", due.error().message);
    return false;
  }
  if (!*due) return false;
  const store::MailRecord& record = **due;
  MailToCompose compose;
  compose.from = sending.options.from;
  compose.to = {record.mail.to_address};
  compose.subject = record.mail.subject;
  compose.body = record.mail.body;
  compose.message_id = record.mail.message_id;
  compose.in_reply_to = record.mail.in_reply_to;
  compose.references = record.mail.references;
  compose.date_ms = record.created_at;
  auto message = compose_mail(compose);
  auto recipient = mailbox_address(record.mail.to_address);
  SendOutcome outcome;
  if (!message || !recipient) {
    outcome.verdict = SendVerdict::kSetAside;
    outcome.error =
        "cannot be composed: " + (message ? recipient.error() : message.error()).message;
  } else {
    outcome = send_mail(sending.options.smarthost, sending.envelope_from, *recipient, *message);
  }
  const int64_t done = clock_.now();
  const int attempts = record.attempts + 1;
  Status recorded = ok_status();
  if (outcome.verdict == SendVerdict::kSent) {
    recorded = store_.record_mail_sent(record.id, done);
    if (recorded.ok()) {
      sent_.fetch_add(1);
      spdlog::info("mail {}: sent to {} ({} tries)", record.id, record.mail.to_address, attempts);
    }
  } else {
    std::optional<int64_t> retry_at;
    if (outcome.verdict == SendVerdict::kRetry && !sending.backoff.attempts_exhausted(attempts))
      retry_at = done + sending.backoff.retry_delay(attempts);
    recorded = store_.record_mail_failure(record.id, outcome.error, retry_at, done);
    if (recorded.ok()) {
      failed_attempts_.fetch_add(1);
      if (retry_at) {
        spdlog::info("mail {}: not sent ({}), tried again in {} s", record.id, outcome.error,
                     (*retry_at - done + 999) / 1000);
      } else {
        set_aside_.fetch_add(1);
        spdlog::warn("mail {}: set aside after {} tries: {}", record.id, attempts, outcome.error);
      }
    }
  }
  if (!recorded.ok()) {
    spdlog::warn("mail {}: recording a try: {}", record.id, recorded.error().message);
    return false;  // not again at once: the next look is after idle_poll or a wake()
  }
  return true;
}

}  // namespace smsgate::email

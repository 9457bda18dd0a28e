#include "webhook/deliverer.h"

#include <curl/curl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "common/clock.h"
#include "webhook/events.h"

namespace smsgate::webhook {

namespace {

CURLM* as_multi(void* multi) { return static_cast<CURLM*>(multi); }

// Answers are not read, only their status; a receiver that streams megabytes back
// must not make us keep them.
size_t discard_body(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

struct Deliverer::Transfer {
  store::DueWebhookEvent due;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  MonotonicClock::time_point started;
  int64_t started_at = 0;  // the Clock's time, for the attempt's record

  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    if (headers) curl_slist_free_all(headers);
  }
};

std::chrono::milliseconds Deliverer::backoff(int failures, const DelivererOptions& options) {
  auto delay = options.backoff_base;
  for (int i = 1; i < failures && delay < options.backoff_cap; ++i) delay *= 2;
  return std::min(delay, options.backoff_cap);
}

Deliverer::AfterFailure Deliverer::after_failure(const store::WebhookEvent& event, int64_t tried_at,
                                                 int64_t now, int64_t delay_ms,
                                                 const DelivererOptions& options) {
  int64_t held_since = event.held_since.value_or(tried_at);
  int64_t hold_end = held_since + options.set_aside_after.count();
  int64_t deadline = std::max(event.created_at + options.max_age.count(), hold_end);
  if (now >= deadline) return {Next::kGiveUp, 0};
  int64_t next = std::min(deadline, now + delay_ms);
  if (event.set_aside_at) return {Next::kRetry, next};
  if (now >= hold_end) return {Next::kSetAside, next};
  return {Next::kRetry, std::min(hold_end, next)};
}

Result<std::unique_ptr<Deliverer>> Deliverer::start(store::Webhooks& store, const Clock& clock,
                                                    DelivererOptions options) {
  if (options.timeout.count() <= 0) return make_error("timeout: must be positive");
  if (options.max_age.count() <= 0) return make_error("max_age: must be positive");
  if (options.set_aside_after.count() <= 0) return make_error("set_aside_after: must be positive");
  if (options.set_aside_after > options.max_age)
    return make_error("set_aside_after: longer than max_age");
  if (options.backoff_base.count() <= 0) return make_error("backoff_base: must be positive");
  if (options.backoff_cap < options.backoff_base)
    return make_error("backoff_cap: less than backoff_base");
  if (options.jitter < 0 || options.jitter >= 1) return make_error("jitter: must be in [0, 1)");
  if (options.max_concurrent < 1) return make_error("max_concurrent: must be at least 1");
  if (options.idle_poll.count() <= 0) return make_error("idle_poll: must be positive");

  static std::once_flag global_init;
  static CURLcode global_result = CURLE_OK;
  std::call_once(global_init, [] {
    global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
    // The HMAC needs no initialisation, but libsodium asks for it before any use.
    if (sodium_init() < 0) spdlog::warn("webhooks: libsodium could not be initialised");
  });
  if (global_result != CURLE_OK)
    return make_error(std::string("libcurl: ") + curl_easy_strerror(global_result));
  CURLM* multi = curl_multi_init();
  if (!multi) return make_error("libcurl: cannot create a multi handle");
  return std::unique_ptr<Deliverer>(new Deliverer(store, clock, std::move(options), multi));
}

Deliverer::Deliverer(store::Webhooks& store, const Clock& clock, DelivererOptions options,
                     void* multi)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      multi_(multi),
      random_(std::random_device{}()) {
  thread_ = std::thread([this] { run(); });
}

Deliverer::~Deliverer() {
  stop();
  curl_multi_cleanup(as_multi(multi_));
}

void Deliverer::wake() {
  woken_.store(true);
  curl_multi_wakeup(as_multi(multi_));
}

void Deliverer::stop() {
  if (stopping_.exchange(true)) {
    if (thread_.joinable()) thread_.join();
    return;
  }
  curl_multi_wakeup(as_multi(multi_));
  if (thread_.joinable()) thread_.join();
}

void Deliverer::run() {
  CURLM* multi = as_multi(multi_);
  auto last_look = MonotonicClock::now();
  std::optional<int64_t> next_due;  // the Clock's time when a waiting head becomes due
  bool look = true;
  while (!stopping_.load()) {
    int64_t now = clock_.now();
    auto steady_now = MonotonicClock::now();
    if (woken_.exchange(false) || (next_due && now >= *next_due) ||
        steady_now - last_look >= options_.idle_poll)
      look = true;
    if (look) {
      look = false;
      last_look = steady_now;
      start_due(now);
      auto next = store_.next_webhook_due(now);
      if (next.ok()) {
        next_due = *next;
      } else {
        spdlog::warn("webhooks: reading the outbox: {}", next.error().message);
        next_due.reset();
      }
    }

    int running = 0;
    curl_multi_perform(multi, &running);
    while (true) {
      int left = 0;
      CURLMsg* message = curl_multi_info_read(multi, &left);
      if (!message) break;
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* transfer = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
      int code = message->data.result;
      curl_multi_remove_handle(multi, message->easy_handle);
      if (!transfer) continue;
      Lane lane{transfer->due.event.webhook_id, transfer->due.event.set_aside_at.has_value()};
      finish(*transfer, code);
      in_flight_.erase(lane);
      look = true;  // its lane's next event may go now
    }
    if (look) continue;

    // Sleep until a socket moves, curl's own timeout, wake(), the next due time or
    // the next idle look, whichever comes first.
    auto until_poll = std::chrono::duration_cast<std::chrono::milliseconds>(
        options_.idle_poll - (MonotonicClock::now() - last_look));
    int64_t wait_ms = std::max<int64_t>(0, until_poll.count());
    if (next_due) wait_ms = std::min(wait_ms, std::max<int64_t>(0, *next_due - clock_.now()));
    curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::min<int64_t>(wait_ms, 60'000)),
                    nullptr);
  }
  for (auto& [lane, transfer] : in_flight_) curl_multi_remove_handle(multi, transfer->easy);
  in_flight_.clear();
}

void Deliverer::start_due(int64_t now) {
  if (static_cast<int>(in_flight_.size()) >= options_.max_concurrent) return;
  auto due = store_.due_webhook_events(now);
  if (!due.ok()) {
    spdlog::warn("webhooks: reading the outbox: {}", due.error().message);
    return;
  }
  for (store::DueWebhookEvent& event : *due) {
    if (static_cast<int>(in_flight_.size()) >= options_.max_concurrent) break;
    Lane lane{event.event.webhook_id, event.event.set_aside_at.has_value()};
    if (in_flight_.contains(lane)) continue;
    // Retried on request while its set-aside try is still out: not twice at once.
    if (std::any_of(in_flight_.begin(), in_flight_.end(), [&](const auto& entry) {
          return entry.second->due.event.id == event.event.id;
        }))
      continue;
    auto transfer = std::make_unique<Transfer>();
    transfer->due = std::move(event);
    transfer->easy = curl_easy_init();
    if (!transfer->easy) {
      spdlog::warn("webhooks: libcurl cannot create a request");
      return;
    }
    const store::WebhookEvent& e = transfer->due.event;
    const std::string headers[] = {
        "Content-Type: application/json",
        "X-Smsgate-Event: " + e.event,
        "X-Smsgate-Delivery: " + delivery_id(e.id),
        "X-Smsgate-Signature: " + sign_body(transfer->due.secret, e.body),
        // curl would otherwise wait up to a second for "100 Continue" on larger bodies.
        "Expect:",
    };
    for (const std::string& header : headers)
      transfer->headers = curl_slist_append(transfer->headers, header.c_str());
    CURL* easy = transfer->easy;
    curl_easy_setopt(easy, CURLOPT_URL, transfer->due.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, e.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(e.body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded daemon
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    transfer->started = MonotonicClock::now();
    transfer->started_at = now;
    if (CURLMcode added = curl_multi_add_handle(as_multi(multi_), easy); added != CURLM_OK) {
      spdlog::warn("webhooks: libcurl: {}", curl_multi_strerror(added));
      return;
    }
    in_flight_.emplace(lane, std::move(transfer));
  }
}

int64_t Deliverer::retry_delay_ms(int failures) {
  auto delay = static_cast<double>(backoff(failures, options_).count());
  std::uniform_real_distribution<double> spread(1 - options_.jitter, 1 + options_.jitter);
  return std::max<int64_t>(1, std::llround(delay * spread(random_)));
}

void Deliverer::finish(Transfer& transfer, int curl_code) {
  const store::WebhookEvent& event = transfer.due.event;
  long status = 0;
  curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
  auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(MonotonicClock::now() -
                                                                        transfer.started);
  int64_t now = clock_.now();

  store::WebhookAttemptIn attempt;
  attempt.outbox_id = event.id;
  attempt.at = transfer.started_at;
  attempt.duration_ms = duration.count();
  if (status >= 100 && status <= 999) attempt.http_status = static_cast<int>(status);
  attempt.delivered = curl_code == CURLE_OK && status >= 200 && status < 300;
  Next outcome = Next::kRetry;
  if (!attempt.delivered) {
    if (curl_code != CURLE_OK)
      attempt.error =
          transfer.error[0] ? transfer.error : curl_easy_strerror(static_cast<CURLcode>(curl_code));
    else
      attempt.error = "HTTP " + std::to_string(status);
    AfterFailure after = after_failure(event, transfer.started_at, now,
                                       retry_delay_ms(event.round_attempts + 1), options_);
    outcome = after.next;
    const std::string url = url_for_log(transfer.due.url);
    switch (outcome) {
      case Next::kGiveUp:
        spdlog::warn("webhooks: gave up {} ({}) to {} after {} attempts: {}", delivery_id(event.id),
                     event.event, url, event.attempts + 1, attempt.error);
        break;
      case Next::kSetAside:
        attempt.set_aside = true;
        attempt.next_attempt_at = after.next_attempt_at;
        spdlog::warn(
            "webhooks: set {} ({}) to {} aside after {} attempts: {}; the later events go on, "
            "it is tried again in the background",
            delivery_id(event.id), event.event, url, event.attempts + 1, attempt.error);
        break;
      case Next::kRetry:
        attempt.next_attempt_at = after.next_attempt_at;
        spdlog::debug("webhooks: {} to {} failed ({}), retry in {} ms", delivery_id(event.id), url,
                      attempt.error, after.next_attempt_at - now);
        break;
    }
  }
  if (auto recorded = store_.record_webhook_attempt(attempt); !recorded.ok())
    spdlog::warn("webhooks: recording an attempt for {}: {}", delivery_id(event.id),
                 recorded.error().message);
  // Counted once recorded, so what the counters say is already in the store.
  if (attempt.delivered) {
    delivered_.fetch_add(1);
  } else {
    failed_attempts_.fetch_add(1);
    if (outcome == Next::kGiveUp) given_up_.fetch_add(1);
    if (outcome == Next::kSetAside) set_aside_.fetch_add(1);
  }
}

}  // namespace smsgate::webhook

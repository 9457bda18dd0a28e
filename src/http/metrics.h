// GET /metrics in the Prometheus text format (version 0.0.4): what the gateway holds
// and does, from a snapshot taken per scrape, and the API's own request counts and
// latencies, counted as requests are answered.
//
// Thread safety: ApiMetrics::record may be called from every server thread at once;
// render_metrics is pure.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/thread_annotations.h"
#include "store/mail.h"
#include "store/retention.h"
#include "store/types.h"

namespace smsgate::http {

// Mail taken in by email to SMS (email/smtp_server.h): accepted, and refused by
// reason ("relay", "auth_required", "bad_auth", "size", "invalid_number", "opted_out",
// "bad_mail", "too_many_parts", "unavailable", "too_many_connections").
class MailMetrics {
 public:
  void accepted() { accepted_.fetch_add(1, std::memory_order_relaxed); }
  void refused(std::string_view reason);
  std::string render() const;

 private:
  std::atomic<uint64_t> accepted_{0};
  mutable Mutex mutex_;
  std::map<std::string, uint64_t, std::less<>> refused_ GUARDED_BY(mutex_);
};

// Request counts and a latency histogram per (method, route); routes are patterns
// ("/api/v1/messages/{id}"), so the label set stays small whatever the ids.
class ApiMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void record(std::string_view method, std::string_view route, int status,
              std::chrono::nanoseconds elapsed);
  std::string render() const;

  // The SMTP listener's counts, rendered after the API's: both are the gateway's ways in.
  MailMetrics mail;

 private:
  struct Series {
    std::map<int, uint64_t> by_status;
    std::array<uint64_t, kBuckets.size()> buckets{};  // cumulative at render time
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  mutable Mutex mutex_;
  std::map<std::pair<std::string, std::string>, Series> series_ GUARDED_BY(mutex_);
};

struct ModemMetrics {
  std::string id;
  std::string name;  // port
  std::string state;
  bool sending_enabled = true;
  std::optional<int> signal_dbm;
  bool registered = false;
  int64_t parts_sent = 0;  // over the modem's life, from the store
  int64_t parts_failed = 0;
  int64_t received = 0;
  uint64_t resets = 0;
  std::optional<int> storage_used;  // message storage (AT+CPMS? <mem3>)
  std::optional<int> storage_total;
  std::optional<double> balance;  // the last balance check's amount
};

struct GatewaySnapshot {
  std::map<store::MessageStatus, int64_t> messages;  // by status
  store::DeletedTotals deleted;  // what retention and erasure took, over all time
  std::vector<ModemMetrics> modems;
  int64_t webhook_backlog = 0;
  uint64_t webhook_delivered = 0;
  uint64_t webhook_failed_attempts = 0;
  uint64_t webhook_set_aside = 0;
  uint64_t webhook_given_up = 0;
  // Mail out (email/outbox.h): the outbox by state, and the sender's tries since start.
  store::MailCounts mail;
  uint64_t mail_sent = 0;
  uint64_t mail_failed_attempts = 0;
  uint64_t mail_set_aside = 0;
  uint64_t inbound_messages = 0;
  uint64_t status_reports = 0;
  uint64_t dispatch_store_faults = 0;
  uint64_t dispatch_store_recoveries = 0;
  // Automatic replies (dispatch/autoreply.h) by outcome.
  uint64_t auto_replies_sent = 0;
  uint64_t auto_replies_capped = 0;
  uint64_t auto_replies_unanswerable = 0;
  uint64_t auto_replies_failed = 0;
};

// The whole /metrics page.
std::string render_metrics(const GatewaySnapshot& snapshot, const ApiMetrics& api);

// A label value with \, " and newline escaped, as the format requires.
std::string escape_label(std::string_view value);

}  // namespace smsgate::http

#include "http/metrics.h"

#include <cstdio>

namespace smsgate::http {

namespace {

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void ApiMetrics::record(std::string_view method, std::string_view route, int status,
                        std::chrono::nanoseconds elapsed) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  MutexLock lock(mutex_);
  Series& series = series_[{std::string(method), std::string(route)}];
  ++series.by_status[status];
  ++series.count;
  series.sum_seconds += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++series.buckets[i];
      break;
    }
  }
}

std::string ApiMetrics::render() const {
  MutexLock lock(mutex_);
  std::string out;
  header(out, "smsgate_http_requests_total", "counter",
         "API requests answered, by route and status.");
  for (const auto& [key, series] : series_) {
    for (const auto& [status, count] : series.by_status) {
      out += "smsgate_http_requests_total{method=\"" + escape_label(key.first) + "\",route=\"" +
             escape_label(key.second) + "\",status=\"" + std::to_string(status) + "\"} " +
             std::to_string(count) + "\n";
    }
  }
  header(out, "smsgate_http_request_duration_seconds", "histogram",
         "Time from a request's arrival to its answer.");
  for (const auto& [key, series] : series_) {
    std::string labels =
        "method=\"" + escape_label(key.first) + "\",route=\"" + escape_label(key.second) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += series.buckets[i];
      out += "smsgate_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
             number(kBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "smsgate_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(series.count) + "\n";
    out += "smsgate_http_request_duration_seconds_sum{" + labels + "} " +
           number(series.sum_seconds) + "\n";
    out += "smsgate_http_request_duration_seconds_count{" + labels + "} " +
           std::to_string(series.count) + "\n";
  }
  return out;
}

void MailMetrics::refused(std::string_view reason) {
  MutexLock lock(mutex_);
  auto found = refused_.find(reason);
  if (found == refused_.end()) found = refused_.emplace(std::string(reason), 0).first;
  ++found->second;
}

std::string MailMetrics::render() const {
  std::string out;
  header(out, "smsgate_email_accepted_total", "counter",
         "Mails the SMTP listener took in (every recipient stored).");
  out += "smsgate_email_accepted_total " +
         std::to_string(accepted_.load(std::memory_order_relaxed)) + "\n";
  header(out, "smsgate_email_refused_total", "counter",
         "SMTP commands and mails refused, by reason.");
  MutexLock lock(mutex_);
  for (const auto& [reason, count] : refused_) {
    out += "smsgate_email_refused_total{reason=\"" + escape_label(reason) + "\"} " +
           std::to_string(count) + "\n";
  }
  return out;
}

std::string render_metrics(const GatewaySnapshot& snapshot, const ApiMetrics& api) {
  std::string out;
  header(out, "smsgate_messages", "gauge", "Outbound messages in the store, by status.");
  // The ratio counts the deleted too, so that retention does not move it.
  auto ever = [&](store::MessageStatus status, int64_t in_store) {
    auto deleted = snapshot.deleted.messages.find(status);
    return in_store + (deleted == snapshot.deleted.messages.end() ? 0 : deleted->second);
  };
  int64_t left = 0, delivered = 0;
  for (const auto& [status, count] : snapshot.messages) {
    out += "smsgate_messages{status=\"" + std::string(store::message_status_name(status)) + "\"} " +
           std::to_string(count) + "\n";
    if (status == store::MessageStatus::kSent || status == store::MessageStatus::kDelivered ||
        status == store::MessageStatus::kFailed)
      left += ever(status, count);
    if (status == store::MessageStatus::kDelivered) delivered = ever(status, count);
  }
  header(out, "smsgate_messages_deleted_total", "counter",
         "Outbound messages deleted by retention or erasure, by their status then.");
  for (const auto& [status, count] : snapshot.deleted.messages) {
    out += "smsgate_messages_deleted_total{status=\"" +
           std::string(store::message_status_name(status)) + "\"} " + std::to_string(count) + "\n";
  }
  header(out, "smsgate_deleted_total", "counter",
         "Other rows deleted by retention or erasure, by kind.");
  for (const auto& [kind, count] : snapshot.deleted.rows) {
    out += "smsgate_deleted_total{kind=\"" + escape_label(kind) + "\"} " + std::to_string(count) +
           "\n";
  }
  header(out, "smsgate_delivery_ratio", "gauge",
         "Delivered messages among those sent, delivered or failed, deleted ones included "
         "(0 when none).");
  out += "smsgate_delivery_ratio " +
         number(left > 0 ? static_cast<double>(delivered) / static_cast<double>(left) : 0.0) + "\n";

  // One family per modem measure: a sample per modem (none where `value` has none).
  // `extra_label` ("state") adds that label with the modem's value of it.
  auto per_modem = [&](std::string_view name, std::string_view type, std::string_view help,
                       auto value, std::string_view extra_label = {}) {
    header(out, name, type, help);
    for (const ModemMetrics& modem : snapshot.modems) {
      std::optional<std::string> sample = value(modem);
      if (!sample) continue;
      out.append(name).append("{modem=\"").append(escape_label(modem.id));
      out.append("\",port=\"").append(escape_label(modem.name)).append("\"");
      if (!extra_label.empty())
        out.append(",")
            .append(extra_label)
            .append("=\"")
            .append(escape_label(modem.state))
            .append("\"");
      out.append("} ").append(*sample).append("\n");
    }
  };
  using Sample = std::optional<std::string>;
  auto flag = [](bool on) -> Sample { return on ? "1" : "0"; };
  per_modem("smsgate_modem_up", "gauge", "1 when the modem is ready to send and receive.",
            [&](const ModemMetrics& m) { return flag(m.state == "ready"); });
  per_modem(
      "smsgate_modem_state", "gauge", "The modem's state (1 for the current one).",
      [](const ModemMetrics&) -> Sample { return "1"; }, "state");
  per_modem("smsgate_modem_sending_enabled", "gauge", "0 when staff stopped sending through it.",
            [&](const ModemMetrics& m) { return flag(m.sending_enabled); });
  per_modem("smsgate_modem_signal_dbm", "gauge", "Received signal strength (AT+CSQ).",
            [](const ModemMetrics& m) -> Sample {
              if (!m.signal_dbm) return std::nullopt;
              return std::to_string(*m.signal_dbm);
            });
  per_modem("smsgate_modem_registered", "gauge", "1 when registered on a network.",
            [&](const ModemMetrics& m) { return flag(m.registered); });
  per_modem("smsgate_modem_storage_used", "gauge",
            "Messages in the modem's message storage (AT+CPMS?).",
            [](const ModemMetrics& m) -> Sample {
              if (!m.storage_used) return std::nullopt;
              return std::to_string(*m.storage_used);
            });
  per_modem("smsgate_modem_storage_total", "gauge", "Slots of the modem's message storage.",
            [](const ModemMetrics& m) -> Sample {
              if (!m.storage_total) return std::nullopt;
              return std::to_string(*m.storage_total);
            });
  per_modem("smsgate_modem_parts_sent_total", "counter", "Parts the modem sent.",
            [](const ModemMetrics& m) -> Sample { return std::to_string(m.parts_sent); });
  per_modem("smsgate_modem_parts_failed_total", "counter", "Parts refused on the modem.",
            [](const ModemMetrics& m) -> Sample { return std::to_string(m.parts_failed); });
  per_modem("smsgate_modem_received_total", "counter", "SMS parts the modem received.",
            [](const ModemMetrics& m) -> Sample { return std::to_string(m.received); });
  per_modem("smsgate_modem_resets_total", "counter", "Resets since the daemon started.",
            [](const ModemMetrics& m) -> Sample { return std::to_string(m.resets); });
  per_modem("smsgate_modem_balance", "gauge",
            "The SIM's balance in its own currency, from the last balance check (balance_ussd).",
            [&](const ModemMetrics& m) -> Sample {
              if (!m.balance) return std::nullopt;
              return number(*m.balance);
            });
  header(out, "smsgate_webhook_backlog", "gauge", "Webhook events not yet delivered.");
  out += "smsgate_webhook_backlog " + std::to_string(snapshot.webhook_backlog) + "\n";
  header(out, "smsgate_webhook_delivered_total", "counter", "Webhook events delivered.");
  out += "smsgate_webhook_delivered_total " + std::to_string(snapshot.webhook_delivered) + "\n";
  header(out, "smsgate_webhook_failed_attempts_total", "counter",
         "Webhook delivery attempts that failed (to be retried).");
  out += "smsgate_webhook_failed_attempts_total " +
         std::to_string(snapshot.webhook_failed_attempts) + "\n";
  header(out, "smsgate_webhook_set_aside_total", "counter",
         "Webhook events set aside after failing for set_aside_after, so that the later ones "
         "go (still retried in the background).");
  out += "smsgate_webhook_set_aside_total " + std::to_string(snapshot.webhook_set_aside) + "\n";
  header(out, "smsgate_webhook_given_up_total", "counter",
         "Webhook events given up after the maximum age.");
  out += "smsgate_webhook_given_up_total " + std::to_string(snapshot.webhook_given_up) + "\n";
  header(out, "smsgate_mail_waiting", "gauge", "Mail in the outbox waiting for the smarthost.");
  out += "smsgate_mail_waiting " + std::to_string(snapshot.mail.waiting) + "\n";
  header(out, "smsgate_mail_set_aside", "gauge",
         "Mail in the outbox set aside: refused for good by the smarthost, or tried too often.");
  out += "smsgate_mail_set_aside " + std::to_string(snapshot.mail.set_aside) + "\n";
  header(out, "smsgate_mail_sent_total", "counter", "Mail the smarthost accepted.");
  out += "smsgate_mail_sent_total " + std::to_string(snapshot.mail_sent) + "\n";
  header(out, "smsgate_mail_failed_attempts_total", "counter",
         "Tries of a mail the smarthost refused or did not answer.");
  out +=
      "smsgate_mail_failed_attempts_total " + std::to_string(snapshot.mail_failed_attempts) + "\n";
  header(out, "smsgate_mail_set_aside_total", "counter", "Mail set aside.");
  out += "smsgate_mail_set_aside_total " + std::to_string(snapshot.mail_set_aside) + "\n";
  header(out, "smsgate_inbound_messages_total", "counter",
         "Inbound messages completed since the daemon started.");
  out += "smsgate_inbound_messages_total " + std::to_string(snapshot.inbound_messages) + "\n";
  header(out, "smsgate_status_reports_total", "counter",
         "Status reports received since the daemon started.");
  out += "smsgate_status_reports_total " + std::to_string(snapshot.status_reports) + "\n";
  header(out, "smsgate_dispatch_store_faults_total", "counter",
         "Writes the store refused while dispatching (disk full, I/O errors) since the daemon "
         "started; sending stops until it writes again.");
  out += "smsgate_dispatch_store_faults_total " + std::to_string(snapshot.dispatch_store_faults) +
         "\n";
  header(out, "smsgate_dispatch_store_recoveries_total", "counter",
         "Times the store wrote again after a fault and the dispatcher recorded the sends it "
         "missed and requeued what no modem held, since the daemon started.");
  out += "smsgate_dispatch_store_recoveries_total " +
         std::to_string(snapshot.dispatch_store_recoveries) + "\n";
  header(out, "smsgate_auto_replies_total", "counter",
         "Automatic replies to inbound texts since the daemon started, by outcome: sent, "
         "capped (the number had its most in the last 10 minutes), unanswerable (the sender "
         "is no phone number), failed (refused by the intake or the store).");
  const std::pair<const char*, uint64_t> outcomes[] = {
      {"sent", snapshot.auto_replies_sent},
      {"capped", snapshot.auto_replies_capped},
      {"unanswerable", snapshot.auto_replies_unanswerable},
      {"failed", snapshot.auto_replies_failed}};
  for (const auto& [outcome, value] : outcomes) {
    out += std::string("smsgate_auto_replies_total{outcome=\"") + outcome + "\"} " +
           std::to_string(value) + "\n";
  }
  out += api.render();
  out += api.mail.render();
  return out;
}

}  // namespace smsgate::http

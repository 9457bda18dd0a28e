#include "http/metrics.h"

#include <cstdio>

namespace smsgate::http {

namespace {

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

void header(std::string& out, std::string_view name, std::string_view type,
            std::string_view help) {
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
  std::lock_guard lock(mutex_);
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
  std::lock_guard lock(mutex_);
  std::string out;
  header(out, "smsgate_http_requests_total", "counter", "API requests answered, by route and status.");
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

std::string render_metrics(const GatewaySnapshot& snapshot, const ApiMetrics& api) {
  std::string out;
  header(out, "smsgate_messages", "gauge", "Outbound messages in the store, by status.");
  int64_t left = 0, delivered = 0;
  for (const auto& [status, count] : snapshot.messages) {
    out += "smsgate_messages{status=\"" + std::string(store::message_status_name(status)) +
           "\"} " + std::to_string(count) + "\n";
    if (status == store::MessageStatus::kSent || status == store::MessageStatus::kDelivered ||
        status == store::MessageStatus::kFailed)
      left += count;
    if (status == store::MessageStatus::kDelivered) delivered = count;
  }
  header(out, "smsgate_delivery_ratio", "gauge",
         "Delivered messages among those sent, delivered or failed (0 when none).");
  out += "smsgate_delivery_ratio " +
         number(left > 0 ? static_cast<double>(delivered) / static_cast<double>(left) : 0.0) +
         "\n";

  auto modem_labels = [](const ModemMetrics& modem) {
    return "modem=\"" + escape_label(modem.id) + "\",port=\"" + escape_label(modem.name) + "\"";
  };
  header(out, "smsgate_modem_up", "gauge", "1 when the modem is ready to send and receive.");
  for (const ModemMetrics& modem : snapshot.modems) {
    out += "smsgate_modem_up{" + modem_labels(modem) + "} " + (modem.state == "ready" ? "1" : "0") +
           "\n";
  }
  header(out, "smsgate_modem_state", "gauge", "The modem's state (1 for the current one).");
  for (const ModemMetrics& modem : snapshot.modems) {
    out += "smsgate_modem_state{" + modem_labels(modem) + ",state=\"" + escape_label(modem.state) +
           "\"} 1\n";
  }
  header(out, "smsgate_modem_sending_enabled", "gauge", "0 when staff stopped sending through it.");
  for (const ModemMetrics& modem : snapshot.modems) {
    out += "smsgate_modem_sending_enabled{" + modem_labels(modem) + "} " +
           (modem.sending_enabled ? "1" : "0") + "\n";
  }
  header(out, "smsgate_modem_signal_dbm", "gauge", "Received signal strength (AT+CSQ).");
  for (const ModemMetrics& modem : snapshot.modems) {
    if (modem.signal_dbm) {
      out += "smsgate_modem_signal_dbm{" + modem_labels(modem) + "} " +
             std::to_string(*modem.signal_dbm) + "\n";
    }
  }
  header(out, "smsgate_modem_registered", "gauge", "1 when registered on a network.");
  for (const ModemMetrics& modem : snapshot.modems) {
    out += "smsgate_modem_registered{" + modem_labels(modem) + "} " +
           (modem.registered ? "1" : "0") + "\n";
  }
  header(out, "smsgate_modem_parts_sent_total", "counter", "Parts the modem sent.");
  for (const ModemMetrics& modem : snapshot.modems) {
    out += "smsgate_modem_parts_sent_total{" + modem_labels(modem) + "} " +
           std::to_string(modem.parts_sent) + "\n";
  }
  header(out, "smsgate_modem_parts_failed_total", "counter", "Parts refused on the modem.");
  for (const ModemMetrics& modem : snapshot.modems) {
    out += "smsgate_modem_parts_failed_total{" + modem_labels(modem) + "} " +
           std::to_string(modem.parts_failed) + "\n";
  }
  header(out, "smsgate_modem_received_total", "counter", "SMS parts the modem received.");
  for (const ModemMetrics& modem : snapshot.modems) {
    out += "smsgate_modem_received_total{" + modem_labels(modem) + "} " +
           std::to_string(modem.received) + "\n";
  }
  header(out, "smsgate_modem_resets_total", "counter", "Resets since the daemon started.");
  for (const ModemMetrics& modem : snapshot.modems) {
    out += "smsgate_modem_resets_total{" + modem_labels(modem) + "} " +
           std::to_string(modem.resets) + "\n";
  }
  header(out, "smsgate_webhook_backlog", "gauge", "Webhook events not yet delivered.");
  out += "smsgate_webhook_backlog " + std::to_string(snapshot.webhook_backlog) + "\n";
  header(out, "smsgate_webhook_delivered_total", "counter", "Webhook events delivered.");
  out += "smsgate_webhook_delivered_total " + std::to_string(snapshot.webhook_delivered) + "\n";
  header(out, "smsgate_webhook_failed_attempts_total", "counter",
         "Webhook delivery attempts that failed (to be retried).");
  out += "smsgate_webhook_failed_attempts_total " +
         std::to_string(snapshot.webhook_failed_attempts) + "\n";
  header(out, "smsgate_webhook_given_up_total", "counter",
         "Webhook events given up after the maximum age.");
  out += "smsgate_webhook_given_up_total " + std::to_string(snapshot.webhook_given_up) + "\n";
  header(out, "smsgate_inbound_messages_total", "counter",
         "Inbound messages completed since the daemon started.");
  out += "smsgate_inbound_messages_total " + std::to_string(snapshot.inbound_messages) + "\n";
  header(out, "smsgate_status_reports_total", "counter",
         "Status reports received since the daemon started.");
  out += "smsgate_status_reports_total " + std::to_string(snapshot.status_reports) + "\n";
  out += api.render();
  return out;
}

}  // namespace smsgate::http

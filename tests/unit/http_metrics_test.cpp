// The /metrics page: the Prometheus text format, exactly.
#include <doctest/doctest.h>

#include <sstream>

#include "http/metrics.h"

namespace smsgate::http {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& page, const std::string& line) {
  return page.find("\n" + line + "\n") != std::string::npos || page.starts_with(line + "\n");
}

TEST_CASE("metrics: queue, delivery ratio, modems and webhooks") {
  GatewaySnapshot snapshot;
  for (int i = 0; i < store::kMessageStatusCount; ++i)
    snapshot.messages[static_cast<store::MessageStatus>(i)] = 0;
  snapshot.messages[store::MessageStatus::kQueued] = 7;
  snapshot.messages[store::MessageStatus::kSent] = 1;
  snapshot.messages[store::MessageStatus::kDelivered] = 3;
  ModemMetrics modem;
  modem.id = "356938035643809";
  modem.name = "/dev/ttyUSB\"2\"";
  modem.state = "ready";
  modem.signal_dbm = -73;
  modem.registered = true;
  modem.parts_sent = 12;
  modem.storage_used = 28;
  modem.storage_total = 30;
  snapshot.modems.push_back(modem);
  ModemMetrics offline = modem;
  offline.id = "2";
  offline.name = "/dev/ttyUSB5";
  offline.state = "offline";
  offline.signal_dbm.reset();
  offline.sending_enabled = false;
  offline.storage_used.reset();
  offline.storage_total.reset();
  snapshot.modems.push_back(offline);
  snapshot.webhook_backlog = 4;
  snapshot.webhook_set_aside = 2;
  snapshot.dispatch_store_faults = 5;
  snapshot.dispatch_store_recoveries = 1;
  ApiMetrics api;
  std::string page = render_metrics(snapshot, api);
  CHECK(has_line(page, "smsgate_messages{status=\"queued\"} 7"));
  CHECK(has_line(page, "smsgate_messages{status=\"cancelled\"} 0"));
  CHECK(has_line(page, "smsgate_delivery_ratio 0.75"));
  std::string labels = "modem=\"356938035643809\",port=\"/dev/ttyUSB\\\"2\\\"\"";
  CHECK(has_line(page, "smsgate_modem_up{" + labels + "} 1"));
  CHECK(has_line(page, "smsgate_modem_up{modem=\"2\",port=\"/dev/ttyUSB5\"} 0"));
  CHECK(has_line(page, "smsgate_modem_signal_dbm{" + labels + "} -73"));
  CHECK(page.find("smsgate_modem_signal_dbm{modem=\"2\"") == std::string::npos);
  CHECK(has_line(page, "smsgate_modem_sending_enabled{modem=\"2\",port=\"/dev/ttyUSB5\"} 0"));
  CHECK(has_line(page, "smsgate_modem_parts_sent_total{" + labels + "} 12"));
  CHECK(has_line(page, "smsgate_modem_storage_used{" + labels + "} 28"));
  CHECK(has_line(page, "smsgate_modem_storage_total{" + labels + "} 30"));
  CHECK(page.find("smsgate_modem_storage_used{modem=\"2\"") == std::string::npos);
  CHECK(has_line(page, "smsgate_webhook_backlog 4"));
  CHECK(has_line(page, "# TYPE smsgate_webhook_set_aside_total counter"));
  CHECK(has_line(page, "smsgate_webhook_set_aside_total 2"));
  CHECK(has_line(page, "# TYPE smsgate_dispatch_store_faults_total counter"));
  CHECK(has_line(page, "smsgate_dispatch_store_faults_total 5"));
  CHECK(has_line(page, "# TYPE smsgate_dispatch_store_recoveries_total counter"));
  CHECK(has_line(page, "smsgate_dispatch_store_recoveries_total 1"));
  // Every sample line belongs to a family announced with HELP and TYPE.
  std::istringstream lines(page);
  std::string line, family;
  while (std::getline(lines, line)) {
    if (line.starts_with("# TYPE ")) family = line.substr(7, line.find(' ', 7) - 7);
    if (line.empty() || line[0] == '#') continue;
    CAPTURE(line);
    CHECK(line.starts_with(family));
  }
}

TEST_CASE("metrics: API requests are counted per route and status, with a latency histogram") {
  ApiMetrics api;
  api.record("POST", "/api/v1/messages", 202, 700us);
  api.record("POST", "/api/v1/messages", 202, 3ms);
  api.record("POST", "/api/v1/messages", 400, 200us);
  api.record("GET", "/api/v1/messages/{id}", 404, 10s);
  std::string page = api.render();
  CHECK(has_line(
      page,
      "smsgate_http_requests_total{method=\"POST\",route=\"/api/v1/messages\",status=\"202\"} 2"));
  CHECK(has_line(
      page,
      "smsgate_http_requests_total{method=\"POST\",route=\"/api/v1/messages\",status=\"400\"} 1"));
  std::string bucket =
      "smsgate_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/messages\",le=";
  CHECK(has_line(page, bucket + "\"0.0005\"} 1"));
  CHECK(has_line(page, bucket + "\"0.001\"} 2"));
  CHECK(has_line(page, bucket + "\"0.0025\"} 2"));
  CHECK(has_line(page, bucket + "\"0.005\"} 3"));
  CHECK(has_line(page, bucket + "\"+Inf\"} 3"));
  CHECK(has_line(
      page,
      "smsgate_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/messages\"} 3"));
  // Slower than the last bucket: only +Inf holds it.
  CHECK(has_line(page,
                 "smsgate_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/"
                 "messages/{id}\",le=\"2.5\"} 0"));
  CHECK(has_line(page,
                 "smsgate_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/"
                 "messages/{id}\",le=\"+Inf\"} 1"));
  CHECK(escape_label("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("metrics: mails accepted and refused by reason, on the page") {
  ApiMetrics api;
  api.mail.accepted();
  api.mail.accepted();
  api.mail.refused("relay");
  api.mail.refused("bad_auth");
  api.mail.refused("relay");
  std::string page = render_metrics(GatewaySnapshot{}, api);
  CHECK(has_line(page, "# TYPE smsgate_email_accepted_total counter"));
  CHECK(has_line(page, "smsgate_email_accepted_total 2"));
  CHECK(has_line(page, "# TYPE smsgate_email_refused_total counter"));
  CHECK(has_line(page, "smsgate_email_refused_total{reason=\"relay\"} 2"));
  CHECK(has_line(page, "smsgate_email_refused_total{reason=\"bad_auth\"} 1"));
  // Nothing refused yet: the family is announced with no samples.
  std::string fresh = ApiMetrics().mail.render();
  CHECK(has_line(fresh, "smsgate_email_accepted_total 0"));
  CHECK(fresh.find("smsgate_email_refused_total{") == std::string::npos);
}

}  // namespace
}  // namespace smsgate::http

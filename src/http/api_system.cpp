// Health (no key needed: load balancers and systemd probes have none), /metrics and
// the OpenAPI document.
#include "http/api.h"
#include "webhook/deliverer.h"

namespace smsgate::http {

namespace {

Response health(ApiContext& context, const Request&) {
  int ready = 0, total = 0;
  for (const std::string& id : context.pool.modems()) {
    ++total;
    auto status = context.pool.status(id);
    if (status && status->state == modem::State::kReady) ++ready;
  }
  return json_response(200, {{"status", "ok"},
                             {"version", SMSGATE_VERSION},
                             {"modems", {{"ready", ready}, {"total", total}}}});
}

Response metrics(ApiContext& context, const Request&) {
  GatewaySnapshot snapshot;
  auto counts = context.store.count_by_status();
  if (!counts) return server_error(counts.error());
  snapshot.messages = std::move(*counts);
  auto records = context.store.list_modems();
  if (!records) return server_error(records.error());
  for (const store::ModemRecord& record : *records) {
    auto status = context.pool.status(record.identity.imei);
    if (!status) continue;  // seen once, not plugged in: no series to keep alive
    ModemMetrics modem;
    modem.id = record.identity.imei;
    modem.name = status->port;
    modem.state = std::string(modem::state_name(status->state));
    modem.sending_enabled = context.dispatcher.modem_sending(modem.id);
    modem.signal_dbm = status->health.dbm;
    modem.registered = status->health.registered();
    modem.parts_sent = record.parts_sent;
    modem.parts_failed = record.parts_failed;
    modem.received = record.received;
    modem.resets = status->resets;
    snapshot.modems.push_back(std::move(modem));
  }
  auto backlog = context.store.webhook_backlog();
  if (!backlog) return server_error(backlog.error());
  snapshot.webhook_backlog = *backlog;
  if (context.deliverer) {
    snapshot.webhook_delivered = context.deliverer->delivered();
    snapshot.webhook_failed_attempts = context.deliverer->failed_attempts();
    snapshot.webhook_given_up = context.deliverer->given_up();
  }
  dispatch::DispatchCounters counters = context.dispatcher.counters();
  snapshot.inbound_messages = counters.inbound_messages;
  snapshot.status_reports = counters.status_reports;
  return Response{200,
                  "text/plain; version=0.0.4; charset=utf-8",
                  render_metrics(snapshot, context.metrics),
                  {}};
}

Response openapi(ApiContext&, const Request&) {
  return Response{200, "application/json", openapi_document(), {}};
}

}  // namespace

void add_system_routes(Router& router, ApiContext& context) {
  router.add("GET", "/api/v1/health", Access::anyone(),
             [&context](const Request& request) { return health(context, request); });
  // A Prometheus server holds a key with the metrics scope alone.
  add_authenticated(router, context, "GET", "/metrics", auth::Scope::kMetrics, metrics);
  // The document describes the API, whatever part of it a key may use.
  add_authenticated(router, context, "GET", "/api/v1/openapi.json", kAnyScope, openapi);
}

}  // namespace smsgate::http

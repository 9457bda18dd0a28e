// Health (no key needed: load balancers and systemd probes have none), /metrics and
// the OpenAPI document.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <map>
#include <set>

#include "email/outbox.h"
#include "http/api.h"
#include "webhook/deliverer.h"

namespace smsgate::http {

namespace {

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

// "unavailable: database or disk is full": SQLite's words for the fault, without the
// context before them (which may name files).
std::string store_fault(const Error& error) {
  size_t colon = error.message.rfind(": ");
  return "unavailable: " +
         (colon == std::string::npos ? error.message : error.message.substr(colon + 2));
}

// 200 only while a submission can be stored and sent: the store takes a real write and
// a modem is ready to send (or none was ever seen: a gateway being set up). The body
// says which part is wrong, and nothing secret.
Response health(ApiContext& context, const Request&) {
  Status writable = context.store.check_writable();
  std::string store = writable.ok() ? "ok" : store_fault(writable.error());

  // Every modem the daemon knows: running now, or seen before and gone since.
  std::set<std::string> known;
  int ready = 0;
  for (const std::string& id : context.pool.modems()) {
    known.insert(id);
    auto status = context.pool.status(id);
    if (status && status->state == modem::State::kReady && context.dispatcher.modem_sending(id))
      ++ready;
  }
  if (auto seen = context.store.list_modems(); seen.ok()) {
    for (const store::ModemRecord& record : *seen) known.insert(record.identity.imei);
  }
  bool modems_ok = ready > 0 || known.empty();

  int64_t now = context.clock.now();
  nlohmann::json queue = nullptr;
  if (auto state = context.store.queue_state(now); state.ok()) {
    nlohmann::json oldest = nullptr;
    if (state->oldest_due_at) oldest = std::max<int64_t>(0, (now - *state->oldest_due_at) / 1000);
    queue = {{"due", state->due}, {"sending", state->sending}, {"oldest_due_age_seconds", oldest}};
  } else if (writable.ok()) {
    store = store_fault(state.error());
  }

  bool healthy = store == "ok" && modems_ok;
  return json_response(healthy ? 200 : 503,
                       {{"status", healthy ? "ok" : "unavailable"},
                        {"version", SMSGATE_VERSION},
                        {"store", store},
                        {"modems", {{"ready", ready}, {"total", known.size()}}},
                        {"queue", queue},
                        {"warnings", context.warnings}});
}

Response metrics(ApiContext& context, const Request&) {
  GatewaySnapshot snapshot;
  auto counts = context.store.count_by_status();
  if (!counts) return server_error(counts.error());
  snapshot.messages = std::move(*counts);
  auto deleted = context.store.deleted_totals();
  if (!deleted) return server_error(deleted.error());
  snapshot.deleted = std::move(*deleted);
  auto records = context.store.list_modems();
  if (!records) return server_error(records.error());
  auto balance_rows = context.store.list_balances();
  if (!balance_rows) return server_error(balance_rows.error());
  std::map<std::string, double> balances;
  for (const store::ModemBalance& row : *balance_rows) {
    if (row.amount) balances[row.modem] = *row.amount;
  }
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
    if (const auto& storage = status->health.message_storage) {
      modem.storage_used = storage->used;
      modem.storage_total = storage->total;
    }
    if (auto balance = balances.find(modem.id); balance != balances.end())
      modem.balance = balance->second;
    snapshot.modems.push_back(std::move(modem));
  }
  auto backlog = context.store.webhook_backlog();
  if (!backlog) return server_error(backlog.error());
  snapshot.webhook_backlog = *backlog;
  if (context.deliverer) {
    snapshot.webhook_delivered = context.deliverer->delivered();
    snapshot.webhook_failed_attempts = context.deliverer->failed_attempts();
    snapshot.webhook_set_aside = context.deliverer->set_aside();
    snapshot.webhook_given_up = context.deliverer->given_up();
  }
  auto mail = context.store.count_mail();
  if (!mail) return server_error(mail.error());
  snapshot.mail = *mail;
  if (context.mail_outbox) {
    snapshot.mail_sent = context.mail_outbox->sent();
    snapshot.mail_failed_attempts = context.mail_outbox->failed_attempts();
    snapshot.mail_set_aside = context.mail_outbox->set_aside();
  }
  dispatch::DispatchCounters counters = context.dispatcher.counters();
  snapshot.inbound_messages = counters.inbound_messages;
  snapshot.status_reports = counters.status_reports;
  snapshot.dispatch_store_faults = counters.store_faults;
  snapshot.dispatch_store_recoveries = counters.store_recoveries;
  if (context.auto_replier) {
    dispatch::AutoReplyCounters replies = context.auto_replier->counters();
    snapshot.auto_replies_sent = replies.sent;
    snapshot.auto_replies_capped = replies.capped;
    snapshot.auto_replies_unanswerable = replies.unanswerable;
    snapshot.auto_replies_failed = replies.failed;
  }
  return Response{200,
                  "text/plain; version=0.0.4; charset=utf-8",
                  render_metrics(snapshot, context.metrics),
                  {}};
}

Response openapi(ApiContext&, const Request&) {
  return Response{200, "application/json", openapi_document(), {}};
}

}  // namespace

std::optional<std::string> plaintext_warning(std::string_view listen, bool tls) {
  if (tls) return std::nullopt;
  std::string host(listen.substr(0, listen.rfind(':')));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (is_loopback(host)) return std::nullopt;
  return "the API listens on " + std::string(listen) +
         " without TLS: API keys, the admin password and message texts cross the network "
         "readable by anyone on it; set [http] tls_certificate and tls_key, or listen on "
         "127.0.0.1";
}

void add_system_routes(Router& router, ApiContext& context) {
  router.add("GET", "/api/v1/health", Access::anyone(),
             [&context](const Request& request) { return health(context, request); });
  static constexpr ApiRoute kRoutes[] = {
      // A Prometheus server holds a key with the metrics scope alone.
      {"GET", "/metrics", Scope::kMetrics, metrics},
      // The document describes the API, whatever part of it a key may use.
      {"GET", "/api/v1/openapi.json", kAnyScope, openapi},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

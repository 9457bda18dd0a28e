// /api/v1/modems: every modem ever seen, with live state and pacing; one modem with its
// signal over the last day; reset, stopping or resuming sending through one, and a
// USSD code asked through one (the handler's thread waits for the network's answer),
// and its SIM's balance checked now (dispatch/alarms.h).
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <set>

#include "at/ussd.h"
#include "http/api.h"
#include "http/json_input.h"
#include "http/message_json.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

// {amount, currency, text, checked_at}; amount and currency null when the answer had none.
nlohmann::json balance_json(const store::ModemBalance& balance) {
  return {
      {"amount", balance.amount ? nlohmann::json(*balance.amount) : nlohmann::json()},
      {"currency", balance.currency.empty() ? nlohmann::json() : nlohmann::json(balance.currency)},
      {"text", balance.text},
      {"checked_at", store::iso8601_utc(balance.checked_at)}};
}

nlohmann::json live_modem_json(ApiContext& context, const store::ModemRecord& record,
                               const std::map<std::string, store::ModemBalance>& balances) {
  const std::string& id = record.identity.imei;
  nlohmann::json json =
      modem_json(record, context.pool.status(id), context.dispatcher.modem_sending(id),
                 context.dispatcher.modem_pacing(id));
  auto balance = balances.find(id);
  json["balance"] = balance == balances.end() ? nlohmann::json() : balance_json(balance->second);
  return json;
}

Result<std::map<std::string, store::ModemBalance>> balances_by_modem(ApiContext& context) {
  auto balances = context.store.list_balances();
  if (!balances) return balances.error();
  std::map<std::string, store::ModemBalance> by_modem;
  for (store::ModemBalance& balance : *balances) by_modem[balance.modem] = std::move(balance);
  return by_modem;
}

Response list_modems(ApiContext& context, const Request&) {
  auto records = context.store.list_modems();
  if (!records) return server_error(records.error());
  auto balances = balances_by_modem(context);
  if (!balances) return server_error(balances.error());
  nlohmann::json items = nlohmann::json::array();
  std::set<std::string> listed;
  for (const store::ModemRecord& record : *records) {
    const std::string& id = record.identity.imei;
    listed.insert(id);
    items.push_back(live_modem_json(context, record, *balances));
  }
  // A running modem the store has not recorded yet (still probing, or no IMEI).
  for (const std::string& id : context.pool.modems()) {
    if (listed.contains(id)) continue;
    store::ModemRecord record;
    record.identity.imei = id;
    items.push_back(live_modem_json(context, record, *balances));
  }
  return json_response(200, {{"items", std::move(items)}});
}

Response get_modem(ApiContext& context, const Request& request) {
  const std::string& id = request.params.at(0);
  auto records = context.store.list_modems();
  if (!records) return server_error(records.error());
  std::optional<store::ModemRecord> found;
  for (const store::ModemRecord& record : *records) {
    if (record.identity.imei == id) found = record;
  }
  if (!found && context.pool.status(id)) {
    found.emplace();
    found->identity.imei = id;
  }
  if (!found) return not_found("modem", id);
  auto balances = balances_by_modem(context);
  if (!balances) return server_error(balances.error());
  nlohmann::json json = live_modem_json(context, *found, *balances);
  json["signal_history"] = signal_history_json(
      context.pool.signal_history(id).value_or(std::vector<modem::SignalSample>{}));
  return json_response(200, json);
}

Response reset_modem(ApiContext& context, const Request& request) {
  const std::string& id = request.params.at(0);
  if (!context.pool.status(id)) return not_found("running modem", id);
  context.pool.request_reset(id);
  return json_response(202, {{"id", id}, {"reset", "requested"}});
}

// The pool reports a modem ready a moment before the dispatcher records it in the
// store; staff who act on it in between find it recorded here first.
Status record_running_modem(ApiContext& context, const std::string& id) {
  auto status = context.pool.status(id);
  if (!status || status->identity.imei != id) return ok_status();
  const modem::Identity& identity = status->identity;
  return context.store.upsert_modem(
      {identity.imei, identity.imsi, identity.iccid, identity.manufacturer, identity.model},
      context.clock.now());
}

Response set_sending(ApiContext& context, const Request& request, bool enabled) {
  const std::string& id = request.params.at(0);
  auto found = context.dispatcher.set_modem_sending(id, enabled);
  if (found && !*found) {
    if (Status recorded = record_running_modem(context, id); !recorded)
      return server_error(recorded.error());
    found = context.dispatcher.set_modem_sending(id, enabled);
  }
  if (!found) return server_error(found.error());
  if (!*found) return not_found("modem", id);
  return json_response(200, {{"id", id}, {"sending_enabled", enabled}});
}

// Networks answer a USSD code within seconds; 30 s leaves room for a slow one while
// bounding how long a server thread waits. A request may ask for less or a little more.
constexpr int64_t kDefaultUssdTimeoutSeconds = 30;
constexpr int64_t kMaxUssdTimeoutSeconds = 120;
// Beyond the deadline, the modem's thread still closes the session and reports; it may
// first finish a send in flight, which is the driver's send timeout at worst, so the
// handler stops waiting on its own after this.
constexpr auto kUssdReportGrace = std::chrono::seconds(5);

Response ask_ussd(ApiContext& context, const Request& request) {
  const std::string& id = request.params.at(0);
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto code = fields.required_string("code", 4096);
  if (!code) return error_from(code.error());
  auto timeout = fields.integer("timeout", 1, kMaxUssdTimeoutSeconds);
  if (!timeout) return error_from(timeout.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  if (!at::is_ussd_code(*code)) {
    return error_from(invalid("code",
                              "a USSD code is 1 to 160 of the characters 0-9 * # + "
                              "(such as \"*123#\")"));
  }
  if (!context.pool.status(id)) return not_found("running modem", id);

  const auto deadline =
      MonotonicClock::now() + std::chrono::seconds(timeout->value_or(kDefaultUssdTimeoutSeconds));
  // Shared with the modem's thread, which may report after this handler gave up.
  auto answer = std::make_shared<std::promise<Result<modem::UssdAnswer>>>();
  std::future<Result<modem::UssdAnswer>> answered = answer->get_future();
  Status asked = context.pool.request_ussd(
      id, modem::UssdRequest{*code, deadline},
      [answer](Result<modem::UssdAnswer> outcome) { answer->set_value(std::move(outcome)); });
  if (!asked) return error_response(asked.error().code, asked.error().message);
  if (answered.wait_until(deadline + kUssdReportGrace) != std::future_status::ready) {
    return error_response(ErrorCode::kUssdTimeout,
                          "the modem was busy past the USSD request's time and did not answer");
  }
  Result<modem::UssdAnswer> outcome = answered.get();
  if (!outcome) {
    const Error& error = outcome.error();
    return error_response(error.code == ErrorCode::kNone ? ErrorCode::kUssdFailed : error.code,
                          error.message, error.field);
  }
  return json_response(200, {{"modem", id},
                             {"code", *code},
                             {"reply", outcome->text},
                             {"further_action", outcome->further_action}});
}

// The balance check now, with the modem's balance_ussd or the body's code; the parsed
// result, as GET /api/v1/modems shows it from then on.
Response check_balance(ApiContext& context, const Request& request) {
  const std::string& id = request.params.at(0);
  auto body = parse_object(request.body.empty() ? "{}" : request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto code = fields.string("code", 4096);
  if (!code) return error_from(code.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  if (code->has_value() && !at::is_ussd_code(**code)) {
    return error_from(invalid("code",
                              "a USSD code is 1 to 160 of the characters 0-9 * # + "
                              "(such as \"*123#\")"));
  }
  if (!context.alarms || !context.pool.status(id)) return not_found("running modem", id);
  auto balance = context.alarms->check_balance_now(id, code->value_or(""));
  if (!balance) {
    const Error& error = balance.error();
    if (error.code == ErrorCode::kNotFound) return not_found("running modem", id);
    return error_response(error.code, error.message, error.field);
  }
  nlohmann::json json = balance_json(*balance);
  json["modem"] = id;
  return json_response(200, json);
}

Response enable_modem(ApiContext& context, const Request& request) {
  return set_sending(context, request, true);
}

Response disable_modem(ApiContext& context, const Request& request) {
  return set_sending(context, request, false);
}

}  // namespace

void add_modem_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/modems", Scope::kModems, list_modems},
      {"GET", "/api/v1/modems/{id}", Scope::kModems, get_modem},
      {"POST", "/api/v1/modems/{id}/reset", Scope::kModems, reset_modem, action::kModemReset},
      {"POST", "/api/v1/modems/{id}/enable", Scope::kModems, enable_modem, action::kModemEnable},
      {"POST", "/api/v1/modems/{id}/disable", Scope::kModems, disable_modem, action::kModemDisable},
      {"POST", "/api/v1/modems/{id}/ussd", Scope::kModems, ask_ussd, action::kModemUssd},
      {"POST", "/api/v1/modems/{id}/balance", Scope::kModems, check_balance},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

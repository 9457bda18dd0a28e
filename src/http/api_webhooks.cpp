// /api/v1/webhooks: subscriptions, each one's deliveries with their attempts, and a
// retry of a delivery that was set aside or given up. The delivering itself is
// src/webhook/.
#include <sodium.h>

#include "http/api.h"
#include "http/json_input.h"
#include "store/event_json.h"
#include "webhook/deliverer.h"
#include "webhook/events.h"

namespace smsgate::http {

namespace {

nlohmann::json webhook_json(const store::Webhook& webhook) {
  return {{"id", webhook.id},
          {"url", webhook.url},
          {"events", webhook.events},
          {"created_at", store::iso8601_utc(webhook.created_at)}};
}

std::string random_secret() {
  unsigned char bytes[24];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string("whsec_") + hex;
}

Response list_webhooks(ApiContext& context, const Request&) {
  return list_response(context.store.list_webhooks(), webhook_json);
}

Response create_webhook(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto url = fields.required_string("url", 2048);
  if (!url) return error_from(url.error());
  auto events_field = fields.array("events", 16);
  if (!events_field) return error_from(events_field.error());
  std::vector<std::string> events;
  if (!*events_field) {
    events.push_back("*");
  } else {
    for (size_t i = 0; i < (*events_field)->size(); ++i) {
      const nlohmann::json& name = (**events_field)[i];
      if (!name.is_string())
        return error_from(invalid("events[" + std::to_string(i) + "]", "must be a string"));
      events.push_back(name.get<std::string>());
    }
  }
  auto secret = fields.string("secret", 256);
  if (!secret) return error_from(secret.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  // Without a secret of the client's own, one is made and shown this once.
  std::string key = secret->value_or(random_secret());
  auto created = context.store.create_webhook(*url, events, key, context.clock.now());
  if (!created) return error_from(created.error());
  nlohmann::json json = webhook_json(*created);
  json["secret"] = key;
  return json_response(201, json);
}

Response get_webhook(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("webhook", request.params.at(0));
  auto webhook = context.store.get_webhook(*id);
  if (!webhook) return server_error(webhook.error());
  if (!*webhook) return not_found("webhook", request.params.at(0));
  return json_response(200, webhook_json(**webhook));
}

Response remove(ApiContext& context, std::optional<int64_t> id, std::string_view written) {
  if (!id) return not_found("webhook", written);
  auto removed = context.store.delete_webhook(*id);
  if (!removed) return server_error(removed.error());
  if (!*removed) return not_found("webhook", written);
  return json_response(200, {{"id", *id}, {"deleted", true}});
}

Response delete_by_path(ApiContext& context, const Request& request) {
  return remove(context, id_param(request), request.params.at(0));
}

Response delete_by_query(ApiContext& context, const Request& request) {
  auto id = query_param(request, "id");
  if (!id) return error_from(missing("id"));
  return remove(context, parse_id(*id), *id);
}

std::string_view delivery_state(const store::WebhookEvent& event) {
  if (event.delivered_at) return "delivered";
  if (event.given_up_at) return "given_up";
  if (event.set_aside_at) return "set_aside";
  return "pending";
}

nlohmann::json delivery_json(const store::WebhookDelivery& delivery) {
  const store::WebhookEvent& event = delivery.event;
  nlohmann::json item = {{"id", event.id},
                         {"event", event.event},
                         {"state", delivery_state(event)},
                         {"created_at", store::iso8601_utc(event.created_at)},
                         {"attempts", event.attempts},
                         {"body", nlohmann::json::parse(event.body, nullptr, false)}};
  if (event.delivered_at) item["delivered_at"] = store::iso8601_utc(*event.delivered_at);
  if (event.given_up_at) item["given_up_at"] = store::iso8601_utc(*event.given_up_at);
  // Still shown once settled in the background: it says the event came out of order.
  if (event.set_aside_at) item["set_aside_at"] = store::iso8601_utc(*event.set_aside_at);
  if (!event.delivered_at && !event.given_up_at)
    item["next_attempt_at"] = store::iso8601_utc(event.next_attempt_at);
  if (event.last_error) item["last_error"] = *event.last_error;
  nlohmann::json tries = nlohmann::json::array();
  for (const store::WebhookAttempt& attempt : delivery.attempts) {
    nlohmann::json t = {{"at", store::iso8601_utc(attempt.at)},
                        {"duration_ms", attempt.duration_ms}};
    if (attempt.http_status) t["http_status"] = *attempt.http_status;
    if (attempt.error) t["error"] = *attempt.error;
    tries.push_back(std::move(t));
  }
  item["tries"] = std::move(tries);
  return item;
}

Response list_deliveries(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("webhook", request.params.at(0));
  auto webhook = context.store.get_webhook(*id);
  if (!webhook) return server_error(webhook.error());
  if (!*webhook) return not_found("webhook", request.params.at(0));
  store::WebhookDeliveryFilter filter;
  filter.webhook_id = *id;
  auto paging = page_params(request);
  if (!paging) return error_from(paging.error());
  filter.limit = paging->limit;
  filter.cursor = std::move(paging->cursor);
  auto page = context.store.list_webhook_deliveries(filter);
  if (!page) return error_from(page.error());
  return page_response(*page, delivery_json);
}

Response retry_delivery(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("webhook", request.params.at(0));
  const std::string& written = request.params.at(1);
  auto event_id = webhook::parse_delivery_id(written);
  if (!event_id) return not_found("webhook delivery", written);
  auto retried = context.store.retry_webhook_event(*id, *event_id, context.clock.now());
  if (!retried) {
    if (retried.error().code == ErrorCode::kNotFound) {
      auto webhook = context.store.get_webhook(*id);
      if (webhook && !*webhook) return not_found("webhook", request.params.at(0));
      return not_found("webhook " + std::to_string(*id) + " delivery", written);
    }
    return error_from(retried.error());
  }
  if (context.deliverer) context.deliverer->wake();
  return json_response(202, delivery_json(*retried));
}

// A webhook.test event to this subscription alone, so staff can see its receiver
// answer; delivered, signed and listed like any other event.
Response test_webhook(ApiContext& context, const Request& request) {
  auto id = id_param(request);
  if (!id) return not_found("webhook", request.params.at(0));
  auto queued = context.store.enqueue_test_event(*id, context.clock.now());
  if (!queued) {
    if (queued.error().code == ErrorCode::kNotFound)
      return not_found("webhook", request.params.at(0));
    return server_error(queued.error());
  }
  if (context.deliverer) context.deliverer->wake();
  auto delivery = context.store.get_webhook_delivery(*id, *queued);
  if (!delivery) return server_error(delivery.error());
  // Deleted in the meantime: the id is all there is to show.
  nlohmann::json body = *delivery ? delivery_json(**delivery) : nlohmann::json{{"id", *queued}};
  body["delivery_id"] = webhook::delivery_id(*queued);
  return json_response(202, body);
}

}  // namespace

void add_webhook_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/webhooks", Scope::kWebhooks, list_webhooks},
      {"POST", "/api/v1/webhooks", Scope::kWebhooks, create_webhook, action::kWebhookCreate},
      {"DELETE", "/api/v1/webhooks", Scope::kWebhooks, delete_by_query, action::kWebhookDelete},
      {"GET", "/api/v1/webhooks/{id}", Scope::kWebhooks, get_webhook},
      {"DELETE", "/api/v1/webhooks/{id}", Scope::kWebhooks, delete_by_path, action::kWebhookDelete},
      {"GET", "/api/v1/webhooks/{id}/deliveries", Scope::kWebhooks, list_deliveries},
      {"POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/retry", Scope::kWebhooks,
       retry_delivery, action::kWebhookRetry},
      {"POST", "/api/v1/webhooks/{id}/test", Scope::kWebhooks, test_webhook},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

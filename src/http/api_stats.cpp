// GET /api/v1/stats: the console's dashboard in one read: the queue by status now and
// the last 24 hours' outcomes hour by hour.
#include "http/api.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

constexpr int kHoursShown = 24;

Response stats(ApiContext& context, const Request&) {
  const int64_t now = context.clock.now();
  auto counts = context.store.count_by_status();
  if (!counts) return server_error(counts.error());
  nlohmann::json queue = nlohmann::json::object();
  for (const auto& [status, count] : *counts)
    queue[std::string(store::message_status_name(status))] = count;

  // The hour now running is the last of the 24.
  const int64_t first_hour = now - (kHoursShown - 1) * store::Outbound::kHourMs;
  auto hours = context.store.outcomes_by_hour(first_hour, kHoursShown);
  if (!hours) return server_error(hours.error());
  nlohmann::json series = nlohmann::json::array();
  int64_t sent = 0, delivered = 0, failed = 0;
  for (const store::HourOutcomes& hour : *hours) {
    series.push_back({{"start", store::iso8601_utc(hour.start)},
                      {"sent", hour.sent},
                      {"delivered", hour.delivered},
                      {"failed", hour.failed}});
    sent += hour.sent;
    delivered += hour.delivered;
    failed += hour.failed;
  }
  return json_response(200, {{"queue", std::move(queue)},
                             {"last_24h",
                              {{"hours", std::move(series)},
                               {"sent", sent},
                               {"delivered", delivered},
                               {"failed", failed}}},
                             {"generated_at", store::iso8601_utc(now)}});
}

}  // namespace

void add_stats_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/stats", Scope::kRead, stats},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

// GET /api/v1/settings: the configuration staff may look at in the console, and where
// to change it (the file, then a reload). For an admin's session only. Never a secret:
// no SIM PIN (only whether one is set), nothing of the TLS key, no webhook secret.
#include "http/api.h"
#include "policy/category.h"
#include "policy/opening_hours.h"
#include "policy/quiet_hours.h"

namespace smsgate::http {

namespace {

nlohmann::json limit_or_null(int limit) {
  if (limit <= 0) return nullptr;
  return limit;
}

// Words by language, as configured: {"en": ["YES", "Y"], ...}.
nlohmann::json words_json(const std::map<std::string, std::vector<std::string>>& words) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [language, list] : words) object[language] = list;
  return object;
}

nlohmann::json autoreply_json(const config::AutoReplyConfig& autoreply) {
  nlohmann::json hours = nlohmann::json::object();
  for (size_t day = 0; day < policy::kWeekdayKeys.size(); ++day)
    hours[std::string(policy::kWeekdayKeys[day])] = policy::format_day_hours(autoreply.hours[day]);
  return {{"enabled", autoreply.enabled},
          {"sender_name", autoreply.sender_name},
          {"language", autoreply.language},
          {"help_keywords", autoreply.help_keywords},
          {"help_text", autoreply.help_text},
          {"optout_text", autoreply.optout_text},
          {"optin_text", autoreply.optin_text},
          {"opening_hours", std::move(hours)},
          {"out_of_hours_text", autoreply.out_of_hours_text}};
}

// [email] reports as the file has it.
nlohmann::json email_reports(const config::EmailConfig& email) {
  nlohmann::json reports = nlohmann::json::array();
  if (email.report_delivered) reports.push_back("delivered");
  if (email.report_failed) reports.push_back("failed");
  if (email.report_replies) reports.push_back("replies");
  return reports;
}

nlohmann::json appointments_json(const config::Config& config) {
  const config::AppointmentsConfig& appointments = config.appointments;
  return {{"default_reminders", appointments.default_reminders},
          // The [sending] window: a yes or no later than this is no longer linked.
          {"reply_window_hours", config.sending.default_reply_window.count()},
          {"confirmation_text", appointments.confirmation_text},
          {"moved_text", appointments.moved_text},
          {"cancelled_text", appointments.cancelled_text},
          {"yes_words", words_json(appointments.reply_words.yes)},
          {"no_words", words_json(appointments.reply_words.no)}};
}

nlohmann::json settings_json(const config::Config& config) {
  nlohmann::json quiet = nlohmann::json::object();
  quiet["window"] = config.sending.quiet_hours
                        ? nlohmann::json(policy::format_quiet_hours(*config.sending.quiet_hours))
                        : nlohmann::json();
  nlohmann::json held = nlohmann::json::object();
  for (policy::Category category : policy::kAllCategories)
    held[std::string(policy::category_name(category))] =
        config.sending.quiet_hours.has_value() && policy::held_by_quiet_hours(category);
  quiet["categories"] = std::move(held);

  nlohmann::json modems = nlohmann::json::array();
  for (const config::ModemConfig& modem : config.modem) {
    modems.push_back({{"port", modem.port},
                      {"name", modem.name.empty() ? modem.port : modem.name},
                      {"rate_per_minute", limit_or_null(modem.rate_per_minute)},
                      {"daily_limit", limit_or_null(modem.daily_limit)},
                      {"enabled", modem.enabled},
                      {"pin_set", modem.pin.has_value()}});
  }
  const std::string how_to_change =
      config.file.empty()
          ? "these are built-in settings (the demo); start smsgated run --config FILE to use a "
            "configuration file"
          : "edit " + config.file +
                " and reload (systemctl reload smsgated); [storage], [http], the ports and "
                "PINs take a restart";
  return {
      {"config_file", config.file.empty() ? nlohmann::json() : nlohmann::json(config.file)},
      {"how_to_change", how_to_change},
      {"version", SMSGATE_VERSION},
      {"time_zone", config.sending.timezone.empty() ? nlohmann::json("(the host's)")
                                                    : nlohmann::json(config.sending.timezone)},
      {"default_region", config.sending.default_region},
      {"quiet_hours", std::move(quiet)},
      {"retention",
       {{"messages_days", config.retention.messages_days},
        {"inbound_days", config.retention.inbound_days}}},
      {"http",
       {{"listen", config.http.listen},
        {"tls", !config.http.tls_certificate.empty() && !config.http.tls_key.empty()}}},
      {"modems_defaults",
       {{"ports", config.modems.ports},
        {"rate_per_minute", limit_or_null(config.modems.rate_per_minute)},
        {"daily_limit", limit_or_null(config.modems.daily_limit)},
        {"health_interval_seconds", config.modems.health_interval.count()}}},
      {"modems", std::move(modems)},
      {"optout_keywords", config.optout.keywords},
      {"optin_keywords", config.optout.optin_keywords},
      {"autoreply", autoreply_json(config.autoreply)},
      {"appointments", appointments_json(config)},
      {"otp",
       {{"max_sends_per_number", limit_or_null(config.otp.max_sends_per_number)},
        {"send_window_minutes", config.otp.send_window.count()}}},
      {"email",
       {{"listen", config.email.listen ? nlohmann::json(*config.email.listen) : nlohmann::json()},
        {"domain",
         config.email.domain.empty() ? nlohmann::json() : nlohmann::json(config.email.domain)},
        {"smarthost", config.email.smarthost.has_value()},
        {"reports", email_reports(config.email)},
        {"reports_to",
         config.email.reports_to ? nlohmann::json(*config.email.reports_to) : nlohmann::json()}}},
      {"storage_path", config.storage.path},
  };
}

Response settings(ApiContext& context, const Request&, const auth::OpenSession&) {
  if (!context.settings) return not_found("settings", "here");
  return json_response(200, settings_json(context.settings->get()));
}

}  // namespace

void add_settings_routes(Router& router, ApiContext& context) {
  static constexpr SessionRoute kRoutes[] = {
      // People in the console, not programs: an admin's session, as for the API keys.
      {"GET", "/api/v1/settings", SessionRoute::Who::kAdmin, settings},
  };
  add_session_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

#include "email/forward.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace smsgate::email {
namespace {

std::string fill_placeholders(std::string_view pattern, const store::InboundMessage& message) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.substr(i).starts_with("{number}")) {
      out += message.from;
      i += 7;
    } else if (pattern.substr(i).starts_with("{modem}")) {
      out += message.modem;
      i += 6;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace

bool forward_matches(const ForwardRule& rule, std::string_view sender) {
  return rule.from_numbers.empty() || std::find(rule.from_numbers.begin(), rule.from_numbers.end(),
                                                sender) != rule.from_numbers.end();
}

std::string local_time_text(int64_t utc_ms, const policy::TimeZone& zone) {
  const int64_t offset_ms = zone.offset_ms(utc_ms);
  const auto local = std::chrono::sys_time<std::chrono::milliseconds>(
      std::chrono::milliseconds(utc_ms + offset_ms));
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(std::chrono::floor<std::chrono::seconds>(local - day));
  const int64_t offset_minutes = std::abs(offset_ms) / 60'000;
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d %c%02d:%02d",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                offset_ms < 0 ? '-' : '+', static_cast<int>(offset_minutes / 60),
                static_cast<int>(offset_minutes % 60));
  return std::string(text) + " (" + zone.name() + ")";
}

std::string inbound_mail_body(const store::InboundMessage& message, const policy::TimeZone& zone) {
  return message.text + "\n\nFrom: " + message.from +
         "\nReceived: " + local_time_text(message.received_at, zone) + "\nModem: " + message.modem +
         "\n";
}

store::NewMail forward_mail(const ForwardRule& rule, const store::InboundMessage& message,
                            const policy::TimeZone& zone, std::string message_id) {
  store::NewMail mail;
  mail.to_address = rule.to;
  mail.subject = fill_placeholders(rule.subject, message);
  mail.body = inbound_mail_body(message, zone);
  mail.message_id = std::move(message_id);
  mail.inbound_id = message.id;
  mail.forward_id = rule.id;
  return mail;
}

}  // namespace smsgate::email

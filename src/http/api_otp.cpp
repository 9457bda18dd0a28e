// /api/v1/otp: send a one-time password, verify one. The codes themselves live in
// src/auth/otp (hashed, single use, expiring, with an attempt limit).
#include <algorithm>
#include <string>

#include "http/api.h"
#include "http/json_input.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

Response send_code(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auth::OtpRequest otp;
  auto to = fields.required_string("to", 64);
  if (!to) return error_from(to.error());
  otp.to = std::move(*to);
  auto template_text = fields.string("template", 1000);
  if (!template_text) return error_from(template_text.error());
  otp.template_text = *template_text;
  auto length = fields.integer("length", 0, 100);
  if (!length) return error_from(length.error());
  if (*length) otp.length = static_cast<int>(**length);
  auto ttl = fields.integer("ttl", 0, 1000000);
  if (!ttl) return error_from(ttl.error());
  if (*ttl) otp.ttl_seconds = static_cast<int>(**ttl);
  if (Status done = fields.finish(); !done) return error_from(done.error());
  if (auto key = request.header("idempotency-key")) {
    if (key->empty() || key->size() > 255)
      return error_response(ErrorCode::kInvalidField,
                            "Idempotency-Key: must be 1 to 255 characters", "Idempotency-Key");
    otp.idempotency_key = std::string(*key);
  }
  const int64_t now = context.clock.now();
  auto issued = context.otp.send(otp, now);
  if (!issued) return error_from(issued.error());
  if (issued->refused_until) {
    // Whole seconds (RFC 9110 10.2.3), rounded up so that a client that waits exactly
    // this long is not refused again.
    const int64_t retry_after = std::max<int64_t>(1, (*issued->refused_until - now + 999) / 1000);
    Response response = error_response(ErrorCode::kRateLimited,
                                       "too many codes sent to " + issued->to +
                                           " recently; the next may be sent in " +
                                           std::to_string(retry_after) + " s",
                                       "to");
    response.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return response;
  }
  Response response = json_response(issued->existing ? 200 : 202,
                                    {{"id", issued->message_id},
                                     {"to", issued->to},
                                     {"expires_at", store::iso8601_utc(issued->expires_at)},
                                     {"parts", issued->parts},
                                     {"encoding", issued->encoding}});
  if (issued->existing) response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

Response verify_code(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto to = fields.required_string("to", 64);
  if (!to) return error_from(to.error());
  auto code = fields.required_string("code", 64);
  if (!code) return error_from(code.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  auto verdict = context.otp.verify(*to, *code, context.clock.now());
  if (!verdict) return error_from(verdict.error());
  return json_response(200, {{"valid", *verdict == auth::OtpVerdict::kValid},
                             {"result", auth::otp_verdict_name(*verdict)}});
}

}  // namespace

void add_otp_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"POST", "/api/v1/otp", Scope::kOtp, send_code},
      {"POST", "/api/v1/otp/verify", Scope::kOtp, verify_code},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http

// Whatever bytes a client sends, in whatever pieces, the SMTP session answers with
// well-formed replies (three digits, then ' ' or '-', each line ending in CRLF) and
// never crashes, reads out of range (ASan) or hits undefined behaviour (UBSan). The
// first byte picks whether the client is trusted and whether TLS is offered; the
// input is fed in pieces whose sizes the following bytes choose.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "email/smtp_session.h"

namespace {

using namespace smsgate;

struct Host final : email::SmtpHost {
  bool authenticate(std::string_view, std::string_view password) override {
    return password == "key";
  }
  Result<bool> opted_out(const std::string& number) override {
    if (number.ends_with("99")) return make_error("unavailable");
    return number.ends_with("1");
  }
  email::SmtpReply deliver(const email::Envelope& envelope, std::string_view mail) override {
    if (envelope.recipients.empty()) __builtin_trap();
    return {mail.size() % 2 ? 250 : 554, "2.0.0 done"};
  }
};

void require_replies(std::string_view out) {
  while (!out.empty()) {
    size_t end = out.find("\r\n");
    if (end == std::string_view::npos || end < 4) __builtin_trap();
    for (size_t i = 0; i < 3; ++i)
      if (!std::isdigit(static_cast<unsigned char>(out[i]))) __builtin_trap();
    if (out[3] != ' ' && out[3] != '-') __builtin_trap();
    out.remove_prefix(end + 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  email::SmtpSettings settings;
  settings.domain = "sms.example";
  settings.default_region = "DE";
  settings.max_message_bytes = 4096;
  settings.tls_available = data[0] & 1;
  Host host;
  email::SmtpSession session(settings, host, "192.0.2.1", data[0] & 2);
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t piece = (data[0] >> 2) + 1;
  while (!input.empty() && !session.closed()) {
    size_t take = std::min(piece, input.size());
    require_replies(session.feed(input.substr(0, take)));
    input.remove_prefix(take);
    if (session.wants_tls()) session.tls_started();
  }
  return 0;
}

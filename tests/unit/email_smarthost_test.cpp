// What a smarthost's answer means for a mail, and when TLS is required.
#include <curl/curl.h>
#include <doctest/doctest.h>

#include "email/smarthost.h"

namespace smsgate::email {
namespace {

TEST_CASE("judge_reply: 2xx sent, 5xx set aside, 4xx and no answer retried") {
  CHECK(judge_reply(CURLE_OK, 250) == SendVerdict::kSent);
  CHECK(judge_reply(CURLE_SEND_ERROR, 550) == SendVerdict::kSetAside);
  CHECK(judge_reply(CURLE_LOGIN_DENIED, 535) == SendVerdict::kSetAside);
  CHECK(judge_reply(CURLE_SEND_ERROR, 451) == SendVerdict::kRetry);
  CHECK(judge_reply(CURLE_COULDNT_CONNECT, 0) == SendVerdict::kRetry);
  CHECK(judge_reply(CURLE_OPERATION_TIMEDOUT, 0) == SendVerdict::kRetry);
  // STARTTLS refused by a relay that does not offer it: no reply code to go by.
  CHECK(judge_reply(CURLE_USE_SSL_FAILED, 250) == SendVerdict::kRetry);
}

TEST_CASE("smarthost_tls: smtps implicit, STARTTLS required but to this machine") {
  CHECK(smarthost_tls("smtps://mail.klinik.example:465") == SmarthostTls::kImplicit);
  CHECK(smarthost_tls("smtp://mail.klinik.example:587") == SmarthostTls::kStartTlsRequired);
  CHECK(smarthost_tls("smtp://10.0.0.5") == SmarthostTls::kStartTlsRequired);
  CHECK(smarthost_tls("smtp://127.0.0.1:25") == SmarthostTls::kStartTlsIfOffered);
  CHECK(smarthost_tls("smtp://localhost") == SmarthostTls::kStartTlsIfOffered);
  CHECK(smarthost_tls("smtp://[::1]:2525") == SmarthostTls::kStartTlsIfOffered);
  CHECK(smarthost_tls("smtp://127.example.org") == SmarthostTls::kStartTlsRequired);
}

}  // namespace
}  // namespace smsgate::email

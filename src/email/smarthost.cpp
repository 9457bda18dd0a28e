#include "email/smarthost.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace smsgate::email {
namespace {

struct Upload {
  std::string_view message;
  size_t sent = 0;
};

size_t read_message(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t chunk = std::min(size * count, upload->message.size() - upload->sent);
  upload->message.copy(buffer, chunk, upload->sent);
  upload->sent += chunk;
  return chunk;
}

// The relay's last refusal (a 4xx or 5xx reply line): the reason a person reads when
// a mail is set aside, and what decides whether it is tried again (the replies to RSET
// or QUIT after it say nothing about the mail); used only when the try failed. Only
// what the relay says is looked at, never what we send (the login).
struct Refusal {
  int code = 0;
  std::string line;
};

int keep_refusal(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  auto* refusal = static_cast<Refusal*>(user);
  if (type != CURLINFO_HEADER_IN || size < 3) return 0;
  if ((data[0] != '4' && data[0] != '5') || !std::isdigit(static_cast<unsigned char>(data[1])) ||
      !std::isdigit(static_cast<unsigned char>(data[2])))
    return 0;
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  refusal->code = std::stoi(line.substr(0, 3));
  refusal->line = std::move(line);
  return 0;
}

std::string host_of(std::string_view url) {
  size_t start = url.find("://");
  start = start == url.npos ? 0 : start + 3;
  std::string_view authority = url.substr(start, url.find('/', start) - start);
  if (authority.starts_with('[')) return std::string(authority.substr(1, authority.find(']') - 1));
  return std::string(authority.substr(0, authority.find(':')));
}

struct EasyCleanup {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListCleanup {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

SmarthostTls smarthost_tls(std::string_view url) {
  if (url.starts_with("smtps://")) return SmarthostTls::kImplicit;
  const std::string host = host_of(url);
  in_addr v4{};
  const bool loopback_v4 =
      inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8
  const bool local = host == "localhost" || host == "::1" || loopback_v4;
  return local ? SmarthostTls::kStartTlsIfOffered : SmarthostTls::kStartTlsRequired;
}

SendVerdict judge_reply(int curl_code, int reply_code) {
  if (curl_code == CURLE_OK && reply_code >= 200 && reply_code < 300) return SendVerdict::kSent;
  // RFC 5321 section 4.2.1: 5yz is a permanent negative completion reply.
  if (reply_code >= 500 && reply_code < 600) return SendVerdict::kSetAside;
  return SendVerdict::kRetry;
}

SendOutcome send_mail(const Smarthost& smarthost, const std::string& envelope_from,
                      const std::string& envelope_to, std::string_view message) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  SendOutcome outcome;
  // Declared before the handle: its cleanup (QUIT) still calls back into them.
  const std::string from = "<" + envelope_from + ">";
  std::unique_ptr<curl_slist, ListCleanup> recipients(
      curl_slist_append(nullptr, ("<" + envelope_to + ">").c_str()));
  Upload upload{message};
  Refusal refusal;
  char error[CURL_ERROR_SIZE] = {};
  std::unique_ptr<CURL, EasyCleanup> easy(curl_easy_init());
  if (!easy) {
    outcome.error = "libcurl cannot create a request";
    return outcome;
  }
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, smarthost.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  switch (smarthost_tls(smarthost.url)) {
    case SmarthostTls::kImplicit:
      break;
    case SmarthostTls::kStartTlsRequired:
      curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
      break;
    case SmarthostTls::kStartTlsIfOffered:
      curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
      break;
  }
  if (!smarthost.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, smarthost.ca_file.c_str());
  if (!smarthost.user.empty()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, smarthost.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, smarthost.password.c_str());
  }
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(e, CURLOPT_READDATA, &upload);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(smarthost.timeout.count()));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded daemon
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  // The debug callback sees the relay's replies; with it set, nothing goes to stderr.
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, keep_refusal);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, &refusal);
  curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
  const CURLcode code = curl_easy_perform(e);
  long reply = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply);
  outcome.reply_code =
      code != CURLE_OK && refusal.code != 0 ? refusal.code : static_cast<int>(reply);
  outcome.verdict = judge_reply(code, outcome.reply_code);
  if (outcome.verdict == SendVerdict::kSent) return outcome;
  if (code != CURLE_OK && refusal.code != 0) {
    outcome.error = refusal.line;
  } else {
    outcome.error = error[0] ? error : curl_easy_strerror(code);
  }
  return outcome;
}

}  // namespace smsgate::email

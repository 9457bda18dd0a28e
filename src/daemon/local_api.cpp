#include "daemon/local_api.h"

#include <curl/curl.h>

#include <memory>

namespace smsgate::daemon {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* body) {
  auto* text = static_cast<std::string*>(body);
  // A health answer is a few hundred bytes; more is not smsgated.
  if (text->size() > 64 * 1024) return 0;
  text->append(data, size * count);
  return size * count;
}

}  // namespace

std::string local_base_url(const std::string& listen, bool tls, std::optional<int> port) {
  size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  // Listening everywhere answers on loopback too.
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  std::string port_text = port ? std::to_string(*port) : listen.substr(colon + 1);
  return std::string(tls ? "https" : "http") + "://" + host + ":" + port_text;
}

LocalAnswer get_local(const std::string& url, std::chrono::milliseconds timeout) {
  LocalAnswer answer;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) {
    answer.error = "libcurl could not start";
    return answer;
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl.get(), CURLOPT_PROXY, "");
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, 0L);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    answer.error = error[0] ? error : curl_easy_strerror(code);
    return answer;
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  answer.http_status = static_cast<int>(status);
  return answer;
}

}  // namespace smsgate::daemon

// A small HTTP client for the tests (libcurl, one request at a time per client): the
// API is tested over real HTTP, as local software will use it. An answer that is an
// event stream (text/event-stream, which does not end) is left after its first bytes:
// its status, headers and those bytes are the answer (integration/sse_client.h reads
// streams).
#pragma once

#include <curl/curl.h>
#include <doctest/doctest.h>
#include <strings.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace smsgate::testing {

struct HttpAnswer {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json json() const {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    REQUIRE_MESSAGE(!parsed.is_discarded(), "not JSON: " << body);
    return parsed;
  }
  // The error code of a JSON error body ("" when there is none).
  std::string error_code() const {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("error")) return "";
    return parsed["error"].value("code", "");
  }
  std::string error_field() const {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("error")) return "";
    return parsed["error"].value("field", "");
  }
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url, std::string api_key = {})
      : base_(std::move(base_url)), key_(std::move(api_key)), curl_(curl_easy_init()) {}
  ~HttpClient() { curl_easy_cleanup(curl_); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void set_key(std::string key) { key_ = std::move(key); }
  // Checks the server's certificate against this one (by default, any is accepted).
  void trust_only(std::string certificate_file) { trusted_ = std::move(certificate_file); }

  HttpAnswer request(const std::string& method, const std::string& path,
                     const std::string& body = {},
                     const std::vector<std::string>& extra_headers = {}) {
    HttpAnswer answer;
    curl_easy_reset(curl_);
    std::string url = base_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 20000L);
    if (trusted_.empty()) {
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
      curl_easy_setopt(curl_, CURLOPT_CAINFO, trusted_.c_str());
    }
    if (!body.empty() || method == "POST") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_slist* headers = nullptr;
    std::string authorization = "Authorization: Bearer " + key_;
    if (!key_.empty()) headers = curl_slist_append(headers, authorization.c_str());
    bool own_type =
        std::any_of(extra_headers.begin(), extra_headers.end(), [](const std::string& header) {
          return header.size() > 13 && strncasecmp(header.c_str(), "content-type:", 13) == 0;
        });
    if (!own_type) headers = curl_slist_append(headers, "Content-Type: application/json");
    for (const std::string& header : extra_headers)
      headers = curl_slist_append(headers, header.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &write_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &write_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &answer.headers);
    CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    bool left_stream = code == CURLE_WRITE_ERROR && streaming(answer);
    REQUIRE_MESSAGE((code == CURLE_OK || left_stream),
                    method << " " << path << ": " << curl_easy_strerror(code));
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &answer.status);
    return answer;
  }

  HttpAnswer get(const std::string& path) { return request("GET", path); }
  HttpAnswer post(const std::string& path, const nlohmann::json& body,
                  const std::vector<std::string>& headers = {}) {
    return request("POST", path, body.dump(), headers);
  }
  HttpAnswer patch(const std::string& path, const nlohmann::json& body) {
    return request("PATCH", path, body.dump());
  }
  HttpAnswer del(const std::string& path) { return request("DELETE", path); }

 private:
  static bool streaming(HttpAnswer& answer) {
    return answer.headers["content-type"].starts_with("text/event-stream");
  }
  static size_t write_body(char* data, size_t size, size_t count, void* out) {
    auto& answer = *static_cast<HttpAnswer*>(out);
    answer.body.append(data, size * count);
    return streaming(answer) ? 0 : size * count;  // 0: curl stops reading
  }
  static size_t write_header(char* data, size_t size, size_t count, void* out) {
    std::string line(data, size * count);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(value.begin());
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
    }
    return size * count;
  }

  std::string base_;
  std::string key_;
  std::string trusted_;
  CURL* curl_;
};

}  // namespace smsgate::testing

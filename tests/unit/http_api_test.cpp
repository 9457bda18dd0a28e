// The API's answers to failures (http/api.h): what reaches the client and what stays
// in the log.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "http/api.h"

namespace smsgate::http {
namespace {

TEST_CASE("api errors: a 500 carries an id to quote, never the database's words") {
  const Error failure =
      make_error("no such column: recipeint in SELECT ... FROM /var/lib/smsgate/smsgate.db");
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    Response response = server_error(failure);
    CHECK(response.status == 500);
    CHECK(response.body.find("recipeint") == std::string::npos);
    CHECK(response.body.find("smsgate.db") == std::string::npos);
    auto body = nlohmann::json::parse(response.body);
    CHECK(body["error"]["code"] == "internal");
    std::string message = body["error"]["message"];
    const std::string prefix = "internal error; the log has its details under ";
    REQUIRE(message.starts_with(prefix));
    std::string id = message.substr(prefix.size());
    CHECK(id.size() == 16);
    ids.insert(id);
  }
  CHECK(ids.size() == 3);  // one per failure, to find it in the log
}

TEST_CASE("api errors: a full disk is 503 storage_unavailable with Retry-After") {
  Error full = make_error("database or disk is full");
  full.code = ErrorCode::kStorageUnavailable;
  Response response = server_error(full);
  CHECK(response.status == 503);
  CHECK(response.body.find("database or disk is full") == std::string::npos);
  CHECK(nlohmann::json::parse(response.body)["error"]["code"] == "storage_unavailable");
}

}  // namespace
}  // namespace smsgate::http

#include "http/web.h"

#include <string>

namespace smsgate::http {

namespace {

std::string content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

Response asset_response(const WebAsset& asset) {
  Response response{200, content_type(asset.name), std::string(asset.content), {}};
  // The page loads nothing from elsewhere and is never framed: an injected script or
  // a hostile frame gets nowhere.
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

}  // namespace

void add_web_routes(Router& router) {
  for (const WebAsset& asset : web_assets()) {
    Handler serve = [&asset](const Request&) { return asset_response(asset); };
    router.add("GET", "/" + std::string(asset.name), Access::anyone(), serve);
    if (asset.name == "index.html") router.add("GET", "/", Access::anyone(), serve);
  }
}

}  // namespace smsgate::http

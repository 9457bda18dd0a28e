// The admin page (web/: plain ES modules and CSS), compiled into the binary so that the
// appliance serves it with nothing on disk: "/" is index.html, any other file of web/
// is at "/<file name>". What it shows comes from the API (api_admin.cpp and the rest).
#pragma once

#include <string_view>
#include <vector>

#include "http/router.h"

namespace smsgate::http {

struct WebAsset {
  std::string_view name;  // "admin.js"
  std::string_view content;
};

// Every file of web/ but its README, as the build found them (web_assets.cpp.in).
const std::vector<WebAsset>& web_assets();

void add_web_routes(Router& router);

}  // namespace smsgate::http

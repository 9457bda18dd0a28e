// Shared by the configuration's unit tests: a file's text read as "test.toml", so that
// a refusal names it with the line and column of the mistake.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "config/config.h"

namespace smsgate::config::testing {

// `text` as a Config; it must be accepted.
inline Config parsed(std::string_view text) {
  Result<Config> config = parse_config(text, "test.toml");
  REQUIRE_MESSAGE(config.ok(), config.error().message);
  return *config;
}

// Why `text` is refused ("test.toml:LINE:COLUMN: reason"); it must be.
inline std::string refusal(std::string_view text) {
  Result<Config> config = parse_config(text, "test.toml");
  REQUIRE_MESSAGE(!config.ok(), "accepted: " << text);
  return config.error().message;
}

}  // namespace smsgate::config::testing

// Shared by the store's unit tests: a database in a fresh temporary directory.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"

namespace smsgate::store::testing {

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "store_test_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string db() const { return (path / "smsgate.db").string(); }
  std::filesystem::path path;
};

inline std::unique_ptr<Store> open_store(const TempDir& dir) {
  auto store = Store::open(dir.db());
  REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
  return std::move(*store);
}

}  // namespace smsgate::store::testing

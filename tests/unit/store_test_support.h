// Shared by the store's unit tests: a database in a fresh temporary directory, a
// one-part message submitted and sent, and a one-part text recorded as a modem would.
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

// Submits `message` with one part at `at`; its id.
inline int64_t submit_one_part(Store& store, NewMessage message, int64_t at) {
  message.parts.push_back(NewPart{"00" + std::string(40, 'B'), 20});
  auto submitted = store.submit({message}, at);
  REQUIRE(submitted.ok());
  return (*submitted)[0].id;
}

// Claims and sends the message's only part on modem IMEI1: the message becomes sent.
inline void send_only_part(Store& store, int64_t id, int64_t at) {
  auto claimed = store.claim(id, "IMEI1", at);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  int64_t part = (*claimed)->parts[0].id;
  REQUIRE(store.mark_part_submitting(part, "IMEI1", at).ok());
  REQUIRE(store.mark_part_sent(part, 5, at).ok());
}

// A one-part text from `sender` on modem "imei-1", as its worker reads it; `pdu` is the
// inbox's key against duplicates (one per text).
inline InboundPartIn inbound(const std::string& pdu, const std::string& sender,
                             const std::string& text, int64_t at) {
  InboundPartIn in;
  in.modem = "imei-1";
  in.pdu_hex = pdu;
  in.sender = sender;
  in.text = text;
  in.received_at = at;
  return in;
}

// Records inbound(...); the inbound message's id.
inline int64_t record_text(Store& store, const std::string& pdu, const std::string& sender,
                           const std::string& text, int64_t at) {
  auto recorded = store.record_inbound_part(inbound(pdu, sender, text, at));
  REQUIRE(recorded.ok());
  REQUIRE(recorded->completed.has_value());
  return recorded->completed->id;
}

}  // namespace smsgate::store::testing

// What a modem looks like from outside its worker: the state, what it is (identity),
// how it is doing (health) and its counters. Plain values to copy and show, so a layer
// that only reports on modems (the HTTP API) need not see the worker, the AT channel or
// the drivers: nothing here includes src/at/ or drivers/.
//
// Thread safety: values; ModemWorker::status() hands out copies.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "modem/info.h"

namespace smsgate::modem {

// The worker's states; the diagram is in modem/worker.h.
enum class State {
  kOpening,         // opening the port (again)
  kProbing,         // AT, echo off, identity, driver init
  kUnlocking,       // SIM PIN
  kInitialising,    // SMS set-up, stored messages drained
  kReady,           // sending, receiving, health polls
  kResetting,       // no answer: working up the reset ladder
  kOffline,         // the port is gone or will not open; retried
  kNeedsAttention,  // wrong PIN, PUK lock, no SIM, ...: waits for a person
  kStopped,
};
std::string_view state_name(State state);  // "ready", "needs-attention", ...

struct Identity {
  std::string manufacturer;  // AT+CGMI
  std::string model;         // AT+CGMM
  std::string revision;      // AT+CGMR
  std::string imei;          // AT+CGSN
  std::string imsi;          // AT+CIMI, once the SIM is unlocked
  std::string iccid;         // the driver's ICCID command
  friend bool operator==(const Identity&, const Identity&) = default;
};

struct Health {
  std::optional<int> rssi;  // AT+CSQ <rssi> 0..31; nullopt when 99 (unknown)
  std::optional<int> dbm;   // -113 + 2 * rssi (TS 27.007 clause 8.5)
  RegistrationStatus registration = RegistrationStatus::kUnknown;  // AT+CREG?
  std::string operator_name;  // AT+COPS?, empty when not registered
  // Where received messages are stored (<mem3> of AT+CPMS?) and how full it is.
  std::optional<StorageUsage> message_storage;
  bool registered() const { return is_registered(registration); }
  bool storage_full() const {
    return message_storage && message_storage->total > 0 &&
           message_storage->used >= message_storage->total;
  }
  friend bool operator==(const Health&, const Health&) = default;
};

// What the modem looks like now; copied out by ModemWorker::status().
struct ModemStatus {
  State state = State::kOpening;
  std::string detail;  // why it is offline / needs attention / last reset
  std::string port;
  std::string family;  // the driver chosen
  Identity identity;
  Health health;
  std::optional<MonotonicClock::time_point> health_checked;
  uint64_t parts_sent = 0;
  uint64_t parts_failed = 0;
  uint64_t messages_received = 0;
  uint64_t resets = 0;
  // The last trouble: a reset's or going offline's reason, or a send the modem refused
  // ("+CMS ERROR: 38 ..."), with when (wall clock, ms); empty until there is one.
  std::string last_error;
  std::optional<int64_t> last_error_at;
};

}  // namespace smsgate::modem
